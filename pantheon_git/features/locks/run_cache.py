"""Keep the local cache in step after a lock changed in Rally.

Rally is the truth; the cache only mirrors it. So a busy or corrupt cache never fails a lock
command: it is reported, and the next ``pantheon sync`` catches up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pantheon_git.cache import assignments as cached_assignments
from pantheon_git.cache import pending
from pantheon_git.cache import stories as story_files
from pantheon_git.cache.store import Cache, not_updated
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock, Story
from pantheon_git.errors import CacheCorrupt, CheckFailed

if TYPE_CHECKING:
    from pantheon_git.app import App

LOCAL_PATTERN = ".bmad/"
CACHE_WAIT = 2.0
"""Seconds to wait for another pantheon command to finish writing the cache; then the change
is recorded beside it (``cache/pending.py``)."""


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
    ``key`` with the lock fields; then its line of ``assignments.json``. False when it could
    not (the warning says why and how to rebuild)."""
    cache = app.cache
    try:
        with cache.exclusive(wait=wait, what="another pantheon command"):
            if story is not None and raw is not None:
                story_files.put(cache, story, raw)
                current: Story | None = story
            else:
                current = _patch(cache, key, fields, lock)
            _assign(cache, key, current, app.now())
            pending.drop(cache, key)
    except CheckFailed:
        # Busy (a sync holds the cache for its whole run, with stories it read before this
        # lock changed): record the change beside it; the hooks read it at once and the sync
        # takes it in when it writes.
        try:
            pending.record(cache, key, fields, lock, app.now())
        except OSError as exc:
            app.warn(not_updated(exc))
            return False
        return True
    except (CacheCorrupt, OSError) as exc:  # a corrupt file's message names its rebuild
        app.warn(not_updated(exc))
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
    entry = story_files.find(cache, key)
    if entry is None:
        return None
    story = entry.story.with_(lock=lock)
    story_files.put(cache, story, {**entry.rally, **fields}, entry.tasks)
    return story


def _assign(cache: Cache, key: StoryKey, story: Story | None, now: datetime) -> None:
    """Update one story's line of ``assignments.json`` without reading every cached story
    (the pre-push hook comes through here); without one, or with one this version cannot
    read, it is written again from the cached stories."""
    try:
        held = cached_assignments.read(cache)
    except CacheCorrupt:
        held = None
    if held is None:
        held = cached_assignments.Assignments.of(story_files.load(cache), now)
    cached_assignments.write(cache, held.with_story(key, story, now))
