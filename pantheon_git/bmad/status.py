"""The story status, read in the order research/bmad.md §2.3 gives, and its vocabularies.

1. a ``Status: value`` line between the title and the first section (v6);
2. the first line of the ``## Status`` section (v4), the rest kept as a note;
3. a ``- **Status:** value`` bullet in a metadata section (``## Story Information``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from pantheon_git.bmad.blocks import Line, Section, block_text
from pantheon_git.bmad.model import Note, Status
from pantheon_git.core.states import ACCEPTED, CODE_REVIEW, COMPLETED, DEFINED, IN_PROGRESS

STATUS_LINE_RE = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?status(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.*?)\s*$",
    re.IGNORECASE,
)
METADATA_SECTIONS = {"story information", "story metadata", "metadata", "story details", "details"}

_CANONICAL: dict[str, str] = {}
for _word, _names in {
    "backlog": ("backlog", "idea", "new"),
    "ready-for-dev": (
        "ready-for-dev",
        "readyfordev",
        "ready",
        "draft",
        "drafted",
        "approved",
        "defined",
        "todo",
        "to-do",
    ),
    "in-progress": ("in-progress", "inprogress", "started", "wip", "doing", "indevelopment"),
    "review": (
        "review",
        "inreview",
        "in-review",
        "readyforreview",
        "codereview",
        "code-review",
        "qa",
    ),
    "done": ("done", "completed", "complete", "accepted", "closed", "finished", "released"),
}.items():
    for _name in _names:
        _CANONICAL[_name] = _word

_WORKFLOW = {
    "backlog": DEFINED,
    "ready-for-dev": DEFINED,
    "in-progress": IN_PROGRESS,
    "review": CODE_REVIEW,
    "done": COMPLETED,
}

# What the writer puts in a story file for each workflow state. Each one reads back as the
# same state (``workflow_state``); "Accepted" is not BMAD vocabulary but keeps Rally's state.
V4_STATUS = {
    DEFINED: "Approved",
    IN_PROGRESS: "InProgress",
    CODE_REVIEW: "Review",
    COMPLETED: "Done",
    ACCEPTED: "Accepted",
}
V6_STATUS = {
    DEFINED: "ready-for-dev",
    IN_PROGRESS: "in-progress",
    CODE_REVIEW: "review",
    COMPLETED: "done",
    ACCEPTED: "accepted",
}


def normalize_status(raw: str) -> str:
    """``**DONE** ✅ - QA Review`` -> ``done``; ``Ready for Review`` -> ``readyforreview``."""
    text = re.sub(r"[*`~]", "", raw)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] not in "SC")
    text = re.split(r"\s+-\s+|\s+-$|[—–(:,;.!]", text, maxsplit=1)[0]
    return re.sub(r"[\s_]+", "", text.strip().lower())


def canonical_status(normalized: str) -> str | None:
    return _CANONICAL.get(normalized)


def workflow_state(status: Status | None) -> str:
    """The pantheon workflow state a story status stands for (Defined when unknown)."""
    if status is None:
        return DEFINED
    if status.normalized == "accepted":
        return ACCEPTED
    return _WORKFLOW.get(status.canonical or "", DEFINED)


def find_status(
    preamble: Sequence[Line], sections: Sequence[Section]
) -> tuple[Status | None, list[Note]]:
    found: list[Status] = []
    notes: list[Note] = []
    line_status = _first_status_line(preamble, "line")
    if line_status:
        found.append(line_status)
    section = next((s for s in sections if s.key == "status"), None)
    if section is not None:
        status = _from_section(section)
        if status is None:
            notes.append(Note(section.line, "the Status section is empty"))
        else:
            found.append(status)
    if not found:
        for meta in (s for s in sections if s.key in METADATA_SECTIONS):
            bullet = _first_status_line(meta.body, "metadata")
            if bullet:
                found.append(bullet)
                break
    if len(found) > 1 and found[0].canonical != found[1].canonical:
        notes.append(
            Note(
                found[1].line,
                f"two statuses disagree: {found[0].raw!r} (line {found[0].line}) is used, "
                f"{found[1].raw!r} is ignored",
            )
        )
    return (found[0] if found else None), notes


def _first_status_line(lines: Sequence[Line], source: str) -> Status | None:
    for line in lines:
        match = STATUS_LINE_RE.match(line.text) if line.plain else None
        if match and match.group(1):
            return _status(match.group(1), source, line.no)
    return None


def _from_section(section: Section) -> Status | None:
    body = [line for line in section.body if line.plain]
    for index, line in enumerate(body):
        if line.blank:
            continue
        raw = line.text.strip()
        match = STATUS_LINE_RE.match(raw)
        if match and match.group(1):
            raw = match.group(1)
        note = block_text(body[index + 1 :])
        return _status(raw, "section", line.no, note)
    return None


def _status(raw: str, source: str, line: int, note: str = "") -> Status:
    normalized = normalize_status(raw)
    return Status(raw.strip(), normalized, canonical_status(normalized), source, line, note)
