"""Metrics 5-6: lock expiry rate and parallelization efficiency."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pantheon_git.core import states
from pantheon_git.core.merges import StoryMerge
from pantheon_git.core.wording import count
from pantheon_git.features.metrics.inputs import LockEvent, PlanFacts, StoryFacts
from pantheon_git.features.metrics.model import Metric, pct

# --- 5. lock expiry ----------------------------------------------------------------------------

EXPIRED = "expired"
RELEASED = "released"
REVIEWED = "reviewed"
ACTIVE = "active"


@dataclass(frozen=True)
class LockLife:
    story: str
    user: str
    taken: datetime
    end: str
    """expired, released, reviewed (reached Code Review or later), active, or unknown."""


def lock_lives(
    events: Sequence[LockEvent], stories: Mapping[str, StoryFacts], now: datetime
) -> list[LockLife]:
    """How each lock won in the checkout log ended."""
    lives: list[LockLife] = []
    ordered = sorted(events, key=lambda e: e.time)
    for i, e in enumerate(ordered):
        if e.event != "checkout" or e.outcome != "won":
            continue
        end = None
        for later in ordered[i + 1 :]:
            if later.story != e.story:
                continue
            if later.event == "release" and later.user == e.user and later.outcome == "released":
                end = RELEASED
                break
            if later.event == "checkout" and later.outcome == "won":
                end = EXPIRED  # taken again: only an expired (or released) lock can be
                break
        lives.append(
            LockLife(e.story, e.user, e.time, end or _now_end(e, stories.get(e.story), now))
        )
    return lives


def _now_end(e: LockEvent, facts: StoryFacts | None, now: datetime) -> str:
    if facts is None:
        return "unknown"
    if states.rank(facts.state) >= states.rank(states.CODE_REVIEW):
        return REVIEWED
    if facts.lock_holder is None:
        return RELEASED
    if facts.lock_holder.lower() != e.user:
        return EXPIRED  # someone else holds it now
    if facts.lock_expires is not None and facts.lock_expires <= now:
        return EXPIRED
    return ACTIVE


def lock_expiry_rate(
    events: Sequence[LockEvent],
    stories: Mapping[str, StoryFacts],
    now: datetime,
    since: datetime | None,
) -> Metric:
    how = (
        "locks from this clone's checkout log that expired before their story reached Code "
        "Review, over the locks that ended (expired, released or reviewed); the cache gives "
        "the current state"
    )
    lives = [
        life for life in lock_lives(events, stories, now) if since is None or life.taken >= since
    ]
    ended = [life for life in lives if life.end in (EXPIRED, RELEASED, REVIEWED)]
    logged = {(life.story, life.user) for life in lives}
    others = sorted(
        f.key
        for f in stories.values()
        if f.lock_holder
        and f.lock_expires is not None
        and f.lock_expires <= now
        and states.rank(f.state) < states.rank(states.CODE_REVIEW)
        and (f.key, f.lock_holder.lower()) not in logged
    )
    tally = {k: sum(1 for life in lives if life.end == k) for k in (EXPIRED, RELEASED, REVIEWED)}
    tally[ACTIVE] = sum(1 for life in lives if life.end == ACTIVE)
    data: dict[str, Any] = {**tally, "ended": len(ended), "expired_elsewhere": others}
    extra = f"; Rally shows expired locks not in this log on {', '.join(others)}" if others else ""
    if not ended:
        why = "no lock has ended yet" if lives else "no locks recorded"
        if tally[ACTIVE]:
            why += f" ({count(tally[ACTIVE], 'lock')} still held)"
        return Metric("lock_expiry", None, "%", why + extra, how, data)
    detail = (
        f"{tally[EXPIRED]} expired of {count(len(ended), 'ended lock')} "
        f"({tally[REVIEWED]} reached review, {tally[RELEASED]} released"
        f"{f', {tally[ACTIVE]} still held' if tally[ACTIVE] else ''}){extra}"
    )
    return Metric("lock_expiry", pct(tally[EXPIRED], len(ended)), "%", detail, how, data)


# --- 6. parallelization ------------------------------------------------------------------------


def work_hours(start: datetime, end: datetime, per_day: float) -> float:
    """Working hours between two moments: weekday time (UTC days), scaled to ``per_day`` hours
    of work per 24 hours."""
    if end <= start:
        return 0.0
    total = 0.0
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        nxt = day + timedelta(days=1)
        if day.weekday() < 5:
            total += (min(end, nxt) - max(start, day)).total_seconds()
        day = nxt
    return total / 3600 * per_day / 24


def parallelization(
    plan: PlanFacts | None,
    events: Sequence[LockEvent],
    merges: Sequence[StoryMerge],
    stories: Mapping[str, StoryFacts],
    *,
    per_day: float,
) -> Metric:
    how = (
        "the plan's lower bound on the makespan over the working hours from the first lock "
        f"to the last merge of its stories ({per_day:g} h per weekday); 100% would be the "
        "best schedule the dependencies allow"
    )
    if plan is None:
        return Metric("parallelization", None, "%", "no plan: run `pantheon plan`", how)
    planned = plan.stories
    done = [
        k
        for k in planned
        if k in stories and states.rank(stories[k].state) >= states.rank(states.COMPLETED)
    ]
    data: dict[str, Any] = {"planned": len(planned), "completed": len(done)}
    if not planned or len(done) < len(planned):
        return Metric(
            "parallelization",
            None,
            "%",
            f"{len(done)} of {count(len(planned), 'planned story', 'planned stories')} completed; "
            "measured once all are",
            how,
            data,
        )
    starts = [e.time for e in events if e.story in planned and e.outcome == "won"]
    starts += [t for k in planned if (t := stories[k].started) is not None]
    ends = [m.time for m in merges if m.story in planned]
    merged = {m.story for m in merges}
    if not starts or not ends or any(k not in merged for k in planned):
        missing = [k for k in planned if k not in merged]
        why = (
            "no start time known" if not starts else f"no merge found for {', '.join(missing[:5])}"
        )
        return Metric(
            "parallelization", None, "%", f"all planned stories completed; {why}", how, data
        )
    elapsed = work_hours(min(starts), max(ends), per_day)
    bound = plan.lower_bound
    data.update(lower_bound=bound, elapsed_work_hours=round(elapsed, 2))
    if elapsed <= 0:
        return Metric("parallelization", None, "%", "no elapsed working time", how, data)
    detail = f"lower bound {bound:g} h, took {elapsed:.1f} working hours"
    return Metric("parallelization", round(100 * bound / elapsed, 1), "%", detail, how, data)
