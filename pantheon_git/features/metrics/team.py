"""Metrics 1-4: story conflicts, merge conflicts, coordination time, lane balance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pantheon_git.core.merges import StoryMerge
from pantheon_git.core.wording import count
from pantheon_git.features.metrics.inputs import LockEvent, PlanFacts
from pantheon_git.features.metrics.model import Metric, pct, since_filter

CONFLICTS = ("refused", "lost")
SEARCH_CAP_HOURS = 1.0
"""A refusal counts at most this long as coordination (the rest is not waiting on others)."""


# --- 1. story conflicts ------------------------------------------------------------------------

HOLDS = {("checkout", "won"), ("checkout", "renewed"), ("renew", "renewed"), ("renew", "retaken")}
"""The events after which their user holds the story's lock (until it expires or is released)."""


@dataclass
class Hold:
    """One developer's hold on a story: from a won lock to its release or expiry."""

    user: str
    start: datetime
    end: datetime

    def overlaps(self, other: Hold) -> bool:
        return self.start < other.end and other.start < self.end


def holds(events: Sequence[LockEvent], lease_hours: float) -> dict[str, list[Hold]]:
    """Story -> the holds the checkout log shows. A hold ends when its holder releases it or
    its lease runs out (the recorded expiry, else ``lease_hours`` after it was taken or
    renewed); renewing or taking it again while held extends it."""
    out: dict[str, list[Hold]] = {}
    for e in sorted(events, key=lambda x: x.time):
        mine = [h for h in out.get(e.story, []) if h.user == e.user and h.end > e.time]
        if (e.event, e.outcome) in HOLDS:
            end = e.expires or e.time + timedelta(hours=lease_hours)
            if mine:
                mine[-1].end = max(mine[-1].end, end)
            else:
                out.setdefault(e.story, []).append(Hold(e.user, e.time, end))
        elif e.event == "release" and e.outcome == "released" and mine:
            mine[-1].end = e.time
    return out


def story_conflict_rate(
    events: Sequence[LockEvent], since: datetime | None, *, lease_hours: float = 24.0
) -> Metric:
    """The seed's "% of stories checked out by multiple devs": stories that two developers
    held at the same time, over the stories checked out. A refused checkout or a lost race is
    the lock doing its job, not a conflict: they are counted beside it."""
    how = (
        "stories two developers held at the same time (a lock won while another developer's "
        "was neither released nor expired), over the stories checked out (checkout logs; a "
        "lock a pull request released is not in them, so add every developer's log)"
    )
    chosen = since_filter(events, since)
    taken = holds(chosen, lease_hours)
    if not taken:
        return Metric("story_conflicts", None, "%", "no checkouts recorded", how)
    doubled = sorted(
        story
        for story, hs in taken.items()
        if any(a.user != b.user and a.overlaps(b) for i, a in enumerate(hs) for b in hs[i + 1 :])
    )
    refused = sum(1 for e in chosen if e.event == "checkout" and e.outcome == "refused")
    lost = sum(1 for e in chosen if e.event == "checkout" and e.outcome == "lost")
    detail = f"{len(doubled)} of {count(len(taken), 'story', 'stories')} held by two at once"
    if doubled:
        detail += f" ({', '.join(doubled[:5])}{' ...' if len(doubled) > 5 else ''})"
    detail += f"; the lock refused {refused} checkout(s) and {lost} lost race(s)"
    data = {"stories": len(taken), "doubled": doubled, "refused": refused, "lost": lost}
    return Metric("story_conflicts", pct(len(doubled), len(taken)), "%", detail, how, data)


# --- 2. merge conflicts ------------------------------------------------------------------------


def merge_conflict_rate(merges: Sequence[StoryMerge], since: datetime | None) -> Metric:
    chosen = since_filter(merges, since)
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
    chosen = [e for e in since_filter(events, since) if e.event == "checkout"]
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


def lane_balance(plan: PlanFacts | None) -> Metric:
    how = "standard deviation of the planned lanes' hours, as % of the mean busy lane (the plan)"
    if plan is None:
        return Metric("lane_balance", None, "%", "no plan: run `pantheon plan`", how)
    busy = plan.busy_lanes
    detail = f"σ of {count(busy, 'busy lane')} of {plan.lanes} in the plan"
    return Metric(
        "lane_balance", round(plan.balance_sigma_pct, 1), "%", detail, how, {"busy_lanes": busy}
    )
