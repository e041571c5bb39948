"""Graph facts the planner needs, in plain Python (networkx's import alone costs ~200 ms).

All functions take predecessor lists indexed 0..n-1. On a ``Problem`` the index order is
already topological, so the longest-path passes are single sweeps.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pantheon_git.features.plan.model import Problem


def topological_order(n: int, preds: Sequence[Sequence[int]]) -> list[int] | None:
    """Kahn's algorithm, smallest index first among the ready ones; ``None`` on a cycle."""
    waiting = [len(ps) for ps in preds]
    succs: list[list[int]] = [[] for _ in range(n)]
    for j, ps in enumerate(preds):
        for p in ps:
            succs[p].append(j)
    ready = [j for j in range(n) if waiting[j] == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        j = heapq.heappop(ready)
        order.append(j)
        for s in succs[j]:
            waiting[s] -= 1
            if waiting[s] == 0:
                heapq.heappush(ready, s)
    return order if len(order) == n else None


def find_cycle(n: int, preds: Sequence[Sequence[int]]) -> list[int]:
    """One dependency cycle as ``[a, b, ..., a]`` in dependency order (a before b), or []."""
    succs: list[list[int]] = [[] for _ in range(n)]
    for j, ps in enumerate(preds):
        for p in ps:
            succs[p].append(j)
    state = [0] * n  # 0 new, 1 on the stack, 2 done
    for root in range(n):
        if state[root]:
            continue
        stack: list[tuple[int, int]] = [(root, 0)]
        path: list[int] = [root]
        state[root] = 1
        while stack:
            node, k = stack[-1]
            if k < len(succs[node]):
                stack[-1] = (node, k + 1)
                nxt = succs[node][k]
                if state[nxt] == 1:
                    return [*path[path.index(nxt) :], nxt]
                if state[nxt] == 0:
                    state[nxt] = 1
                    stack.append((nxt, 0))
                    path.append(nxt)
            else:
                state[node] = 2
                stack.pop()
                path.pop()
    return []


def heads(problem: Problem) -> list[int]:
    """Earliest start of each story with unlimited developers (longest path before it)."""
    dur, head = problem.dur, [0] * problem.n
    for j, ps in enumerate(problem.preds):
        for p in ps:
            head[j] = max(head[j], head[p] + dur[p])
    return head


def tails(problem: Problem) -> list[int]:
    """Longest path of work after each story (its own duration excluded)."""
    dur, tail = problem.dur, [0] * problem.n
    for j in range(problem.n - 1, -1, -1):
        for s in problem.succs[j]:
            tail[j] = max(tail[j], dur[s] + tail[s])
    return tail


def levels(problem: Problem) -> list[int]:
    """Static level: the story's own duration plus the longest path after it (CP priority)."""
    return [d + t for d, t in zip(problem.dur, tails(problem), strict=True)]


def critical_path(problem: Problem) -> list[int]:
    """The longest chain of dependent work. Ties: more stories, then earlier in input order."""
    n, dur = problem.n, problem.dur
    if n == 0:
        return []
    # best[j] = (hours of the longest chain starting at j, its story count)
    best: list[tuple[int, int]] = [(0, 0)] * n
    nxt: list[int] = [-1] * n
    position = problem.rank
    for j in range(n - 1, -1, -1):
        chosen, value = -1, (0, 0)
        for s in problem.succs[j]:
            if best[s] > value or (
                best[s] == value and chosen >= 0 and position[s] < position[chosen]
            ):
                chosen, value = s, best[s]
        nxt[j] = chosen
        best[j] = (dur[j] + value[0], 1 + value[1])
    start = min(range(n), key=lambda j: (-best[j][0], -best[j][1], position[j]))
    chain = [start]
    while nxt[chain[-1]] >= 0:
        chain.append(nxt[chain[-1]])
    return chain


def waves(problem: Problem) -> list[int]:
    """Dependency wave of each story: 1 without dependencies, else 1 + its latest predecessor's."""
    wave = [1] * problem.n
    for j, ps in enumerate(problem.preds):
        for p in ps:
            wave[j] = max(wave[j], wave[p] + 1)
    return wave


def transitive_reduction(problem: Problem) -> list[tuple[int, int]]:
    """The dependency edges that no longer chain of edges already implies.

    Reachability is kept as one integer bit set per story, so this stays near-linear in
    practice (10,000 stories: well under a second).
    """
    n = problem.n
    below = [0] * n  # bit k set: story k is reachable from j (j itself excluded)
    for j in range(n - 1, -1, -1):
        acc = 0
        for s in problem.succs[j]:
            acc |= below[s] | (1 << s)
        below[j] = acc
    kept: list[tuple[int, int]] = []
    for j in range(n):
        succs = problem.succs[j]
        if len(succs) == 1:
            kept.append((j, succs[0]))
            continue
        implied = 0
        for s in succs:
            implied |= below[s]
        kept.extend((j, s) for s in succs if not (implied >> s) & 1)
    return kept
