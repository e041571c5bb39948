"""CP/MISF on small hand examples (Kasahara & Narita's rule, conflicts added)."""

from __future__ import annotations

from pantheon_git.features.plan.listsched import cp_misf
from pantheon_git.features.plan.model import PlanStory, build_problem

S = PlanStory


def starts(stories: list[PlanStory], lanes: int) -> dict[str, float]:
    problem = build_problem(stories)
    start = cp_misf(problem, lanes)
    return {problem.keys[j]: problem.hours(start[j]) for j in range(problem.n)}


def test_longest_path_first() -> None:
    # A heads the longest chain (A -> D), so it starts first even though B, C are listed first.
    stories = [S("B", 2), S("C", 2), S("A", 3), S("D", 1, ("A",))]
    assert starts(stories, 2) == {"A": 0, "B": 0, "C": 2, "D": 3}


def test_ties_go_to_most_immediate_successors() -> None:
    # X and Z both have level 3; X has two successors, so X goes first on one lane.
    stories = [
        S("Z", 2),
        S("W", 1, ("Z",)),
        S("X", 2),
        S("Y1", 1, ("X",)),
        S("Y2", 1, ("X",)),
    ]
    assert starts(stories, 1) == {"X": 0, "Z": 2, "W": 4, "Y1": 5, "Y2": 6}


def test_a_ready_story_waits_while_a_conflicting_one_runs() -> None:
    stories = [S("A", 3), S("B", 2, conflicts_with=("A",)), S("C", 1)]
    assert starts(stories, 3) == {"A": 0, "C": 0, "B": 3}


def test_cp_misf_is_not_optimal_here() -> None:
    # Greedy: A and D start first (level 3), then B, C run one after another: 5 hours.
    # Optimal: B, C on one lane before D (4 hours); the search must find that.
    stories = [S("A", 3), S("B", 1), S("C", 1, ("B",)), S("D", 3)]
    start = starts(stories, 2)
    assert max(start[k] + h for k, h in zip("ABCD", (3, 1, 1, 3), strict=True)) == 5
