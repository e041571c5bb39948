"""Story locks for the commands: ``pantheon release`` and ``pantheon renew`` (the pre-push
hook calls ``renew`` too), and what ``checkout`` builds on: the Rally client for lock commands,
the protocol bound to the configuration, the event log.

The protocol itself is ``features/locks/run_protocol.py``. This module is imported on the hook path:
no click, and the Rally client (httpx) is imported only when a client is built.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pantheon_git.core import fields as lockfields
from pantheon_git.core.keys import StoryKey, branch_story_key
from pantheon_git.core.story import Lock
from pantheon_git.core.timefmt import format_time
from pantheon_git.errors import UsageError
from pantheon_git.features.locks.report import LeaseAction, LeaseReport
from pantheon_git.features.locks.run_protocol import (
    LOCK_DEADLINE,
    Attempt,
    Locking,
    RallyTooSlow,
    Renewal,
    Timing,
)

if TYPE_CHECKING:
    from pantheon_git.app import App
    from pantheon_git.rally.client import RallyClient

__all__ = [
    "Attempt",
    "Locking",
    "RallyTooSlow",
    "Renewal",
    "Timing",
    "lock_client",
    "locking",
    "record_event",
    "release",
    "renew",
    "story_of_branch",
    "too_slow",
]

CONNECT_TIMEOUT = 3.0
"""Seconds to wait for a connection to Rally: offline, lock commands fail within seconds."""


# --- building blocks for the commands ------------------------------------------------------


def lock_client(app: App, *, timeout: float | None = None) -> RallyClient:
    """A Rally client for lock commands: a short connect timeout and few, quick retries, so
    that offline they fail within seconds. ``timeout`` (seconds per request) is for callers
    with a budget, such as the pre-push hook."""
    # lazy: httpx loads only when Rally is asked (hooks import this module)
    from pantheon_git.rally.backoff import TIMED_BACKOFF
    from pantheon_git.rally.client import RallyClient

    per_request = timeout if timeout is not None else app.config.rally_timeout
    deadline = 2 * per_request if timeout is not None else LOCK_DEADLINE
    return RallyClient.from_config(
        app.config,
        warn=app.warn,
        note=app.note,
        until=app.deadline,
        timeout=per_request,
        connect_timeout=min(CONNECT_TIMEOUT, per_request),
        deadline=min(app.config.rally_deadline, deadline),
        backoff=TIMED_BACKOFF,
    )


def locking(app: App, client: RallyClient) -> Locking:
    # lazy: hooks import this module for renew only
    from pantheon_git.core.fields import FieldNames

    config = app.config
    return Locking(
        client=client,
        names=FieldNames.from_config(config.fields).lock,
        timing=Timing(config.lock_write_bound, config.lock_settle_delay),
        default_hours=config.rally_lock_hours,
        now=app.now,
    )


def story_of_branch(app: App, story: str | None, command: str = "release") -> StoryKey:
    """``story`` parsed, or the story of the checked-out branch."""
    if story:
        return StoryKey.parse(story)
    # lazy: hooks know their branch and never run this
    from pantheon_git.git.command import current_branch

    branch = current_branch(app.root)
    key = branch_story_key(branch, app.config.branch_pattern) if branch else None
    if key is None:
        raise UsageError(
            f"the current branch ({branch or 'detached HEAD'}) is not a story branch",
            hint=f"Name the story: `pantheon {command} US-123`.",
        )
    return key


def release(app: App, story: str | None = None, *, timeout: float | None = None) -> LeaseReport:
    """``pantheon release``: clear the lock fields of a story you hold."""
    key = story_of_branch(app, story)
    me = app.user()
    with lock_client(app, timeout=timeout) as client:
        ops = locking(app, client)
        ref, title, state = _find(client, key, ops, app)
        action, held = ops.release(ref, me)
    report = LeaseReport(key, title, "release", action, held, state=state)
    if action == LeaseAction.RELEASED:
        _after(app, key, ops, None, wait=timeout)
    record_event(app, "release", key, me, action)
    return report


def renew(
    app: App,
    story: str | None = None,
    *,
    hours: float | None = None,
    timeout: float | None = None,
    retake: bool = True,
) -> LeaseReport:
    """``pantheon renew`` (and the pre-push hook): extend the lease of a story you hold.

    ``timeout`` (seconds per Rally request, and the longest wait for the local cache) is for
    callers on a budget; ``retake=False`` reports a lapsed lock instead of taking it again
    (which waits ``lock_settle_delay``)."""
    key = story_of_branch(app, story, "renew")
    me = app.user()
    lease = app.config.rally_lock_hours if hours is None else hours
    if lease <= 0:
        raise UsageError(f"--hours must be more than 0, not {lease:g}")
    with lock_client(app, timeout=timeout) as client:
        ops = locking(app, client)
        ref, title, state = _find(client, key, ops, app)
        result = ops.renew(ref, me, lease, retake=retake)
    attempt = result.attempt
    elapsed = round(attempt.elapsed, 3) if attempt and attempt.elapsed is not None else None
    held = result.action in (LeaseAction.RENEWED, LeaseAction.RETAKEN) and result.lock
    expires = format_time(result.lock.expires) if held and result.lock else None
    record_event(app, "renew", key, me, result.action, elapsed=elapsed, expires=expires)
    if result.action == LeaseAction.TOO_SLOW and attempt is not None:
        raise too_slow(key, attempt, ops.timing)
    if result.action in (LeaseAction.RENEWED, LeaseAction.RETAKEN) and result.lock is not None:
        _after(app, key, ops, result.lock, wait=timeout)
    previous = result.before.expires if result.before else None
    return LeaseReport(key, title, "renew", result.action, result.lock, previous, state=state)


def too_slow(key: StoryKey, attempt: Attempt, timing: Timing) -> RallyTooSlow:
    took = f"{attempt.elapsed:.1f}s" if attempt.elapsed is not None else "too long"
    within = attempt.elapsed is not None and attempt.elapsed <= timing.bound
    if within and attempt.note:  # stopped by the command's deadline, not by T
        return RallyTooSlow(
            f"Rally too slow, try again: locking {key}: {attempt.note}",
            hint=f"Run `pantheon checkout {key}` again in a moment (or raise lock_deadline).",
        )
    message = (
        f"Rally too slow, try again: locking {key} took {took}, over the "
        f"{timing.bound:g}s bound (lock_write_bound), so the attempt was withdrawn"
    )
    if attempt.note:
        message += f"; {attempt.note}"
    return RallyTooSlow(message, hint=f"Run `pantheon checkout {key}` again in a moment.")


def _find(client: RallyClient, key: StoryKey, ops: Locking, app: App) -> tuple[str, str, str]:
    """The story's ref, title and workflow state (Code Review is In-Progress in Rally's
    ScheduleState, told apart by the pantheon status field)."""
    status = app.config.field_name("pantheon_status")
    fetch = [*ops.fetch(), *([status] if status else [])]
    decoder = replace(ops.decoder, state_map=app.config.state_map)
    if status:
        decoder = replace(decoder, names=replace(decoder.names, pantheon_status=status))
    story = client.find_story(key, decode=decoder, fetch=fetch)
    return story.ref, story.name, story.state


def _after(app: App, key: StoryKey, ops: Locking, lock: Lock | None, *, wait: float | None) -> None:
    # lazy: hooks import this module for renew only
    from pantheon_git.features.locks.run_cache import CACHE_WAIT, record_lock

    fields = lockfields.to_fields(lock, ops.names)
    record_lock(app, key, fields, lock, wait=CACHE_WAIT if wait is None else wait)


def record_event(
    app: App, event: str, key: StoryKey, me: str, outcome: str, **details: Any
) -> None:
    """One line in ``events.jsonl`` (time, event, story, user, outcome, details)."""
    # lazy: hooks import this module for renew only
    from pantheon_git.cache.events import append_event
    from pantheon_git.features.locks.run_cache import keep_out_of_git

    try:
        if not app.cache.dir.exists():
            keep_out_of_git(app)
        append_event(
            app.cache.dir,
            now=app.now(),
            event=event,
            story=str(key),
            user=me,
            outcome=outcome,
            **details,
        )
    except OSError as exc:
        app.warn(f"could not record the {event} in {app.cache.dir}: {exc}")
