"""``assignments.json``: every story lock the cache knows, for the conflict checks (``pantheon
conflicts``, pre-push) to name holders without opening every story file.

Schema 1::

    {"schema": 1, "updated": "2026-03-01T09:00:00.000Z",
     "locks": {"US-123": {"holder": "jane@example.com", "locked_at": "...", "expires": "...",
                          "branch": "story/US-123-login", "epic": "F17", "expired": false}}}

``expired`` is as of ``updated``. Written whole by every sync, and one line at a time by
checkout, release, renew and the hooks (``with_story``); a lock token is never written here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pantheon_git.cache import document
from pantheon_git.cache.document import Fields, Target
from pantheon_git.core.keys import StoryKey, key_order
from pantheon_git.core.story import Story
from pantheon_git.core.timefmt import format_time

if TYPE_CHECKING:
    from pantheon_git.cache.store import Cache

KIND = document.Kind("assignments.json", 1, document.SYNC)


@dataclass(frozen=True)
class Assignment:
    key: StoryKey
    holder: str
    locked_at: datetime
    expires: datetime
    branch: str | None
    epic: str | None
    expired: bool

    @classmethod
    def of(cls, story: Story, now: datetime) -> Assignment | None:
        lock = story.lock
        if lock is None:
            return None
        branch = lock.branch or story.branch
        expired = lock.expired(now)
        return cls(
            story.key, lock.holder, lock.locked_at, lock.expires, branch, story.epic, expired
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "holder": self.holder,
            "locked_at": format_time(self.locked_at),
            "expires": format_time(self.expires),
            "branch": self.branch,
            "epic": self.epic,
            "expired": self.expired,
        }


@dataclass(frozen=True)
class Assignments:
    updated: datetime
    locks: Mapping[StoryKey, Assignment]

    @classmethod
    def of(cls, stories: Iterable[Story], now: datetime) -> Assignments:
        found = (Assignment.of(story, now) for story in stories)
        return cls(now, {a.key: a for a in found if a is not None})

    def with_story(self, key: StoryKey, story: Story | None, now: datetime) -> Assignments:
        """One story's line replaced (dropped when it has no lock any more)."""
        locks = {k: v for k, v in self.locks.items() if k != key}
        entry = Assignment.of(story, now) if story is not None else None
        if entry is not None:
            locks[key] = replace(entry, key=key)
        return Assignments(now, locks)

    def to_dict(self) -> dict[str, Any]:
        ordered = sorted(self.locks.values(), key=lambda a: key_order(a.key))
        return document.new(
            KIND,
            updated=format_time(self.updated),
            locks={str(a.key): a.to_dict() for a in ordered},
        )


def write(target: Target, assignments: Assignments) -> None:
    target.write_json(KIND.name, assignments.to_dict())


def read(cache: Cache) -> Assignments | None:
    return document.read(cache, KIND, parse)


def parse(fields: Fields) -> Assignments:
    locks: dict[StoryKey, Assignment] = {}
    for name, entry in fields.entries("locks"):
        key = document.as_key(name, f"locks.{name}")
        locks[key] = Assignment(
            key=key,
            holder=entry.text("holder"),
            locked_at=entry.time("locked_at"),
            expires=entry.time("expires"),
            branch=entry.opt_text("branch"),
            epic=entry.opt_text("epic"),
            expired=entry.flag("expired"),
        )
    return Assignments(fields.time("updated"), locks)
