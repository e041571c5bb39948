"""What ``pantheon batch`` found and did, story by story (pure records and rules)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.timefmt import format_time


class Outcome(enum.StrEnum):
    TAKEN = "taken"
    """Won through the lock protocol now: locked by you, In Progress, you are its Owner."""
    RENEWED = "renewed"
    """Already yours: the lock was extended."""
    LOCKED = "locked"
    """Someone else holds it."""
    LOST = "lost"
    """Someone else won the race for it just now."""
    BLOCKED = "blocked"
    """A predecessor (from Rally or the dependency analysis) is not done."""
    IN_REVIEW = "in_review"
    """In Code Review: its owner makes the review fixes."""
    DONE = "done"
    NOT_FOUND = "not_found"
    TOO_SLOW = "too_slow"
    """Rally answered too slowly for the lock protocol's bound: withdrawn, try again."""
    FAILED = "failed"
    """Rally or git failed for this story (the message says how)."""


HELD = frozenset({Outcome.TAKEN, Outcome.RENEWED})


@dataclass(frozen=True)
class BatchItem:
    story: StoryKey
    outcome: Outcome
    title: str = ""
    epic: str | None = None
    holder: str | None = None
    """Who holds the lock: you (taken, renewed) or someone else (locked, lost)."""
    expires: datetime | None = None
    waits_for: tuple[StoryKey, ...] = ()
    owner: str | None = None
    """Rally's Owner, for a story in review."""
    branch: str | None = None
    """The story branch (``pantheon checkout`` switches to it)."""
    message: str | None = None

    @property
    def held(self) -> bool:
        return self.outcome in HELD

    def to_dict(self) -> dict[str, Any]:
        return {
            "story": str(self.story),
            "outcome": self.outcome.value,
            "title": self.title,
            "epic": self.epic,
            "held": self.held,
            "holder": self.holder,
            "expires": format_time(self.expires) if self.expires else None,
            "waits_for": [str(k) for k in self.waits_for],
            "owner": self.owner,
            "branch": self.branch,
            "message": self.message,
        }


@dataclass(frozen=True)
class BatchResult:
    items: tuple[BatchItem, ...]
    """The stories asked for (or picked from the epic), in that order."""
    wanted: int
    """How many stories the batch was to take (the list's length, or ``--count``)."""
    epics: tuple[str, ...] = ()
    unavailable: tuple[BatchItem, ...] = field(default_factory=tuple)
    """With ``--epic``: the epic's other open stories nobody can take now, and why."""
    lock_seconds: float | None = None
    """Wall time of the locking (all stories at once)."""

    @property
    def taken(self) -> tuple[BatchItem, ...]:
        return tuple(i for i in self.items if i.held)

    @property
    def complete(self) -> bool:
        """Every story asked for is now yours (exit 0), else exit 1."""
        return len(self.taken) >= self.wanted

    @property
    def exit_code(self) -> int:
        return 0 if self.complete else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "wanted": self.wanted,
            "taken": [str(i.story) for i in self.taken],
            "complete": self.complete,
            "epics": list(self.epics),
            "stories": [i.to_dict() for i in self.items],
            "unavailable": [i.to_dict() for i in self.unavailable],
            "lock_seconds": round(self.lock_seconds, 3) if self.lock_seconds is not None else None,
        }
