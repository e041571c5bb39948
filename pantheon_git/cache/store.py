"""The local Rally cache, ``.bmad/rally-cache/`` (the seed's layout): the folder, its
generations and its write lock. Each document in it has its own module, the one place that
reads and writes it (``cache/document.py`` says what they share)::

    meta.json                       cache/meta.py: where it comes from, last sync
    epics.json                      cache/epics.py: every epic of the project
    stories/epic-17/US-123.json     cache/stories.py: one story (Rally fields + BMAD form)
    stories/no-epic/US-9.json       stories without a portfolio item
    index.json                      cache/index.py: one line per story, for boards and
                                    incremental syncs without reading every file
    assignments.json                cache/assignments.py: current locks
    dependencies.json               cache/dependencies.py: `pantheon deps`
    workstreams.json                cache/workstreams.py: `pantheon plan`
    events.jsonl                    cache/events.py: the checkout log (appended to)

Every write is atomic (temp file + rename); ``pantheon sync`` replaces the whole folder at once
(``cache_swap``). The lock that serialises writers is ``.bmad/rally-cache.lock``, beside the
folder, so it survives the swap. The cache never holds a secret.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pantheon_git.cache import swap as cache_swap
from pantheon_git.errors import PantheonError
from pantheon_git.fsio import atomic_write_json, atomic_write_text, wait_for_lock

CACHE_RELPATH = Path(".bmad") / "rally-cache"
RESYNC_HINT = "Run `pantheon sync --force` to rebuild the cache."


def not_updated(exc: OSError | PantheonError) -> str:
    """The warning when a command changed Rally but could not mirror it in the cache: a
    pantheon error names its file and fix; a file-system error gets the rebuild hint."""
    if isinstance(exc, PantheonError):
        return f"local cache not updated: {exc.message}"
    return f"local cache not updated: {exc}. {RESYNC_HINT}"


class Cache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.live = root / CACHE_RELPATH
        self.lock_path = self.live.with_name(self.live.name + ".lock")
        self.recovered: str | None = None
        """What ``exclusive()`` repaired when it took the lock, for the report."""

    @property
    def dir(self) -> Path:
        """The folder to read: ``.bmad/rally-cache``, or, in the moment between the two
        renames of a swap (or after a sync killed right there), the previous generation."""
        live = self.live
        if not live.exists():
            prev = cache_swap.sibling(live, cache_swap.PREV_SUFFIX)
            if prev.is_dir():
                return prev
        return live

    def path(self, name: str | Path) -> Path:
        return self.dir / name

    def write_json(self, name: str | Path, data: Any) -> Path:
        """Write one document of the cache (atomic); the document modules call this."""
        path = self.path(name)
        atomic_write_json(path, data)
        return path

    # --- concurrency -------------------------------------------------------------------------

    @contextmanager
    def exclusive(
        self, *, wait: float = 30.0, what: str = "another pantheon sync"
    ) -> Iterator[None]:
        """Hold the cache's write lock; waits up to ``wait`` seconds, then exits 1. Once held,
        a swap a killed sync left half done is finished first (``recovered`` says so)."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.lock_path, "a+")  # noqa: SIM115 - held for the block below
        try:
            wait_for_lock(handle.fileno(), wait=wait, busy=f"{what} is updating {self.dir}")
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            self.recovered = cache_swap.recover(self.live)
            yield
        finally:
            handle.close()

    def staging(self) -> cache_swap.Staging:
        """The next generation of the whole cache (hold ``exclusive()``); see ``cache_swap``."""
        return cache_swap.Staging(self.live)


def ensure_gitignored(root: Path, entry: str = ".bmad/") -> bool:
    """Add ``entry`` to ``root/.gitignore`` if missing. Returns True when the file changed."""
    path = root / ".gitignore"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    lines = {line.strip() for line in text.splitlines()}
    if entry in lines or entry.rstrip("/") in lines or f"/{entry}" in lines:
        return False
    prefix = "" if not text or text.endswith("\n") else "\n"
    atomic_write_text(path, f"{text}{prefix}{entry}\n")
    return True
