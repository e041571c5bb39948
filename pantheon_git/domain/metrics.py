"""The seed's six success metrics, computed from plain facts (pure: no files, no clock).

Inputs are gathered by ``usecases/metrics.py``: the checkout log (``events.jsonl``), the stories
in the Rally cache, the plan (``workstreams.json``) and the story merges in git history.

===========================  ==================================================  ============
metric                       computed as                                          seed target
===========================  ==================================================  ============
story conflict rate          (refused + lost checkouts) / all checkout attempts  < 1 %
merge conflict rate          story merges with a conflicting trial merge /       < 10 %
                             story merges whose trial merge is known
coordination time            per sprint: lock protocol time + time from a        < 5 h/sprint
                             refused checkout to the same person's next win
lane balance                 the plan's σ of lane hours, % of the mean           σ < 15 %
lock expiry rate             locks that expired before a PR /                    < 5 %
                             locks that ended (expired, released, reviewed)
parallelization efficiency   the plan's lower bound / elapsed working hours      60-80 %
                             from the first lock to the last merge
===========================  ==================================================  ============
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pantheon_git.domain import states
from pantheon_git.domain.keys import StoryKey
from pantheon_git.domain.timefmt import parse_time
from pantheon_git.domain.wording import count
from pantheon_git.errors import UsageError

PASS = "pass"  # noqa: S105 - a verdict, not a password
MISS = "miss"
UNKNOWN = "unknown"

ATTEMPTS = ("won", "refused", "lost", "too_slow", "error")
CONFLICTS = ("refused", "lost")
SEARCH_CAP_HOURS = 1.0
"""A refusal counts at most this long as coordination (the rest is not waiting on others)."""


@dataclass(frozen=True)
class Target:
    text: str
    met: Callable[[float], bool]


TARGETS: dict[str, Target] = {
    "story_conflicts": Target("< 1%", lambda v: v < 1.0),
    "merge_conflicts": Target("< 10%", lambda v: v < 10.0),
    "coordination": Target("< 5 h/sprint", lambda v: v < 5.0),
    "lane_balance": Target("σ < 15%", lambda v: v < 15.0),
    "lock_expiry": Target("< 5%", lambda v: v < 5.0),
    # The seed's range is 60-80 % of the theoretical maximum; more is better, not a miss.
    "parallelization": Target("60-80% of theoretical max", lambda v: v >= 60.0),
}

NAMES = {
    "story_conflicts": "Story conflict rate",
    "merge_conflicts": "Merge conflict rate",
    "coordination": "Coordination time",
    "lane_balance": "Lane balance",
    "lock_expiry": "Lock expiry rate",
    "parallelization": "Parallelization efficiency",
}


@dataclass(frozen=True)
class Metric:
    key: str
    value: float | None
    unit: str
    detail: str
    how: str
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return NAMES[self.key]

    @property
    def target(self) -> str:
        return TARGETS[self.key].text

    @property
    def status(self) -> str:
        if self.value is None:
            return UNKNOWN
        return PASS if TARGETS[self.key].met(self.value) else MISS

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "target": self.target,
            "status": self.status,
            "detail": self.detail,
            "how": self.how,
            "data": dict(self.data),
        }


# --- inputs ------------------------------------------------------------------------------------


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


def parse_events(lines: Iterable[str]) -> tuple[list[LockEvent], int]:
    """Events from ``events.jsonl`` lines, oldest first, and how many lines were unreadable.

    Defensive: torn lines, foreign objects, unknown keys and odd values are skipped or ignored;
    a missing ``event`` is taken as a checkout (the only kind with attempts).
    """
    events: list[LockEvent] = []
    skipped = 0
    for line in lines:
        if not line.strip():
            continue
        event = _event(line)
        if event is None:
            skipped += 1
        else:
            events.append(event)
    events.sort(key=lambda e: e.time)
    return events, skipped


def _event(line: str) -> LockEvent | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
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
    return LockEvent(
        time=moment,
        event=str(record.get("event") or "checkout").lower(),
        story=str(key),
        user=user.strip().lower(),
        outcome=outcome.strip().lower(),
        elapsed=elapsed if elapsed is not None and elapsed >= 0 else None,
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
class StoryMerge:
    """A story branch merged into the default branch."""

    story: str
    sha: str
    time: datetime
    conflicted: bool | None
    """None: not known (a squash or rebase merge leaves no second parent to re-merge)."""
    paths: tuple[str, ...] = ()


def _since(items: Iterable[Any], since: datetime | None) -> list[Any]:
    return [i for i in items if since is None or i.time >= since]


def pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


# --- 1. story conflicts ------------------------------------------------------------------------


def story_conflict_rate(events: Sequence[LockEvent], since: datetime | None) -> Metric:
    attempts = [e for e in _since(events, since) if e.event == "checkout" and e.outcome in ATTEMPTS]
    how = "refused checkouts and lost lock races over all checkout attempts (checkout log)"
    if not attempts:
        return Metric("story_conflicts", None, "%", "no checkouts recorded", how)
    by = {o: sum(1 for e in attempts if e.outcome == o) for o in ATTEMPTS}
    conflicts = by["refused"] + by["lost"]
    detail = (
        f"{by['refused']} refused and {by['lost']} lost of "
        f"{count(len(attempts), 'checkout attempt')}"
    )
    stories = sorted({e.story for e in attempts if e.outcome in CONFLICTS})
    if stories:
        detail += f" ({', '.join(stories[:5])}{' ...' if len(stories) > 5 else ''})"
    data = {"attempts": len(attempts), **by, "stories": stories}
    return Metric("story_conflicts", pct(conflicts, len(attempts)), "%", detail, how, data)


# --- 2. merge conflicts ------------------------------------------------------------------------


def merge_conflict_rate(merges: Sequence[StoryMerge], since: datetime | None) -> Metric:
    chosen = _since(merges, since)
    known = [m for m in chosen if m.conflicted is not None]
    unknown = len(chosen) - len(known)
    how = (
        "story branches merged into the default branch whose merge (or a merge of the base "
        "into the branch) conflicted when re-run with git merge-tree"
    )
    if not known:
        why = (
            "no story merges in git history"
            if not chosen
            else (
                f"{count(unknown, 'story merge')} without merge commits (squash or rebase): "
                "not known"
            )
        )
        return Metric("merge_conflicts", None, "%", why, how, {"merges": len(chosen)})
    bad = [m for m in known if m.conflicted]
    detail = f"{len(bad)} of {count(len(known), 'merged story branch', 'merged story branches')}"
    detail += " had conflicts"
    if bad:
        shown = [f"{m.story}: {', '.join(m.paths[:2]) or '?'}" for m in bad[:3]]
        detail += f" ({'; '.join(shown)})"
    if unknown:
        detail += f"; {unknown} squash or rebase merge(s) not known"
    data = {
        "known": len(known),
        "conflicted": len(bad),
        "unknown": unknown,
        "stories": [m.story for m in bad],
    }
    return Metric("merge_conflicts", pct(len(bad), len(known)), "%", detail, how, data)


# --- 3. coordination time ----------------------------------------------------------------------


def coordination_time(
    events: Sequence[LockEvent],
    since: datetime | None,
    until: datetime,
    *,
    sprint_days: float,
    settle_seconds: float = 0.0,
) -> Metric:
    how = (
        "estimated from the checkout log: time spent in the lock protocol (each attempt's "
        "recorded read-to-write time, plus the settle wait D of each attempt that wrote a "
        "lock), plus the time from "
        f"a refused or lost checkout to the same developer's next successful one (at most "
        f"{SEARCH_CAP_HOURS:g} h each), per sprint from --since to now (else from the first "
        "to the last checkout); meetings and chat are not seen, so this is a floor"
    )
    chosen = [e for e in _since(events, since) if e.event == "checkout"]
    if not chosen:
        return Metric("coordination", None, "h/sprint", "not measured: no checkout log", how)
    writes = [e for e in chosen if e.outcome in ("won", "lost", "too_slow")]
    protocol = (sum(e.elapsed or 0.0 for e in chosen) + settle_seconds * len(writes)) / 3600
    searching = 0.0
    unresolved = 0
    for e in chosen:
        if e.outcome not in (*CONFLICTS, "too_slow"):
            continue
        later = next(
            (x for x in chosen if x.user == e.user and x.time > e.time and x.outcome == "won"),
            None,
        )
        if later is None:
            unresolved += 1
            continue
        searching += min(SEARCH_CAP_HOURS, (later.time - e.time).total_seconds() / 3600)
    # the sprints asked about (--since to now), else those the log covers
    start, end = (since, until) if since is not None else (chosen[0].time, chosen[-1].time)
    window_days = max(0.0, (end - start).total_seconds() / 86400)
    sprints = max(1.0, window_days / sprint_days) if sprint_days > 0 else 1.0
    total = protocol + searching
    value = round(total / sprints, 2)
    detail = (
        f"{total:.2f} h over {sprints:.1f} sprint(s) of {sprint_days:g} days: "
        f"{protocol * 3600:.1f} s in the lock protocol, {searching:.2f} h finding other stories"
    )
    if unresolved:
        detail += f"; {unresolved} refusal(s) not followed by a checkout yet"
    data = {
        "hours": round(total, 4),
        "sprints": round(sprints, 3),
        "protocol_seconds": round(protocol * 3600, 3),
        "search_hours": round(searching, 4),
        "unresolved": unresolved,
    }
    return Metric("coordination", value, "h/sprint", detail, how, data)


# --- 4. lane balance ---------------------------------------------------------------------------


def lane_balance(plan: Mapping[str, Any] | None) -> Metric:
    how = "standard deviation of the planned lanes' hours, as % of the mean busy lane (the plan)"
    sigma = plan.get("balance_sigma_pct") if plan else None
    if not isinstance(sigma, int | float) or isinstance(sigma, bool):
        why = "no plan: run `pantheon plan`" if plan is None else "the plan has no balance figure"
        return Metric("lane_balance", None, "%", why, how)
    lanes = [lane for lane in plan.get("lanes", []) if isinstance(lane, dict)] if plan else []
    busy = [lane for lane in lanes if lane.get("stories")]
    detail = f"σ of {count(len(busy), 'busy lane')} of {len(lanes)} in the plan"
    return Metric(
        "lane_balance", round(float(sigma), 1), "%", detail, how, {"busy_lanes": len(busy)}
    )


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
    plan: Mapping[str, Any] | None,
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
    if not plan or not isinstance(plan.get("lower_bound"), int | float):
        return Metric("parallelization", None, "%", "no plan: run `pantheon plan`", how)
    planned = sorted(
        {
            str(s.get("key"))
            for lane in plan.get("lanes", [])
            if isinstance(lane, dict)
            for s in lane.get("stories", [])
            if isinstance(s, dict)
        }
    )
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
    bound = float(plan["lower_bound"])
    data.update(lower_bound=bound, elapsed_work_hours=round(elapsed, 2))
    if elapsed <= 0:
        return Metric("parallelization", None, "%", "no elapsed working time", how, data)
    detail = f"lower bound {bound:g} h, took {elapsed:.1f} working hours"
    return Metric("parallelization", round(100 * bound / elapsed, 1), "%", detail, how, data)
