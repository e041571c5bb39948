"""pygit2 for the benchmarks that weigh it against git: hermetic settings and timing.

Where pantheon_git uses pygit2 and where it spawns git instead is decided by these figures
(``docs/development.md``, "git or pygit2"). Imported by the scripts beside it (they run with
this folder first on ``sys.path``).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from benchgit import ENV

T = TypeVar("T")


def require() -> ModuleType:
    """``pygit2``, with its global and system config pinned to an empty folder (as ``ENV``
    does for git: libgit2 reads them through its own search path, not ``GIT_CONFIG_*``)."""
    try:
        import pygit2
    except ImportError:
        raise SystemExit("this benchmark compares git with pygit2: pip install pygit2") from None
    empty = tempfile.mkdtemp(prefix="bench-pygit2-config-")
    levels = pygit2.enums.ConfigLevel
    for level in (levels.SYSTEM, levels.XDG, levels.GLOBAL):
        pygit2.settings.search_path[level] = empty
    return pygit2


def version_line(pygit2: ModuleType) -> str:
    """The versions compared, and the machine's load (the figures are ratios for a reason)."""
    git = subprocess.run(["git", "--version"], capture_output=True, text=True, check=True)
    pygit2_version = f"pygit2 {pygit2.__version__} (libgit2 {pygit2.LIBGIT2_VERSION})"
    return f"{git.stdout.strip()}; {pygit2_version}; load {os.getloadavg()[0]:.1f}"


def timed(func: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def alternate(
    candidates: dict[str, Callable[[], object]], runs: int
) -> tuple[dict[str, float], dict[str, object]]:
    """Each candidate once per round, ``runs`` rounds: median seconds and the last result."""
    times: dict[str, list[float]] = {name: [] for name in candidates}
    last: dict[str, object] = {}
    for _ in range(runs):
        for name, func in candidates.items():
            elapsed, last[name] = timed(func)
            times[name].append(elapsed)
    return {name: statistics.median(t) for name, t in times.items()}, last


def import_cost(runs: int) -> float:
    """What ``import pygit2`` adds to a fresh process: median of ``python -c 'import pygit2'``
    minus ``python -c pass``, the two alternated."""

    def start(code: str) -> Callable[[], object]:
        argv = [sys.executable, "-c", code]
        return lambda: subprocess.run(argv, env=ENV, check=True)

    medians, _ = alternate({"import": start("import pygit2"), "pass": start("pass")}, runs)
    return max(0.0, medians["import"] - medians["pass"])


def ratio(seconds: float, baseline: float, names: tuple[str, str] = ("pygit2", "git")) -> str:
    """``seconds / baseline``, saying which is faster: above 1, the baseline is."""
    if baseline <= 0:
        return "n/a"
    factor = seconds / baseline
    faster = names[1] if factor >= 1 else names[0]
    return f"{factor:.2f} ({names[0]} time / {names[1]} time; {faster} faster)"


def scratch_repo(pygit2: ModuleType, objects: Path, tmp: str) -> object:
    """A repository that reads ``objects`` and writes to ``tmp``: pygit2's merges write the
    merged blobs into the object database, and the repository must not be touched.

    The pack is asked first (reads), the throw-away folder is the first that can write.
    Loose objects at compression level 0 cannot be read back by libgit2 1.9 ("failed to
    inflate loose object"): level 1.
    """
    odb = pygit2.Odb()
    odb.add_backend(pygit2.OdbBackendPack(str(objects)), 3)
    odb.add_backend(pygit2.OdbBackendLoose(tmp, 1, False), 2)
    odb.add_backend(pygit2.OdbBackendLoose(str(objects), 1, False), 1)
    repo = pygit2.Repository()
    repo.set_odb(odb)
    return repo
