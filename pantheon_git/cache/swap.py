"""A whole new generation of the cache, swapped in at once.

``pantheon sync`` never edits ``.bmad/rally-cache/`` in place. It builds the next generation
in ``.bmad/rally-cache.next/`` (files it does not change are hard links to the live ones, so
this costs no copying), writes ``meta.json`` last, and then swaps the folders:

1. ``rally-cache``      -> ``rally-cache.prev``
2. ``rally-cache.next`` -> ``rally-cache``
3. ``rally-cache.prev`` is deleted.

A process killed at any point leaves a readable, consistent cache: before step 1 the live
folder is untouched; between 1 and 2 readers use ``rally-cache.prev`` (``Cache.dir``); the
next process to take the cache lock finishes the swap (``recover``), rolling forward when
``rally-cache.next`` is complete (it has ``meta.json``) and back otherwise.

Files in the staging folder are written without a rename each (the folder is private until
the swap) and flushed to disk with one ``os.sync()`` before the swap, so a power cut cannot
leave empty files in a committed generation.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pantheon_git.core import jsonio
from pantheon_git.fsio import atomic_write_json

NEXT_SUFFIX = ".next"
PREV_SUFFIX = ".prev"
COMMIT_FILE = "meta.json"
WRITERS = 2
BATCH = 128
"""Files per job handed to a writer thread."""
QUEUED = 64
"""Jobs waiting for a writer before ``write_bytes`` waits."""


def sibling(live: Path, suffix: str) -> Path:
    return live.with_name(live.name + suffix)


def recover(live: Path) -> str | None:
    """Finish or undo a swap that a killed process left half done; remove leftovers.

    Call it holding the cache lock. Returns a sentence for the report when it changed the
    live folder, else ``None``.
    """
    nxt, prev = sibling(live, NEXT_SUFFIX), sibling(live, PREV_SUFFIX)
    note = None
    if not live.exists():
        if (nxt / COMMIT_FILE).is_file():
            os.rename(nxt, live)
            note = "finished the cache update an interrupted sync had committed"
        elif prev.is_dir():
            os.rename(prev, live)
            note = "restored the cache an interrupted sync had left aside"
    for leftover in (nxt, prev):
        if leftover.exists():
            shutil.rmtree(leftover, ignore_errors=True)
    return note


def _walk(base: Path) -> Iterator[str]:
    """Relative POSIX paths of every regular file under ``base``."""
    for folder, _dirs, files in os.walk(base):
        rel = os.path.relpath(folder, base)
        for name in files:
            yield name if rel == "." else f"{Path(rel).as_posix()}/{name}"


class Staging:
    """The next generation of the cache, being built. Use as a context manager: leaving the
    block without ``commit()`` (an error, Ctrl-C) deletes it and leaves the live cache as is."""

    def __init__(self, live: Path) -> None:
        self.live = live
        self.dir = sibling(live, NEXT_SUFFIX)
        self.committed = False
        self._root = str(self.dir)
        self._dirs: set[str] = set()
        self._dirs_lock = threading.Lock()
        # File writes are system calls that release the GIL: a writer thread does them while
        # the caller goes on mapping stories.
        self._writer = ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="cache-write")
        self._writes: list[Future[None]] = []
        self._batch: list[tuple[str, bytes]] = []

    def __enter__(self) -> Staging:
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self._writer.shutdown(wait=True, cancel_futures=True)
        if not self.committed:
            shutil.rmtree(self.dir, ignore_errors=True)

    def flush(self) -> None:
        """Wait for the queued writes; the first that failed raises here."""
        if self._batch:
            batch, self._batch = self._batch, []
            self._writes.append(self._writer.submit(self._write_all, batch))
        writes, self._writes = self._writes, []
        for future in writes:
            future.result()

    # --- building --------------------------------------------------------------------------

    def carry_over(self, keep: Callable[[str], bool]) -> list[str]:
        """Hard-link (or copy, where links are not possible) every live file ``keep`` accepts;
        returns their relative paths. Lock files, temp files and ``meta.json`` never come."""
        self.flush()
        carried: list[str] = []
        if not self.live.is_dir():
            return carried
        for rel in _walk(self.live):
            name = rel.rsplit("/", 1)[-1]
            if rel == COMMIT_FILE or name.startswith(".") or not keep(rel):
                continue
            target = self._target(rel)
            source = self.live / rel
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)
            carried.append(rel)
        return carried

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Queue a file write (``flush`` and ``commit`` wait for it)."""
        self._batch.append((rel, data))
        if len(self._batch) >= BATCH:
            self._send()

    def _send(self) -> None:
        batch, self._batch = self._batch, []
        if batch:
            self._writes.append(self._writer.submit(self._write_all, batch))
        while len(self._writes) > QUEUED:  # bounded memory: wait for the oldest job only
            self._writes.pop(0).result()

    def _write_all(self, batch: list[tuple[str, bytes]]) -> None:
        for rel, data in batch:
            self._write(rel, data)

    def _write(self, rel: str, data: bytes) -> None:
        target = self._target(rel)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        try:
            fd = os.open(target, flags, 0o644)
        except FileExistsError:
            os.unlink(target)  # may be a link to a live file: never write through it
            fd = os.open(target, flags, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)

    def write_json(self, rel: str, data: Any, *, compact: bool = False) -> int:
        """Queue a JSON file; returns its size in bytes."""
        data_bytes = jsonio.dumps(data, pretty=not compact)
        self.write_bytes(rel, data_bytes)
        return len(data_bytes)

    def remove(self, rel: str) -> None:
        self.flush()
        with contextlib.suppress(FileNotFoundError):
            (self.dir / rel).unlink()

    def _target(self, rel: str) -> str:
        """The file's path in the staging folder, its folder made (paths are strings here:
        ``pathlib`` costs more than the write itself for 10,000 small files)."""
        folder = rel.rpartition("/")[0]
        if folder not in self._dirs:
            with self._dirs_lock:
                os.makedirs(os.path.join(self._root, folder), exist_ok=True)
                self._dirs.add(folder)
        return os.path.join(self._root, rel)

    # --- committing ------------------------------------------------------------------------

    def commit(self, meta: Any) -> None:
        """Flush, write ``meta.json`` (the generation is complete from here on), swap."""
        self.flush()
        os.sync()
        atomic_write_json(self.dir / COMMIT_FILE, meta)
        self.committed = True
        prev = sibling(self.live, PREV_SUFFIX)
        if prev.exists():
            shutil.rmtree(prev)
        if self.live.exists():
            os.rename(self.live, prev)
        os.rename(self.dir, self.live)
        shutil.rmtree(prev, ignore_errors=True)
