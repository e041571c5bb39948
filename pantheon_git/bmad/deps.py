"""Explicit story-to-story references: "depends on Story 1.2", "blocked by US-123",
``depends_on: [5-1, 5-2]`` (Pantheon's Story Metadata) and a ``## Dependencies`` bullet list.

Only explicit references count: a bare number ("requires 1.2 GB") is not a story; numeric ids
need the word Story/Stories in front, Rally keys (``US-123``) stand on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pantheon_git.bmad.blocks import Line

_TRIGGER_RE = re.compile(
    r"\b(?:depends?\s+on|dependent\s+on|blocked\s+by|requires|prerequisites?\s*:?)\s+",
    re.IGNORECASE,
)
_ITEM_RE = re.compile(
    r"(?P<story>stor(?:y|ies)\s+)?(?P<id>US-?\d{1,9}\b|\d{1,4}[a-z]?(?:[.-]\d{1,4}[a-z]?){1,2}\b)",
    re.IGNORECASE,
)
_SEPARATOR_RE = re.compile(r"\s*(?:,|;|&|\band\b|\bor\b)?\s*", re.IGNORECASE)
_DEPENDS_ON_KEY_RE = re.compile(r"\bdepends_on\s*:\s*\[([^\]]*)\]", re.IGNORECASE)
_BULLET_RE = re.compile(
    r"^\s*[-*+]\s+(?:\*\*)?(?:story\s+)?(US-?\d{1,9}|\d{1,4}[a-z]?[.-]\d{1,4}[a-z]?(?:[.-]\d{1,4})?)\b",
    re.IGNORECASE,
)
_IGNORED_SECTIONS = {
    "change log",
    "dev agent record",
    "qa results",
    "senior developer review (ai)",
}


def find_dependencies(
    lines: Iterable[Line], *, dependency_lines: Iterable[Line] = (), own_id: str
) -> tuple[str, ...]:
    """Story ids (``1.2``) and Rally keys (``US-123``) referenced, in order, without ``own_id``."""
    found: dict[str, None] = {}
    for line in lines:
        if line.plain:
            text = line.text.replace("**", "").replace("`", "")
            for ref in _from_text(text):
                found.setdefault(ref, None)
    for line in dependency_lines:
        match = _BULLET_RE.match(line.text) if line.plain else None
        if match:
            found.setdefault(_normal(match.group(1)), None)
    found.pop(_normal(own_id), None)
    return tuple(found)


def _from_text(text: str) -> list[str]:
    refs: list[str] = []
    for match in _DEPENDS_ON_KEY_RE.finditer(text):
        for raw in match.group(1).split(","):
            token = raw.strip().strip("'\"")
            if re.fullmatch(r"\d{1,4}[a-z]?(?:[.-]\d{1,4}[a-z]?){1,2}|US-?\d{1,9}", token, re.I):
                refs.append(_normal(token))
    for trigger in _TRIGGER_RE.finditer(text):
        position = trigger.end()
        named = False
        for _ in range(20):
            item = _ITEM_RE.match(text, position)
            if not item:
                break
            named = named or bool(item.group("story"))
            ref = _normal(item.group("id"))
            if not (named or ref.startswith("US-")):
                break
            refs.append(ref)
            separator = _SEPARATOR_RE.match(text, item.end())
            position = separator.end() if separator else item.end()
    return refs


def _normal(ref: str) -> str:
    """``5-1`` -> ``5.1``; ``us123`` -> ``US-123``."""
    key = re.fullmatch(r"US-?(\d+)", ref, re.IGNORECASE)
    if key:
        return f"US-{int(key.group(1))}"
    return ref.replace("-", ".")


def ignored_section(key: str) -> bool:
    return key in _IGNORED_SECTIONS
