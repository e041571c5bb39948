"""CP/MISF list scheduling (Kasahara & Narita 1984): the baseline every plan starts from.

Whenever a lane is free, start the ready story with the longest path to the end of the
project (its static level, own hours included); ties go to the story with more immediate
successors ("most immediate successors first"), then to the earlier key. A ready story waits
while a story it conflicts with is running.
"""

from __future__ import annotations

import heapq

from pantheon_git.features.plan.graph import levels
from pantheon_git.features.plan.model import Problem


def cp_misf(problem: Problem, lanes: int) -> list[int]:
    """Start times (in the problem's units) of the CP/MISF schedule on ``lanes`` lanes."""
    n, dur, succs, conf = problem.n, problem.dur, problem.succs, problem.conf
    level = levels(problem)
    rank = problem.rank
    waiting = [len(ps) for ps in problem.preds]
    ready: list[tuple[int, int, int, int]] = [
        (-level[j], -len(succs[j]), rank[j], j) for j in range(n) if waiting[j] == 0
    ]
    heapq.heapify(ready)
    running: list[tuple[int, int]] = []
    is_running = [False] * n
    start = [0] * n
    free, now, done = lanes, 0, 0
    while done < n:
        blocked = []
        while free and ready:
            item = heapq.heappop(ready)
            j = item[3]
            if any(is_running[c] for c in conf[j]):
                blocked.append(item)
                continue
            start[j] = now
            is_running[j] = True
            heapq.heappush(running, (now + dur[j], j))
            free -= 1
        for item in blocked:
            heapq.heappush(ready, item)
        now = running[0][0]
        while running and running[0][0] <= now:
            _, j = heapq.heappop(running)
            is_running[j] = False
            free += 1
            done += 1
            for s in succs[j]:
                waiting[s] -= 1
                if waiting[s] == 0:
                    heapq.heappush(ready, (-level[s], -len(succs[s]), rank[s], s))
    return start
