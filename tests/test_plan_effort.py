"""Hours and complexity tiers of cached stories."""

from __future__ import annotations

import pytest

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story, Task
from pantheon_git.features.plan.effort import story_effort, tier_of
from tests.support.planning import epic17_stories

HOURS = {"micro": 2.0, "standard": 5.0, "complex": 8.0}


def story(title: str = "Add a page", tasks: int = 0, **changes: object) -> Story:
    made = Story(
        key=StoryKey("US", 1), title=title, tasks=tuple(Task(f"t{i}") for i in range(tasks))
    )
    return made.with_(**changes)


@pytest.mark.parametrize(
    ("tasks", "tier"),
    [(0, "standard"), (1, "micro"), (2, "micro"), (3, "standard"), (8, "standard"), (9, "complex")],
)
def test_tier_from_task_count(tasks: int, tier: str) -> None:
    assert tier_of(story(tasks=tasks)) == tier


def test_acceptance_criteria_count_when_there_are_no_tasks() -> None:
    assert tier_of(story(acceptance_criteria=("one",))) == "micro"
    assert tier_of(story(acceptance_criteria=tuple("abcdefghij"))) == "complex"


@pytest.mark.parametrize(
    ("title", "tasks", "tier"),
    [
        ("Add OAuth integration", 5, "complex"),
        ("Migrate sessions to Redis", 2, "standard"),
        ("Fix typo on the login page", 4, "micro"),
        ("Rename the settings tab", 1, "micro"),
        ("Refactor typo checker", 4, "standard"),  # both kinds: no change
        ("Add user profile page", 4, "standard"),
    ],
)
def test_title_moves_the_tier_one_step(title: str, tasks: int, tier: str) -> None:
    assert tier_of(story(title, tasks)) == tier


def test_seed_epic_17_tiers() -> None:
    tiers = {str(s.key): tier_of(s) for s in epic17_stories()}
    assert tiers.pop("US-126") == "complex"
    assert set(tiers.values()) == {"standard"}


def test_hours_from_task_estimates_first() -> None:
    tasks = (Task("a", estimate_hours=2), Task("b", estimate_hours=4), Task("c"))
    effort = story_effort(story().with_(tasks=tasks, plan_estimate=13), HOURS)
    assert (effort.hours, effort.source) == (9.0, "tasks")  # 2 + 4 + the mean (3) for "c"


def test_subtasks_estimate_their_task() -> None:
    tasks = (Task("a", children=(Task("a1", estimate_hours=1.5), Task("a2", estimate_hours=0.5))),)
    assert story_effort(story().with_(tasks=tasks), HOURS).hours == 2.0


def test_plan_estimate_next_scaled_by_hours_per_point() -> None:
    effort = story_effort(story(tasks=3, plan_estimate=3), HOURS, plan_estimate_hours=4)
    assert (effort.hours, effort.source, effort.tier) == (12.0, "plan_estimate", "standard")


def test_tier_hours_last_and_configurable() -> None:
    effort = story_effort(story(tasks=10), {**HOURS, "complex": 13})
    assert (effort.hours, effort.source, effort.tier) == (13.0, "tier", "complex")
    assert story_effort(story(tasks=1), HOURS).hours == 2.0
