"""What ``pantheon deps --dismiss`` / ``--undismiss`` report, and the line the report and the
review add for the pairs the analysis left out because the team dismissed them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pantheon_git.core.story import Story
from pantheon_git.core.wording import count, first_of
from pantheon_git.features.deps import dismissals
from pantheon_git.features.deps.dismissals import Dismissal, FileDismissal, Outcome, Pair
from pantheon_git.features.deps.document import edge_doc
from pantheon_git.features.deps.filedismiss import FileOutcome
from pantheon_git.features.deps.model import Analysis, Edge

SHOWN = 10
"""Pairs named in the review's line (the JSON lists them all)."""
TAKE_BACK = "`pantheon deps --undismiss BEFORE:AFTER` takes one back"
_MARKS = {
    dismissals.DISMISSED: "-",
    dismissals.WOULD_DISMISS: "-",
    dismissals.UNDISMISSED: "+",
    dismissals.WOULD_UNDISMISS: "+",
}


def render_changed(
    outcomes: Sequence[Outcome],
    *,
    undo: bool,
    dry_run: bool,
    file: str,
    written: bool,
    files: Sequence[FileOutcome] = (),
) -> str:
    moved = {s for s, mark in _MARKS.items() if mark == ("+" if undo else "-")}
    changed = sum(o.status in moved for o in outcomes)
    paths = sum(o.status in moved for o in files)
    verb = "taken back" if undo else "dismissed"
    what = ", ".join(
        [count(changed, "pair")] * bool(outcomes or not files)
        + [count(paths, "file")] * bool(files)
    )
    if dry_run:
        head = f"Dry run: nothing written. {what} would be {verb} ({file}):"
    else:
        head = f"{'Taken back' if undo else 'Dismissed'}: {what} ({file})."
    lines = [head]
    for o in outcomes:
        mark = _MARKS.get(o.status, "=")
        lines.append(f"  {mark} {o.entry.source} before {o.entry.target} ({o.status}){_why(o)}")
    for f in files:
        lines.append(f"  {_MARKS.get(f.status, '=')} {f.entry.path} ({f.status}){_on(f)}")
    if changed and not undo:
        lines.append(
            "The analysis leaves them out: `pantheon deps`, `plan` and `checkout --epic` no "
            "longer make the later story wait for them."
        )
    if paths and not undo:
        lines.append(
            "Stories that share only dismissed files no longer conflict in `pantheon deps`, "
            "`plan` and `checkout --epic` (the push and CI checks of real diffs still compare "
            "them)."
        )
    changed += paths
    if dry_run and changed:
        lines.append("Next: run it again without --dry-run to record them.")
    elif written:
        lines.append(f"Next: commit {file} so the whole team's analysis has them.")
    return "\n".join(lines)


def _why(outcome: Outcome) -> str:
    edge = outcome.edge
    if edge is None:
        if outcome.status == dismissals.NOT_DISMISSED:
            return ""
        return " [not inferred now: kept out if the texts come to suggest it]"
    return f" [{edge.kind}, {edge.confidence}]"


def _on(outcome: FileOutcome) -> str:
    pairs = [f"{c.a} ↔ {c.b}" for c in outcome.conflicts]
    if pairs:
        return f" [{count(len(pairs), 'conflict')}: {first_of(pairs, SHOWN)}]"
    if outcome.status == dismissals.NOT_DISMISSED:
        return ""
    return " [no conflict names it now: kept out if two stories come to share it]"


def left_out_line(left_out: Sequence[Edge]) -> str:
    """The review's line for the inferred pairs left out as dismissed (empty: none)."""
    if not left_out:
        return ""
    pairs = [dismissals.pair_text((e.source, e.target)) for e in left_out]
    return (
        f"Left out: {count(len(pairs), 'pair')} the team dismissed as wrong "
        f"({first_of(pairs, SHOWN)}); {TAKE_BACK}."
    )


def files_line(analysis: Analysis) -> str:
    """The review's line for the conflicts left out on dismissed files (empty: none)."""
    apart = {(c.a, c.b) for c in analysis.conflicts}
    gone = [c for c in analysis.dismissed_conflicts if (c.a, c.b) not in apart]
    if not gone:
        return ""
    paths = sorted({p for c in gone for p in c.paths})
    return (
        f"Not conflicts: {count(len(gone), 'pair')} sharing only files the team dismissed "
        f"({first_of(paths, SHOWN)}); "
        "`pantheon deps --undismiss-file PATH` takes one back."
    )


def file_docs(analysis: Analysis, files: Sequence[FileDismissal]) -> list[dict[str, Any]]:
    """Every file the team dismissed, with who, when and why, and the pairs it would make
    conflict (``still_conflicts``: the pair shares another file)."""
    apart = {(c.a, c.b) for c in analysis.conflicts}
    out = []
    for entry in files:
        doc: dict[str, Any] = {"path": entry.path, **dismissals.notes(entry)}
        doc["conflicts"] = [
            {"a": str(c.a), "b": str(c.b), "still_conflicts": (c.a, c.b) in apart}
            for c in analysis.dismissed_conflicts
            if entry.path in c.paths
        ]
        out.append(doc)
    return out


def dismissed_docs(
    left_out: Sequence[Edge], stories: Sequence[Story], entries: Sequence[Dismissal]
) -> list[dict[str, Any]]:
    """The pairs left out as dismissed, each as an edge with who dismissed it, when and why."""
    titles = {s.key: s.title for s in stories}
    notes: Mapping[Pair, Dismissal] = {e.pair: e for e in entries}
    out = []
    for edge in left_out:
        note = notes.get((edge.source, edge.target))
        doc = {
            **edge_doc(edge),
            "from_title": titles.get(edge.source),
            "to_title": titles.get(edge.target),
        }
        if note is not None:
            doc.update(dismissals.notes(note))
        out.append(doc)
    return out
