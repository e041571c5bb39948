"""What release and renew tell people, and the lock wording checkout shares.

Pure: the time and the time zone to show times in are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any, Literal

from pantheon_git.core import states
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock
from pantheon_git.core.timefmt import format_time


class LeaseAction(StrEnum):
    """What ``release`` or ``renew`` did with a story's lock."""

    RELEASED = "released"
    RENEWED = "renewed"
    RETAKEN = "retaken"
    """Ours had expired (or was about to): taken again through the protocol."""
    NOT_LOCKED = "not_locked"
    ALREADY_EXPIRED = "already_expired"
    THEIRS = "theirs"
    LOST = "lost"
    """Taking it again, someone else won the race."""
    TOO_SLOW = "too_slow"
    """Taking it again ran over the bound T (an error is raised, nothing reported)."""


@dataclass(frozen=True)
class LeaseReport:
    """What ``release`` or ``renew`` did."""

    story: StoryKey
    title: str
    event: Literal["release", "renew"]
    action: LeaseAction
    lock: Lock | None = None
    """renewed/retaken: the lock now; otherwise the lock found (if any)."""
    previous_expiry: datetime | None = None
    state: str | None = None
    """The story's workflow state when it was read (None: not known)."""

    @property
    def holds(self) -> bool:
        return self.action in (LeaseAction.RENEWED, LeaseAction.RETAKEN)

    @property
    def exit_code(self) -> int:
        """1 when someone else holds the story, or there was nothing of yours to renew."""
        if self.action in (LeaseAction.THEIRS, LeaseAction.LOST):
            return 1
        if self.event == "renew" and not self.holds:
            return 1
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "story": str(self.story),
            "action": self.action,
            "locked": self.holds,
            "locked_by": self.lock.holder if self.lock else None,
            "expires": format_time(self.lock.expires) if self.lock else None,
            "previous_expiry": format_time(self.previous_expiry) if self.previous_expiry else None,
            "title": self.title,
            "state": self.state,
        }


def checkout_command(key: StoryKey) -> str:
    return f"pantheon checkout {key}"


def show_time(moment: datetime, tz: tzinfo | None) -> str:
    """``2026-02-02 10:30 AM UTC`` in the given zone (the seed's form, with the zone)."""
    local = moment.astimezone(tz)
    return local.strftime("%Y-%m-%d %I:%M %p ") + (local.tzname() or "")


def lease_words(lock: Lock, now: datetime) -> str:
    hours = (lock.expires - now).total_seconds() / 3600
    if hours >= 1:
        value = round(hours, 1)
        text = f"{value:g}"
        return f"expires in {text} hour{'' if text == '1' else 's'}"
    minutes = max(0, round(hours * 60))
    return f"expires in {minutes} minute{'' if minutes == 1 else 's'}"


def render_lease(report: LeaseReport, now: datetime, tz: tzinfo | None) -> str:
    key = f"{report.story} - {report.title}" if report.title else str(report.story)
    lock, take = report.lock, checkout_command(report.story)
    if report.action == LeaseAction.RELEASED:
        return f"🔓 Released {key}\nAnyone can take it now: {take}"
    if report.action in (LeaseAction.RENEWED, LeaseAction.RETAKEN) and lock is not None:
        renewed = report.action == LeaseAction.RENEWED
        head = "🔒 Renewed" if renewed else "🔒 Taken again (it had expired)"
        return f"{head}: {key}\nExpires: {show_time(lock.expires, tz)} ({lease_words(lock, now)})"
    if report.action in (LeaseAction.THEIRS, LeaseAction.LOST) and lock is not None:
        verb = "won it just now" if report.action == LeaseAction.LOST else "holds it"
        return (
            f"❌ {key}: {lock.holder} {verb} until {show_time(lock.expires, tz)}\n"
            f"Only they can {report.event} it."
        )
    if report.action == LeaseAction.ALREADY_EXPIRED and lock is not None:
        return (
            f"{key}: the lock by {lock.holder} expires at {show_time(lock.expires, tz)}; "
            f"nothing to release (once expired, anyone can run `{take}`)"
        )
    if report.event == "renew":
        return _not_held(report, key, take)
    return f"{key} is not locked; nothing to release"


def _not_held(report: LeaseReport, key: str, take: str) -> str:
    """Renew of a story you do not hold: take it, unless it is past In Progress (review or
    done), where there is no lock to renew and checkout refuses it."""
    if report.state == states.CODE_REVIEW:
        return (
            f"❌ {report.story} is in Code Review: review fixes need no lock (its owner "
            "commits them); nothing to renew"
        )
    if report.state in (states.COMPLETED, states.ACCEPTED):
        return (
            f"❌ {report.story} is {report.state}: nothing to renew\n"
            "Take a new story: pantheon checkout --epic <epic>"
        )
    held = f" ({report.lock.holder}'s lock expired)" if report.lock is not None else ""
    return f"❌ You do not hold {key}{held}\nTake it: {take}"
