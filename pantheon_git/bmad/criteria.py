"""Acceptance criteria in the forms real stories use (research/bmad.md §2.3), tried in order:

1. ``### AC-N: Title`` subheadings or ``AC N:`` paragraph labels, each with a body (tally);
2. a numbered list ``1. ...``; an item runs over indented lines, nested lists, fenced code and
   blank lines until the next number at the same indent (v4, v6, docvet's Given/When/Then);
3. bare ``**Given** ... **When** ... **Then**`` blocks (what v6 epics produce);
4. a bullet list, one criterion per top-level bullet.

Numbers come from the text when present, else from the position. Inner markdown is verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pantheon_git.bmad.blocks import Line, block_text, heading, indent_width, scan
from pantheon_git.bmad.model import Criterion, Note

_AC_HEADING_RE = re.compile(
    r"^(?:\*\*)?\s*(?:AC|Acceptance\s+Criteri(?:on|a))[\s#-]*(\d{1,6})(?:\*\*)?"
    r"\s*(?:[:.)—–-]\s*(?:\*\*)?\s*(.*?))?\s*(?:\*\*)?$",
    re.IGNORECASE,
)
_AC_LABEL_RE = re.compile(r"^(?:\*\*)?AC[\s#-]*(\d{1,6})\s*[:.](?:\*\*)?\s*(.*)$", re.IGNORECASE)
_NUMBERED_RE = re.compile(r"^( {0,3})(\d{1,9})[.)](?:[ \t]+|$)")
_BULLET_RE = re.compile(r"^( {0,3})[-*+](?:[ \t]+|$)")
_GIVEN_RE = re.compile(r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?\s*given\b", re.IGNORECASE)
_GWT_CONT_RE = re.compile(r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?\s*(?:when|then|and|but)\b", re.IGNORECASE)


def parse_criteria(body: Sequence[Line]) -> tuple[tuple[Criterion, ...], list[Note]]:
    notes: list[Note] = []
    items = _labelled(body)
    if not items:
        items = _list_items(body, _NUMBERED_RE)
    if not items:
        items = _given_blocks(body)
    if not items:
        items = [_Item(None, i.line, i.lines) for i in _list_items(body, _BULLET_RE)]
    if not items:
        text = block_text([line for line in body if not line.hidden])
        if text:
            first = next(line.no for line in body if not line.blank and not line.hidden)
            notes.append(Note(first, "acceptance criteria are not a list; kept as one criterion"))
            return (Criterion(1, text, first),), notes
        return (), notes
    numbers = [item.number for item in items]
    explicit = all(n is not None for n in numbers) and len(set(numbers)) == len(numbers)
    if not explicit and any(n is not None for n in numbers):
        notes.append(
            Note(items[0].line, "acceptance criteria numbers repeat; numbered by position")
        )
    criteria = tuple(
        Criterion(item.number if explicit and item.number else index, item.text(), item.line)
        for index, item in enumerate(items, start=1)
    )
    return tuple(c for c in criteria if c.text), notes


def criteria_from_markdown(text: str) -> tuple[str, ...]:
    """Criteria texts from a markdown fragment (a Rally field converted back to markdown)."""

    lines, _ = scan(text)
    criteria, _notes = parse_criteria(lines)
    return tuple(c.text for c in criteria)


@dataclass
class _Item:
    number: int | None
    line: int
    lines: list[str] = field(default_factory=list)

    def text(self) -> str:
        return block_text([Line(0, value) for value in self.lines])


def _labelled(body: Sequence[Line]) -> list[_Item]:
    items: list[_Item] = []
    current: _Item | None = None
    level = 7
    for line in body:
        found = heading(line)
        if found and found.level >= 3:
            match = _AC_HEADING_RE.match(found.text)
            if match:
                current = _Item(int(match.group(1)), line.no, [match.group(2) or ""])
                items.append(current)
                level = found.level
                continue
            if found.level <= level:
                current = None
                continue
        label = _AC_LABEL_RE.match(line.text) if line.plain else None
        if label and not found:
            current = _Item(int(label.group(1)), line.no, [label.group(2)])
            items.append(current)
            level = 7
            continue
        if current is not None and not line.hidden:
            current.lines.append(line.text)
    return items


def _list_items(body: Sequence[Line], marker: re.Pattern[str]) -> list[_Item]:
    reader = _ListReader(marker)
    for line in body:
        reader.feed(line)
    return reader.items


class _ListReader:
    """Items of one list: a new item starts at a marker with the first item's indent."""

    def __init__(self, marker: re.Pattern[str]) -> None:
        self.marker = marker
        self.items: list[_Item] = []
        self.current: _Item | None = None
        self.indent = 0
        self.content = 0
        self.after_blank = False
        self.code_in_item = False

    def feed(self, line: Line) -> None:
        start = self.marker.match(line.text) if (line.plain or line.opens) else None
        if start and (not self.items or len(start.group(1)) == self.indent):
            self.indent, self.content = len(start.group(1)), len(start.group(0))
            number = int(start.group(2)) if self.marker is _NUMBERED_RE else None
            self.current = _Item(number, line.no, [line.text[self.content :]])
            self.items.append(self.current)
            self.after_blank, self.code_in_item = False, line.opens
        elif line.code:
            self._code(line)
        elif self.current is not None:
            self._text(line, self.current)

    def _code(self, line: Line) -> None:
        if line.opens:
            inside = self.current is not None and indent_width(line.text) > self.indent
            self.code_in_item = inside
            self.current = self.current if inside else None
        if self.current is not None and self.code_in_item:
            self.current.lines.append(_dedent(line.text, self.content))

    def _text(self, line: Line, item: _Item) -> None:
        indented = indent_width(line.text) > self.indent
        if line.hidden:
            if line.blank or indented:
                item.lines.append(_dedent(line.text, self.content))
        elif heading(line):
            self.current = None
        elif line.blank:
            item.lines.append("")
            self.after_blank = True
        elif indented:
            item.lines.append(_dedent(line.text, self.content))
            self.after_blank = False
        elif not self.after_blank:
            item.lines.append(line.text.strip())  # lazy continuation of the paragraph
        else:
            self.current = None


def _given_blocks(body: Sequence[Line]) -> list[_Item]:
    items: list[_Item] = []
    current: _Item | None = None
    paragraph_start = True
    for line in body:
        if line.hidden:
            continue
        if line.blank and not line.code:
            if current is not None:
                current.lines.append("")
            paragraph_start = True
            continue
        if paragraph_start and line.plain:
            if _GIVEN_RE.match(line.text):
                current = _Item(None, line.no, [])
                items.append(current)
            elif not _GWT_CONT_RE.match(line.text):
                current = None
        paragraph_start = False
        if current is not None:
            current.lines.append(line.text.rstrip())
    return items


def _dedent(text: str, columns: int) -> str:
    if text.startswith(" " * columns):
        return text[columns:]
    stripped = text.lstrip(" \t")
    lead = text[: len(text) - len(stripped)].expandtabs(4)
    return lead[min(columns, len(lead)) :] + stripped
