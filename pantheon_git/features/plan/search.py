"""From the CP/MISF baseline to a near-optimal schedule, under a fixed effort budget.

1. CP/MISF list schedule (``listsched``); stop if it meets the lower bound.
2. Double justification (``sgs.justify``) until it stops helping.
3. Iterated local search: perturb the best schedule's start order (small random delays on
   every story, or a shuffle of the stories starting inside one random time window), rebuild
   it with the serial scheme, justify, and keep it if it is no longer than the current one.
   Stops at the lower bound or when the budget is spent.
4. For small graphs (``EXACT_LIMIT`` stories or fewer), depth-first branch and bound
   (``exact``) with what is left of the budget: it either proves the plan optimal or
   improves it.

Randomness comes from one seeded generator and effort is counted in story placements, so
the same input always gives the same plan.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from pantheon_git.features.plan.bounds import lower_bound
from pantheon_git.features.plan.exact import branch_and_bound
from pantheon_git.features.plan.listsched import cp_misf
from pantheon_git.features.plan.model import Problem
from pantheon_git.features.plan.sgs import Budget, justify, makespan_of, serial

DEFAULT_BUDGET = 250_000
"""Story placements; about half a second of search on this project's 2-core benchmark box."""
DEFAULT_SEED = 20_240_917
EXACT_LIMIT = 40
_NOISE = 2.0  # random delay of up to this many mean story lengths
_WINDOW = 4.0  # window shuffles cover this many mean story lengths
_WINDOW_SHARE = 0.5


@dataclass(frozen=True)
class Solution:
    start: list[int]
    makespan: int
    lower_bound: int
    baseline: int
    """Makespan of the CP/MISF schedule, for comparison."""
    proved_optimal: bool
    method: str


def solve(
    problem: Problem,
    lanes: int,
    *,
    budget: int = DEFAULT_BUDGET,
    seed: int = DEFAULT_SEED,
    exact_limit: int = EXACT_LIMIT,
) -> Solution:
    """The best schedule found for ``problem`` on ``lanes`` lanes (start times in units)."""
    if lanes < 1:
        raise ValueError("at least one lane is needed")
    bound = lower_bound(problem, lanes)
    start = cp_misf(problem, lanes)
    baseline = makespan_of(problem, start)
    if baseline <= bound:
        return Solution(start, baseline, bound, baseline, True, "cp/misf")
    effort = Budget(budget)
    exact = problem.n <= exact_limit
    search_share = budget // 2 if exact else budget
    effort_search = Budget(search_share)
    best, span = justify(problem, start, lanes, effort_search)
    method = "cp/misf + justification" if span < baseline else "cp/misf"
    if span > bound:
        improved, new_span = _iterated_search(
            problem, lanes, best, span, bound=bound, budget=effort_search, seed=seed
        )
        if new_span < span:
            best, span, method = improved, new_span, "local search"
    effort.spend(search_share - max(0, effort_search.left))
    proved = span <= bound
    if exact and not proved and not effort.exhausted:
        result = branch_and_bound(
            problem, lanes, best, incumbent_span=span, lower=bound, budget=effort
        )
        proved = result.proved
        if result.makespan < span:
            best, span, method = result.start, result.makespan, "branch and bound"
        if proved:
            bound = span
    return Solution(best, span, bound, baseline, proved or span <= bound, method)


def _iterated_search(
    problem: Problem,
    lanes: int,
    start: list[int],
    span: int,
    *,
    bound: int,
    budget: Budget,
    seed: int,
) -> tuple[list[int], int]:
    rng = random.Random(seed)  # noqa: S311 - reproducible search, not cryptography  # noqa: S311 - reproducible search, not cryptography
    n, dur = problem.n, problem.dur
    mean = max(1.0, sum(dur) / max(1, n))
    best, best_span = start, span
    current, current_span = start, span
    while best_span > bound and not budget.exhausted:
        keys = _perturbed(current, current_span, mean, rng)
        order = _feasible_order(problem, keys)
        candidate, _ = serial(order, dur, problem.preds, problem.conf, lanes)
        budget.spend(n)
        candidate, candidate_span = justify(problem, candidate, lanes, budget)
        if candidate_span <= current_span:
            current, current_span = candidate, candidate_span
            if candidate_span < best_span:
                best, best_span = candidate, candidate_span
    return best, best_span


def _perturbed(start: Sequence[int], span: int, mean: float, rng: random.Random) -> list[float]:
    """New priority keys: start times with random delays (everywhere or in one window)."""
    draw = rng.random
    if draw() < _WINDOW_SHARE:
        width = _WINDOW * mean
        low = draw() * span
        high = low + width
        return [s + draw() * width if low <= s <= high else float(s) for s in start]
    spread = _NOISE * mean
    return [s + draw() * spread for s in start]


def _feasible_order(problem: Problem, keys: list[float]) -> list[int]:
    """Stories by key, each kept after its dependencies (a key never drops below theirs)."""
    for j, ps in enumerate(problem.preds):  # index order is topological
        for p in ps:
            if keys[p] > keys[j]:  # noqa: PLR1730 - hot loop: a call to max() costs more
                keys[j] = keys[p]
    return sorted(range(problem.n), key=keys.__getitem__)  # stable: ties by index
