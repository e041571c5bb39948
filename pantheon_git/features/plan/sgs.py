"""Serial schedule generation and forward-backward improvement.

``serial`` takes stories in a given order (each after its dependencies) and starts each one
as early as its dependencies, a free lane and its conflicts allow, without going back into
gaps left earlier. Taking any valid schedule's stories in order of their start times gives a
schedule where no story starts later (the lane and conflict picture only gets better for
each story), so this scheme can reach every optimal schedule and never makes a schedule worse
when fed its own start order. ``justify`` uses that twice: shift every story as late as
possible (backward pass, latest end first), then as early as possible (forward pass, earliest
start first); the makespan never grows and often shrinks (Valls et al.'s double
justification, there for resource-constrained project scheduling).

A story without hours takes no lane time; it only has to respect its dependencies.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Sequence

from pantheon_git.features.plan.model import Problem


class Budget:
    """Search effort counted in story placements, so the same input gives the same plan.

    A wall-clock limit would make the result depend on the machine's speed.
    """

    def __init__(self, placements: int) -> None:
        self.left = placements

    def spend(self, placements: int) -> bool:
        self.left -= placements
        return self.left > 0

    @property
    def exhausted(self) -> bool:
        return self.left <= 0


def serial(
    order: Sequence[int],
    dur: Sequence[int],
    preds: Sequence[Sequence[int]],
    conf: Sequence[Sequence[int]],
    lanes: int,
) -> tuple[list[int], int]:
    """Start times for stories placed in ``order``, and the makespan."""
    n = len(dur)
    free = [0] * lanes  # sorted: the time each lane becomes free
    start = [0] * n
    end = [0] * n
    placed = [False] * n
    makespan = 0
    end_of = end.__getitem__
    for j in order:
        pj = preds[j]
        ready = max(map(end_of, pj)) if pj else 0
        d = dur[j]
        if d == 0:
            start[j] = end[j] = ready
            placed[j] = True
            continue
        t = ready if ready > free[0] else free[0]
        cj = conf[j]
        if cj:
            busy = [(start[c], end[c]) for c in cj if placed[c] and dur[c]]
            if busy:
                t = _avoid(t, d, busy)
        del free[bisect_right(free, t) - 1]  # best fit: the lane that became free last
        e = t + d
        insort(free, e)
        start[j] = t
        end[j] = e
        placed[j] = True
        if e > makespan:  # noqa: PLR1730 - hot loop: a call to max() costs more
            makespan = e
    return start, makespan


def _avoid(t: int, d: int, busy: list[tuple[int, int]]) -> int:
    """Earliest time >= t at which [time, time + d) overlaps none of ``busy``."""
    busy.sort()
    for a, b in busy:
        if a < t + d and t < b:
            t = b
    return t


def makespan_of(problem: Problem, start: Sequence[int]) -> int:
    return max((s + d for s, d in zip(start, problem.dur, strict=True)), default=0)


def forward(problem: Problem, start: Sequence[int], lanes: int) -> tuple[list[int], int]:
    """Left-justify: re-place every story in order of its start time."""
    order = sorted(range(problem.n), key=start.__getitem__)  # stable: ties by index
    return serial(order, problem.dur, problem.preds, problem.conf, lanes)


def backward(problem: Problem, start: Sequence[int], lanes: int) -> list[int]:
    """Right-justify: re-place every story as late as possible, latest end first.

    Runs ``serial`` on the reversed graph and mirrors the times back, so the result ends at
    the same or an earlier point than the input and starts at 0.
    """
    dur = problem.dur
    # Latest end first, then latest start, then highest index: successors before predecessors.
    scale = max(start, default=0) + 1
    rank = [(start[j] + dur[j]) * scale + start[j] for j in range(problem.n)]
    order = sorted(range(problem.n - 1, -1, -1), key=rank.__getitem__, reverse=True)
    rstart, span = serial(order, dur, problem.succs, problem.conf, lanes)
    return [span - rstart[j] - dur[j] for j in range(problem.n)]


def justify(
    problem: Problem, start: Sequence[int], lanes: int, budget: Budget | None = None
) -> tuple[list[int], int]:
    """Forward-backward passes until the makespan stops shrinking."""
    best = list(start)
    span = makespan_of(problem, best)
    while True:
        candidate, new_span = forward(problem, backward(problem, best, lanes), lanes)
        if budget is not None:
            budget.spend(2 * problem.n)
        if new_span < span:
            best, span = candidate, new_span
            if budget is not None and budget.exhausted:
                return best, span
            continue
        if new_span == span:
            best = candidate
        return best, span
