"""One story of an epics file: its heading's body -> :class:`ParsedStory`.

A story in an epics file has no ``##`` sections; its parts follow bold labels (research/bmad.md
§5): the "As a / I want / So that" statement first, then ``**Acceptance Criteria:**``,
``**Technical Notes:**``, ``**Prerequisites:** Story 1.2 - Title``, ``**FRs covered:**`` ...
A deeper heading (``#### Acceptance Criteria``) is a label too. Unknown bold labels stay part of
the block they are in (``**Note:**`` inside the criteria is criteria text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pantheon_git.bmad.blocks import Line, block_text, canonical_name, heading
from pantheon_git.bmad.criteria import parse_criteria
from pantheon_git.bmad.deps import find_dependencies
from pantheon_git.bmad.model import Note, ParsedStory, SectionRef
from pantheon_git.bmad.parser import CRITERIA_SECTIONS, TASK_SECTIONS, rally_link
from pantheon_git.bmad.statement import parse_clauses
from pantheon_git.bmad.tasks import parse_tasks

PREREQUISITE_LABELS = {"prerequisites", "prerequisite", "dependencies", "depends on"}
NOTE_LABELS = {
    "technical notes",
    "technical note",
    "technical details",
    "technical context",
    "implementation notes",
    "dev notes",
    "developer notes",
    "notes",
    "note",
    "frs covered",
    "fr coverage",
    "nfrs covered",
    "requirements covered",
    "story points",
    "priority",
    "definition of done",
    "out of scope",
    "testing notes",
    "ux notes",
    "parallel with",
}
_LABELS = CRITERIA_SECTIONS | TASK_SECTIONS | PREREQUISITE_LABELS | NOTE_LABELS
_LABEL_RE = re.compile(
    r"^\s*(?:\*\*|__)(?P<label>[^*_:\n]{2,40}?)\s*(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:)\s*(?P<rest>.*)$"
)
_PLAIN_LABEL_RE = re.compile(
    r"^\s*(?P<label>acceptance criteria|prerequisites)\s*:\s*(?P<rest>.*)$", re.IGNORECASE
)
_RULE_RE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")


@dataclass(frozen=True)
class StoryHeading:
    story_id: str
    title: str
    line: int
    level: int


@dataclass
class _Block:
    key: str
    title: str
    line: int
    lines: list[Line]
    """A note's or prerequisite's lines start with its label line (shown as written); the
    criteria's and tasks' start with what follows the label."""
    rest: str = ""
    """What follows the label on its line."""

    def content(self) -> list[Line]:
        """The lines after the label, the rest of the label line first."""
        if self.key in CRITERIA_SECTIONS | TASK_SECTIONS or not self.lines:
            return self.lines
        head = [Line(self.line, self.rest)] if self.rest.strip() else []
        return head + self.lines[1:]


def parse_epic_story(path: str, head: StoryHeading, body: Sequence[Line]) -> ParsedStory:
    """``body``: the lines after the heading up to the next story, epic or same-level heading.
    A whole epic in the prerequisites stays ``epic:N``: the file expands it (:mod:`epics`)."""
    statement, blocks = _split(body, head.level)
    rally = rally_link(statement)
    statement = [line for line in statement if rally is None or line.no != rally.line]
    criteria_block = _first(blocks, CRITERIA_SECTIONS)
    task_block = _first(blocks, TASK_SECTIONS)
    notes: list[Note] = []
    criteria, criteria_notes = parse_criteria(criteria_block.lines) if criteria_block else ((), [])
    tasks, task_notes = parse_tasks(task_block.lines) if task_block else ((), [])
    notes += criteria_notes + task_notes
    if not criteria:
        notes.append(Note(head.line, "no acceptance criteria found under this story"))
    prerequisites = [b for b in blocks if b.key in PREREQUISITE_LABELS]
    prerequisite_lines = [line for b in prerequisites for line in first_paragraph(b.content())]
    read = {line.no for line in prerequisite_lines}
    dependencies = find_dependencies(
        [line for line in body if line.no not in read],
        prerequisite_lines=prerequisite_lines,
        own_id=head.story_id,
    )
    for block in prerequisites:
        text = " ".join(line.text for line in first_paragraph(block.content())).strip()
        if not dependencies and text and not says_none(text):
            notes.append(Note(block.line, f"prerequisites not understood: {text[:80]}"))
    note_blocks = [b for b in blocks if b is not criteria_block and b is not task_block]
    dev_notes = "\n\n".join(t for b in note_blocks if (t := _text(b.lines)))
    first_statement = next((line.no for line in statement if not line.blank), None)
    return ParsedStory(
        path=path,
        story_id=head.story_id,
        title=head.title,
        title_line=head.line,
        dialect="epics",
        rally=rally,
        story_text=_text(statement),
        story_line=first_statement,
        clauses=parse_clauses(statement),
        criteria=criteria,
        criteria_line=criteria_block.line if criteria_block else None,
        tasks=tasks,
        tasks_line=task_block.line if task_block else None,
        dev_notes=dev_notes,
        dev_notes_line=note_blocks[0].line if note_blocks else None,
        dependencies=dependencies,
        sections=tuple(SectionRef(b.title, b.key, b.line) for b in blocks),
        notes=tuple(notes),
    )


def _split(body: Sequence[Line], level: int) -> tuple[list[Line], list[_Block]]:
    """The lines before the first label, and the labelled blocks. A note block keeps its label
    line (it is shown as written); the others start after it."""
    statement: list[Line] = []
    blocks: list[_Block] = []
    for line in body:
        found = heading(line)
        label = label_of(line) if found is None else (found.text, "")
        key = canonical_name(label[0]) if label else ""
        if (found and found.level > level) or (label and key in _LABELS):
            rest = label[1] if label else ""
            block = _Block(key, label[0].strip() if label else "", line.no, [], rest)
            if key in NOTE_LABELS | PREREQUISITE_LABELS or key not in _LABELS:
                block.lines.append(line)
            elif rest.strip():
                block.lines.append(Line(line.no, rest))
            blocks.append(block)
        elif blocks:
            blocks[-1].lines.append(line)
        else:
            statement.append(line)
    return statement, blocks


def label_of(line: Line) -> tuple[str, str] | None:
    """``**Technical Notes:** text`` -> (``Technical Notes``, ``text``)."""
    if not line.plain:
        return None
    match = _LABEL_RE.match(line.text) or _PLAIN_LABEL_RE.match(line.text)
    return (match.group("label"), match.group("rest")) if match else None


def _first(blocks: Sequence[_Block], names: set[str]) -> _Block | None:
    return next((b for b in blocks if b.key in names), None)


def first_paragraph(lines: Sequence[Line]) -> list[Line]:
    """Up to the first blank line or the next bold label (``**Parallel with:** Story 4.6``)."""
    out: list[Line] = []
    for line in lines:
        if (line.blank or label_of(line)) and out:
            break
        if not line.blank and not _RULE_RE.match(line.text):
            out.append(line)
    return out


def says_none(text: str) -> bool:
    plain = re.sub(r"[*_`]", "", text).strip().casefold()
    return plain.startswith(("none", "n/a", "no prerequisite", "no dependenc", "-"))


def _text(lines: Sequence[Line]) -> str:
    kept = list(lines)
    while kept and (kept[-1].blank or _RULE_RE.match(kept[-1].text)):
        kept.pop()
    return block_text(kept)
