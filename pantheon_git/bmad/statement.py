"""The user-story statement: "As a <role>, I want <goal>, so that <benefit>" ("As an ...",
"As the project owner, ..." too).

Accepted forms (research/bmad.md §2.3): plain or bold (whole clause or keyword only), one clause
per line with markdown hard breaks, all on one line separated by commas, and several blocks in
one Story section (the first is the primary one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pantheon_git.bmad.blocks import Line
from pantheon_git.bmad.model import Clause

_START_RE = re.compile(r"^\s*(?:[-*+>]\s+)?(?:\*\*|__)?\s*as\s+(?:an?|the)\b", re.IGNORECASE)
_AS_I_WANT = r"^as\s+(?:an?|the)\s+(?P<role>.+?),?\s+i\s+want\s+(?P<want>.+?)"
_CLAUSE_RE = re.compile(
    _AS_I_WANT + r",?\s+so\s+that\s+(?P<benefit>.+?)\.?$", re.IGNORECASE | re.DOTALL
)
# "So I have enough room" on the benefit's own line, without "that": read only where "So" opens
# a line (or follows a comma), since a bare "so" inside the want ("so much") is no clause.
_LOOSE_RE = re.compile(
    _AS_I_WANT + r"(?:,\s*|\n\s*)(?-i:So|so)\s+(?P<benefit>.+?)\.?$", re.IGNORECASE | re.DOTALL
)
_MAX_BLOCK_LINES = 12
_MAX_BLOCK_CHARS = 4000


def parse_clauses(body: Sequence[Line]) -> tuple[Clause, ...]:
    """Every As-a block in the section, in order."""
    clauses: list[Clause] = []
    index = 0
    while index < len(body):
        line = body[index]
        if not (line.plain and _START_RE.match(line.text)):
            index += 1
            continue
        block = [line]
        index += 1
        while (
            index < len(body)
            and body[index].plain
            and not body[index].blank
            and not _START_RE.match(body[index].text)
            and len(block) < _MAX_BLOCK_LINES
        ):
            block.append(body[index])
            index += 1
        clause = _clause(block)
        if clause:
            clauses.append(clause)
    return tuple(clauses)


def _clause(block: Sequence[Line]) -> Clause | None:
    lines = [" ".join(_unmark(line.text).split()) for line in block]
    text = " ".join(lines)[:_MAX_BLOCK_CHARS]
    match = _CLAUSE_RE.match(text) or _LOOSE_RE.match("\n".join(lines)[:_MAX_BLOCK_CHARS])
    if not match:
        return None
    return Clause(
        role=_tidy(match.group("role")),
        want=_tidy(match.group("want")),
        benefit=_tidy(match.group("benefit")),
        line=block[0].no,
    )


def _unmark(text: str) -> str:
    """Drop bold markers, list bullets and quote markers; keep the words (and ``__init__``)."""
    text = re.sub(r"^\s*(?:[-*+>]\s+)", "", text)
    text = text.replace("**", "")
    return text.rstrip("\\ \t")


def _tidy(text: str) -> str:
    return text.strip().strip(",").strip()
