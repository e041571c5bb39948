"""``pantheon deps --conflict`` / ``--unconflict``: the conflicts the team declared, kept under
``conflicts:`` in the same file as its dismissals (``run_dismiss``, ``dismissals``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pantheon_git.app import App
from pantheon_git.features.deps import declared, dismissals
from pantheon_git.features.deps.dismissals import Declaration, Judged, Pair, order_free
from pantheon_git.features.deps.model import Analysis
from pantheon_git.features.deps.review import check_known
from pantheon_git.features.deps.run_dismiss import editing, notes_for, path_of, shown, write


@dataclass(frozen=True)
class DeclaredChange:
    """What ``--conflict`` or ``--unconflict`` did."""

    outcomes: list[declared.Outcome]
    undo: bool
    dry_run: bool
    file: str
    written: bool
    """Whether the file was (re)written."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "undo": self.undo,
            "file": self.file,
            "written": self.written,
            "conflicts": [o.to_dict() for o in self.outcomes],
        }

    def render(self) -> str:
        return declared.render_changed(
            self.outcomes,
            undo=self.undo,
            dry_run=self.dry_run,
            file=self.file,
            written=self.written,
        )


def change(
    app: App,
    analysis: Analysis,
    before: Judged,
    pairs: Sequence[Pair],
    *,
    file: str | None = None,
    undo: bool = False,
    why: str = "",
    dry_run: bool = False,
) -> DeclaredChange:
    """Declare that each of ``pairs`` must not run at the same time (``file``: the file both
    change, as ``filedismiss.paths_of`` reads it; ``undo``: take them back) on ``analysis``,
    made with the team's file as ``before`` holds it. Both stories of a pair must be analysed
    (a pair the file holds can always be taken back); the file is not touched before every
    pair is checked, and the change applies to the file as it is when written (``editing``)."""
    with editing(app, before, dry_run=dry_run) as team:
        asked = list(dict.fromkeys(order_free(a, b) for a, b in pairs))
        held = {c.pair for c in team.conflicts}
        check_known(analysis, [p for p in asked if not (undo and p in held)])
        new = any(p not in held for p in asked)
        notes = notes_for(app, new=new and not undo, why=why)

        def entry(pair: Pair) -> Declaration:
            return Declaration(pair[0], pair[1], file, **notes)

        after, done = dismissals.changed(
            team.conflicts,
            asked,
            dismissals.pair_of,
            entry,
            undo=undo,
            dry_run=dry_run,
            words=dismissals.DECLARE_WORDS,
        )
        own = declared.found_by_rules(analysis)
        outcomes = [declared.Outcome(e, status, tuple(own.get(e.pair, ()))) for e, status in done]
        moved = {c.pair for c in after} != held
        written = not dry_run and moved
        if written:
            write(path_of(app), Judged(team.pairs, team.files, tuple(after)))
        return DeclaredChange(outcomes, undo, dry_run, shown(app, path_of(app)), written)
