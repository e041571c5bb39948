"""Lower bounds on the makespan: no plan for these stories and lanes can finish earlier.

The bound reported is the largest of:

* critical path: the longest chain of dependent work;
* load: total hours / lanes, rounded up to the time unit (every schedule's length is a sum
  of story durations, so a multiple of the unit);
* head and tail load: stories that cannot start before ``h`` (their dependencies alone take
  that long) still need their total work / lanes after ``h``; the same at the end, and both
  at once for up to ``_PAIR_LIMIT`` stories;
* pigeonhole: with more stories than lanes, two of the ``lanes + 1`` longest share a lane;
* conflicts: stories that pairwise conflict run one after another, like jobs on a single
  machine whose release dates are the stories' earliest starts and whose delivery times are
  the work that must follow them. Jackson's preemptive schedule (longest delivery time first,
  interrupted when a job with a longer one is released) solves that relaxation exactly
  (Carlier 1982), so its length bounds every plan.
"""

from __future__ import annotations

import heapq
from bisect import insort

from pantheon_git.features.plan.graph import heads, tails
from pantheon_git.features.plan.model import Problem

_PAIR_LIMIT = 300


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def lower_bound(problem: Problem, lanes: int) -> int:
    """The strongest of the bounds above, in the problem's units."""
    n, dur = problem.n, problem.dur
    if n == 0:
        return 0
    head, tail = heads(problem), tails(problem)
    bound = max(head[j] + dur[j] + tail[j] for j in range(n))
    bound = max(bound, _ceil_div(sum(dur), lanes))
    bound = max(bound, _side_load(head, dur, lanes), _side_load(tail, dur, lanes))
    if n <= _PAIR_LIMIT:
        bound = max(bound, _two_sided_load(head, tail, dur, lanes))
    if n > lanes:
        longest = sorted(dur, reverse=True)
        bound = max(bound, longest[lanes - 1] + longest[lanes])
    return max(bound, _conflict_bound(problem, head, tail))


def _side_load(offset: list[int], dur: tuple[int, ...], lanes: int) -> int:
    """max over h of h + ceil(work of stories with offset >= h / lanes)."""
    best, work = 0, 0
    for j in sorted(range(len(dur)), key=lambda j: -offset[j]):
        work += dur[j]
        best = max(best, offset[j] + _ceil_div(work, lanes))
    return best


def _two_sided_load(head: list[int], tail: list[int], dur: tuple[int, ...], lanes: int) -> int:
    """max over (h, q) of h + ceil(work of stories with head >= h and tail >= q / lanes) + q."""
    best = 0
    members: list[tuple[int, int]] = []  # (-tail, duration), longest tail first
    for j in sorted(range(len(dur)), key=lambda j: -head[j]):
        insort(members, (-tail[j], dur[j]))
        work = 0
        for minus_tail, d in members:
            work += d
            value = head[j] + _ceil_div(work, lanes) - minus_tail
            if value > best:  # noqa: PLR1730 - inner loop: a call to max() costs more
                best = value
    return best


def _conflict_bound(problem: Problem, head: list[int], tail: list[int]) -> int:
    """Greedy cliques of the conflict graph, one grown from each story."""
    conf, dur = problem.conf, problem.dur
    best = 0
    neighbours = [set(c) for c in conf]
    for j in range(problem.n):
        if not conf[j]:
            continue
        clique = [j]
        for k in sorted(conf[j], key=lambda k: (-dur[k], k)):
            if all(k in neighbours[c] for c in clique):
                clique.append(k)
        best = max(best, jackson([(head[c], dur[c], tail[c]) for c in clique if dur[c]]))
    return best


def jackson(jobs: list[tuple[int, int, int]]) -> int:
    """max(completion + delivery) of the preemptive longest-delivery-first schedule.

    ``jobs``: (release, duration, delivery). The optimum of 1|r_j, pmtn|max(C_j + q_j).
    """
    jobs = sorted(jobs)
    waiting: list[tuple[int, int]] = []  # (-delivery, remaining)
    t = best = i = 0
    while i < len(jobs) or waiting:
        if not waiting:
            t = max(t, jobs[i][0])
        while i < len(jobs) and jobs[i][0] <= t:
            heapq.heappush(waiting, (-jobs[i][2], jobs[i][1]))
            i += 1
        minus_q, remaining = heapq.heappop(waiting)
        until = jobs[i][0] if i < len(jobs) else t + remaining
        run = min(remaining, until - t)
        t += run
        if run == remaining:
            best = max(best, t - minus_q)
        else:
            heapq.heappush(waiting, (minus_q, remaining - run))
    return best
