"""An epic's own dependency line in an epics file: ``**Dependencies:** Epic 1 (Foundation)``
under ``## Epic 2``, before its first story (or under Epic 2's summary in an ``## Epic List``).

What it names is read as a story's Prerequisites line is
(:func:`~pantheon_git.bmad.deps.prerequisite_refs`): ``Epic 1``, ``Epics 1-3``, ``Epic 1
(Story 1.5 logging)``, ``None (foundation epic)``. Words saying the epics need not come one
after the other ("can be parallelized with ...", "recommended to ship together", "optional")
hold the epics they go with back: named, noted, never linked. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pantheon_git.bmad.blocks import Line, canonical_name
from pantheon_git.bmad.deps import epic_number, prerequisite_refs
from pantheon_git.bmad.epic_story import (
    PREREQUISITE_LABELS,
    first_paragraph,
    label_of,
    says_none,
)
from pantheon_git.bmad.model import Note

LABELS = PREREQUISITE_LABELS | {
    "dependency",
    "epic dependencies",
    "epic dependency",
    "epic prerequisites",
    "requires",
    "blocked by",
}
_HEDGE_RE = re.compile(
    r"\b(?:parallel\w*|concurrent\w*|simultaneous\w*|at the same time|together|alongside"
    r"|independent\w*|optional\w*|recommended|preferabl[ey]|ideally|nice[- ]to[- ]have|soft"
    r"|loose(?:ly)?|partial(?:ly)?|overlap\w*|(?:can|may) (?:start|begin)"
    r"|not (?:required|blocking|a blocker)|non-blocking)\b",
    re.IGNORECASE,
)
_BULLET_RE = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")


@dataclass(frozen=True)
class EpicNeeds:
    """One dependency line of an epic."""

    line: int
    text: str
    """As written after its label (one line; a list is joined with commas)."""
    refs: tuple[str, ...]
    """What the epic waits on: ``epic:N`` and story ids, as in a story's prerequisites."""
    held: tuple[str, ...] = ()
    """Named in words that let the work overlap (``hedge``): noted, not linked."""
    hedge: str = ""


def read_needs(body: Iterable[Line]) -> tuple[EpicNeeds, ...]:
    """The dependency lines among ``body``: the lines under an Epic heading up to its first
    story (or the next heading of its level)."""
    lines = list(body)
    found: list[EpicNeeds] = []
    for index, line in enumerate(lines):
        label = label_of(line)  # a bold label: a "## Prerequisites" section is a checklist
        if not (label and canonical_name(label[0]) in LABELS):
            continue
        head = [Line(line.no, label[1])] if label[1].strip() else []
        paragraph = first_paragraph(head + lines[index + 1 :])
        text = _joined(paragraph)
        if text:
            found.append(_read(line.no, text))
    return tuple(found)


def needs_notes(epic: str, needs: Sequence[EpicNeeds]) -> list[Note]:
    """What to tell about Epic ``epic``'s dependency lines: those held back, those not
    understood."""
    notes: list[Note] = []
    for item in needs:
        if item.held:
            named = _names(item.held)
            notes.append(
                Note(
                    item.line,
                    f'Epic {epic}\'s dependencies name {named} but say "{item.hedge}", so no '
                    f"order is linked; if {named} must come first, link it in Rally by hand",
                )
            )
        elif not item.refs and not says_none(item.text):
            notes.append(
                Note(item.line, f"Epic {epic}'s dependencies not understood: {item.text[:80]}")
            )
    return notes


def _read(line: int, text: str) -> EpicNeeds:
    refs = prerequisite_refs(text)
    parts = _parts(text, refs)
    hedged = [(part, named) for part, named in parts if _HEDGE_RE.search(part)]
    linked = tuple(r for r in refs if not any(r in named for _, named in hedged))
    # "Epic 2 (can be parallelized with Story 2.2)": the epic is held back, not the story
    held = [r for part, named in hedged for r in _outside_brackets(part) or named]
    return EpicNeeds(line, text, linked, tuple(dict.fromkeys(held)), _said(parts))


def _outside_brackets(part: str) -> tuple[str, ...]:
    return prerequisite_refs(re.sub(r"\([^()]*\)", " ", part))


def _parts(text: str, refs: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
    """``Epic 1 (Settings), Epic 2 (can run in parallel)``: each part with what it names, so a
    hedge holds back only the epics it goes with; the whole line as one part unless every part
    names something of its own and together they name what the line does."""
    pieces = _top_level_split(text)
    named = [prerequisite_refs(piece) for piece in pieces]
    if len(pieces) > 1 and all(named) and set().union(*map(set, named)) == set(refs):
        return list(zip(pieces, named, strict=True))
    return [(text, refs)]


def _top_level_split(text: str) -> list[str]:
    """Split at commas and semicolons outside brackets."""
    pieces, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if char in ",;" and depth <= 0:
            pieces.append(text[start:index])
            start = index + 1
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


def _said(parts: list[tuple[str, tuple[str, ...]]]) -> str:
    """The hedged part's words in brackets (``recommended to ship together``), else the part."""
    for part, _ in parts:
        if _HEDGE_RE.search(part):
            bracket = re.search(r"\(([^()]*)\)", part)
            if bracket and _HEDGE_RE.search(bracket.group(1)):
                return bracket.group(1).strip()
            return part.strip()
    return ""


def _joined(paragraph: Sequence[Line]) -> str:
    """The lines as one: list items joined with commas, wrapped lines with spaces."""
    out = ""
    for line in paragraph:
        value = line.text.strip()
        if _BULLET_RE.match(value):
            value = _BULLET_RE.sub("", value)
            out = f"{out}, {value}" if out else value
        else:
            out = f"{out} {value}" if out else value
    return out.strip()


def ref_name(ref: str) -> str:
    """``epic:2`` -> ``Epic 2``; ``2.1`` -> ``Story 2.1``."""
    number = epic_number(ref)
    return f"Epic {number}" if number is not None else f"Story {ref}"


def _names(refs: Sequence[str]) -> str:
    names = [ref_name(r) for r in refs]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
