"""What ``pantheon deps --dismiss-file`` / ``--undismiss-file`` change: the files the team
judged no conflict (a state file the application writes at run time, a script stories only
run), kept under ``files:`` in the dismissed-deps file (``dismissals.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pantheon_git.errors import UsageError
from pantheon_git.features.deps import dismissals
from pantheon_git.features.deps.dismissals import FileDismissal
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
        return doc | dismissals.notes(self.entry)
