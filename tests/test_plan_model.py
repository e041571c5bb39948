"""Input validation and indexing of the planner's problem."""

from __future__ import annotations

from itertools import pairwise

import pytest

from pantheon_git.errors import UsageError
from pantheon_git.features.plan.graph import critical_path, transitive_reduction, waves
from pantheon_git.features.plan.model import PlanStory, build_problem

S = PlanStory


def test_index_order_is_topological_and_units_are_exact() -> None:
    problem = build_problem([S("B", 1.5, ("A",)), S("A", 0.5), S("C", 1.0, ("B",))])
    assert problem.keys == ("A", "B", "C")
    assert problem.unit_seconds == 1800  # half an hour divides every duration
    assert problem.dur == (1, 3, 2)
    assert problem.preds == ((), (0,), (1,))
    assert problem.hours(problem.dur[1]) == 1.5


def test_odd_durations_keep_second_precision() -> None:
    problem = build_problem([S("A", 1 / 3), S("B", 1.0)])
    assert problem.unit_seconds == 1200
    assert problem.hours(problem.dur[0]) == pytest.approx(1 / 3, abs=1e-6)


def test_conflicts_are_symmetric() -> None:
    problem = build_problem([S("A", 1, conflicts_with=("B",)), S("B", 1)])
    assert problem.conf == ((1,), (0,))


@pytest.mark.parametrize(
    ("stories", "message"),
    [
        ([S("A", 1), S("A", 2)], "story A is listed twice"),
        ([S("A", -1)], "must not be negative"),
        ([S("A", float("nan"))], "finite"),
        ([S("A", 1, ("Z",))], "story A depends on Z, which is not in the plan"),
        ([S("A", 1, conflicts_with=("Z",))], "story A conflicts with Z, which is not in the plan"),
        ([S("A", 1, ("A",))], "story A depends on itself"),
        ([S("A", 1, conflicts_with=("A",))], "story A conflicts with itself"),
    ],
)
def test_bad_input_is_named(stories: list[PlanStory], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        build_problem(stories)


def test_cycles_are_named_in_full() -> None:
    stories = [S("A", 1, ("C",)), S("B", 1, ("A",)), S("C", 1, ("B",)), S("D", 1)]
    with pytest.raises(UsageError) as info:
        build_problem(stories)
    message = info.value.message
    assert message.startswith("dependency cycle: ")
    cycle = message.removeprefix("dependency cycle: ").split(" -> ")
    assert cycle[0] == cycle[-1]
    assert sorted(cycle[:-1]) == ["A", "B", "C"]
    # each step of the named cycle is a real dependency (x -> y: y depends on x)
    deps = {s.key: set(s.depends_on) for s in stories}
    assert all(a in deps[b] for a, b in pairwise(cycle))


def test_critical_path_prefers_more_stories_then_natural_key_order() -> None:
    stories = [
        S("US-9", 2),
        S("US-10", 2, ("US-9",)),
        S("US-11", 4),
        S("US-12", 2, ("US-9",)),
    ]
    problem = build_problem(stories)
    assert [problem.keys[j] for j in critical_path(problem)] == ["US-9", "US-10"]


def test_waves_and_transitive_reduction() -> None:
    problem = build_problem([S("A", 1), S("B", 1, ("A",)), S("C", 1, ("A", "B")), S("D", 1)])
    wave = waves(problem)
    assert {k: wave[problem.index[k]] for k in "ABCD"} == {"A": 1, "B": 2, "C": 3, "D": 1}
    reduced = {(problem.keys[a], problem.keys[b]) for a, b in transitive_reduction(problem)}
    assert reduced == {("A", "B"), ("B", "C")}
