"""What completing a story writes to Rally: pure decisions, one story at a time.

The seed's "On completion: Code Review + unlock + add commit links". Given the story as Rally
holds it and what happened (a PR ready for review, merged, closed, a push, or ``pantheon
complete``), :func:`decide` returns the exact field values to write, and only those that differ
from what Rally already holds, so a rerun writes nothing.

Rules:

- States only move forward (:func:`states.advance`); an event aimed at an earlier state than the
  story's is *stale* (an old run re-run, events out of order) and writes nothing at all, not even
  its commit SHA, which would otherwise replace a newer one.
- So do commits: an event whose commit git shows older than the one Rally holds is stale too
  (``Older.certain``); when only time says so, the commit's fields keep what Rally holds and
  the rest (state, lock) goes ahead.
- The lock must be the author's own (or free / expired) before a review or close moves anything;
  a story locked by someone else is left alone and reported. A merge is a team decision that was
  reviewed: it completes the story whoever holds the lock.
- ``pantheon complete`` (``Change.require_claim``) asks more: the author holds the lock, or owns
  the story (Rally's Owner) in Code Review with nobody holding it (a review fix, recorded
  again). A story nobody took is not sent to review by whoever runs the command.
- Review and close release the author's lock; a merge clears any lock (the story is done).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pantheon_git.core import fields as lockfields
from pantheon_git.core import states
from pantheon_git.core.fields import FieldNames
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock
from pantheon_git.features.locks import rules as locks


class Verdict(enum.Enum):
    OK = "ok"
    UNCHANGED = "unchanged"
    """Rally already holds everything: nothing to write."""
    STALE = "stale"
    """The story is already past this event's state: nothing written."""
    LOCKED_BY_OTHER = "locked-by-other"
    NOT_LOCKED = "not-locked"
    """Only for workflow_run (fork) updates, which require the author's own lock."""
    NOT_FOUND = "not-found"


FAILING = {Verdict.LOCKED_BY_OTHER, Verdict.NOT_LOCKED, Verdict.NOT_FOUND}


class Stage(enum.Enum):
    REVIEW = "review"
    """The PR is open and ready: the story goes to Code Review."""
    DRAFT = "draft"
    """The PR is a draft: the story stays where it is; commit, branch and coverage are recorded."""
    MERGED = "merged"
    CLOSED = "closed"
    """Closed without merging: the lock is released, the state stays."""
    PUSH = "push"
    """A push to the default branch: stories named in commit messages get the commit."""
    IGNORED = "ignored"


TARGET_STATES: dict[Stage, str] = {Stage.REVIEW: states.CODE_REVIEW, Stage.MERGED: states.COMPLETED}


@dataclass(frozen=True)
class StoryState:
    """A story as Rally holds it right now."""

    key: StoryKey
    state: str
    """Workflow state (``states.workflow_state`` of ScheduleState + c_PantheonStatus)."""
    lock: Lock | None
    values: Mapping[str, Any] = field(default_factory=dict)
    """The raw Rally values of every field :func:`decide` may write."""
    last_update: str | None = None
    """Rally's ``LastUpdateDate`` of the story: anyone's edit moves it."""
    owner: str | None = None
    """Rally's Owner (an email when Rally gives one)."""


@dataclass(frozen=True)
class Change:
    """What happened to the story."""

    stage: Stage
    sha: str | None
    branch: str | None = None
    coverage: float | None = None
    author: str | None = None
    """The author as a Rally user (email); ``None`` when it cannot be told."""
    require_own_lock: bool = False
    push_state: str | None = None
    """For pushes to the default branch: the state to move named stories to, if configured."""
    require_claim: bool = False
    """The author must hold the lock, or own the story in Code Review (``pantheon complete``)."""


@dataclass(frozen=True)
class Older:
    """The change's commit is older than the one the story holds."""

    why: str
    certain: bool
    """Shown by git history: the whole change is stale. Otherwise (by time) only the
    commit's own fields (SHA, branch, coverage) keep what Rally holds."""


COMMIT_FIELDS = ("commit_sha", "branch", "coverage")
"""The fields that describe a commit (``FieldNames`` attributes)."""


@dataclass(frozen=True)
class Decision:
    key: StoryKey
    verdict: Verdict
    before: str
    after: str
    updates: dict[str, Any]
    lock_released: str | None = None
    """Whose lock this releases (for the report), if any."""
    held_by: str | None = None
    """Who holds the story's lock in Rally after this decision (``None``: nobody)."""
    lock_expired: bool = False
    """The lock ``held_by`` names has expired (anyone may take it)."""
    message: str = ""
    kept: str | None = None
    """Why the change's commit fields were not written (an older commit, by time)."""
    note: bool = False
    """Post the stage's discussion note (once per PR and stage)."""

    @property
    def fails(self) -> bool:
        return self.verdict in FAILING

    @property
    def state_changed(self) -> bool:
        return self.after != self.before


def target_of(change: Change) -> str | None:
    if change.stage is Stage.REVIEW:
        return states.CODE_REVIEW
    if change.stage is Stage.MERGED:
        return states.COMPLETED
    if change.stage is Stage.PUSH:
        return change.push_state
    return None


def decide(
    story: StoryState,
    change: Change,
    *,
    now: datetime,
    names: FieldNames = FieldNames(),
    state_map: states.StateMap = states.DEFAULT_STATE_MAP,
    older: Older | None = None,
) -> Decision:
    current = story.state
    target = target_of(change)
    lock_status = locks.status(story.lock, change.author or "", now)
    holder = story.lock.holder if story.lock else None
    held_by, expired = holder, lock_status is locks.LockStatus.EXPIRED

    def result(verdict: Verdict, message: str = "") -> Decision:
        return Decision(
            story.key,
            verdict,
            current,
            current,
            {},
            held_by=held_by,
            lock_expired=expired,
            message=message,
        )

    refusal = _refusal(story, change, target, lock_status, older)
    if refusal is not None:
        return result(*refusal)

    desired: dict[str, Any] = {}
    new_state = states.advance(current, target) if target else None
    if new_state:
        desired.update(states.rally_fields(new_state, state_map))
    if change.sha:
        desired[names.commit_sha] = change.sha
    if change.branch and change.stage in (Stage.REVIEW, Stage.DRAFT, Stage.MERGED):
        desired[names.branch] = change.branch
    if change.coverage is not None:
        desired[names.coverage] = change.coverage
    released = None
    releases = change.stage in (Stage.REVIEW, Stage.CLOSED, Stage.MERGED)
    if releases and story.lock is not None:
        desired.update(lockfields.to_fields(None, names.lock))
        released = holder
        held_by, expired = None, False
    kept = None
    if older is not None:
        for name in COMMIT_FIELDS:
            desired.pop(getattr(names, name), None)
        kept = f"{story.key} keeps its commit: {older.why}"
    updates = {k: v for k, v in desired.items() if not same_value(story.values.get(k), v)}
    if not updates:
        return Decision(
            story.key,
            Verdict.UNCHANGED,
            current,
            current,
            {},
            message=f"{story.key}: Rally already up to date",
            kept=kept,
            note=change.stage in (Stage.REVIEW, Stage.MERGED, Stage.CLOSED),
            held_by=held_by,
            lock_expired=expired,
        )
    return Decision(
        story.key,
        Verdict.OK,
        current,
        new_state or current,
        updates,
        lock_released=released,
        kept=kept,
        note=change.stage in (Stage.REVIEW, Stage.MERGED, Stage.CLOSED),
        held_by=held_by,
        lock_expired=expired,
    )


def _refusal(
    story: StoryState,
    change: Change,
    target: str | None,
    lock_status: locks.LockStatus,
    older: Older | None,
) -> tuple[Verdict, str] | None:
    """Why the change writes nothing at all (a verdict and its message), or ``None``."""
    current, key, stage = story.state, story.key, change.stage.value
    if _stale(current, change, target):
        return (
            Verdict.STALE,
            f"{key} is already {current}; this {stage} event is older news and changes nothing",
        )
    if older is not None and older.certain:
        return (
            Verdict.STALE,
            f"{key} holds a newer commit than this {stage} event's: {older.why}; nothing written",
        )
    if change.stage in (Stage.MERGED, Stage.PUSH):
        return None
    return _lock_refusal(story, change, lock_status)


def _lock_refusal(
    story: StoryState, change: Change, lock_status: locks.LockStatus
) -> tuple[Verdict, str] | None:
    """Why the story's lock (or owner) stops the change, or ``None``."""
    key = story.key
    if lock_status is locks.LockStatus.THEIRS:
        holder = story.lock.holder if story.lock else None
        who = change.author or "the pull request's author (unknown to pantheon)"
        return (
            Verdict.LOCKED_BY_OTHER,
            f"{key} is locked by {holder}, not by {who}; Rally left unchanged",
        )
    if change.require_claim and not _claimed(story, change, lock_status):
        who = change.author or "you"
        return (
            Verdict.NOT_LOCKED,
            f"{key} is not locked by {who} ({_claim_words(story, lock_status)}); only the "
            "developer who holds a story, or owns it in Code Review, completes it",
        )
    if change.require_own_lock and lock_status is not locks.LockStatus.MINE:
        return (
            Verdict.NOT_LOCKED,
            f"{key} is not locked by {change.author or 'the author'}; updates from forks "
            "and workflow_run only move a story its author holds",
        )
    return None


def _claimed(story: StoryState, change: Change, lock_status: locks.LockStatus) -> bool:
    if lock_status is locks.LockStatus.MINE:
        return True
    in_review = states.rank(story.state) == states.rank(states.CODE_REVIEW)
    free = lock_status in (locks.LockStatus.FREE, locks.LockStatus.EXPIRED)
    return in_review and free and locks.same_person(story.owner, change.author)


def _claim_words(story: StoryState, lock_status: locks.LockStatus) -> str:
    if lock_status is locks.LockStatus.EXPIRED:
        return "the lock expired"
    if states.rank(story.state) == states.rank(states.CODE_REVIEW):
        return f"it is in Code Review, owned by {story.owner or 'nobody in Rally'}"
    return f"it is {story.state} and nobody holds it"


def _stale(current: str, change: Change, target: str | None) -> bool:
    if target is not None:
        return states.rank(current) > states.rank(target)
    if change.stage is Stage.DRAFT:
        # A draft's commit must not replace the SHA of a reviewed or merged story.
        return states.rank(current) > states.rank(states.CODE_REVIEW)
    if change.stage is Stage.CLOSED:
        # Closing a PR of a story completed by another PR: the story is done, leave it be.
        return states.rank(current) >= states.rank(states.COMPLETED)
    return False


def same_value(current: Any, desired: Any) -> bool:
    """Rally's value already equals the one to write (``None`` and ``""`` alike, numbers by
    value, SHAs and emails case-insensitively, dates by instant)."""
    if current in (None, "") and desired in (None, ""):
        return True
    if current is None or desired is None:
        return False
    if isinstance(desired, float | int) and not isinstance(desired, bool):
        try:
            return abs(float(current) - float(desired)) < 0.05
        except (TypeError, ValueError):
            return False
    return str(current).strip().lower() == str(desired).strip().lower()
