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

It maps records (``records.py`` decodes the raw items): ``story_to_rally`` of
``story_from_rally(record)`` keeps every field the seed maps, and ``story_from_rally`` of the
record of ``story_to_rally(s)`` gives back ``s`` for stories whose Markdown is in the form
``markdown_to_html`` / ``html_to_markdown`` agree on (tested with hypothesis).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pantheon_git.bmad.criteria import criteria_from_markdown
from pantheon_git.bmad.rally_form import criteria_markdown, tasks_from_rally
from pantheon_git.core import fields as lockfields
from pantheon_git.core import states
from pantheon_git.core.fields import FieldNames
from pantheon_git.core.richtext import html_to_markdown, markdown_to_html
from pantheon_git.core.story import Story
from pantheon_git.errors import UsageError
from pantheon_git.rally.records import EpicRecord, StoryDecoder, StoryRecord, TaskRecord

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
    schedule_order: Callable[[], states.ScheduleOrder] | None = field(default=None, compare=False)
    """Where the workspace's ScheduleState order is read (``RallyClient.schedule_states``)."""

    @property
    def decoder(self) -> StoryDecoder:
        """What decodes a story's record with these settings."""
        return StoryDecoder(
            self.names, self.state_map, self.default_lock_hours, self.schedule_order
        )


STORY_BASE_FETCH = (
    "ObjectID", "FormattedID", "Name", "Description", "Owner", "EmailAddress", "UserName",
    "ScheduleState", "PlanEstimate", "DragAndDropRank", "Iteration", "PortfolioItem",
    "Feature", "Predecessors", "Successors", "Tasks", "LastUpdateDate", "VersionId",
    "Blocked", "BlockedReason", "InProgressDate",
)  # fmt: skip
"""InProgressDate is when work began (Rally sets it at In-Progress): the cache keeps it for
``pantheon metrics``."""


def story_fetch(names: FieldNames) -> list[str]:
    """The fields to fetch for a story, the seed's custom fields included."""
    return [*STORY_BASE_FETCH, *names.custom()]


def story_url(rally_url: str, object_id: int | str) -> str:
    """The link a person opens in Rally's UI [UNSURE: the detail route is not in the research]."""
    return f"{rally_url.rstrip('/')}/#/detail/userstory/{object_id}"


def story_from_rally(
    record: StoryRecord,
    *,
    tasks: Sequence[TaskRecord] = (),
    epic: EpicRecord | None = None,
    mapping: MapSettings = MapSettings(),
) -> Story:
    """A Rally user story (as fetched with ``story_fetch``) in its BMAD form.

    ``tasks`` are the story's Rally tasks in Rally's order; ``epic`` is the parent portfolio
    item when the story only holds a reference to it.
    """
    return Story(**story_fields(record, epic=epic, mapping=mapping), tasks=tasks_from_rally(tasks))


def story_fields(
    record: StoryRecord,
    *,
    epic: EpicRecord | None = None,
    mapping: MapSettings = MapSettings(),
    lock: bool = True,
) -> dict[str, Any]:
    """Every ``Story`` field ``story_from_rally`` maps except the tasks, as keyword arguments:
    a sync maps a story as soon as it arrives and adds its tasks when they do. ``lock=False``
    leaves out a lock that cannot be read instead of raising."""
    if record.key is None:
        raise UsageError(f"not a story key: {record.formatted_id!r}")
    description = html_to_markdown(record.description)
    if mapping.criteria_field and record.criteria:
        criteria = criteria_from_markdown(html_to_markdown(record.criteria))
    else:
        description, criteria = split_criteria(description)
    parent = epic or record.epic
    object_id = record.object_id
    return {
        "key": record.key,
        "title": record.name,
        "epic": parent.formatted_id if parent else None,
        "epic_title": parent.name if parent else None,
        "description": description,
        "acceptance_criteria": criteria,
        "owner": record.owner,
        "state": record.state,
        "schedule_state": record.schedule_state or "Defined",
        "lock": record.lock if lock else record.lock_held,
        "branch": record.branch,
        "coverage": record.coverage,
        "commit_sha": record.commit_sha,
        "predecessors": record.predecessors,
        "successors": record.successors,
        "plan_estimate": record.plan_estimate,
        "rank": record.rank,
        "iteration": record.iteration,
        "object_id": object_id,
        "version_id": record.version_id,
        "last_update": record.last_update,
        "url": story_url(mapping.rally_url, object_id) if mapping.rally_url else None,
        "extra": {"blocked": True} if record.blocked else {},
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
    fields.update(state_to_rally(story.state, mapping, schedule_state=story.schedule_state))
    fields.update(lockfields.to_fields(story.lock, names.lock))
    fields[names.branch] = story.branch or ""
    fields[names.coverage] = story.coverage
    fields[names.commit_sha] = story.commit_sha or ""
    if story.plan_estimate is not None:
        fields["PlanEstimate"] = story.plan_estimate
    return fields


def state_to_rally(
    state: str, mapping: MapSettings, *, schedule_state: str | None = None
) -> dict[str, Any]:
    """ScheduleState and the status field that put a story in the workflow ``state``
    (``schedule_state``: the value to keep when the state map names none)."""
    wanted = states.rally_fields(state, mapping.state_map)
    return {
        "ScheduleState": wanted.get("ScheduleState", schedule_state),
        mapping.names.pantheon_status: wanted.get("c_PantheonStatus", ""),
    }


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
