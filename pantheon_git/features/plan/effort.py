"""How many hours a story takes, and its complexity tier (the seed's micro/standard/complex).

Hours, first that applies:

1. task estimates: the sum of the story's task estimates (Rally's ``Estimate``, in hours).
   A task without one counts as the mean of those that have one; a task with subtasks and no
   estimate of its own counts the subtasks' estimates;
2. ``PlanEstimate`` times ``plan_estimate_hours`` (1.0 by default: PlanEstimate read as hours;
   set it to your team's hours per point);
3. the tier's hours from ``complexity_hours`` (default micro 2, standard 5, complex 8).

Tier, from the number of tasks (or, with no tasks yet, of acceptance criteria):
0 -> standard (nothing known yet), 1-2 -> micro, 3-8 -> standard, 9+ -> complex. The title
then moves it one tier: up for words that mean wide or risky work (integration, migration,
security, ...), down for words that mean small edits (typo, rename, tooltip, ...); both
kinds cancel out. The seed's Epic 17 comes out as the seed shows it: 4-8 tasks standard,
the 10-task OAuth integration complex.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pantheon_git.core.story import Story, Task

TIERS = ("micro", "standard", "complex")
MICRO_MAX_TASKS = 2
STANDARD_MAX_TASKS = 8

_BIGGER = re.compile(
    r"\b(integrations?|integrate|migrat(?:e|es|ion|ions)|security|encrypt(?:ion)?|oauth|sso|"
    r"payments?|billing|refactor(?:ing)?|architecture|performance|real-?time|"
    r"multi-?tenan(?:t|cy)|third-?party|compliance)\b",
    re.IGNORECASE,
)
_SMALLER = re.compile(
    r"\b(typos?|rename|renaming|tooltips?|wording|copy\s+change|bump|spelling|placeholder)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Effort:
    hours: float
    tier: str
    source: str
    """``tasks``, ``plan_estimate`` or ``tier``: where the hours came from."""


def tier_of(story: Story) -> str:
    return tier_for(len(story.tasks) or len(story.acceptance_criteria), story.title)


def tier_for(size: int, title: str) -> str:
    """The tier of a story with ``size`` tasks (or criteria, before it has tasks)."""
    if size <= 0:
        index = 1
    elif size <= MICRO_MAX_TASKS:
        index = 0
    elif size <= STANDARD_MAX_TASKS:
        index = 1
    else:
        index = 2
    bigger = bool(_BIGGER.search(title))
    smaller = bool(_SMALLER.search(title))
    if bigger and not smaller:
        index = min(index + 1, 2)
    elif smaller and not bigger:
        index = max(index - 1, 0)
    return TIERS[index]


def story_effort(
    story: Story,
    complexity_hours: Mapping[str, float],
    plan_estimate_hours: float = 1.0,
) -> Effort:
    tier = tier_of(story)
    from_tasks = _task_hours(story.tasks)
    if from_tasks is not None:
        return Effort(from_tasks, tier, "tasks")
    if story.plan_estimate is not None and story.plan_estimate >= 0:
        return Effort(story.plan_estimate * plan_estimate_hours, tier, "plan_estimate")
    return Effort(float(complexity_hours.get(tier, _DEFAULT_HOURS[tier])), tier, "tier")


_DEFAULT_HOURS = {"micro": 2.0, "standard": 5.0, "complex": 8.0}


def _task_hours(tasks: tuple[Task, ...]) -> float | None:
    known: list[float] = []
    unknown = 0
    for task in tasks:
        hours = _one_task(task)
        if hours is None:
            unknown += 1
        else:
            known.append(hours)
    if not known:
        return None
    return sum(known) + unknown * (sum(known) / len(known))


def _one_task(task: Task) -> float | None:
    if task.estimate_hours is not None and task.estimate_hours >= 0:
        return task.estimate_hours
    return _task_hours(task.children) if task.children else None
