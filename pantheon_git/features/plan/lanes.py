"""Which lane (developer) does each story, once the start times are fixed.

The schedule never has more stories running than lanes, so going through the stories in
start order always finds a free lane; the choice among free lanes costs nothing and is used
for the seed's goals:

* the critical path goes to lane 0 ("CRITICAL PATH"); other stories use lane 0 only in its
  gaps, and only if no other lane is free;
* a story continues the lane of a dependency that just finished there (chains of dependent
  stories stay with one developer: fewer hand-overs, fewer cross-lane dependencies);
* a lane whose last story still has a successor waiting to continue there is left to it;
* otherwise the least loaded lane, so work spreads evenly and fresh lanes are used first.

Lanes are then numbered: the critical path lane first, then lanes with dependent stories,
then lanes of independent stories (each group by first start), idle lanes last.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from pantheon_git.features.plan.graph import levels
from pantheon_git.features.plan.model import Problem


def assign_lanes(
    problem: Problem, start: Sequence[int], lanes: int, critical: Collection[int]
) -> list[int]:
    """Lane index of every story, numbered as described in the module docstring."""
    n, dur, preds, succs = problem.n, problem.dur, problem.preds, problem.succs
    level = levels(problem)
    on_path = set(critical)
    path_starts = sorted(start[c] for c in on_path if dur[c])
    # Index order is topological: a zero-hour dependency comes before its successor.
    order = sorted(range(n), key=lambda j: (start[j], j not in on_path, -level[j], j))
    lane_of = [-1] * n
    lane_end = [0] * lanes
    lane_last = [-1] * lanes
    load = [0] * lanes
    never = max((s + d for s, d in zip(start, dur, strict=True)), default=0) + 1
    reserved = [never] * lanes  # the lane's last story has a successor starting then
    next_path = 0
    for j in order:
        t, e = start[j], start[j] + dur[j]
        while next_path < len(path_starts) and path_starts[next_path] < t:
            next_path += 1
        gap_ok = next_path >= len(path_starts) or e <= path_starts[next_path]
        if j in on_path and lane_end[0] <= t:
            lane = 0
        else:
            lane = _pick(t, e, gap_ok, lane_of, lane_end, lane_last, load, reserved, preds[j])
        if lane < 0:
            if dur[j]:
                raise RuntimeError(f"more stories than lanes at time {t}")
            lane = max((lane_of[p] for p in preds[j]), default=0)
        lane_of[j] = lane
        if e >= lane_end[lane]:
            lane_end[lane] = e
            lane_last[lane] = j
            reserved[lane] = min((start[s] for s in succs[j] if start[s] >= e), default=never)
        load[lane] += dur[j]
    return _renumber(problem, lane_of, lanes, on_path, start)


def _pick(  # noqa: PLR0917 - the inner step of assign_lanes, kept apart to read
    t: int,
    e: int,
    gap_ok: bool,
    lane_of: list[int],
    lane_end: list[int],
    lane_last: list[int],
    load: list[int],
    reserved: list[int],
    preds: Sequence[int],
) -> int:
    """The lane for a story running [t, e), or -1 if every lane is busy at ``t``.

    ``gap_ok``: the story ends before the next critical-path story starts (lane 0 is free for
    it); ``reserved[k]``: when lane k's last story has a successor waiting to continue there.
    """
    chained = [
        k
        for p in preds
        if (k := lane_of[p]) >= 0 and lane_last[k] == p and lane_end[k] <= t and (k or gap_ok)
    ]
    if chained:
        return max(chained, key=lambda k: (lane_end[k], -k))
    best, best_key = -1, (2, 0, 0, 0)
    for k in range(len(lane_end)):
        if lane_end[k] > t:
            continue
        key = (0 if k or gap_ok else 1, 0 if e <= reserved[k] else 1, load[k], k)
        if key < best_key:
            best, best_key = k, key
    return best


def _renumber(
    problem: Problem, lane_of: list[int], lanes: int, on_path: set[int], start: Sequence[int]
) -> list[int]:
    members: list[list[int]] = [[] for _ in range(lanes)]
    for j, lane in enumerate(lane_of):
        members[lane].append(j)
    path_count = [sum(1 for j in m if j in on_path) for m in members]
    first = max(range(lanes), key=lambda k: (path_count[k], -k)) if on_path else 0

    def sort_key(k: int) -> tuple[int, int, int]:
        stories = members[k]
        if not stories:
            return (2, 0, k)
        independent = all(not problem.preds[j] and not problem.succs[j] for j in stories)
        head = min(stories, key=lambda j: (start[j], problem.rank[j]))
        return (1 if independent else 0, start[head], problem.rank[head])

    rest = sorted((k for k in range(lanes) if k != first), key=sort_key)
    new_number = {old: new for new, old in enumerate([first, *rest])}
    return [new_number[lane] for lane in lane_of]


def lane_loads(problem: Problem, lane_of: Sequence[int], lanes: int) -> list[int]:
    load = [0] * lanes
    for j, lane in enumerate(lane_of):
        load[lane] += problem.dur[j]
    return load


def balance_sigma_pct(loads: Sequence[float]) -> float:
    """Standard deviation of the busy lanes' hours as a percentage of their mean (seed metric).

    Idle lanes are left out: they are reported separately, with what to do with them.
    """
    busy = [x for x in loads if x > 0]
    if len(busy) < 2:
        return 0.0
    mean = sum(busy) / len(busy)
    variance = sum((x - mean) ** 2 for x in busy) / len(busy)
    return round(100.0 * float(variance**0.5) / mean, 1)


def cross_lane_dependencies(edges: Sequence[tuple[int, int]], lane_of: Sequence[int]) -> int:
    """Dependencies (of the transitive reduction) whose two stories sit on different lanes."""
    return sum(1 for a, b in edges if lane_of[a] != lane_of[b])
