"""What ``pantheon batch`` tells people (pure: the time and the zone are passed in)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from pantheon_git.features.batch.model import BatchItem, BatchResult, Outcome
from pantheon_git.features.checkout.report import RULE
from pantheon_git.features.locks.report import checkout_command, show_time

UNAVAILABLE_SHOWN = 8


def why(item: BatchItem, now: datetime, tz: tzinfo | None) -> str:
    """One line on what became of the story."""
    if item.outcome is Outcome.TAKEN:
        until = f" until {show_time(item.expires, tz)}" if item.expires else ""
        return f"locked by you{until}, In Progress"
    if item.outcome is Outcome.RENEWED:
        return "already yours: lock renewed"
    if item.outcome in (Outcome.LOCKED, Outcome.LOST):
        until = f" until {show_time(item.expires, tz)}" if item.expires else ""
        race = " (won the race just now)" if item.outcome is Outcome.LOST else ""
        return f"locked by {item.holder or 'someone else'}{until}{race}"
    if item.outcome is Outcome.BLOCKED:
        return f"waits for {', '.join(map(str, item.waits_for))}"
    if item.outcome is Outcome.IN_REVIEW:
        return f"in Code Review (owner {item.owner or 'unknown'}): its owner makes the fixes"
    return item.message or item.outcome.value.replace("_", " ")


def _line(item: BatchItem, now: datetime, tz: tzinfo | None) -> str:
    mark = "✅" if item.held else "❌"
    title = f" - {item.title}" if item.title else ""
    return f"{mark} {item.story}{title}: {why(item, now, tz)}"


def render_batch(result: BatchResult, now: datetime, tz: tzinfo | None) -> str:
    lines = ["Batch Checkout", RULE]
    if result.epics:
        lines += [f"Epics: {', '.join(result.epics)} (the next {result.wanted})", ""]
    lines += [_line(item, now, tz) for item in result.items]
    if not result.items:
        lines.append("No story of these epics is free and unblocked.")
    if result.unavailable:
        lines += ["", "Not available now:"]
        for item in result.unavailable[:UNAVAILABLE_SHOWN]:
            lines.append(f"  {item.story}: {why(item, now, tz)}")
        if len(result.unavailable) > UNAVAILABLE_SHOWN:
            lines.append(f"  ... and {len(result.unavailable) - UNAVAILABLE_SHOWN} more (--json)")
    taken = result.taken
    seconds = result.lock_seconds
    timing = f" (locking took {seconds:.1f}s, all at once)" if seconds is not None else ""
    lines += ["", f"Took {len(taken)} of {result.wanted} stories{timing}."]
    if taken:
        lines.append(f"Start one: {checkout_command(taken[0].story)}   (switches to its branch)")
    return "\n".join(lines)
