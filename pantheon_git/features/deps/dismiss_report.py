"""What ``pantheon deps --dismiss`` / ``--undismiss`` report, and the line the report and the
review add for the pairs the analysis left out because the team dismissed them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pantheon_git.core.story import Story
from pantheon_git.core.wording import count
from pantheon_git.features.deps import dismissals
from pantheon_git.features.deps.dismissals import Dismissal, Outcome, Pair
from pantheon_git.features.deps.document import edge_doc
from pantheon_git.features.deps.model import Edge

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
    outcomes: Sequence[Outcome], *, undo: bool, dry_run: bool, file: str, written: bool
) -> str:
    done = {dismissals.UNDISMISSED if undo else dismissals.DISMISSED}
    would = {dismissals.WOULD_UNDISMISS if undo else dismissals.WOULD_DISMISS}
    changed = sum(o.status in done | would for o in outcomes)
    verb = "taken back" if undo else "dismissed"
    if dry_run:
        head = f"Dry run: nothing written. {count(changed, 'pair')} would be {verb} ({file}):"
    else:
        head = f"{'Taken back' if undo else 'Dismissed'}: {count(changed, 'pair')} ({file})."
    lines = [head]
    for o in outcomes:
        mark = _MARKS.get(o.status, "=")
        lines.append(f"  {mark} {o.entry.source} before {o.entry.target} ({o.status}){_why(o)}")
    if changed and not undo:
        lines.append(
            "The analysis leaves them out: `pantheon deps`, `plan` and `checkout --epic` no "
            "longer make the later story wait for them."
        )
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


def left_out_line(left_out: Sequence[Edge]) -> str:
    """The review's line for the inferred pairs left out as dismissed (empty: none)."""
    if not left_out:
        return ""
    pairs = [dismissals.pair_text((e.source, e.target)) for e in left_out]
    more = f" and {len(pairs) - SHOWN} more" if len(pairs) > SHOWN else ""
    return (
        f"Left out: {count(len(pairs), 'pair')} the team dismissed as wrong "
        f"({', '.join(pairs[:SHOWN])}{more}); {TAKE_BACK}."
    )


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
            doc.update({k: getattr(note, k) for k in ("by", "date", "why") if getattr(note, k)})
        out.append(doc)
    return out
