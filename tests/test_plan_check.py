"""The plan checker rejects every kind of broken plan, one rule at a time."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pantheon_git.features.plan import Entry, PlanStory, check_plan, make_plan

S = PlanStory
STORIES = [
    S("A", 2),
    S("B", 3, ("A",)),
    S("C", 1, conflicts_with=("D",)),
    S("D", 2),
    S("E", 0, ("B",)),
]


def valid() -> list[Entry]:
    return [
        Entry("A", 0, 0, 2, 1),
        Entry("B", 0, 2, 5, 2),
        Entry("C", 1, 0, 1, 1),
        Entry("D", 1, 1, 3, 1),
        Entry("E", 1, 5, 5, 3),
    ]


def edit(key: str, **changes: float) -> list[Entry]:
    return [replace(e, **changes) if e.key == key else e for e in valid()]


def test_a_valid_plan_passes() -> None:
    assert check_plan(STORIES, valid(), 2) == []


def test_the_planners_own_plan_passes() -> None:
    plan = make_plan(STORIES, 2)
    assert check_plan(STORIES, plan.entries, 2) == []


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([e for e in valid() if e.key != "C"], "C is placed 0 times, not once"),
        ([*valid(), Entry("C", 0, 6, 7, 1)], "C is placed 2 times, not once"),
        ([*valid(), Entry("X", 0, 6, 7, 1)], "X is placed but is not in the plan"),
        (edit("D", lane=2), "D is on lane 2, outside 0-1"),
        (edit("C", lane=-1), "C is on lane -1, outside 0-1"),
        (edit("A", start=-1, end=1), "A starts at -1h, before the plan starts"),
        (edit("D", end=4), "D lasts 3h, but its estimate is 2h"),
        (edit("B", start=1, end=4), "B starts at 1h, before A (a dependency) ends at 2h"),
        (edit("E", start=4, end=4), "E starts at 4h, before B (a dependency) ends at 5h"),
        (edit("D", start=0.5, end=2.5), "C and D conflict but overlap"),
        (edit("C", lane=0), "lane 0 does C (0-1h) and A (0-2h) at the same time"),
    ],
)
def test_each_rule_is_enforced(entries: list[Entry], expected: str) -> None:
    problems = check_plan(STORIES, entries, 2)
    assert any(expected in p for p in problems), problems


def test_conflicts_are_checked_from_either_side() -> None:
    stories = [S("C", 1), S("D", 2, conflicts_with=("C",))]
    entries = [Entry("C", 0, 0, 1, 1), Entry("D", 1, 0.5, 2.5, 1)]
    assert check_plan(stories, entries, 2) == ["D and C conflict but overlap (0.5-2.5h and 0-1h)"]


def test_touching_intervals_and_zero_hour_stories_do_not_overlap() -> None:
    stories = [S("A", 1), S("B", 1, conflicts_with=("A",)), S("Z", 0, conflicts_with=("A",))]
    entries = [Entry("A", 0, 0, 1, 1), Entry("B", 0, 1, 2, 1), Entry("Z", 0, 0.5, 0.5, 1)]
    assert check_plan(stories, entries, 1) == []


def test_hours_below_a_second_round_to_whole_seconds_and_still_pass() -> None:
    stories = [S("A", 0.0001), S("B", 1 / 3, ("A",)), S("C", 2.00004, conflicts_with=("B",))]
    plan = make_plan(stories, 2)
    assert check_plan(stories, plan.entries, 2) == []
    assert check_plan(stories, [replace(e, end=e.end + 0.001) for e in plan.entries], 2) != []
