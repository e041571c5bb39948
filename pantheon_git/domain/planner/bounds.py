"""Lower bounds on the makespan: no plan for these stories and lanes can finish earlier.

The bound reported is the largest of:

* critical path: the longest chain of dependent work;
* load: total hours / lanes, rounded up to the time unit (every schedule's length is a sum
  of story durations, so a multiple of the unit);
* head and tail load: stories that cannot start before ``h`` (their dependencies alone take
  that long) still need their total work / lanes after ``h``; the same at the end, and both
  at once for up to ``_PAIR_LIMIT`` stories;
* pigeonhole: with more stories than lanes, two of the ``lanes + 1`` longest share a lane;
* conflicts: stories that pairwise conflict run one after another, so a group of them needs
  the earliest start among them + their total + the shortest tail after them.
"""

from __future__ import annotations

from bisect import insort

from pantheon_git.domain.planner.graph import heads, tails
from pantheon_git.domain.planner.model import Problem

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
        value = (
            min(head[c] for c in clique)
            + sum(dur[c] for c in clique)
            + min(tail[c] for c in clique)
        )
        best = max(best, value)
    return best
