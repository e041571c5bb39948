"""Write a :class:`Story` as a BMAD story file (what ``pantheon checkout`` puts in
``docs/stories/US-123.md``), in the shape the parser reads back to the same fields.

Layout (research/bmad.md §2.5; v4 by default, v6 puts the status on a ``Status:`` line)::

    # Story US-123: Implement Login Form

    Rally: US123 https://rally1.rallydev.com/#/detail/userstory/123

    Epic: F17 - User Authentication

    ## Status

    InProgress

    ## Story
    <description: the business context, as Markdown>

    ## Acceptance Criteria

    1. ...

    ## Tasks / Subtasks

    - [ ] Task (AC: 1)
      - [x] Subtask

    ## Dev Notes

    ## Dev Agent Record
    ...

What the parser reads back unchanged: title, status (as the workflow state), criteria texts,
tasks (names with whitespace collapsed, done, nesting, numeric AC refs) and the description,
except that its ``#``/``##`` headings become ``###`` so they stay inside the Story section.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pantheon_git.bmad.status import V4_STATUS, V6_STATUS
from pantheon_git.bmad.tasks import split_task_text
from pantheon_git.bmad.text import seal, shift_headings
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.states import DEFINED
from pantheon_git.core.story import Story, Task
from pantheon_git.safetext import visible

DIALECTS = ("v4", "v6")
_AGENT_RECORD = (
    "## Dev Agent Record",
    "",
    "### Agent Model Used",
    "",
    "### Debug Log References",
    "",
    "### Completion Notes List",
    "",
    "### File List",
)


def render_story(story: Story, *, dialect: str = "v4") -> str:
    if dialect not in DIALECTS:
        raise ValueError(f"unknown BMAD dialect {dialect!r}")
    title = one_line(story.title) or "Untitled"
    out = [f"# Story {story.key}: {title}", ""]
    if story.key.number:
        out += [rally_line(story.key, story.url), ""]
    if story.epic:
        epic = f"Epic: {one_line(story.epic)}"
        out += [f"{epic} - {one_line(story.epic_title)}" if story.epic_title else epic, ""]
    state = story.state if story.state in V4_STATUS else DEFINED
    if dialect == "v6":
        out += [f"Status: {V6_STATUS[state]}", ""]
    else:
        out += ["## Status", "", V4_STATUS[state], ""]
    out += ["## Story", ""]
    description = section_safe(story.description)
    if description:
        out += [description, ""]
    out += ["## Acceptance Criteria", ""]
    for number, text in enumerate(story.acceptance_criteria, start=1):
        lines = criterion_lines(number, text)
        if lines:
            out += [*lines, ""]
    out += ["## Tasks / Subtasks", ""]
    task_lines = list(_task_lines(story.tasks, 0))
    out += [*task_lines, ""] if task_lines else []
    out += ["## Dev Notes", "", *_AGENT_RECORD]
    # Plain text: a control character from Rally (a terminal escape) is written as its escape.
    return visible("\n".join(out) + "\n")


def rally_line(key: StoryKey, url: str | None) -> str:
    """``Rally: US123 https://...``: the link line under the title."""
    return f"Rally: {key.formatted_id} {url}" if url else f"Rally: {key.formatted_id}"


def one_line(text: str | None) -> str:
    return " ".join(visible(text or "").split())


def section_safe(markdown: str) -> str:
    """Markdown that cannot escape the section it is put in: no ``#``/``##`` headings, no open
    code fence or HTML comment."""
    text = shift_headings(markdown.strip("\n"), top=3).rstrip()
    return "\n".join(seal(text.split("\n"))) if text else ""


def criterion_lines(number: int, text: str) -> list[str]:
    """``1. first line`` and the rest indented under it, sealed as a list item."""
    body = shift_headings(text.strip("\n"), top=3).strip()
    if not body:
        return []
    prefix = f"{number}. "
    first, *rest = body.split("\n")
    pad = " " * len(prefix)
    lines = [prefix + first, *[pad + line if line.strip() else "" for line in rest]]
    return seal(lines, pad)


def criterion_text(number: int, text: str) -> str:
    """The criterion as it reads back from the written file."""
    lines = criterion_lines(number, text)
    if not lines:
        return ""
    width = len(f"{number}. ")
    body = [lines[0][width:], *[line[width:] for line in lines[1:]]]
    return "\n".join(line.rstrip() for line in body).strip()


def task_text(name: str, ac_refs: Sequence[str]) -> str:
    """The text after the checkbox, protected so it reads back as ``(name, ac_refs)``."""
    name = one_line(name) or "Unnamed task"
    refs = ", ".join(ac_refs)
    text = f"{name} (AC: {refs})" if refs else name
    if split_task_text(text)[:2] != (name, tuple(ac_refs)):
        # The name itself ends like a marker or holds an "(AC: ...)" group: add an explicit
        # (possibly empty) group, which the parser takes off instead.
        text = f"{name} (AC: {refs or 'none'})"
    return text


def _task_lines(tasks: Sequence[Task], depth: int) -> Iterator[str]:
    for task in tasks:
        box = "x" if task.done else " "
        yield f"{'  ' * depth}- [{box}] {task_text(task.name, task.ac_refs)}"
        yield from _task_lines(task.children, depth + 1)
