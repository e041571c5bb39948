"""Depth-first branch and bound in the spirit of DF/IHS (Kasahara & Narita 1984).

The search builds the plan one story at a time, each started as early as the serial scheme
allows (see ``sgs.serial``), children tried in critical-path order so the first dive is the
list schedule itself. Every optimal makespan is reached by some order in which the start
times never decrease (re-placing a schedule's stories in start order only moves them
earlier; repeat until nothing moves), so a child that would start before the previous story,
or at the same time with a smaller index, is skipped. A branch is cut when
``max(start + static level)`` over the stories that could go next, or the remaining work
spread over the lanes, cannot beat the best plan found. Partial plans that leave the same
stories placed and the same stories still running at the same times are explored once.

The search stops when it proves the best plan optimal (it ran out of branches, or reached
the lower bound) or when the placement budget is spent.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Sequence
from dataclasses import dataclass

from pantheon_git.features.plan.graph import levels
from pantheon_git.features.plan.model import Problem
from pantheon_git.features.plan.sgs import Budget

_MEMO_LIMIT = 300_000


class _Stop(Exception):
    pass


@dataclass
class ExactResult:
    start: list[int]
    makespan: int
    proved: bool


def branch_and_bound(  # noqa: PLR0915 - one search loop reads best in one piece
    problem: Problem,
    lanes: int,
    incumbent: Sequence[int],
    *,
    incumbent_span: int,
    lower: int,
    budget: Budget,
) -> ExactResult:
    """Search for a plan shorter than ``incumbent_span``; never returns a worse one."""
    n, dur, preds, succs, conf = problem.n, problem.dur, problem.preds, problem.succs, problem.conf
    level = levels(problem)
    best_start, best_span = list(incumbent), incumbent_span
    if best_span <= lower or n == 0:
        return ExactResult(best_start, best_span, True)
    start, end = [0] * n, [0] * n
    placed = [False] * n
    waiting = [len(ps) for ps in preds]
    eligible = {j for j in range(n) if waiting[j] == 0}
    free = [0] * lanes
    seen: set[tuple[object, ...]] = set()

    def place_time(j: int, s_last: int) -> int:
        t = s_last
        for p in preds[j]:
            if end[p] > t:  # noqa: PLR1730 - hot loop: a call to max() costs more
                t = end[p]
        d = dur[j]
        if d == 0:
            return t
        t = max(t, free[0])
        busy = sorted((start[c], end[c]) for c in conf[j] if placed[c] and dur[c])
        for a, b in busy:
            if a < t + d and t < b:
                t = b
        return t

    def dfs(  # noqa: PLR0912, PLR0917 - the search node: bound, children, recurse, undo
        depth: int, s_last: int, last: int, span: int, rest: int, mask: int
    ) -> None:
        nonlocal best_start, best_span
        if depth == n:
            if span < best_span:
                best_start, best_span = list(start), span
            return
        if not budget.spend(len(eligible)):
            raise _Stop
        running = tuple(sorted((end[j], j) for j in range(n) if placed[j] and end[j] > s_last))
        key = (mask, s_last, last, span, running)
        if key in seen:
            return
        if len(seen) < _MEMO_LIMIT:
            seen.add(key)
        load = sum(f - s_last for f in free if f > s_last) + rest
        bound = max(span, s_last + -(-load // lanes))
        children: list[tuple[int, int, int]] = []
        for j in eligible:
            t = place_time(j, s_last)
            bound = max(bound, t + level[j])
            if t == s_last and j < last:
                continue
            children.append((t, -level[j], j))
        if bound >= best_span:
            return
        children.sort()
        for t, _, j in children:
            if t + level[j] >= best_span:
                continue
            d = dur[j]
            start[j], end[j] = t, t + d
            placed[j] = True
            eligible.discard(j)
            released = []
            for s in succs[j]:
                waiting[s] -= 1
                if waiting[s] == 0:
                    eligible.add(s)
                    released.append(s)
            old = 0
            if d:
                old = free.pop(bisect_right(free, t) - 1)
                insort(free, t + d)
            dfs(depth + 1, t, j, max(span, t + d), rest - d, mask | (1 << j))
            if d:
                free.remove(t + d)
                insort(free, old)
            for s in released:
                eligible.discard(s)
            for s in succs[j]:
                waiting[s] += 1
            eligible.add(j)
            placed[j] = False
            if best_span <= lower:
                return

    try:
        dfs(0, 0, -1, 0, sum(dur), 0)
    except _Stop:
        return ExactResult(best_start, best_span, best_span <= lower)
    return ExactResult(best_start, best_span, True)
