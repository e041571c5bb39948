"""What ``pantheon deps --dismiss-file`` / ``--undismiss-file`` change: the files the team
judged no conflict (a state file the application writes at run time, a script stories only
run), kept under ``files:`` in the dismissed-deps file (``dismissals.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pantheon_git.errors import UsageError
from pantheon_git.features.deps import dismissals
from pantheon_git.features.deps.dismissals import FileDismissal, one_line
from pantheon_git.features.deps.model import Analysis, Conflict
from pantheon_git.features.deps.paths import as_path


def paths_of(named: Iterable[str], option: str) -> list[str]:
    """The paths asked for, each as the analysis reads a named path (``./src/a.py`` is
    ``src/a.py``), each once; a ``UsageError`` for one it would not read as a file."""
    out: list[str] = []
    for raw in named:
        path = as_path(raw.strip())
        if path is None:
            raise UsageError(
                f"{option}: {raw!r} is not a file path the analysis reads",
                hint="Name a file inside the repository as the conflict shows it: "
                "data/app_state.json, tools/profile_performance.py.",
            )
        if path not in out:
            out.append(path)
    return out


def conflicts_on(analysis: Analysis, path: str) -> list[Conflict]:
    """The conflicts ``path`` makes (or would make, were it not dismissed): a conflict's path
    is the path or a longer one ending in it (the analysis reads a bare name as the one
    longer path ending in it)."""

    def on(c: Conflict) -> bool:
        return any(p == path or p.endswith("/" + path) for p in c.paths)

    return [c for c in (*analysis.conflicts, *analysis.dismissed_conflicts) if on(c)]


@dataclass(frozen=True)
class FileOutcome:
    """What became of one path asked for."""

    entry: FileDismissal
    status: str
    conflicts: tuple[Conflict, ...]
    """The conflicts the path makes in the analysis (none: no two stories share it now)."""

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "path": self.entry.path,
            "status": self.status,
            "conflicts": [[str(c.a), str(c.b)] for c in self.conflicts],
        }
        for name in ("by", "date", "why"):
            if getattr(self.entry, name):
                doc[name] = getattr(self.entry, name)
        return doc


def dismiss(
    files: Sequence[FileDismissal],
    paths: Sequence[str],
    analysis: Analysis,
    *,
    by: str,
    date: str,
    why: str,
    dry_run: bool,
) -> tuple[list[FileDismissal], list[FileOutcome]]:
    """``files`` with ``paths`` added (those there already are kept as they are), and what
    became of each path."""
    have = {f.path: f for f in files}
    added: list[FileDismissal] = []
    out = []
    for path in paths:
        found = tuple(conflicts_on(analysis, path))
        if path in have:
            out.append(FileOutcome(have[path], dismissals.ALREADY, found))
            continue
        entry = FileDismissal(path, by, date, one_line(why))
        added.append(entry)
        status = dismissals.WOULD_DISMISS if dry_run else dismissals.DISMISSED
        out.append(FileOutcome(entry, status, found))
    return [*files, *added], out


def undismiss(
    files: Sequence[FileDismissal], paths: Sequence[str], analysis: Analysis, *, dry_run: bool
) -> tuple[list[FileDismissal], list[FileOutcome]]:
    """``files`` without ``paths``, and what became of each path."""
    have = {f.path: f for f in files}
    out = []
    for path in paths:
        found = tuple(conflicts_on(analysis, path))
        if path in have:
            status = dismissals.WOULD_UNDISMISS if dry_run else dismissals.UNDISMISSED
            out.append(FileOutcome(have[path], status, found))
        else:
            out.append(FileOutcome(FileDismissal(path), dismissals.NOT_DISMISSED, found))
    return [f for f in files if f.path not in set(paths)], out
