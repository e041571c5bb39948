"""A story's lock read fresh from Rally for a hook, and written back into the cache.

The pre-commit hook comes here when its cached copy is older than ``lock_check_ttl``; the
pre-push hook always does (no cache). Reads use the lock commands' client (short connect
timeout, few quick retries) and are bounded by ``hook_timeout`` as a whole: a hook must not
hang on a slow Rally. What was read goes back into the cache (one story entry and its line of
``assignments.json``), so the next commits are judged locally again.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pantheon_git.cache import stories as story_files
from pantheon_git.cache.stories import StoryFile
from pantheon_git.core import fields as lockfields
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock, Story
from pantheon_git.errors import CacheCorrupt, CheckFailed, ConfigError, RallyError, RallyNotFound

if TYPE_CHECKING:
    from pantheon_git.app import App
    from pantheon_git.cache.store import Cache
    from pantheon_git.config import Config
    from pantheon_git.rally.client import RallyClient
    from pantheon_git.rally.records import StoryRecord

CACHE_WAIT = 1.0
"""Seconds a hook waits for another pantheon command writing the cache before skipping."""
TASK_FETCH = ("FormattedID", "Name", "State", "Description", "TaskIndex")


@dataclass(frozen=True)
class Fresh:
    """What Rally says now about a story: its lock, workflow state and title."""

    key: StoryKey
    lock: Lock | None
    state: str
    title: str
    cached: bool
    """Whether the cache now holds this read."""
    owner: str | None = None
    """Rally's Owner (an email when Rally gives one): who makes the review fixes."""


class Unreachable(Exception):
    """Rally could not be asked (offline, timeout, no API key, bad credentials): the hook's
    ``offline`` policy decides. ``reason`` is one short clause for the warning line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def lock_names(config: Config) -> lockfields.LockFields:
    return lockfields.LockFields(
        config.field_name("locked_by"),
        config.field_name("locked_at"),
        config.field_name("lock_expiry"),
        config.field_name("branch"),
        config.field_name("lock_token"),
    )


def lock_fetch(config: Config) -> list[str]:
    names = lock_names(config)
    fields = {"FormattedID", "Name", "ScheduleState", "LastUpdateDate", "VersionId"}
    fields |= {"Owner", "EmailAddress", "UserName"}  # the Owner's email: see records.person
    fields |= {names.locked_by, names.locked_at, names.expiry, names.branch, names.token}
    fields.add(config.field_name("pantheon_status"))
    for values in config.state_map.values():
        fields.update(values)
    return sorted(fields)


def read_lock(app: App, key: StoryKey, *, timeout: float, remember: bool = True) -> Fresh:
    """Read the story's lock from Rally within ``timeout`` seconds; raise
    :class:`Unreachable` when Rally cannot be asked and ``CheckFailed`` when it does not know
    the story. With ``remember``, the read goes back into the cache."""
    # lazy: httpx and the lock client load only when Rally is asked
    from pantheon_git.features.hooks.run_alarm import Alarm
    from pantheon_git.features.locks.run import lock_client
    from pantheon_git.rally.records import StoryDecoder

    config = app.config
    whole = None
    try:
        with lock_client(app, timeout=timeout) as client:
            decode = StoryDecoder.from_config(config, client)
            with Alarm(timeout, Unreachable(f"no answer within {timeout:g} s")):
                found = client.find_story(key, decode=decode, fetch=lock_fetch(config))
            if remember and _cached(app.cache, key) is None:
                # A story the cache does not know yet (or holds in a file this version cannot
                # read) is stored whole (with its tasks), as a checkout would; if that takes
                # too long, only the lock was read.
                with (
                    contextlib.suppress(Unreachable, RallyError),
                    Alarm(timeout, Unreachable("slow")),
                ):
                    whole = _whole(app, client, found)
    except RallyNotFound as exc:
        raise CheckFailed(
            f"{key} is not in Rally ({exc.message})",
            hint="Check the story key in the branch name; `pantheon sync` lists the stories.",
        ) from None
    except (ConfigError, RallyError) as exc:
        raise Unreachable(exc.message) from None
    cached = _remember(app, key, found, whole) if remember else False
    return Fresh(key, found.lock, found.state, found.name, cached, found.owner)


# --- back into the cache --------------------------------------------------------------------


def _remember(
    app: App, key: StoryKey, found: StoryRecord, whole: tuple[Story, dict[str, Any]] | None
) -> bool:
    """Write the fresh read into the cache: the cached story patched with the new lock and
    state, or ``whole`` for a story the cache did not know. False when the cache is busy or
    unreadable (the hook still judged from Rally)."""
    # lazy: only a successful read is written back
    from pantheon_git.features.locks.run_cache import record_lock

    try:
        story, full_raw = _patched(app.cache, key, found) if whole is None else whole
    except (CacheCorrupt, OSError):
        return False
    if story is None:
        return False
    return record_lock(app, key, {}, story.lock, story=story, raw=full_raw, wait=CACHE_WAIT)


def _cached(cache: Cache, key: StoryKey) -> StoryFile | None:
    """The story's cached file; ``None`` when there is none or this version cannot read it
    (a whole fresh copy then replaces it)."""
    try:
        return story_files.find(cache, key)
    except CacheCorrupt:
        return None


def _patched(
    cache: Cache, key: StoryKey, found: StoryRecord
) -> tuple[Story | None, dict[str, Any]]:
    entry = story_files.find(cache, key)
    if entry is None:
        return None, {}
    story = entry.story
    updated = story.with_(
        title=found.name or story.title,
        lock=found.lock,
        state=found.state,
        owner=found.owner,
        schedule_state=found.schedule_state or story.schedule_state,
        branch=found.branch or story.branch,
        last_update=found.last_update or story.last_update,
        version_id=found.version_id or story.version_id,
    )
    return updated, {**entry.rally, **found.raw}


def _whole(app: App, client: RallyClient, found: StoryRecord) -> tuple[Story, dict[str, Any]]:
    # lazy: the Rally mapping loads only for a story the cache did not know
    from pantheon_git.core.fields import FieldNames
    from pantheon_git.rally import records
    from pantheon_git.rally.mapping import MapSettings, story_fetch, story_from_rally

    config = app.config
    settings = MapSettings(
        names=FieldNames.from_config(config.fields),
        state_map=config.state_map,
        default_lock_hours=config.rally_lock_hours,
        rally_url=config.rally_url,
        schedule_order=client.schedule_states,
    )
    full = client.get(found, decode=settings.decoder, fetch=story_fetch(settings.names))
    tasks = client.collection(
        full, "Tasks", decode=records.task, fetch=TASK_FETCH, order=("TaskIndex",)
    )
    return story_from_rally(full, tasks=tasks, mapping=settings), dict(full.raw)
