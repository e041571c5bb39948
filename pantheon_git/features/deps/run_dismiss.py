"""The team's dismissed dependencies and files on disk (``dismissals.py`` is the format), and
``pantheon deps --dismiss`` / ``--undismiss`` / ``--dismiss-file`` / ``--undismiss-file``.

The file is found beside the config file in use (``_bmad/pantheon/config.yaml``, or the one
``--config`` or ``PANTHEON_CONFIG`` names); without one, where ``pantheon init`` would write
it: ``_bmad/pantheon/`` at the repository's top. A missing file dismisses nothing. The
analysis (``run.analyse_cache``, which ``plan``, ``checkout --epic`` and the MCP tools go
through too) reads it on every run; a malformed one stops the command (exit 3) and is never
written over.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pantheon_git.app import App
from pantheon_git.config import CONFIG_RELPATH
from pantheon_git.errors import ConfigError
from pantheon_git.features.deps import dismissals, filedismiss
from pantheon_git.features.deps.dismiss_report import render_changed
from pantheon_git.features.deps.dismissals import Dismissal, FileDismissal, Outcome, Pair
from pantheon_git.features.deps.filedismiss import FileOutcome
from pantheon_git.features.deps.model import Analysis, Edge
from pantheon_git.features.deps.review import check_known
from pantheon_git.fsio import atomic_write_text, wait_for_lock

MAX_BYTES = 1 << 20


def path_of(app: App) -> Path:
    """Where the team's dismissed dependencies are kept: beside the config file in use."""
    source = app.config.source
    folder = source.parent if source is not None else app.root / CONFIG_RELPATH.parent
    return folder / dismissals.FILE_NAME


def shown(app: App, path: Path) -> str:
    """``path`` as the user reads it: from the repository's top when it is inside."""
    return str(path.relative_to(app.root)) if path.is_relative_to(app.root) else str(path)


def judged(app: App) -> dismissals.Judged:
    """The dismissed pairs and files (none without the file); ``ConfigError`` when it cannot
    be read."""
    path = path_of(app)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return dismissals.Judged()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"{path}: larger than 1 MB: not a list of dismissed dependencies")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text", hint=dismissals.FIX) from None
    return dismissals.read(text, shown(app, path))


@contextmanager
def editing(
    app: App, before: dismissals.Judged, *, dry_run: bool, wait: float = 30.0
) -> Iterator[dismissals.Judged]:
    """The team's file to change: as ``before`` read it for a dry run (nothing is written);
    otherwise as it is now, kept from other writers until the block ends. Two ``--dismiss`` or
    ``--conflict`` runs at once each read the file again under the lock, so neither writes over
    the entries the other added. The lock is the file's folder (the file itself is replaced on
    every write); it is released when the process ends, however."""
    if dry_run:
        yield before
        return
    folder = path_of(app).parent
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        wait_for_lock(fd, wait=wait, busy=f"another pantheon run is writing {shown(app, folder)}")
        yield judged(app)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Changed:
    """What ``--dismiss`` or ``--undismiss`` (of pairs, of files) did."""

    outcomes: list[Outcome]
    undo: bool
    dry_run: bool
    file: str
    written: bool
    """Whether the file was (re)written."""
    files: list[FileOutcome] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "undo": self.undo,
            "file": self.file,
            "written": self.written,
            "pairs": [o.to_dict() for o in self.outcomes],
            "files": [o.to_dict() for o in self.files],
        }

    def render(self) -> str:
        return render_changed(
            self.outcomes,
            undo=self.undo,
            dry_run=self.dry_run,
            file=self.file,
            written=self.written,
            files=self.files,
        )


def change(
    app: App,
    analysis: Analysis,
    before: dismissals.Judged,
    pairs: Sequence[Pair],
    *,
    undo: bool = False,
    why: str = "",
    dry_run: bool = False,
    files: Sequence[str] = (),
) -> Changed:
    """Dismiss ``pairs`` and ``files`` (paths as ``filedismiss.paths_of`` reads them; ``undo``:
    take them back) on ``analysis``, made with the team's file as ``before`` holds it. Every
    pair is checked before the file is touched: both stories analysed (a pair the file holds
    can always be taken back), and no Rally predecessor dismissed. A path no conflict names
    now is recorded all the same. The change applies to the file as it is when written
    (``editing``), not as ``before`` read it."""
    with editing(app, before, dry_run=dry_run) as team:
        path = path_of(app)
        held = dismissals.pairs_of(team.pairs)
        check_known(analysis, [p for p in pairs if not (undo and p in held)])
        notes: dict[str, str] = {}
        if not undo:
            rally = {(e.source, e.target) for e in analysis.edges if e.kind == "explicit"}
            dismissals.check_not_rally(pairs, rally)
            new = [p for p in pairs if p not in held] + [f for f in files if f not in team.paths()]
            notes = notes_for(app, new=bool(new), why=why)

        def pair_entry(pair: Pair) -> Dismissal:
            return Dismissal(pair[0], pair[1], **notes)

        after, by_pair = dismissals.changed(
            team.pairs, pairs, dismissals.pair_of, pair_entry, undo=undo, dry_run=dry_run
        )
        file_entry = partial(FileDismissal, **notes)
        paths, by_path = dismissals.changed(
            team.files, files, _path, file_entry, undo=undo, dry_run=dry_run
        )
        inferred = inferred_edges(analysis)
        outcomes = [Outcome(e, status, inferred.get(e.pair)) for e, status in by_pair]
        done = [
            FileOutcome(e, status, tuple(filedismiss.conflicts_on(analysis, e.path)))
            for e, status in by_path
        ]
        moved = dismissals.pairs_of(after) != held or {f.path for f in paths} != team.paths()
        written = not dry_run and moved
        if written:
            write(path, dismissals.Judged(tuple(after), tuple(paths), team.conflicts))
        return Changed(outcomes, undo, dry_run, shown(app, path), written, done)


def notes_for(app: App, *, new: bool, why: str) -> dict[str, str]:
    """Who records new entries (nobody when none is new: nothing is written then), the day,
    and why (on one line)."""
    if not new:
        return {}
    return {
        "by": app.user(),
        "date": app.now().date().isoformat(),
        "why": dismissals.one_line(why),
    }


def write(path: Path, judged: dismissals.Judged) -> None:
    """The team's file as ``judged`` holds it (atomic), merged line by line by git."""
    atomic_write_text(path, dismissals.render(judged.pairs, judged.files, judged.conflicts))
    union_merge(path)


def _path(entry: FileDismissal) -> str:
    return entry.path


def union_merge(path: Path) -> None:
    """Have git merge ``path`` line by line (``merge=union``), through a ``.gitattributes``
    in its folder: two developers who dismiss pairs that sort next to each other add lines at
    the same place, which a plain merge calls a conflict. The file's reader takes what a union
    leaves (a pair twice, lines out of order)."""
    attributes = path.parent / ".gitattributes"
    line = dismissals.MERGE_ATTRIBUTE
    try:
        text = attributes.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError):
        return  # a file of the team's own that cannot be read is left alone
    if any(row.split() == line.split() for row in text.splitlines()):
        return
    lead = "" if not text or text.endswith("\n") else "\n"
    atomic_write_text(attributes, f"{text}{lead}{line}\n")


def inferred_edges(analysis: Analysis) -> dict[Pair, Edge]:
    """The edges and hints the texts suggest, by pair, those the file leaves out included."""
    every = (*analysis.edges, *analysis.hints, *analysis.overruled, *analysis.dismissed)
    return {(e.source, e.target): e for e in every if e.kind != "explicit"}
