"""The ``--from-json`` input format, checked field by field.

::

    {"stories": [
        {"key": "T1", "hours": 3.5, "depends_on": ["T0"], "conflicts_with": ["T7"]},
        ...
    ]}

``key`` (a non-empty string) and ``hours`` (a number >= 0) are required; ``depends_on`` and
``conflicts_with`` (lists of keys) are optional, as are ``title`` (text), ``tasks`` (a whole
number >= 0) and ``tier`` (micro, standard or complex), which only show in the report.
Unknown fields are ignored. References to missing keys and dependency cycles are reported by
``build_problem``.
"""

from __future__ import annotations

import math
from typing import Any

from pantheon_git.errors import UsageError
from pantheon_git.features.plan.effort import TIERS
from pantheon_git.features.plan.model import PlanStory

EXAMPLE = '{"stories": [{"key": "T1", "hours": 3.5, "depends_on": [], "conflicts_with": []}]}'


def stories_from_document(doc: Any) -> list[PlanStory]:
    if not isinstance(doc, dict) or not isinstance(doc.get("stories"), list):
        raise UsageError(
            'expected an object with a "stories" list', hint=f"The format is: {EXAMPLE}"
        )
    return [_story(i, item) for i, item in enumerate(doc["stories"], start=1)]


def _story(number: int, item: Any) -> PlanStory:
    where = f"story {number}"
    if not isinstance(item, dict):
        raise UsageError(f"{where}: expected an object, got {_kind(item)}")
    key = item.get("key")
    if not isinstance(key, str) or not key.strip():
        raise UsageError(f'{where}: "key" must be a non-empty string')
    key = key.strip()
    where = f"story {number} ({key})"
    hours = item.get("hours")
    if isinstance(hours, bool) or not isinstance(hours, int | float):
        raise UsageError(f'{where}: "hours" must be a number, got {_kind(hours)}')
    if not math.isfinite(hours) or hours < 0:
        raise UsageError(f'{where}: "hours" must be a finite number >= 0, got {hours}')
    tasks = item.get("tasks")
    if tasks is not None and (isinstance(tasks, bool) or not isinstance(tasks, int) or tasks < 0):
        raise UsageError(f'{where}: "tasks" must be a whole number >= 0')
    tier = item.get("tier")
    if tier is not None and tier not in TIERS:
        raise UsageError(f'{where}: "tier" must be one of {", ".join(TIERS)}')
    title = item.get("title", "")
    if not isinstance(title, str):
        raise UsageError(f'{where}: "title" must be text')
    return PlanStory(
        key=key,
        hours=float(hours),
        depends_on=_keys(where, item, "depends_on"),
        conflicts_with=_keys(where, item, "conflicts_with"),
        title=title,
        tasks=tasks,
        tier=tier,
    )


def _keys(where: str, item: dict[str, Any], name: str) -> tuple[str, ...]:
    value = item.get(name, [])
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f'{where}: "{name}" must be a list of story keys')
    return tuple(v.strip() for v in value)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), repr(value)
    )
