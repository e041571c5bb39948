"""BMAD epics files: the whole backlog in one file (research/bmad.md §5).

v6 ``epics.md`` (``## Epic N: Title`` then ``### Story N.M: Title``), v4 monolithic PRDs
(``## Epic N Title``, no colon) and sharded ``epic-N-*.md`` files (``# Epic N: ...``,
``## Story N.M: ...``). Epic and Story headings are read at any level from H1 to H4, the colon
optional; a story's epic is the nearest Epic heading above it that has stories of its own, so
the ``### Epic N`` summaries of ``## Epic List`` and a closing ``### Epic 1 Complete`` are no
epics. A story ends at the next story or epic, or at a heading of its own level or above.

A file is an epics file when a Story heading sits under an Epic heading or it has more than one
Story heading; a one-story file is a story file (:mod:`pantheon_git.bmad.parser`). An epic's own
``**Dependencies:** Epic 1`` line, under its heading or its summary's, is kept on the epic
(:mod:`~pantheon_git.bmad.epic_needs`; the order it makes: :mod:`~pantheon_git.bmad.epic_order`).
Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from pantheon_git.bmad.blocks import Line, heading, scan
from pantheon_git.bmad.deps import epic_ends, epic_number
from pantheon_git.bmad.epic_needs import EpicNeeds, needs_notes, read_needs
from pantheon_git.bmad.epic_story import StoryHeading, parse_epic_story
from pantheon_git.bmad.model import Note, ParsedStory
from pantheon_git.bmad.parser import clean_title, title_parts
from pantheon_git.bmad.source import decode_story
from pantheon_git.errors import StoryFormatError

_EPIC_RE = re.compile(
    r"^(?:\*\*)?\s*epic\s+(?P<number>\d{1,4}[a-z]?)(?![\w.])(?:\*\*)?"
    r"\s*(?:[:：—–]|-(?=\s))?\s*(?P<title>.*?)\s*(?:\*\*)?\s*$",
    re.IGNORECASE,
)
_MAX_LEVEL = 4
_STORY_LINE_RE = re.compile(r"^(?:#{1,4}\s+(?:\*\*)?|\*\*)story\s+\d", re.IGNORECASE)


@dataclass(frozen=True)
class Epic:
    number: str
    title: str
    line: int
    needs: tuple[EpicNeeds, ...] = ()
    """Its own dependency lines (``**Dependencies:** Epic 1``), its ``## Epic List`` summary's
    first: what the stories that start it wait on (:func:`epics_needs`)."""


@dataclass(frozen=True)
class EpicStory:
    epic: Epic | None
    """None for a story above every Epic heading."""
    story: ParsedStory


@dataclass(frozen=True)
class EpicsFile:
    path: str
    epics: tuple[Epic, ...]
    """The epics that have stories, in file order."""
    stories: tuple[EpicStory, ...]


@dataclass(frozen=True)
class _Mark:
    kind: str  # "epic" or "story"
    line: Line
    level: int
    number: str
    title: str


def epic_key(number: str) -> str:
    """An epic's number as ``Epic 01``, ``Epic 1`` and ``epic 4a`` are compared: casefolded,
    without leading zeros."""
    return number.casefold().lstrip("0")


def same_epic(a: str, b: str) -> bool:
    return epic_key(a) == epic_key(b)


def epics_ends(stories: Iterable[tuple[Epic | None, ParsedStory]]) -> dict[str, list[str]]:
    """Each epic of ``stories`` (by :func:`epic_key`) -> the ids of the stories that end it
    (:func:`~pantheon_git.bmad.deps.epic_ends`, by the stories' own prerequisites)."""
    ids: dict[str, list[str]] = {}
    deps_of: dict[str, tuple[str, ...]] = {}
    for epic, story in stories:
        deps_of[story.story_id] = story.dependencies
        if epic is not None:
            ids.setdefault(epic_key(epic.number), []).append(story.story_id)
    return {number: epic_ends(members, deps_of) for number, members in ids.items()}


def ends_before(stories: Iterable[tuple[Epic | None, ParsedStory]]) -> dict[str, EarlierEnds]:
    """Each story of an epic -> its epic's key and the stories that end the part of the epic
    before it: what "All Epic 1 stories" means from inside epic 1. The whole epic's ends may
    be stories after it that wait on it, which would make a loop."""
    members: dict[str, list[str]] = {}
    deps_of: dict[str, tuple[str, ...]] = {}
    out: dict[str, EarlierEnds] = {}
    for epic, story in stories:
        deps_of[story.story_id] = story.dependencies
        if epic is not None:
            key = epic_key(epic.number)
            earlier = members.setdefault(key, [])
            out[story.story_id] = (key, epic_ends(earlier, deps_of) if earlier else [])
            earlier.append(story.story_id)
    return out


EarlierEnds = tuple[str, list[str]]
"""An epic's key, and the stories that end the part of it before one of its stories."""


def expand_epics(
    refs: Iterable[str],
    ends: Mapping[str, Sequence[str]],
    own_id: str,
    before: Mapping[str, EarlierEnds] | None = None,
) -> tuple[str, ...]:
    """``epic:N`` -> the stories that end epic N (``ends``, from :func:`epics_ends`); an epic
    not in ``ends`` stays ``epic:N`` (another file given to the same run may hold it). The
    story's own epic (``before``, from :func:`ends_before`) -> the stories that end the part
    of it before the story."""
    own = (before or {}).get(own_id)
    out: dict[str, None] = {}
    for ref in refs:
        number = epic_number(ref)
        if number is not None and own is not None and epic_key(number) == own[0]:
            whole: Sequence[str] | None = own[1]
            if not whole:
                continue  # the epic's first story: nothing of it comes before
        else:
            whole = ends.get(epic_key(number)) if number is not None else None
        for story_id in whole or [ref]:
            if story_id != own_id:
                out.setdefault(story_id, None)
    return tuple(out)


def parse_epics_bytes(data: bytes, path: str) -> EpicsFile | None:
    return parse_epics(decode_story(data, path), path)


def parse_epics(text: str, path: str) -> EpicsFile | None:
    """The file's epics and stories, or None when it is not an epics file."""
    lines, unclosed = scan(text)
    marks = _marks(lines)
    stories = [m for m in marks if m.kind == "story"]
    owners = _owners(marks, _needs(lines, marks))
    unclosed_story = unclosed is not None and _story_after(text, unclosed.line)
    if not (len(stories) > 1 or any(owners.get(m.line.no) for m in stories) or unclosed_story):
        return None
    if unclosed is not None and unclosed_story:
        raise StoryFormatError(
            f"the code fence {unclosed.marker} opened here is never closed, so the stories "
            "after it would be read as code",
            path=path,
            line=unclosed.line,
            hint=f"Close the fence with a `{unclosed.marker}` line, then run the command again.",
        )
    _check(stories, path)
    starts = {m.line.no for m in stories} | {epic.line for epic in owners.values()}
    found = [
        EpicStory(
            owners.get(mark.line.no),
            parse_epic_story(
                path,
                StoryHeading(mark.number, mark.title, mark.line.no, mark.level),
                _body(lines, mark, starts),
            ),
        )
        for mark in stories
    ]
    # a story's own epic first (the part before it), then the other epics by their ends, which
    # those first expansions settle
    before = ends_before((s.epic, s.story) for s in found)
    found = _expanded(found, {}, before)
    found = _expanded(found, epics_ends((s.epic, s.story) for s in found), before)
    epics = tuple(dict.fromkeys(s.epic for s in found if s.epic))
    return EpicsFile(path, epics, tuple(_note_hidden(_note_needs(found), lines)))


def _expanded(
    found: Sequence[EpicStory], ends: Mapping[str, Sequence[str]], before: Mapping[str, EarlierEnds]
) -> list[EpicStory]:
    return [
        replace(
            s,
            story=replace(
                s.story,
                dependencies=expand_epics(s.story.dependencies, ends, s.story.story_id, before),
            ),
        )
        for s in found
    ]


def _needs(lines: Sequence[Line], marks: Sequence[_Mark]) -> dict[str, tuple[EpicNeeds, ...]]:
    """Each epic number -> the dependency lines under its Epic headings (a summary's too),
    before the first story."""
    starts = {m.line.no for m in marks}
    found: dict[str, tuple[EpicNeeds, ...]] = {}
    for mark in marks:
        if mark.kind == "epic":
            key = epic_key(mark.number)
            found[key] = (*found.get(key, ()), *read_needs(_body(lines, mark, starts)))
    return found


def _note_needs(found: list[EpicStory]) -> list[EpicStory]:
    """What an epic's dependency lines hold back or leave unclear: said on its first story."""
    out = list(found)
    told: set[str] = set()
    for index, item in enumerate(out):
        epic = item.epic
        if epic is None or epic_key(epic.number) in told:
            continue
        told.add(epic_key(epic.number))
        notes = needs_notes(epic.number, epic.needs)
        if notes:
            story = replace(item.story, notes=(*item.story.notes, *notes))
            out[index] = replace(item, story=story)
    return out


def _note_hidden(found: list[EpicStory], lines: Sequence[Line]) -> list[EpicStory]:
    """A Story heading inside a code block (a fence above it opened and not closed where the
    author meant) is no story: said on the story above it, with the fence's line."""
    out = list(found)
    fence = 0
    for line in lines:
        fence = line.no if line.opens else fence
        if not (line.code and not line.opens and _STORY_LINE_RE.match(line.text)):
            continue
        above = [i for i, s in enumerate(out) if s.story.title_line < line.no]
        if not above:
            continue
        story = out[above[-1]].story
        note = Note(
            line.no,
            f"`{line.text.strip()[:60]}` is inside the code block opened at line {fence}, so "
            "it is not read as a story; close that block before it",
        )
        out[above[-1]] = replace(out[above[-1]], story=replace(story, notes=(*story.notes, note)))
    return out


def _marks(lines: Sequence[Line]) -> list[_Mark]:
    marks: list[_Mark] = []
    bold: list[_Mark] = []
    level = 0  # the last heading's, under which a bold story line sits
    for line in lines:
        found = heading(line)
        if found is None:
            story = _bold_story(line, level)
            if story is not None:
                bold.append(story)
            continue
        level = found.level
        if found.level > _MAX_LEVEL:
            continue
        parts = title_parts(found.text)
        if parts and "." in parts[0]:
            marks.append(_Mark("story", line, found.level, parts[0], clean_title(parts[1])))
            continue
        epic = _EPIC_RE.match(found.text)
        if epic:
            title = clean_title(epic.group("title")).strip("*").strip()
            marks.append(_Mark("epic", line, found.level, epic.group("number"), title))
    if bold and not any(m.kind == "story" for m in marks):
        marks = sorted([*marks, *bold], key=lambda m: m.line.no)
    return marks


def _bold_story(line: Line, level: int) -> _Mark | None:
    """``**Story 9.1: Body Map Placement Page**`` on a line of its own (a status mark such as
    ``_(IN REVIEW)_`` may follow): a story written as a bold line under a ``### Story
    Breakdown`` heading, one level below it. Read only in a file with no Story heading, where
    such lines cannot be a summary's copies of the stories."""
    match = _BOLD_STORY_RE.match(line.text) if line.plain else None
    if match is None:
        return None
    parts = title_parts(match.group(1))  # "_(IN REVIEW)_" after the bold is a status mark
    if parts is None or "." not in parts[0]:
        return None
    return _Mark("story", line, min(level + 1, _MAX_LEVEL), parts[0], clean_title(parts[1]))


_BOLD_STORY_RE = re.compile(
    r"^\*\*(story\s+\d[^*]*)\*\*(?:\s+[_*]*\([^)]*\)[_*]*|\s*✅)?\s*$", re.IGNORECASE
)


def _owners(marks: Sequence[_Mark], needs: Mapping[str, tuple[EpicNeeds, ...]]) -> dict[int, Epic]:
    """Story line -> its epic: the nearest Epic heading above whose next mark is a story."""
    owners: dict[int, Epic] = {}
    current: Epic | None = None
    for index, mark in enumerate(marks):
        if mark.kind == "epic":
            following = marks[index + 1] if index + 1 < len(marks) else None
            if following is not None and following.kind == "story":
                own = needs.get(epic_key(mark.number), ())
                current = Epic(mark.number, mark.title, mark.line.no, own)
        elif current is not None:
            owners[mark.line.no] = current
    return owners


def _body(lines: Sequence[Line], mark: _Mark, starts: set[int]) -> list[Line]:
    """The story's lines: up to the next story or epic (``starts``: their heading lines), or a
    heading of its own level or above."""
    body: list[Line] = []
    for line in lines[mark.line.no :]:
        found = heading(line)
        if line.no in starts or (found is not None and found.level <= mark.level):
            break
        body.append(line)
    return body


def _check(stories: Sequence[_Mark], path: str) -> None:
    seen: dict[str, int] = {}
    for mark in stories:
        if not mark.title:
            raise StoryFormatError(
                f"story {mark.number} has no title after its id",
                path=path,
                line=mark.line.no,
                hint=f"Write the heading as `{'#' * mark.level} Story {mark.number}: <title>`.",
            )
        key = mark.number.casefold()
        if key in seen:
            raise StoryFormatError(
                f"a second Story {mark.number} (the first is at line {seen[key]})",
                path=path,
                line=mark.line.no,
                hint="Give each story its own number, then run the command again.",
            )
        seen[key] = mark.line.no


def _story_after(text: str, line: int) -> bool:
    """Whether a Story heading follows ``line``, read as if no fence were open."""
    return any(_STORY_LINE_RE.match(value) for value in text.split("\n")[line:])
