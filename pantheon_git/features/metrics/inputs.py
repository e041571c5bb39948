"""The facts the metrics are computed from: the checkout log, the cache's stories, the plan,
merges."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.timefmt import parse_time
from pantheon_git.errors import UsageError


@dataclass(frozen=True)
class LockEvent:
    """One line of the checkout log."""

    time: datetime
    event: str
    story: str
    user: str
    outcome: str
    elapsed: float | None = None
    """Seconds the lock protocol took (Fischer's wait included), when recorded."""
    expires: datetime | None = None
    """When the lock won or renewed expires, when recorded."""


def parse_events(records: Iterable[Mapping[str, Any]]) -> tuple[list[LockEvent], int]:
    """Events from the checkout log's objects, oldest first, and how many were not events.

    Defensive: objects of another kind, unknown keys and odd values are skipped or ignored; a
    missing ``event`` is taken as a checkout (the only kind with attempts).
    """
    events: list[LockEvent] = []
    skipped = 0
    for record in records:
        event = _event(record)
        if event is None:
            skipped += 1
        else:
            events.append(event)
    events.sort(key=lambda e: e.time)
    return events, skipped


def _event(record: Mapping[str, Any]) -> LockEvent | None:
    key = StoryKey.try_parse(str(record.get("story") or ""))
    user = record.get("user")
    outcome = record.get("outcome")
    if key is None or not isinstance(user, str) or not isinstance(outcome, str):
        return None
    try:
        moment = parse_time(str(record.get("time") or ""))
    except UsageError:
        return None
    raw = record.get("elapsed")
    elapsed = float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None
    try:
        expires = parse_time(str(record["expires"])) if record.get("expires") else None
    except UsageError:
        expires = None
    return LockEvent(
        time=moment,
        event=str(record.get("event") or "checkout").lower(),
        story=str(key),
        user=user.strip().lower(),
        outcome=outcome.strip().lower(),
        elapsed=elapsed if elapsed is not None and elapsed >= 0 else None,
        expires=expires,
    )


@dataclass(frozen=True)
class StoryFacts:
    """What the Rally cache says about a story now."""

    key: str
    state: str
    lock_holder: str | None = None
    lock_expires: datetime | None = None
    started: datetime | None = None
    """When work began (Rally's InProgressDate), if known."""


@dataclass(frozen=True)
class PlanFacts:
    """What the plan (``pantheon plan``) says: its lanes, stories and figures."""

    lanes: int
    busy_lanes: int
    stories: tuple[str, ...]
    """Every planned story key, sorted."""
    lower_bound: float
    """Hours: no schedule the dependencies allow is shorter."""
    balance_sigma_pct: float
