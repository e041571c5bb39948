"""The local Rally cache, ``.bmad/rally-cache/`` (the seed's layout).

::

    epics.json                      epic metadata
    stories/epic-17/US-123.json     {"rally": raw Rally fields, "bmad": Story.to_dict()}
    stories/no-epic/US-9.json       stories without a portfolio item
    assignments.json                current locks: {"locks": {"US-123": {holder, locked_at,
                                    expires, branch, epic, expired}}}
    index.json                      one line per story (path, version, state, lock) for
                                    boards and incremental syncs without reading every file
    dependencies.json               `pantheon deps`
    workstreams.json                `pantheon plan`
    meta.json                       schema version, workspace, project, last sync

Every write is atomic (temp file + rename); ``pantheon sync`` replaces the whole folder at once
(``cache_swap``). The lock that serialises writers is ``.bmad/rally-cache.lock``, beside the
folder, so it survives the swap. The cache never holds a secret.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from pantheon_git.cache import swap as cache_swap
from pantheon_git.core import jsonio
from pantheon_git.core.keys import EpicRef, StoryKey, epic_number, key_order
from pantheon_git.core.story import Story
from pantheon_git.core.timefmt import format_time, parse_time
from pantheon_git.errors import CacheCorrupt, CheckFailed, UsageError
from pantheon_git.fsio import atomic_write_json, atomic_write_text

SCHEMA_VERSION = 1
CACHE_RELPATH = Path(".bmad") / "rally-cache"
NO_EPIC_DIR = "no-epic"
RESYNC_HINT = "Run `pantheon sync --force` to rebuild the cache."


@functools.lru_cache(maxsize=1024)  # a sync asks once per story, for a few dozen epics
def epic_dir_name(epic: str | None) -> str:
    return f"epic-{epic_number(epic)}" if epic else NO_EPIC_DIR


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

    # --- raw JSON ---------------------------------------------------------------------------

    def path(self, name: str | Path) -> Path:
        return self.dir / name

    def read_json(self, name: str | Path) -> Any:
        """The parsed file, or ``None`` if it does not exist. Corrupt files raise (exit 3)."""
        path = self.path(name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CacheCorrupt(f"cannot read cache file {path}: {exc}", hint=RESYNC_HINT) from None
        try:
            return jsonio.loads(data)
        except jsonio.DecodeError as exc:
            raise CacheCorrupt(
                f"corrupt cache file {path} (line {exc.lineno}): {exc.msg}", hint=RESYNC_HINT
            ) from None

    def write_json(self, name: str | Path, data: Any) -> Path:
        path = self.path(name)
        atomic_write_json(path, data)
        return path

    # --- meta ------------------------------------------------------------------------------

    def meta(self) -> dict[str, Any] | None:
        doc = self.read_json("meta.json")
        if doc is None:
            return None
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_VERSION:
            raise CacheCorrupt(
                f"cache {self.dir} has an unknown schema (expected {SCHEMA_VERSION})",
                hint=RESYNC_HINT,
            )
        return doc

    def require_meta(self) -> dict[str, Any]:
        meta = self.meta()
        if meta is None:
            raise UsageError(
                f"no Rally cache in {self.dir}", hint="Run `pantheon sync` first to pull stories."
            )
        return meta

    def last_sync(self) -> datetime | None:
        meta = self.meta()
        if not meta or not meta.get("last_sync"):
            return None
        return parse_time(str(meta["last_sync"]))

    # --- stories ---------------------------------------------------------------------------

    def story_files(self) -> Iterator[Path]:
        base = self.dir / "stories"
        if not base.is_dir():
            return
        for folder in sorted(base.iterdir()):
            if folder.is_dir():
                yield from sorted(p for p in folder.glob("*.json") if not p.name.startswith("."))

    def load_entry(self, path: Path) -> dict[str, Any]:
        doc = self.read_json(path.relative_to(self.dir))
        if not isinstance(doc, dict) or not isinstance(doc.get("bmad"), dict):
            raise CacheCorrupt(f"corrupt cache file {path}: no story in it", hint=RESYNC_HINT)
        return doc

    def load_stories(self, epics: Iterable[EpicRef] | None = None) -> list[Story]:
        """Stories from the cache, optionally only those of the given epics, in key order."""
        wanted = list(epics or ())
        stories: list[Story] = []
        for path in self.story_files():
            doc = self.load_entry(path)
            try:
                story = Story.from_dict(doc["bmad"])
            except (KeyError, TypeError, ValueError, UsageError) as exc:
                raise CacheCorrupt(f"corrupt cache file {path}: {exc}", hint=RESYNC_HINT) from None
            if wanted and not any(story.epic and ref.matches(story.epic) for ref in wanted):
                continue
            stories.append(story)
        stories.sort(key=lambda s: s.key)
        return stories

    def find_story(self, key: StoryKey) -> Story | None:
        name = f"{key}.json"
        for path in self.story_files():
            if path.name == name:
                return Story.from_dict(self.load_entry(path)["bmad"])
        return None

    def story_path(self, story: Story) -> Path:
        return self.dir / "stories" / epic_dir_name(story.epic) / f"{story.key}.json"

    def put_story(self, story: Story, raw: Mapping[str, Any]) -> Path:
        """Write one story's entry (Rally fields + BMAD form), dropping a copy filed under
        another epic. Callers that also write other files hold ``exclusive()``."""
        path = self.story_path(story)
        atomic_write_json(path, {"rally": dict(raw), "bmad": story.to_dict()})
        for other in self.story_files():
            if other.name == path.name and other != path:
                other.unlink(missing_ok=True)
        return path

    def remove_story(self, key: StoryKey) -> bool:
        removed = False
        for path in list(self.story_files()):
            if path.name == f"{key}.json":
                path.unlink(missing_ok=True)
                removed = True
        return removed

    def write_assignments(self, stories: Iterable[Story], now: datetime) -> Path:
        """``assignments.json``: every story lock known to the cache, expired ones marked."""
        return self.write_json("assignments.json", assignments_doc(stories, now))

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
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        raise CheckFailed(
                            f"{what} is updating {self.dir}",
                            hint="Wait for it to finish, then run the command again.",
                        ) from None
                    time.sleep(0.1)
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


def assignments_doc(stories: Iterable[Story], now: datetime) -> dict[str, Any]:
    """The ``assignments.json`` document (the pre-push conflict check reads it)."""
    locks: dict[str, Any] = {}
    for story in sorted(stories, key=lambda s: key_order(s.key)):
        if story.lock is None:
            continue
        entry = story.lock.to_dict()
        entry.pop("token", None)
        entry["branch"] = story.lock.branch or story.branch
        entry["epic"] = story.epic
        entry["expired"] = story.lock.expired(now)
        locks[str(story.key)] = entry
    return {"schema": SCHEMA_VERSION, "updated": format_time(now), "locks": locks}


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
