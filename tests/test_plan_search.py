"""The planner's schedules: always valid, never below the lower bound, optimal when small.

The exact answers come from ``brute_force`` below, a time-indexed search written
independently of the planner (it tries every set of stories to start at every whole hour).
"""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from pantheon_git.features.plan import PlanStory, check_plan, make_plan
from pantheon_git.features.plan.bounds import lower_bound
from pantheon_git.features.plan.exact import branch_and_bound
from pantheon_git.features.plan.listsched import cp_misf
from pantheon_git.features.plan.model import build_problem
from pantheon_git.features.plan.search import solve
from pantheon_git.features.plan.sgs import Budget, makespan_of

S = PlanStory
SMALL_BUDGET = 20_000


@st.composite
def instances(
    draw: st.DrawFn, max_n: int = 12, max_hours: int = 9, min_hours: int = 0
) -> tuple[list[PlanStory], int]:
    """Random DAG (any key order), random conflicts, hours in half-hour steps, 1-5 lanes."""
    n = draw(st.integers(1, max_n))
    halves = draw(st.lists(st.integers(2 * min_hours, 2 * max_hours), min_size=n, max_size=n))
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] < p[1])
    edges = draw(st.sets(pairs, max_size=2 * n))
    conflicts = draw(st.sets(pairs, max_size=n))
    names = draw(st.permutations([f"S{i}" for i in range(n)]))
    lanes = draw(st.integers(1, 5))
    stories = [
        S(
            names[j],
            halves[j] / 2,
            depends_on=tuple(names[a] for a, b in edges if b == j),
            conflicts_with=tuple(names[b] for a, b in conflicts if a == j),
        )
        for j in draw(st.permutations(range(n)))
    ]
    return stories, lanes


def critical_hours(stories: list[PlanStory]) -> float:
    hours = {s.key: s.hours for s in stories}
    deps = {s.key: s.depends_on for s in stories}
    memo: dict[str, float] = {}

    def finish(key: str) -> float:
        if key not in memo:
            memo[key] = hours[key] + max((finish(d) for d in deps[key]), default=0.0)
        return memo[key]

    return max(finish(k) for k in hours)


@settings(max_examples=150)
@given(instances())
def test_every_plan_is_valid_and_never_beats_the_lower_bound(
    case: tuple[list[PlanStory], int],
) -> None:
    stories, lanes = case
    plan = make_plan(stories, lanes, budget=SMALL_BUDGET)
    assert check_plan(stories, plan.entries, lanes) == []
    trivial = max(critical_hours(stories), sum(s.hours for s in stories) / lanes)
    assert plan.lower_bound >= trivial - 1e-6
    assert plan.makespan >= plan.lower_bound - 1e-6
    assert plan.makespan <= plan.baseline_makespan + 1e-6  # never worse than CP/MISF
    assert max((e.end for e in plan.entries), default=0) == plan.makespan
    assert plan.makespan <= plan.sequential + 1e-6


def brute_force(
    durs: list[int], preds: list[list[int]], conflicts: list[tuple[int, int]], lanes: int
) -> int:
    """Shortest makespan (whole-hour durations >= 1), idling allowed, by exhaustive search."""
    n = len(durs)
    start: list[int | None] = [None] * n
    clash: list[set[int]] = [set() for _ in range(n)]
    for a, b in conflicts:
        clash[a].add(b)
        clash[b].add(a)
    best = [sum(durs)]

    def ended(p: int, t: int) -> bool:
        s = start[p]
        return s is not None and s + durs[p] <= t

    def dfs(t: int) -> None:
        if all(s is not None for s in start):
            best[0] = min(
                best[0], max(s + d for s, d in zip(start, durs, strict=True) if s is not None)
            )
            return
        if max(t + durs[j] for j in range(n) if start[j] is None) >= best[0]:
            return
        running = {j for j in range(n) if (s := start[j]) is not None and s <= t < s + durs[j]}
        left = sum(durs[j] for j in range(n) if start[j] is None)
        left += sum(s + durs[j] - t for j in running if (s := start[j]) is not None)
        if t + -(-left // lanes) >= best[0]:  # the remaining work cannot fit before best
            return
        ready = [
            j
            for j in range(n)
            if start[j] is None and all(ended(p, t) for p in preds[j]) and not clash[j] & running
        ]
        for size in range(min(lanes - len(running), len(ready)), -1, -1):
            for group in combinations(ready, size):
                if any(b in clash[a] for a, b in combinations(group, 2)):
                    continue
                for j in group:
                    start[j] = t
                dfs(t + 1)
                for j in group:
                    start[j] = None

    dfs(0)
    return best[0]


def as_arrays(stories: list[PlanStory]) -> tuple[list[int], list[list[int]], list[tuple[int, int]]]:
    index = {s.key: i for i, s in enumerate(stories)}
    durs = [int(s.hours) for s in stories]
    preds = [[index[d] for d in s.depends_on] for s in stories]
    conflicts = [(index[s.key], index[c]) for s in stories for c in s.conflicts_with]
    return durs, preds, conflicts


@settings(max_examples=60)
@given(
    instances(max_n=6, max_hours=4, min_hours=1).filter(
        lambda c: all(s.hours % 1 == 0 for s in c[0])
    )
)
def test_branch_and_bound_alone_finds_and_proves_the_optimum(
    case: tuple[list[PlanStory], int],
) -> None:
    stories, lanes = case
    problem = build_problem(stories)
    start = cp_misf(problem, lanes)
    result = branch_and_bound(
        problem,
        lanes,
        start,
        incumbent_span=makespan_of(problem, start),
        lower=lower_bound(problem, lanes),
        budget=Budget(2_000_000),
    )
    assert result.proved
    assert problem.hours(result.makespan) == brute_force(*as_arrays(stories), lanes)


@settings(max_examples=60)
@given(
    instances(max_n=7, max_hours=5, min_hours=1).filter(
        lambda c: all(s.hours % 1 == 0 for s in c[0])
    )
)
def test_the_planner_finds_the_optimum_of_small_plans(case: tuple[list[PlanStory], int]) -> None:
    stories, lanes = case
    plan = make_plan(stories, lanes)
    assert plan.makespan == brute_force(*as_arrays(stories), lanes)
    assert plan.proved_optimal


def test_the_search_beats_cp_misf_where_greedy_is_wrong() -> None:
    stories = [S("A", 3), S("B", 1), S("C", 1, ("B",)), S("D", 3)]
    plan = make_plan(stories, 2)
    assert plan.baseline_makespan == 5
    assert plan.makespan == 4 == brute_force(*as_arrays(stories), 2)
    assert plan.proved_optimal


def test_an_optimum_above_every_simple_bound_is_found_and_proved() -> None:
    # Three 2-hour stories, two lanes, no dependencies: load bound 3, critical path 2,
    # but one lane must do two of them: 4 hours. The pigeonhole bound proves it at once.
    plan = make_plan([S("A", 2), S("B", 2), S("C", 2)], 2)
    assert (plan.makespan, plan.lower_bound, plan.proved_optimal) == (4, 4, True)
    # With a conflict chain the bound comes from the conflicts: A, B, C pairwise conflict.
    chained = [
        S("A", 2, conflicts_with=("B", "C")),
        S("B", 2, conflicts_with=("C",)),
        S("C", 2),
        S("D", 1),
    ]
    plan = make_plan(chained, 3)
    assert (plan.makespan, plan.lower_bound) == (6, 6)


def test_zero_hour_stories_are_placed_and_take_no_time() -> None:
    stories = [S("A", 2), S("M", 0, ("A",)), S("B", 1, ("M",)), S("Z", 0)]
    plan = make_plan(stories, 1)
    by_key = {e.key: e for e in plan.entries}
    assert (by_key["M"].start, by_key["M"].end) == (2, 2)
    assert by_key["B"].start == 2
    assert plan.makespan == 3
    assert check_plan(stories, plan.entries, 1) == []


def test_same_input_same_plan() -> None:
    stories = [
        S(f"T{i}", 1 + (i * 7) % 5, tuple(f"T{j}" for j in range(i) if (i * j) % 7 == 1))
        for i in range(40)
    ]
    first = make_plan(stories, 4).to_dict()
    second = make_plan(list(stories), 4).to_dict()
    assert first == second


def test_solution_reports_how_it_was_found() -> None:
    problem = build_problem([S("A", 3), S("B", 1), S("C", 1, ("B",)), S("D", 3)])
    solution = solve(problem, 2)
    assert solution.baseline == 5
    assert solution.makespan == 4
    assert solution.method in {"cp/misf + justification", "local search", "branch and bound"}


def test_conflict_bound_uses_release_and_delivery_times() -> None:
    from pantheon_git.features.plan.bounds import jackson

    assert jackson([(0, 2, 0), (0, 2, 0), (0, 2, 0)]) == 6
    assert jackson([(0, 3, 10), (1, 1, 20)]) == 22  # preempted for the longer delivery time
    assert jackson([(5, 2, 0), (0, 1, 0)]) == 7  # idle until the release
    # Two 3-hour stories that conflict, each after its own 4-hour dependency and before its
    # own 4-hour successor: 4 + 3 + 3 + 4 = 14, though every chain is only 11 hours long.
    stories = [
        S("A1", 4),
        S("A2", 3, ("A1",), conflicts_with=("B2",)),
        S("A3", 4, ("A2",)),
        S("B1", 4),
        S("B2", 3, ("B1",)),
        S("B3", 4, ("B2",)),
    ]
    plan = make_plan(stories, 6)
    assert (plan.lower_bound, plan.makespan, plan.proved_optimal) == (14, 14, True)
