"""Lines, code fences, HTML comments, headings and sections of a markdown story.

The parser works on sections, never on line positions. A line inside a fenced code block or an
HTML comment is never a heading, a status line or a task, whatever it starts with.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_FENCE_RE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
# A fence may also open right after a list marker: "1. ```python" starts code in the item.
_ITEM_FENCE_RE = re.compile(r"^(\s*(?:[-*+]|\d{1,9}[.)])[ \t]+)(`{3,}|~{3,})(.*)$")
_HEADING_RE = re.compile(r"^(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_STORY_TITLE_RE = re.compile(r"^#\s+(?:\*\*)?story\s", re.IGNORECASE)
_CLOSING_HASHES_RE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")


@dataclass(frozen=True)
class Line:
    no: int
    text: str
    code: bool = False
    """Inside a fenced code block, or one of its fence lines."""
    hidden: bool = False
    """Inside an HTML comment or the YAML front matter."""
    opens: bool = False
    """The opening line of a fenced code block."""

    @property
    def plain(self) -> bool:
        """Ordinary markdown: neither code nor hidden."""
        return not (self.code or self.hidden)

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Section:
    title: str
    key: str
    level: int
    line: int
    body: tuple[Line, ...]

    def text(self) -> str:
        return block_text(self.body)


@dataclass(frozen=True)
class Fence:
    line: int
    marker: str


def scan(text: str) -> tuple[tuple[Line, ...], Fence | None]:
    """Number the lines and mark code and hidden ones. Also returns a fence never closed."""
    raw = text.split("\n")
    lines: list[Line] = []
    fence: Fence | None = None
    in_comment = False
    front_matter_end = _front_matter_end(raw)
    for index, value in enumerate(raw):
        no = index + 1
        if no <= front_matter_end:
            lines.append(Line(no, value, hidden=True))
            continue
        if fence is not None:
            if _closes(value, fence.marker):
                fence = None
            lines.append(Line(no, value, code=True))
            continue
        if in_comment:
            in_comment = "-->" not in value
            lines.append(Line(no, value, hidden=True))
            continue
        opened = _opens(value)
        if opened:
            fence = Fence(no, opened)
            lines.append(Line(no, value, code=True, opens=True))
            continue
        stripped = value.lstrip()
        if stripped.startswith("<!--"):
            in_comment = not _comment_closes(stripped[4:])
            lines.append(Line(no, value, hidden=True))
            continue
        lines.append(Line(no, value))
    return tuple(lines), fence


def _comment_closes(rest: str) -> bool:
    """Whether a comment opened by ``<!--`` ends on the same line. As in HTML, ``<!-->`` and
    ``<!--->`` are empty comments that close at once."""
    return rest.startswith((">", "->")) or "-->" in rest


def _front_matter_end(raw: Sequence[str]) -> int:
    """Line number of the closing ``---`` of YAML front matter at the top, else 0."""
    if not raw or raw[0].strip() != "---":
        return 0
    for index in range(1, min(len(raw), 200)):
        if raw[index].strip() in ("---", "..."):
            return index + 1
        if _STORY_TITLE_RE.match(raw[index]):
            return 0  # a "---" rule above the title, not YAML front matter
    return 0


def _opens(value: str) -> str | None:
    match = _FENCE_RE.match(value) or _ITEM_FENCE_RE.match(value)
    if not match:
        return None
    marker, info = match.group(2), match.group(3)
    if marker[0] == "`" and "`" in info:
        return None  # ```inline``` code, not a fence
    return marker


def _closes(value: str, marker: str) -> bool:
    match = _FENCE_RE.match(value)
    return bool(
        match
        and match.group(2)[0] == marker[0]
        and len(match.group(2)) >= len(marker)
        and not match.group(3).strip()
    )


def heading(line: Line) -> Heading | None:
    """An ATX heading starting in column 0, outside code and comments."""
    if not line.plain or not line.text.startswith("#"):
        return None
    match = _HEADING_RE.match(line.text)
    if not match:
        return None
    return Heading(len(match.group(1)), (match.group(2) or "").strip())


def split_sections(lines: Sequence[Line], level: int) -> tuple[tuple[Line, ...], list[Section]]:
    """Split at headings of ``level`` or above: (lines before the first one, sections)."""
    head: list[Line] = []
    sections: list[Section] = []
    current: tuple[Heading, Line, list[Line]] | None = None
    for line in lines:
        found = heading(line)
        if found and found.level <= level:
            if current:
                sections.append(_section(*current))
            current = (found, line, [])
        elif current:
            current[2].append(line)
        else:
            head.append(line)
    if current:
        sections.append(_section(*current))
    return tuple(head), sections


def _section(found: Heading, line: Line, body: list[Line]) -> Section:
    title = _CLOSING_HASHES_RE.sub("", found.text).strip()
    return Section(title, canonical_name(title), found.level, line.no, tuple(body))


def canonical_name(title: str) -> str:
    """``## 🎯 **Tasks / Subtasks** ##`` -> ``tasks/subtasks``: for matching section names."""
    text = "".join(
        ch for ch in unicodedata.normalize("NFKC", title) if unicodedata.category(ch)[0] != "S"
    )
    text = re.sub(r"[*_`]", "", text).strip().rstrip(":").strip().casefold()
    text = re.sub(r"\s*/\s*", "/", text)
    return re.sub(r"\s+", " ", text)


def block_text(lines: Sequence[Line]) -> str:
    """The lines as markdown, without leading and trailing blank lines."""
    values = [line.text.rstrip() for line in lines]
    filled = [i for i, value in enumerate(values) if value]
    return "\n".join(values[filled[0] : filled[-1] + 1]) if filled else ""


def indent_width(text: str) -> int:
    width = 0
    for ch in text:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            break
    return width
