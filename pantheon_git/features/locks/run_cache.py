"""Keep the local cache in step after a lock changed in Rally.

Rally is the truth; the cache only mirrors it. So a busy or corrupt cache never fails a lock
command: it is reported, and the next ``pantheon sync`` catches up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantheon_git.cache.store import RESYNC_HINT, SCHEMA_VERSION, Cache
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock, Story
from pantheon_git.core.timefmt import format_time
from pantheon_git.errors import CacheCorrupt, CheckFailed

if TYPE_CHECKING:
    from pantheon_git.app import App

LOCAL_PATTERN = ".bmad/"
CACHE_WAIT = 10.0
"""Seconds to wait for another pantheon command (a sync) to finish writing the cache."""


def record_lock(
    app: App,
    key: StoryKey,
    fields: Mapping[str, Any],
    lock: Lock | None,
    *,
    story: Story | None = None,
    raw: Mapping[str, Any] | None = None,
    wait: float = CACHE_WAIT,
) -> bool:
    """Write ``story`` (fresh from Rally) to the cache, or else patch the cached entry of
    ``key`` with the lock fields; then ``assignments.json``. False when it could not."""
    cache = app.cache
    try:
        with cache.exclusive(wait=wait, what="another pantheon command"):
            if story is not None and raw is not None:
                cache.put_story(story, raw)
                current: Story | None = story
            else:
                current = _patch(cache, key, fields, lock)
            _assign(cache, key, current, app.now())
    except (CheckFailed, CacheCorrupt) as exc:
        app.warn(f"local cache not updated: {exc.message}. {exc.hint or RESYNC_HINT}")
        return False
    except OSError as exc:
        app.warn(f"local cache not updated: {exc}. {RESYNC_HINT}")
        return False
    return True


def keep_out_of_git(app: App) -> None:
    """Keep ``.bmad/`` out of ``git status`` (through ``.git/info/exclude``, which is never
    committed): the cache and the event log are local."""
    # lazy: the hook path records locks without ever touching .git/info/exclude
    from pantheon_git.git.storybranch import exclude_locally

    root = app.toplevel
    if root is not None:
        exclude_locally(root, LOCAL_PATTERN)


def _patch(
    cache: Cache, key: StoryKey, fields: Mapping[str, Any], lock: Lock | None
) -> Story | None:
    path = _entry(cache, key)
    if path is None:
        return None
    doc = cache.load_entry(path)
    try:
        story = Story.from_dict(doc["bmad"]).with_(lock=lock)
    except (KeyError, TypeError, ValueError) as exc:
        raise CacheCorrupt(f"corrupt cache file {path}: {exc}", hint=RESYNC_HINT) from None
    raw = dict(doc.get("rally") or {})
    raw.update(fields)
    cache.put_story(story, raw)
    return story


def _entry(cache: Cache, key: StoryKey) -> Path | None:
    name = f"{key}.json"
    return next((p for p in cache.story_files() if p.name == name), None)


def _assign(cache: Cache, key: StoryKey, story: Story | None, now: datetime) -> None:
    """Update one story's line of ``assignments.json`` (the shape ``Cache.write_assignments``
    writes) without reading every cached story: the pre-push hook comes through here."""
    doc = cache.read_json("assignments.json")
    if not isinstance(doc, dict) or not isinstance(doc.get("locks"), dict):
        cache.write_assignments(cache.load_stories(), now)
        return
    locks: dict[str, Any] = dict(doc["locks"])
    locks.pop(str(key), None)
    if story is not None and story.lock is not None:
        entry = story.lock.to_dict()
        entry.pop("token", None)
        entry["branch"] = story.lock.branch or story.branch
        entry["epic"] = story.epic
        entry["expired"] = story.lock.expired(now)
        locks[str(key)] = entry
    ordered = {k: locks[k] for k in sorted(locks, key=_sort_key)}
    doc = {"schema": SCHEMA_VERSION, "updated": format_time(now), "locks": ordered}
    cache.write_json("assignments.json", doc)


def _sort_key(text: str) -> tuple[int, Any]:
    parsed = StoryKey.try_parse(text)
    return (0, parsed) if parsed else (1, text)
