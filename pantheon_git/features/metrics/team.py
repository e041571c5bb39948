"""Metrics 1-4: story conflicts, merge conflicts, coordination time, lane balance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pantheon_git.core.merges import StoryMerge
from pantheon_git.core.wording import count
from pantheon_git.features.metrics.inputs import LockEvent, PlanFacts
from pantheon_git.features.metrics.model import Metric, pct, since_filter

ATTEMPTS = ("won", "refused", "lost", "too_slow", "error")
CONFLICTS = ("refused", "lost")
SEARCH_CAP_HOURS = 1.0
"""A refusal counts at most this long as coordination (the rest is not waiting on others)."""


# --- 1. story conflicts ------------------------------------------------------------------------


def story_conflict_rate(events: Sequence[LockEvent], since: datetime | None) -> Metric:
    attempts = [
        e for e in since_filter(events, since) if e.event == "checkout" and e.outcome in ATTEMPTS
    ]
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
