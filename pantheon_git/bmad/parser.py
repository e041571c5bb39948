"""Parse a BMAD story file (v4 or v6 dialect) into a :class:`ParsedStory`.

Section-based (research/bmad.md §2.4): find the H1 title, read the preamble, split the rest at
``##`` headings outside code fences, match section names against known aliases in any order,
and keep everything else as named sections. A file without a story title is :class:`Skipped`;
a story that cannot be read safely raises :class:`StoryFormatError` naming file and line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from pantheon_git.bmad.blocks import Line, Section, heading, scan, split_sections
from pantheon_git.bmad.criteria import parse_criteria
from pantheon_git.bmad.deps import find_dependencies, ignored_section
from pantheon_git.bmad.model import (
    Note,
    ParsedStory,
    RallyLink,
    SectionRef,
    Skipped,
)
from pantheon_git.bmad.source import decode_story
from pantheon_git.bmad.statement import parse_clauses
from pantheon_git.bmad.status import find_status
from pantheon_git.bmad.tasks import parse_tasks
from pantheon_git.core.keys import StoryKey
from pantheon_git.errors import StoryFormatError

STORY_SECTIONS = {"story", "story statement", "user story"}
CRITERIA_SECTIONS = {"acceptance criteria", "acceptance criterion"}
TASK_SECTIONS = {
    "tasks/subtasks",
    "tasks/sub-tasks",
    "tasks",
    "subtasks",
    "implementation tasks",
    "tasks and subtasks",
    "tasks & subtasks",
    "task list",
}
DEV_NOTES_SECTIONS = {"dev notes", "developer notes", "development notes"}
_UNIQUE = {
    "Status": {"status"},
    "Story": STORY_SECTIONS,
    "Acceptance Criteria": CRITERIA_SECTIONS,
    "Tasks": TASK_SECTIONS,
}

_TITLE_RE = re.compile(
    r"^story\s+(?P<id>[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)+|[A-Za-z]{1,3}-?\d{1,9})(?![\w.])"
    r"\s*(?:[:：—–]|-(?=\s))?\s*(?P<title>.*?)\s*$",
    re.IGNORECASE,
)
_RALLY_RE = re.compile(
    r"^\s*(?:\*\*)?Rally(?:\*\*)?\s*:\s*(?:\*\*)?\s*(?P<key>[A-Za-z]{1,3}-?\d{1,9})\b"
    r"(?:\s+<?(?P<url>[^\s<>]+)>?)?\s*$",
    re.IGNORECASE,
)
_META_RE = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*)?(?P<key>[A-Za-z][\w .-]{0,40}?)(?:\*\*)?\s*:\s*(?:\*\*)?\s*"
    r"(?P<value>\S.*?)\s*$"
)
_FILE_ID_RE = re.compile(
    r"^(?:story-)?(?P<id>\d+[a-z]?(?:[.-]\d+){1,2}|US-?\d+)(?=[.-]|$)", re.IGNORECASE
)


def parse_story_bytes(data: bytes, path: str) -> ParsedStory | Skipped:
    """Decode (size, binary and UTF-8 checks) and parse."""
    return parse_story(decode_story(data, path), path)


def parse_story(text: str, path: str) -> ParsedStory | Skipped:
    lines, unclosed = scan(text)
    found = next(((line, h) for line in lines if (h := heading(line)) and h.level == 1), None)
    if found is None:
        reason = "empty file" if not text.strip() else "no `# Story X.Y: Title` heading"
        return Skipped(path, reason)
    title_line, heading_text = found[0], found[1].text
    parts = title_parts(heading_text)
    if parts is None:
        return Skipped(
            path, f"line {title_line.no}: `# {_clip(heading_text)}` is not a story title"
        )
    story_id, title = parts[0], clean_title(parts[1])
    if not title:
        raise StoryFormatError(
            f"story {story_id} has no title after its id",
            path=path,
            line=title_line.no,
            hint=f"Write the title as `# Story {story_id}: <title>`.",
        )
    if unclosed and any(_level(line, code_ok=True) == 2 for line in lines[unclosed.line :]):
        raise StoryFormatError(
            f"the code fence {unclosed.marker} opened here is never closed, so the sections "
            "after it would be read as code",
            path=path,
            line=unclosed.line,
            hint=f"Close the fence with a `{unclosed.marker}` line, then run the command again.",
        )
    body = lines[title_line.no :]
    preamble, sections = split_sections(body, 2)
    _check_unique(sections, path)
    return _assemble(
        path=path,
        story_id=story_id,
        title=title,
        title_no=title_line.no,
        preamble=preamble,
        sections=sections,
        lines=lines,
    )


def _assemble(
    *,
    path: str,
    story_id: str,
    title: str,
    title_no: int,
    preamble: Sequence[Line],
    sections: Sequence[Section],
    lines: Sequence[Line],
) -> ParsedStory:
    notes: list[Note] = []
    status, status_notes = find_status(preamble, sections)
    notes += status_notes
    story = _find(sections, STORY_SECTIONS)
    criteria_section = _find(sections, CRITERIA_SECTIONS)
    task_section = _find(sections, TASK_SECTIONS)
    dev_notes = _find(sections, DEV_NOTES_SECTIONS)
    criteria, criteria_notes = (
        parse_criteria(criteria_section.body) if criteria_section else ((), [])
    )
    tasks, task_notes = parse_tasks(task_section.body) if task_section else ((), [])
    notes += criteria_notes + task_notes
    for name, section in (
        ("Story", story),
        ("Acceptance Criteria", criteria_section),
        ("Tasks / Subtasks", task_section),
    ):
        if section is None:
            notes.append(Note(None, f"no `## {name}` section"))
    dependency_section = _find(sections, {"dependencies"})
    scanned = list(preamble) + [
        line for s in sections if not ignored_section(s.key) for line in s.body
    ]
    parsed = ParsedStory(
        path=path,
        story_id=story_id,
        title=title,
        title_line=title_no,
        dialect=_dialect(status.source if status else None, path),
        rally=rally_link(preamble),
        status=status,
        metadata=_metadata(preamble),
        story_text=story.text() if story else "",
        story_line=story.line if story else None,
        clauses=parse_clauses(story.body) if story else (),
        criteria=criteria,
        criteria_line=criteria_section.line if criteria_section else None,
        tasks=tasks,
        tasks_line=task_section.line if task_section else None,
        dev_notes=dev_notes.text() if dev_notes else "",
        dev_notes_line=dev_notes.line if dev_notes else None,
        dependencies=find_dependencies(
            scanned,
            dependency_lines=dependency_section.body if dependency_section else (),
            own_id=story_id,
        ),
        sections=tuple(SectionRef(s.title, s.key, s.line) for s in sections),
    )
    notes += _consistency_notes(parsed)
    if any(line.plain and not line.blank for line in lines[: title_no - 1]):
        notes.append(Note(title_no, "text before the title is ignored"))
    return _with_notes(parsed, notes)


def clean_title(text: str) -> str:
    """The title without control characters (terminal escapes) and surrounding space."""
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return " ".join(cleaned.split()) if cleaned != text else cleaned.strip()


def file_story_id(path: str) -> str | None:
    """The story id a file name suggests: ``1.1.story.md`` -> ``1.1``, ``1-2-x.md`` -> ``1.2``."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    match = _FILE_ID_RE.match(name)
    if not match:
        return None
    found = match.group("id")
    if found.upper().startswith("US"):
        return f"US-{int(found[2:].lstrip('-'))}"
    return found.replace("-", ".")


def _consistency_notes(story: ParsedStory) -> list[Note]:
    notes: list[Note] = []
    everything = story.all_tasks()
    open_tasks = [t for t in everything if not t.done]
    if story.status and story.status.canonical == "done" and open_tasks:
        notes.append(
            Note(
                story.status.line,
                f"the status is done but {len(open_tasks)} of {len(everything)} tasks "
                "are unchecked",
            )
        )
    numbers = {str(c.number) for c in story.criteria}
    unknown = sorted({ref for t in everything for ref in t.ac_refs if ref not in numbers}, key=int)
    if unknown and story.criteria:
        notes.append(
            Note(
                story.tasks_line,
                f"tasks refer to unknown acceptance criteria: {', '.join(unknown)}",
            )
        )
    from_file = file_story_id(story.path)
    if from_file and from_file.casefold() != _id_key(story.story_id):
        notes.append(
            Note(
                story.title_line,
                f"file name says story {from_file}, the title says {story.story_id}",
            )
        )
    return notes


def _id_key(story_id: str) -> str:
    key = StoryKey.try_parse(story_id)
    return str(key).casefold() if key else story_id.casefold()


def _check_unique(sections: Sequence[Section], path: str) -> None:
    for name, aliases in _UNIQUE.items():
        found = [s for s in sections if s.key in aliases]
        if len(found) > 1:
            raise StoryFormatError(
                f"a second {name} section `## {found[1].title}` "
                f"(the first is at line {found[0].line})",
                path=path,
                line=found[1].line,
                hint="Merge the two sections into one, then run the command again.",
            )


def _find(sections: Sequence[Section], names: set[str]) -> Section | None:
    return next((s for s in sections if s.key in names), None)


def rally_link(preamble: Sequence[Line]) -> RallyLink | None:
    for line in preamble:
        match = _RALLY_RE.match(line.text) if line.plain else None
        if match:
            key = StoryKey.try_parse(match.group("key"))
            if key:
                return RallyLink(key, match.group("url"), line.no)
    return None


def _metadata(preamble: Sequence[Line]) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for line in preamble:
        match = _META_RE.match(line.text) if line.plain else None
        if match:
            pairs.append((match.group("key").strip(), match.group("value")))
    return tuple(pairs)


def _dialect(status_source: str | None, path: str) -> str:
    if status_source == "line":
        return "v6"
    if status_source is None and "implementation-artifacts" in path.replace("\\", "/"):
        return "v6"
    return "v4"


def _level(line: Line, *, code_ok: bool = False) -> int:
    if code_ok and line.code:
        line = Line(line.no, line.text)
    found = heading(line)
    return found.level if found else 0


def title_parts(heading_text: str) -> tuple[str, str] | None:
    """``Story 1.2: Title`` -> (``1.2``, ``Title``); bold around it all or the prefix is fine."""
    text = heading_text.strip()
    bold = text.startswith("**")
    match = _TITLE_RE.match(text[2:] if bold else text)
    if not match:
        return None
    title = match.group("title")
    if bold:
        title = title.removeprefix("**").removesuffix("**").strip()
    return match.group("id"), title


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _with_notes(story: ParsedStory, notes: list[Note]) -> ParsedStory:

    return replace(story, notes=tuple(notes))
