"""Conflicts the team declared (``pantheon deps --conflict``): two stories that change one file
their texts name in words ("the composable", "Redis in Docker Compose"), which no rule can read
surely. The analysis adds each as a ``file`` conflict unless it finds the pair itself; what a
call changes and how it is reported."""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from typing import Any

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.wording import count, first_of
from pantheon_git.features.deps import dismissals
from pantheon_git.features.deps.dismissals import Declaration, Judged, pair_text
from pantheon_git.features.deps.model import Analysis, Conflict, Declared, key_order

SHOWN = 10
"""Pairs named in the review's line (the JSON lists them all)."""


def of(team: Judged) -> tuple[Declared, ...]:
    """What ``analyse`` takes of the team's declared conflicts."""
    return tuple(Declared(c.a, c.b, c.file, c.note()) for c in team.conflicts)


def scope_texts(team: Judged) -> tuple[str, ...]:
    """The declared conflicts as the saved graph's scope records them (``US-1:US-2`` and, when
    named, `` compose.yaml``), sorted: a change makes ``plan`` analyse again."""
    return tuple(
        sorted(pair_text(c.pair) + (f" {c.file}" if c.file else "") for c in team.conflicts)
    )


def add(
    conflicts: Sequence[Conflict], declared: Iterable[Declared], known: Set[StoryKey]
) -> list[Conflict]:
    """``conflicts`` with each declared pair of ``known`` stories the analysis does not have
    (it keeps its own, surer evidence), sorted as the analysis sorts them."""
    have = {(c.a, c.b) for c in conflicts}
    added: dict[tuple[StoryKey, StoryKey], Conflict] = {}
    for d in declared:
        a, b = dismissals.order_free(d.a, d.b)
        if a == b or a not in known or b not in known or (a, b) in have or (a, b) in added:
            continue
        where = f": {d.path}" if d.path else ""
        evidence = f"{a} and {b} change the same file{where} ({d.note})"
        paths = (d.path,) if d.path else ()
        added[(a, b)] = Conflict(a, b, "file", evidence, paths, d.note or "declared")
    if not added:
        return list(conflicts)
    return sorted(
        [*conflicts, *added.values()], key=lambda c: (key_order(c.a), key_order(c.b), c.kind)
    )


def found_by_rules(analysis: Analysis) -> dict[tuple[StoryKey, StoryKey], list[Conflict]]:
    """The conflicts the analysis finds itself, by pair."""
    out: dict[tuple[StoryKey, StoryKey], list[Conflict]] = {}
    for c in analysis.conflicts:
        if not c.declared:
            out.setdefault((c.a, c.b), []).append(c)
    return out


@dataclass(frozen=True)
class Outcome:
    """What became of one conflict asked for."""

    entry: Declaration
    status: str
    found: tuple[Conflict, ...]
    """The conflicts the analysis finds itself for the pair (then it keeps those)."""

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "a": str(self.entry.a),
            "b": str(self.entry.b),
            "file": self.entry.file,
            "status": self.status,
            "found": bool(self.found),
            "found_files": sorted({p for c in self.found for p in c.paths}),
        }
        return doc | dismissals.notes(self.entry)


_MARKS = {"declared": "+", "would declare": "+", "undeclared": "-", "would undeclare": "-"}


def render_changed(
    outcomes: Sequence[Outcome], *, undo: bool, dry_run: bool, file: str, written: bool
) -> str:
    moved = {s for s, mark in _MARKS.items() if mark == ("-" if undo else "+")}
    changed = sum(o.status in moved for o in outcomes)
    what = count(changed, "conflict")
    if dry_run:
        verb = "taken back" if undo else "declared"
        head = f"Dry run: nothing written. {what} would be {verb} ({file}):"
    else:
        head = f"{'Taken back' if undo else 'Declared'}: {what} ({file})."
    lines = [head]
    for o in outcomes:
        where = f": {o.entry.file}" if o.entry.file else ""
        lines.append(
            f"  {_MARKS.get(o.status, '=')} {o.entry.a} ↔ {o.entry.b}{where} ({o.status})"
            f"{_found(o)}"
        )
    if changed and not undo:
        lines.append(
            "`pantheon deps`, `plan` and `checkout --epic` no longer run them at the same time."
        )
    if dry_run and changed:
        lines.append("Next: run it again without --dry-run to record them.")
    elif written:
        lines.append(f"Next: commit {file} so the whole team's analysis has them.")
    return "\n".join(lines)


def _found(outcome: Outcome) -> str:
    if not outcome.found or outcome.status == "not declared":
        return ""
    paths = sorted({p.removeprefix("fixture:") for c in outcome.found for p in c.paths})
    shared = f" ({', '.join(paths[:3])}{' ...' if len(paths) > 3 else ''})" if paths else ""
    return f" [the analysis finds this conflict too{shared}: it keeps its own]"


def review_line(analysis: Analysis) -> str:
    """The review's line for the conflicts the analysis holds as the team declared them."""
    pairs = [f"{c.a} ↔ {c.b}" for c in analysis.conflicts if c.declared]
    if not pairs:
        return ""
    return (
        f"Declared conflicts: {count(len(pairs), 'pair')} the team keeps apart "
        f"({first_of(pairs, SHOWN)}); `pantheon deps --unconflict A:B` takes one back."
    )


def review_docs(analysis: Analysis, entries: Sequence[Declaration]) -> list[dict[str, Any]]:
    """Every conflict the team declared, with who, when and why, and whether the analysis
    finds it itself (``found``: it keeps its own) or holds it as declared."""
    own = found_by_rules(analysis)
    return [
        {
            "a": str(entry.a),
            "b": str(entry.b),
            "file": entry.file,
            **dismissals.notes(entry),
            "found": entry.pair in own,
        }
        for entry in entries
    ]
