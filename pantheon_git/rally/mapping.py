"""Rally <-> BMAD: the seed's field table, both directions, in one pure module.

==================  ====================================================================
Rally               BMAD (``Story``)
==================  ====================================================================
FormattedID         key (``US123`` shown as ``US-123``)
Name                title
Description (HTML)  description: business context as Markdown
acceptance criteria ``c_AcceptanceCriteria`` when the workspace has it, else the
                    "Acceptance Criteria" part of Description -> numbered list
Tasks               tasks (a flat list in Rally; subtasks say "Subtask of TA12")
Owner               owner (email when Rally gives one)
ScheduleState       state, with ``c_PantheonStatus`` (see states.py)
c_LockedBy/At/Expiry lock
c_Branch, c_Coverage, c_CommitSHA  branch, coverage, commit_sha
==================  ====================================================================

``story_to_rally(story_from_rally(raw))`` keeps every field the seed maps, and
``story_from_rally(story_to_rally(s))`` gives back ``s`` for stories whose Markdown is in the
form ``markdown_to_html`` / ``html_to_markdown`` agree on (tested with hypothesis).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pantheon_git.bmad.criteria import criteria_from_markdown
from pantheon_git.bmad.rally_form import criteria_markdown, tasks_from_rally
from pantheon_git.core import fields as lockfields
from pantheon_git.core import states
from pantheon_git.core.fields import FieldNames
from pantheon_git.core.keys import StoryKey, sorted_keys
from pantheon_git.core.richtext import html_to_markdown, markdown_to_html
from pantheon_git.core.story import Story

AC_HEADING = "Acceptance Criteria"


@dataclass(frozen=True)
class MapSettings:
    """Everything the mapping needs to know about a workspace and the team's settings."""

    names: FieldNames = FieldNames()
    state_map: states.StateMap = field(default_factory=lambda: states.DEFAULT_STATE_MAP)
    default_lock_hours: float = 24.0
    criteria_field: bool = True
    """Whether the workspace has the acceptance criteria field."""
    rally_url: str | None = None
    """Rally's base URL, for links people can open (``#/detail/userstory/<oid>``)."""


STORY_BASE_FETCH = (
    "ObjectID", "FormattedID", "Name", "Description", "Owner", "EmailAddress", "UserName",
    "ScheduleState", "PlanEstimate", "DragAndDropRank", "Iteration", "PortfolioItem",
    "Feature", "Predecessors", "Successors", "Tasks", "LastUpdateDate", "VersionId",
    "Blocked", "BlockedReason",
)  # fmt: skip


def story_fetch(names: FieldNames) -> list[str]:
    """The fields to fetch for a story, the seed's custom fields included."""
    return [*STORY_BASE_FETCH, *names.custom()]


def story_url(rally_url: str, object_id: int | str) -> str:
    """The link a person opens in Rally's UI [UNSURE: the detail route is not in the research]."""
    return f"{rally_url.rstrip('/')}/#/detail/userstory/{object_id}"


def story_from_rally(
    raw: Mapping[str, Any],
    *,
    tasks: Sequence[Mapping[str, Any]] = (),
    predecessors: Sequence[str] | None = None,
    successors: Sequence[str] | None = None,
    epic: Mapping[str, Any] | None = None,
    mapping: MapSettings = MapSettings(),
) -> Story:
    """A Rally user story (as fetched with ``story_fetch``) in its BMAD form.

    ``tasks`` are the story's Rally tasks in Rally's order; ``predecessors``/``successors``
    are FormattedIDs (when ``None``, a collection summary in ``raw`` is used if present);
    ``epic`` is the parent portfolio item when ``raw`` only holds a reference to it.
    """
    fields = story_fields(
        raw, predecessors=predecessors, successors=successors, epic=epic, mapping=mapping
    )
    return Story(**fields, tasks=tasks_from_rally(tasks))


def story_fields(
    raw: Mapping[str, Any],
    *,
    predecessors: Sequence[str] | None = None,
    successors: Sequence[str] | None = None,
    epic: Mapping[str, Any] | None = None,
    mapping: MapSettings = MapSettings(),
) -> dict[str, Any]:
    """Every ``Story`` field ``story_from_rally`` maps except the tasks, as keyword arguments:
    a sync maps a story as soon as it arrives and adds its tasks when they do."""
    names = mapping.names
    description = html_to_markdown(str(raw.get("Description") or ""))
    if mapping.criteria_field and raw.get(names.acceptance_criteria):
        criteria = criteria_from_markdown(html_to_markdown(str(raw[names.acceptance_criteria])))
    else:
        description, criteria = split_criteria(description)
    parent = epic or _parent(raw)
    object_id = raw.get("ObjectID")
    return {
        "key": StoryKey.parse(str(raw["FormattedID"])),
        "title": str(raw.get("Name") or ""),
        "epic": str(parent["FormattedID"]) if parent and parent.get("FormattedID") else None,
        "epic_title": _text(parent.get("Name") or parent.get("_refObjectName")) if parent else None,
        "description": description,
        "acceptance_criteria": criteria,
        "owner": _person(raw.get("Owner")),
        "state": states.workflow_state(
            _text(raw.get("ScheduleState")),
            _text(raw.get(names.pantheon_status)),
            mapping.state_map,
        ),
        "schedule_state": _text(raw.get("ScheduleState")) or "Defined",
        "lock": lockfields.from_fields(raw, mapping.default_lock_hours, names.lock),
        "branch": _text(raw.get(names.branch)),
        "coverage": _number(raw.get(names.coverage)),
        "commit_sha": _text(raw.get(names.commit_sha)),
        "predecessors": _keys(predecessors, raw.get("Predecessors")),
        "successors": _keys(successors, raw.get("Successors")),
        "plan_estimate": _number(raw.get("PlanEstimate")),
        "rank": _text(raw.get("DragAndDropRank")),
        "iteration": _ref_name(raw.get("Iteration")),
        "object_id": int(object_id) if object_id is not None else None,
        "version_id": _text(raw.get("VersionId")),
        "last_update": _text(raw.get("LastUpdateDate")),
        "url": story_url(mapping.rally_url, object_id) if mapping.rally_url and object_id else None,
        "extra": {"blocked": True} if raw.get("Blocked") else {},
    }


def story_to_rally(story: Story, *, mapping: MapSettings = MapSettings()) -> dict[str, Any]:
    """The Rally field values that hold ``story`` (tasks and links are written separately)."""
    names = mapping.names
    criteria = criteria_markdown(story.acceptance_criteria)
    description = story.description
    fields: dict[str, Any] = {"Name": story.title}
    if mapping.criteria_field:
        fields[names.acceptance_criteria] = markdown_to_html(criteria) if criteria else ""
    elif criteria:
        description = f"{description}\n\n### {AC_HEADING}\n\n{criteria}".lstrip()
    fields["Description"] = markdown_to_html(description)
    state_fields = states.rally_fields(story.state, mapping.state_map)
    fields["ScheduleState"] = state_fields.get("ScheduleState", story.schedule_state)
    fields[names.pantheon_status] = state_fields.get("c_PantheonStatus", "")
    fields.update(lockfields.to_fields(story.lock, names.lock))
    fields[names.branch] = story.branch or ""
    fields[names.coverage] = story.coverage
    fields[names.commit_sha] = story.commit_sha or ""
    if story.plan_estimate is not None:
        fields["PlanEstimate"] = story.plan_estimate
    return fields


_AC_SECTION_RE = re.compile(
    rf"^(#{{1,6}})[ \t]+{AC_HEADING}[ \t]*:?[ \t]*$|^\*\*{AC_HEADING}:?\*\*:?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)


def split_criteria(description: str) -> tuple[str, tuple[str, ...]]:
    """Take the "Acceptance Criteria" part out of a Description (workspaces without the field).

    The part runs from its heading (``### Acceptance Criteria`` or a bold line) to the next
    heading of the same or a higher level, or to the end.
    """
    match = _AC_SECTION_RE.search(description)
    if not match:
        return description, ()
    level = len(match.group(1)) if match.group(1) else 6
    rest = description[match.end() :]
    end = re.search(rf"^#{{1,{level}}}[ \t]", rest, re.MULTILINE)
    body = rest[: end.start()] if end else rest
    after = rest[end.start() :] if end else ""
    before = description[: match.start()].rstrip()
    remaining = "\n\n".join(p for p in (before, after.strip()) if p)
    return remaining, criteria_from_markdown(body)


def _parent(raw: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for name in ("PortfolioItem", "Feature"):
        value = raw.get(name)
        if isinstance(value, Mapping) and (value.get("FormattedID") or value.get("_ref")):
            return value
    return None


def _person(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return _text(value)
    for name in ("EmailAddress", "UserName", "_refObjectName", "DisplayName"):
        if value.get(name):
            return str(value[name])
    return None


def _ref_name(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return _text(value.get("Name") or value.get("_refObjectName"))
    return _text(value)


def _keys(explicit: Sequence[str] | None, collection: Any) -> tuple[StoryKey, ...]:
    if explicit is None:
        explicit = summary_values(collection, "FormattedID")
    return sorted_keys(explicit)


def summary_values(collection: Any, field: str) -> list[str]:
    """Values of ``field`` in a collection fetched as ``Coll:summary[field]`` (KB 131935)."""
    if not isinstance(collection, Mapping):
        return []
    summary = collection.get("Summary")
    if not isinstance(summary, Mapping):
        return []
    counts = summary.get(field)
    return [str(k) for k in counts] if isinstance(counts, Mapping) else []


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
