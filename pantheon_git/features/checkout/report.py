"""What checkout, release and renew tell people: records, their JSON, the seed's reports.

Pure: the time and the time zone to show times in are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from pantheon_git.core.keys import StoryKey, epic_number
from pantheon_git.core.story import Lock
from pantheon_git.core.timefmt import format_time
from pantheon_git.errors import UsageError
from pantheon_git.features.checkout.choice import Alternative

RULE = "━" * 47


@dataclass(frozen=True)
class CheckoutReport:
    """A checkout that holds the lock: won now, or already ours and renewed."""

    story: StoryKey
    title: str
    lock: Lock
    outcome: str
    """won | renewed"""
    epic: str | None = None
    epic_title: str | None = None
    previous_state: str = "Defined"
    state: str = "In Progress"
    branch: str = ""
    branch_action: str = "skipped"
    """created | switched | skipped"""
    base: str | None = None
    story_file: str | None = None
    story_file_action: str | None = None
    """written | kept | None (no file)"""
    carried: tuple[str, ...] = ()
    """Uncommitted files carried over to the story branch."""
    replaced: Lock | None = None
    """The expired lock this checkout replaced."""
    lock_seconds: float | None = None
    """Read-to-write-reply time of the winning attempt (the protocol's bound T applies)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "story": str(self.story),
            "locked": True,
            "locked_by": self.lock.holder,
            "expires": format_time(self.lock.expires),
            "branch": self.branch,
            "outcome": self.outcome,
            "title": self.title,
            "epic": self.epic,
            "locked_at": format_time(self.lock.locked_at),
            "previous_state": self.previous_state,
            "state": self.state,
            "branch_action": self.branch_action,
            "base": self.base,
            "story_file": self.story_file,
            "story_file_action": self.story_file_action,
            "carried_changes": list(self.carried),
            "replaced_expired_lock": self.replaced.holder if self.replaced else None,
            "lock_seconds": round(self.lock_seconds, 3) if self.lock_seconds is not None else None,
        }


@dataclass(frozen=True)
class Refusal:
    """Someone else holds the story (``refused``), or won the race for it (``lost``); or, with
    ``story`` None, nothing in the epic is free (``none_free``)."""

    story: StoryKey | None
    title: str
    outcome: str
    lock: Lock | None = None
    epic: str | None = None
    epic_title: str | None = None
    alternatives: tuple[Alternative, ...] = ()
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "story": str(self.story) if self.story else None,
            "locked": False,
            "locked_by": self.lock.holder if self.lock else None,
            "expires": format_time(self.lock.expires) if self.lock else None,
            "alternatives": [alternative_dict(a) for a in self.alternatives],
            "outcome": self.outcome,
            "title": self.title,
            "epic": self.epic,
            "locked_at": format_time(self.lock.locked_at) if self.lock else None,
            "reason": self.reason,
        }


def alternative_dict(alternative: Alternative) -> dict[str, Any]:
    story = alternative.story
    return {
        "story": str(story.key),
        "title": story.title,
        "complexity": alternative.complexity,
        "tasks": story.task_count,
        "estimate": story.estimate,
        "command": checkout_command(story.key),
    }


@dataclass(frozen=True)
class LeaseReport:
    """What ``release`` or ``renew`` did."""

    story: StoryKey
    title: str
    event: str
    """release | renew"""
    action: str
    """released | renewed | retaken | not_locked | already_expired | theirs | lost"""
    lock: Lock | None = None
    """renewed/retaken: the lock now; otherwise the lock found (if any)."""
    previous_expiry: datetime | None = None

    @property
    def holds(self) -> bool:
        return self.action in ("renewed", "retaken")

    @property
    def exit_code(self) -> int:
        """1 when someone else holds the story, or there was nothing of yours to renew."""
        if self.action in ("theirs", "lost"):
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


def epic_label(epic: str | None, epic_title: str | None) -> str:
    if not epic:
        return "no epic"
    return f"{epic} - {epic_title}" if epic_title else epic


def render_checkout(report: CheckoutReport, now: datetime) -> str:
    lines = ["Story Checkout Successful", RULE]
    lines.append(f"Story: {report.story} - {report.title}")
    lines.append(f"Epic:  {epic_label(report.epic, report.epic_title)}")
    lines.append("")
    if report.outcome == "renewed":
        lines.append(f"✅ Already yours: lock renewed ({lease_words(report.lock, now)})")
    else:
        lines.append(f"✅ Locked in Rally ({lease_words(report.lock, now)})")
        if report.replaced:
            lines.append(f"   (replaced {report.replaced.holder}'s expired lock)")
    if report.previous_state != report.state:
        lines.append(f"✅ Status updated: {report.previous_state} → {report.state}")
    else:
        lines.append(f"✅ Status: {report.state} (unchanged)")
    if report.branch_action == "created":
        base = f" from {report.base}" if report.base else ""
        lines.append(f"✅ Branch created: {report.branch}{base}")
    elif report.branch_action == "switched":
        lines.append(f"✅ Switched to branch: {report.branch}")
    else:
        lines.append(f"➖ Branch not created (--no-branch): {report.branch}")
    if report.carried:
        lines.append(f"   (your {len(report.carried)} uncommitted change(s) came along)")
    lines.append("✅ Local cache updated")
    if report.story_file and report.story_file_action == "written":
        lines.append(f"✅ Story file written: {report.story_file}")
    elif report.story_file:
        lines.append(f"✅ Story file kept: {report.story_file}")
    lines += ["", "Ready to start:", f"  /story-pipeline story={report.story}"]
    if report.branch_action == "skipped":
        lines.append(f"  git switch -c {report.branch}")
    return "\n".join(lines)


def render_refusal(refusal: Refusal, now: datetime, tz: tzinfo | None) -> str:
    if refusal.story is None:
        lines = ["❌ No Story Available", RULE]
        lines.append(f"Epic: {epic_label(refusal.epic, refusal.epic_title)}")
        if refusal.reason:
            lines.append(refusal.reason)
        return "\n".join(lines)
    head = "❌ Story Already Locked" if refusal.lock is not None else "❌ Story Not Taken"
    lines = [head, RULE]
    lines.append(f"Story: {refusal.story} - {refusal.title}")
    if refusal.lock is not None:
        lines.append(f"Locked by: {refusal.lock.holder}")
        lines.append(f"Locked at: {show_time(refusal.lock.locked_at, tz)}")
        lines.append(f"Expires:   {show_time(refusal.lock.expires, tz)}")
    if refusal.outcome == "lost" and refusal.lock is not None:
        lines.append("(another checkout of this story won the race just now)")
    if refusal.reason:
        lines.append(refusal.reason)
    lines.append("")
    where = _epic_words(refusal.epic)
    if not refusal.alternatives:
        lines.append(f"No other story is free and unblocked in {where}.")
        lines.append("See what is free: pantheon status")
        return "\n".join(lines)
    lines.append(f"Available alternatives in {where}:")
    for number, alternative in enumerate(refusal.alternatives, start=1):
        story = alternative.story
        lines.append(
            f"  {number}. {story.key} - {story.title} ({alternative.complexity} complexity)"
        )
        lines.append(f"     {checkout_command(story.key)}")
    first = refusal.alternatives[0].story.key
    lines += ["", "Checkout alternative story:", f"  {checkout_command(first)}"]
    return "\n".join(lines)


def _epic_words(epic: str | None) -> str:
    if not epic:
        return "the project"
    try:
        return f"Epic {epic_number(epic)}"
    except UsageError:  # a portfolio id in an unexpected form: show it as Rally does
        return f"epic {epic}"


def render_lease(report: LeaseReport, now: datetime, tz: tzinfo | None) -> str:
    key = f"{report.story} - {report.title}" if report.title else str(report.story)
    lock, take = report.lock, checkout_command(report.story)
    if report.action == "released":
        return f"🔓 Released {key}\nAnyone can take it now: {take}"
    if report.action in ("renewed", "retaken") and lock is not None:
        head = "🔒 Renewed" if report.action == "renewed" else "🔒 Taken again (it had expired)"
        return f"{head}: {key}\nExpires: {show_time(lock.expires, tz)} ({lease_words(lock, now)})"
    if report.action in ("theirs", "lost") and lock is not None:
        verb = "won it just now" if report.action == "lost" else "holds it"
        return (
            f"❌ {key}: {lock.holder} {verb} until {show_time(lock.expires, tz)}\n"
            f"Only they can {report.event} it."
        )
    if report.action == "already_expired" and lock is not None:
        return (
            f"{key}: the lock by {lock.holder} expires at {show_time(lock.expires, tz)}; "
            f"nothing to release (once expired, anyone can run `{take}`)"
        )
    if report.event == "renew":
        held = f" ({lock.holder}'s lock expired)" if lock is not None else ""
        return f"❌ You do not hold {key}{held}\nTake it: {take}"
    return f"{key} is not locked; nothing to release"
