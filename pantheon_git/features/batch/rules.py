"""Which stories of a batch can be taken, and why the others cannot (pure)."""

from __future__ import annotations

from datetime import datetime

from pantheon_git.features.batch.model import BatchItem, Outcome
from pantheon_git.features.checkout import choice
from pantheon_git.features.checkout.choice import Candidate, Choice
from pantheon_git.features.locks import rules as locks


def obstacle(story: Candidate, picked: Choice, me: str, now: datetime) -> BatchItem | None:
    """Why ``story`` cannot be taken now, or ``None`` when the lock protocol decides (it is
    free and unblocked, or already yours: taking it renews the lock). ``picked``: the choice
    among the stories of its epic (``choice.choose``), which knows what is blocked."""

    key, title, epic = story.key, story.title, story.epic
    if choice.is_done(story.state):
        return BatchItem(key, Outcome.DONE, title, epic, message=f"{key} is {story.state}")
    if choice.in_review(story.state):
        return BatchItem(key, Outcome.IN_REVIEW, title, epic, owner=story.owner)
    status = locks.status(story.lock, me, now)
    if status is locks.LockStatus.THEIRS and story.lock is not None:
        lock = story.lock
        return BatchItem(key, Outcome.LOCKED, title, epic, lock.holder, lock.expires)
    waiting = picked.blocked.get(story.key)
    if waiting and status is not locks.LockStatus.MINE:
        return BatchItem(key, Outcome.BLOCKED, title, epic, waits_for=tuple(waiting))
    return None
