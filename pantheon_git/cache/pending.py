"""Lock changes waiting for the cache: ``.bmad/rally-cache-pending/US-123.json``.

A lock command (checkout, release, renew, a hook's fresh read) records what it changed in
Rally into the story's cache entry, under the cache lock. A sync holds that lock for its whole
run, and it read the stories when it started: a lock won meanwhile would be missing from the
cache, and the sync's older snapshot would then say nobody holds the story. So when the cache
is busy, the change is written here instead (atomic, no lock needed), beside the cache:

- the hooks read it (``cache/peek.py``) when it is newer than the story's entry;
- a sync, when it writes its new generation, applies every record made after it started
  (``apply``) and drops the older ones (its own read is newer);
- the next lock command that gets the cache lock for that story drops the story's record.

Schema 1::

    {"schema": 1, "key": "US-123", "recorded": "2026-12-05T15:25:02.478Z",
     "fields": {"c_LockedBy": ..., "c_LockedAt": ..., "c_LockExpiry": ...},
     "lock": {...Lock.to_dict()...} or null}
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantheon_git.cache import stories as story_files
from pantheon_git.core import jsonio
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock
from pantheon_git.core.timefmt import format_time, parse_time
from pantheon_git.errors import CacheCorrupt, UsageError
from pantheon_git.fsio import atomic_write_json

if TYPE_CHECKING:
    from pantheon_git.cache.index import IndexEntry
    from pantheon_git.cache.store import Cache
    from pantheon_git.cache.swap import Staging

FOLDER_NAME = "rally-cache-pending"
SCHEMA = 1


@dataclass(frozen=True)
class PendingLock:
    key: StoryKey
    fields: Mapping[str, Any]
    """The story's lock fields as written to Rally."""
    lock: Lock | None
    recorded: datetime
    path: Path
    stamp: int
    """The file's modification time (ns) when read: it is removed only if unchanged."""


def folder(cache: Cache) -> Path:
    return cache.live.with_name(FOLDER_NAME)


def record(
    cache: Cache, key: StoryKey, fields: Mapping[str, Any], lock: Lock | None, now: datetime
) -> Path:
    """Write the story's lock change beside the busy cache (the latest one wins)."""
    path = folder(cache) / f"{key}.json"
    doc = {
        "schema": SCHEMA,
        "key": str(key),
        "recorded": format_time(now),
        "fields": dict(fields),
        "lock": lock.to_dict() if lock else None,
    }
    atomic_write_json(path, doc)
    return path


def read_all(cache: Cache) -> list[PendingLock]:
    """Every readable record; one that is not (torn, foreign) is left where it is."""
    base = folder(cache)
    if not base.is_dir():
        return []
    found = []
    for path in sorted(base.glob("*.json")):
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError, UsageError):
            stamp = path.stat().st_mtime_ns
            doc = jsonio.loads(path.read_bytes())
            if doc.get("schema") != SCHEMA or not isinstance(doc.get("fields"), dict):
                continue
            lock = Lock.from_dict(doc["lock"]) if doc.get("lock") else None
            key = StoryKey.parse(str(doc["key"]))
            when = parse_time(str(doc["recorded"]))
            found.append(PendingLock(key, doc["fields"], lock, when, path, stamp))
    return found


def discard(record: PendingLock) -> None:
    """Remove a record that was taken in, unless a newer one replaced it since."""
    with contextlib.suppress(OSError):
        if record.path.stat().st_mtime_ns == record.stamp:
            record.path.unlink()


def drop(cache: Cache, key: StoryKey) -> None:
    """The story's entry was just written under the cache lock: its record is older."""
    with contextlib.suppress(OSError):
        (folder(cache) / f"{key}.json").unlink()


def apply(
    cache: Cache,
    stage: Staging,
    index: dict[StoryKey, IndexEntry],
    records: list[PendingLock],
    since: datetime,
) -> list[StoryKey]:
    """Put the records made after ``since`` (when a sync started reading) into the stories of
    its next generation and their index entries; the keys changed. Older records are
    superseded by the sync's own read."""
    changed = []
    stage.flush()
    for item in records:
        entry = index.get(item.key)
        if item.recorded < since or entry is None:
            continue
        try:
            staged = story_files.read(cache, stage.dir / entry.path)
        except CacheCorrupt:
            continue  # no story file to put it in: the next read of Rally has it
        story = staged.story.with_(lock=item.lock)
        rel, size = story_files.stage(stage, story, {**staged.rally, **item.fields}, staged.tasks)
        index[item.key] = replace(entry, lock=item.lock, path=rel, size=size)
        changed.append(item.key)
    return changed
