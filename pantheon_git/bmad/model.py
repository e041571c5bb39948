"""Records the BMAD story parser produces. Line numbers are 1-based lines of the source file."""

from __future__ import annotations

from dataclasses import dataclass

from pantheon_git.core.keys import StoryKey


@dataclass(frozen=True)
class Note:
    """Something odd but harmless the parser noticed (status contradicts checkboxes, ...)."""

    line: int | None
    message: str


@dataclass(frozen=True)
class RallyLink:
    """The ``Rally: US123 <url>`` line under the title, written by ``pantheon migrate``."""

    key: StoryKey
    url: str | None
    line: int


@dataclass(frozen=True)
class Status:
    """A story status as written (``raw``) and normalised.

    ``normalized`` is the raw value stripped of markup and emoji, lowercased, without spaces
    or underscores (``**DONE** ✅ - QA Review Complete`` -> ``done``; ``In Progress`` ->
    ``inprogress``); ``canonical`` is the v6 vocabulary word (backlog, ready-for-dev,
    in-progress, review, done) when one fits. ``source`` says where it was found: the v6
    ``Status:`` line, the v4 ``## Status`` section, or a metadata bullet list.
    """

    raw: str
    normalized: str
    canonical: str | None
    source: str
    line: int
    note: str = ""


@dataclass(frozen=True)
class Clause:
    """One "As a ... / I want ... / so that ..." block of the story statement."""

    role: str
    want: str
    benefit: str
    line: int


@dataclass(frozen=True)
class Criterion:
    number: int
    text: str
    line: int


@dataclass(frozen=True)
class ParsedTask:
    name: str
    done: bool
    line: int
    ac_refs: tuple[str, ...] = ()
    children: tuple[ParsedTask, ...] = ()
    partial: bool = False
    """Pantheon's ``[~]``: started or stubbed, not done."""
    review: bool = False
    """An item of ``### Review Follow-ups (AI)`` inside the Tasks section."""


@dataclass(frozen=True)
class SectionRef:
    title: str
    key: str
    line: int


@dataclass(frozen=True)
class ParsedStory:
    path: str
    story_id: str
    """The id from the title: ``1.2``, ``4.3.2``, ``18b.3`` or a Rally key ``US-123``."""
    title: str
    title_line: int
    dialect: str
    """``v6`` when the status is a ``Status:`` line, ``epics`` for a story of an epics file,
    else ``v4``."""
    rally: RallyLink | None = None
    status: Status | None = None
    metadata: tuple[tuple[str, str], ...] = ()
    """``Key: value`` lines between the title and the first section (v6, tally)."""
    story_text: str = ""
    """The body of the Story section, verbatim markdown."""
    story_line: int | None = None
    clauses: tuple[Clause, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    criteria_line: int | None = None
    tasks: tuple[ParsedTask, ...] = ()
    tasks_line: int | None = None
    dev_notes: str = ""
    dev_notes_line: int | None = None
    dependencies: tuple[str, ...] = ()
    """Stories this one explicitly depends on: ids (``1.2``) or Rally keys (``US-123``)."""
    sections: tuple[SectionRef, ...] = ()
    notes: tuple[Note, ...] = ()

    @property
    def task_count(self) -> int:
        return len(self.tasks)

    def all_tasks(self) -> list[ParsedTask]:
        """Every task and subtask, depth first."""
        out: list[ParsedTask] = []
        stack = list(reversed(self.tasks))
        while stack:
            task = stack.pop()
            out.append(task)
            stack.extend(reversed(task.children))
        return out


@dataclass(frozen=True)
class Skipped:
    """A markdown file that is not a story (no ``# Story X.Y: Title`` heading)."""

    path: str
    reason: str
