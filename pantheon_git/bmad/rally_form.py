"""What a parsed BMAD story becomes in Rally, and how Rally tasks read back as a task tree.

- Name: the title, as text on one line (control characters as escapes). Names are not
  HTML-escaped here: Rally stores a Name as text and escapes it itself (KB 246296: "&" in a
  tag's Name is stored as "&amp;"), so escaping here would show "&amp;lt;" in Rally. Every
  rich-text field (Description, criteria, task descriptions) is HTML this module built, with
  the file's own HTML escaped.
- Description: the business context (Story section and Dev Notes) rendered as safe HTML;
  the acceptance criteria go to their own field when the workspace has one
  (``c_AcceptanceCriteria``), else to an "Acceptance Criteria" part of the Description.
- ScheduleState: the story status through ``migrate_status_map`` (keys: the normalised status
  such as ``inprogress``, or its v6 word such as ``in-progress``).
- Tasks: Rally tasks are flat, so the tree is sent depth first; a subtask's Description says
  ``Subtask of TA12``, and AC references go there too, so :func:`tasks_from_rally` rebuilds
  the same tree from what Rally holds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pantheon_git.bmad.model import ParsedStory, ParsedTask, Status
from pantheon_git.bmad.view import description_markdown
from pantheon_git.bmad.writer import criterion_lines
from pantheon_git.core.html2md import plain_text
from pantheon_git.core.richtext import markdown_to_html
from pantheon_git.core.story import Task
from pantheon_git.safetext import one_line

MAX_HOURS = 100_000.0
"""The largest task estimate read as one (hours)."""
NAME_LIMIT = 256
"""Rally's Name fields hold at most 256 characters [UNSURE: commonly cited, not in research]."""

_PARENT_RE = re.compile(r"Subtask of\s+([A-Za-z]{1,3}\d{1,9})")
_REFS_RE = re.compile(r"Acceptance criteria:\s*([0-9, ]+)")
_FULL_NAME_RE = re.compile(r"Full name: (.*)$", re.DOTALL)


@dataclass(frozen=True)
class RallyTask:
    name: str
    done: bool
    parent: int | None
    """Index of the parent in the flattened list, None for a top-level task."""
    ac_refs: tuple[str, ...] = ()
    full_name: str = ""
    """The task's whole name when ``name`` had to be shortened to fit Rally."""

    def description(self, parent_id: str | None) -> str:
        """The task's Description: parent link, AC references, a name too long for Name."""
        parts: list[str] = []
        if parent_id:
            parts.append(f"Subtask of {html.escape(parent_id)}")
        if self.ac_refs:
            parts.append(f"Acceptance criteria: {', '.join(self.ac_refs)}")
        if self.full_name:
            parts.append(f"Full name: {html.escape(self.full_name)}")
        return "".join(f"<p>{p}</p>" for p in parts)


@dataclass(frozen=True)
class RallyStory:
    name: str
    description_html: str
    criteria_html: str
    """For the acceptance criteria field; empty when they went into the Description."""
    schedule_state: str
    tasks: tuple[RallyTask, ...]
    warnings: tuple[str, ...] = ()

    def fields(self, *, criteria_field: str | None) -> dict[str, Any]:
        doc: dict[str, Any] = {"Name": self.name, "Description": self.description_html}
        if criteria_field:
            doc[criteria_field] = self.criteria_html
        return doc


class TitleTooLong(ValueError):
    pass


def rally_story(
    parsed: ParsedStory, *, status_map: Mapping[str, str], criteria_field: bool
) -> RallyStory:
    if len(parsed.title) > NAME_LIMIT:
        raise TitleTooLong(
            f"the title is {len(parsed.title)} characters; Rally names hold at most {NAME_LIMIT}"
        )
    warnings: list[str] = []
    state, problem = schedule_state(parsed.status, status_map)
    if problem:
        warnings.append(problem)
    criteria = criteria_markdown(c.text for c in parsed.criteria)
    description = description_markdown(parsed)
    if criteria and not criteria_field:
        description = f"{description}\n\n### Acceptance Criteria\n\n{criteria}".lstrip()
    return RallyStory(
        name=one_line(parsed.title),
        description_html=markdown_to_html(description),
        criteria_html=markdown_to_html(criteria) if criteria_field else "",
        schedule_state=state,
        tasks=flatten_tasks(parsed.tasks),
        warnings=tuple(warnings),
    )


def schedule_state(status: Status | None, status_map: Mapping[str, str]) -> tuple[str, str | None]:
    """The ScheduleState for a story status, and a warning when the map has no entry."""
    if status is None:
        return "Defined", None
    lowered = {str(k).lower(): v for k, v in status_map.items()}
    for key in (status.normalized, status.canonical):
        if key and key in lowered:
            return str(lowered[key]), None
    return "Defined", (
        f"status {status.raw!r} is not in migrate_status_map; the story goes to Rally as Defined"
    )


def criteria_markdown(texts: Iterable[str]) -> str:
    items = ["\n".join(criterion_lines(n, t)) for n, t in enumerate(texts, start=1)]
    return "\n\n".join(i for i in items if i)


def flatten_tasks(tasks: Sequence[ParsedTask]) -> tuple[RallyTask, ...]:
    out: list[RallyTask] = []
    stack: list[tuple[ParsedTask, int | None]] = [(t, None) for t in reversed(tasks)]
    while stack:
        task, parent = stack.pop()
        name, full = one_line(task.name), ""
        if len(name) > NAME_LIMIT:
            name, full = name[: NAME_LIMIT - 1] + "…", name
        out.append(RallyTask(name, task.done, parent, task.ac_refs, full))
        index = len(out) - 1
        stack.extend((child, index) for child in reversed(task.children))
    return tuple(out)


class RallyTaskFacts(Protocol):
    """What a Rally task says (``rally/records.py``'s ``TaskRecord`` is one)."""

    @property
    def object_id(self) -> int: ...
    @property
    def formatted_id(self) -> str | None: ...
    @property
    def name(self) -> str: ...
    @property
    def done(self) -> bool: ...
    @property
    def description(self) -> str: ...
    @property
    def estimate(self) -> float | None: ...


def tasks_from_rally(items: Sequence[RallyTaskFacts]) -> tuple[Task, ...]:
    """Rally tasks (in creation order, with FormattedID, Name, State, Description) as a tree."""
    tasks: dict[str, Task] = {}
    parents: dict[str, str | None] = {}
    for item in items:
        key = item.formatted_id or str(item.object_id)
        name = item.name
        refs: tuple[str, ...] = ()
        parents[key] = None
        if item.description:  # where subtask links, AC refs and long names are kept
            description = plain_text(item.description)
            parent = _PARENT_RE.search(description)
            found = _REFS_RE.search(description)
            full = _FULL_NAME_RE.search(description)
            name = full.group(1).strip() if full else name
            refs = tuple(r.strip() for r in found.group(1).split(",") if r.strip()) if found else ()
            parents[key] = parent.group(1) if parent else None
        tasks[key] = Task(
            name=name,
            done=item.done,
            estimate_hours=_hours(item.estimate),
            formatted_id=item.formatted_id,
            ac_refs=refs,
        )
    if not any(parents.values()):  # no subtasks: the list is the tree
        return tuple(tasks.values())
    children: dict[str, list[str]] = {key: [] for key in tasks}
    roots: list[str] = []
    for key, parent_key in parents.items():
        if parent_key in children and parent_key != key:
            children[parent_key].append(key)
        else:
            roots.append(key)
    placed: set[str] = set()
    tree = [_tree(key, tasks, children, placed) for key in roots]
    # Tasks in a parent cycle (hostile data) are kept, as top-level tasks.
    tree += [_tree(key, tasks, children, placed) for key in tasks if key not in placed]
    return tuple(tree)


def _tree(
    key: str, tasks: Mapping[str, Task], children: Mapping[str, list[str]], placed: set[str]
) -> Task:
    placed.add(key)
    kids = [c for c in children[key] if c not in placed]
    built = tuple(_tree(c, tasks, children, placed) for c in kids)
    task = tasks[key]
    if not built:
        return task
    return Task(
        name=task.name,
        done=task.done,
        estimate_hours=task.estimate_hours,
        formatted_id=task.formatted_id,
        ac_refs=task.ac_refs,
        children=built,
    )


def _hours(value: Any) -> float | None:
    """A task's Estimate (hours in Rally); absent, empty or unreadable means unknown."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        hours = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    # Rally keeps estimates far below this; a larger one (or inf, nan) is no estimate and
    # would swallow every other story's hours in a plan's sums.
    return hours if 0 <= hours <= MAX_HOURS else None
