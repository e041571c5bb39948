"""The pure metric computations, on hand-made examples whose answers are worked out here (and
the checkout log read as metrics read it)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.cache.events import read_log
from pantheon_git.features.metrics import (
    MISS,
    PASS,
    UNKNOWN,
    LockEvent,
    PlanFacts,
    StoryFacts,
    StoryMerge,
    coordination_time,
    lane_balance,
    lock_expiry_rate,
    merge_conflict_rate,
    parallelization,
    parse_events,
    story_conflict_rate,
    work_hours,
)
from pantheon_git.features.metrics.report import render_metrics

MON = datetime(2026, 2, 2, tzinfo=UTC)  # a Monday


def at(hours: float) -> datetime:
    return MON + timedelta(hours=hours)


def ev(
    hours: float,
    story: str,
    user: str,
    outcome: str,
    *,
    event: str = "checkout",
    elapsed: float | None = None,
) -> LockEvent:
    return LockEvent(at(hours), event, story, user, outcome, elapsed)


def line(**fields: Any) -> str:
    return json.dumps(fields)


# --- the log -----------------------------------------------------------------------------------


def test_parse_events_is_defensive_and_orders_by_time(tmp_path: Path) -> None:
    lines = [
        line(
            time="2026-02-02T10:00:00.000Z",
            event="checkout",
            story="US-7",
            user="B@x.com",
            outcome="WON",
            elapsed=4.2,
            holder="b@x.com",
        ),
        line(time="2026-02-02T09:00:00.000Z", story="us7", user="a@x.com", outcome="refused"),
        '{"time": "2026-02-02T11:00:00.000Z", "story": "US-7", "us',  # torn by a crash
        "[1, 2, 3]",
        line(time="yesterday", story="US-7", user="a@x.com", outcome="won"),
        line(time="2026-02-02T12:00:00Z", story="not a key", user="a@x.com", outcome="won"),
        line(time="2026-02-02T12:00:00Z", story="US-8", user=None, outcome="won"),
        line(
            time="2026-02-02T13:00:00+01:00",
            story="US-8",
            user="c@x.com",
            outcome="lost",
            elapsed=True,
        ),
        "",
    ]
    log = tmp_path / "events.jsonl"
    log.write_text("\n".join(lines) + "\n")
    records, torn = read_log(log)
    assert torn == 2  # the torn line and the list
    events, skipped = parse_events(records)
    assert skipped == 3
    assert [(e.story, e.user, e.outcome, e.event) for e in events] == [
        ("US-7", "a@x.com", "refused", "checkout"),  # no "event": a checkout
        ("US-7", "b@x.com", "won", "checkout"),
        ("US-8", "c@x.com", "lost", "checkout"),  # 13:00+01:00 is 12:00 UTC
    ]
    assert events[1].elapsed == 4.2
    assert events[2].elapsed is None  # a boolean is no duration
    assert events[2].time == datetime(2026, 2, 2, 12, tzinfo=UTC)


# --- 1. story conflicts ------------------------------------------------------------------------


def test_story_conflict_rate_is_stories_held_by_two_at_once() -> None:
    """A scripted history with a known answer: 5 stories checked out, 1 held by two at once."""
    a, b, c = "a@x.com", "b@x.com", "c@x.com"
    events = [
        # US-1: a holds it; b is refused, c loses a race: the lock did its job
        ev(0, "US-1", a, "won"), ev(1, "US-1", b, "refused"), ev(1, "US-1", c, "lost"),
        # US-2: a releases it, then b takes it: one after the other
        ev(0, "US-2", a, "won"), ev(2, "US-2", a, "released", event="release"),
        ev(3, "US-2", b, "won"),
        # US-3: a's 24 h lease runs out, then b takes it
        ev(0, "US-3", a, "won"), ev(25, "US-3", b, "won"),
        # US-4: a renews at 20 h (a new 24 h lease), b takes it at 30 h: a still held it
        ev(0, "US-4", a, "won"), ev(20, "US-4", a, "renewed", event="renew"),
        ev(30, "US-4", b, "won"),
        # US-5: taken again by the same developer after a release: no second person
        ev(0, "US-5", a, "won"), ev(1, "US-5", a, "released", event="release"),
        ev(2, "US-5", a, "won"),
    ]  # fmt: skip
    metric = story_conflict_rate(events, None, lease_hours=24)
    assert metric.value == 20.0  # 1 of 5
    assert metric.status == MISS
    assert metric.detail == (
        "1 of 5 stories held by two at once (US-4); the lock refused 1 checkout(s) and 1 "
        "lost race(s)"
    )
    assert metric.data["doubled"] == ["US-4"]
    # a recorded expiry wins over the default lease: US-4 renewed only until 25 h
    renewed = LockEvent(at(20), "renew", "US-4", a, "renewed", expires=at(25))
    fixed = [e for e in events if not (e.story == "US-4" and e.event == "renew")] + [renewed]
    assert story_conflict_rate(fixed, None, lease_hours=24).value == 0.0
    # two racers who both believed they won (what the lock protocol prevents)
    race = [ev(0, "US-9", a, "won"), ev(0.001, "US-9", b, "won")]
    assert story_conflict_rate(race, None).value == 100.0
    # refusals alone are no conflict; since: only what happened from then on
    assert story_conflict_rate([ev(0, "US-1", a, "won"), ev(1, "US-1", b, "refused")],
                               None).value == 0.0  # fmt: skip
    assert story_conflict_rate(events, at(26)).value == 0.0  # only b's US-4 hold is left
    assert story_conflict_rate([], None).status == UNKNOWN


# --- 2. merge conflicts ------------------------------------------------------------------------


def test_merge_conflict_rate() -> None:
    merges = [StoryMerge(f"US-{i}", f"{i:040x}", at(i), False) for i in range(7)]
    merges.append(StoryMerge("US-9", "f" * 40, at(9), True, ("src/auth/login.ts",)))
    merges.append(StoryMerge("US-10", "e" * 40, at(10), None))
    metric = merge_conflict_rate(merges, None)
    assert metric.value == 12.5  # 1 of the 8 known
    assert metric.status == MISS
    assert "1 of 8 merged story branches had conflicts (US-9: src/auth/login.ts)" in metric.detail
    assert "1 squash or rebase merge(s) not known" in metric.detail
    assert merge_conflict_rate(merges, at(9.5)).status == UNKNOWN  # only the squash merge
    assert merge_conflict_rate([], None).detail == "no story merges in git history"


# --- 3. coordination ---------------------------------------------------------------------------


def test_coordination_time_per_sprint() -> None:
    events = [
        ev(10, "US-1", "b@x.com", "refused"),
        ev(10.5, "US-2", "b@x.com", "won", elapsed=1800),  # 30 min later: 0.5 h searching
        ev(11, "US-1", "c@x.com", "lost"),
        ev(14, "US-3", "c@x.com", "won", elapsed=1800),  # 3 h later: capped at 1 h
        ev(15, "US-4", "d@x.com", "refused"),  # nothing after it yet
    ]
    # since 28 days before now, 14-day sprints: 2 sprints; protocol 1 h + search 1.5 h = 2.5 h
    now = at(10) + timedelta(days=28)
    metric = coordination_time(events, at(10), now, sprint_days=14)
    assert metric.value == 1.25
    assert metric.status == PASS
    assert metric.data["unresolved"] == 1
    assert metric.data["protocol_seconds"] == 3600
    # without --since: the log's own span (5 hours), which still counts as one whole sprint
    assert coordination_time(events, None, now, sprint_days=14).value == 2.5
    # the settle wait D of the three attempts that wrote a lock (2 won, 1 lost): 3 x 1200 s
    waited = coordination_time(events, None, now, sprint_days=14, settle_seconds=1200)
    assert waited.value == 3.5
    assert waited.data["protocol_seconds"] == 3600 + 3600
    assert coordination_time([], None, at(0), sprint_days=14).status == UNKNOWN


# --- 4. lane balance ---------------------------------------------------------------------------


def plan_facts(**changes: Any) -> PlanFacts:
    fields: dict[str, Any] = {
        "lanes": 2,
        "busy_lanes": 1,
        "stories": ("US-1",),
        "lower_bound": 10.0,
        "balance_sigma_pct": 12.34,
        **changes,
    }
    return PlanFacts(**fields)


def test_lane_balance_from_the_plan() -> None:
    metric = lane_balance(plan_facts())
    assert (metric.value, metric.status) == (12.3, PASS)
    assert metric.detail == "σ of 1 busy lane of 2 in the plan"
    assert lane_balance(plan_facts(balance_sigma_pct=20.0)).status == MISS
    assert lane_balance(None).detail == "no plan: run `pantheon plan`"


# --- 5. lock expiry ----------------------------------------------------------------------------


def test_lock_expiry_follows_each_lock_to_its_end() -> None:
    now = at(100)
    events = [
        ev(0, "US-1", "a@x.com", "won"),
        ev(30, "US-1", "b@x.com", "won"),  # a's lock expired: b could take it
        ev(1, "US-2", "c@x.com", "won"),
        ev(2, "US-2", "c@x.com", "released", event="release"),
        ev(3, "US-3", "d@x.com", "won"),  # still held
        ev(4, "US-4", "e@x.com", "won"),  # expired in Rally, still In Progress
        ev(5, "US-9", "f@x.com", "won"),  # not in the cache: not judged
    ]
    stories = {
        "US-1": StoryFacts("US-1", "Code Review"),  # b's lock ended in a PR
        "US-2": StoryFacts("US-2", "Defined"),
        "US-3": StoryFacts("US-3", "In Progress", "d@x.com", now + timedelta(hours=5)),
        "US-4": StoryFacts("US-4", "In Progress", "E@x.com", now - timedelta(hours=1)),
        "US-5": StoryFacts("US-5", "In Progress", "g@x.com", now - timedelta(days=2)),
    }
    metric = lock_expiry_rate(events, stories, now, None)
    assert metric.value == 50.0  # expired: a on US-1, e on US-4; of 4 ended
    assert metric.status == MISS
    assert metric.data["active"] == 1
    assert metric.data["expired_elsewhere"] == ["US-5"]
    assert metric.detail.startswith(
        "2 expired of 4 ended locks (1 reached review, 1 released, 1 still held)"
    )
    assert "not in this log on US-5" in metric.detail
    only_held = lock_expiry_rate(events[4:5], stories, now, None)
    assert only_held.status == UNKNOWN
    assert only_held.detail.startswith("no lock has ended yet (1 lock still held)")


# --- 6. parallelization ------------------------------------------------------------------------


def test_work_hours_count_weekdays_only() -> None:
    assert work_hours(at(9), at(17), 8) == pytest.approx(8 * 8 / 24)
    friday_noon = MON + timedelta(days=4, hours=12)
    monday_noon = MON + timedelta(days=7, hours=12)
    assert work_hours(friday_noon, monday_noon, 8) == pytest.approx(24 * 8 / 24)
    assert work_hours(at(5), at(1), 8) == 0.0


def test_parallelization_needs_every_planned_story_done() -> None:
    plan = plan_facts(stories=("US-1", "US-2", "US-3"))
    done = {k: StoryFacts(k, "Completed") for k in ("US-1", "US-2", "US-3")}
    events = [ev(0, "US-1", "a@x.com", "won"), ev(2, "US-3", "b@x.com", "won")]
    merges = [StoryMerge(k, "0" * 40, at(h), False) for k, h in (("US-1", 20), ("US-2", 48),
                                                                 ("US-3", 72))]  # fmt: skip
    metric = parallelization(plan, events, merges, done, per_day=8)
    # Monday 00:00 to Thursday 00:00: 72 weekday hours = 24 working hours; 10 / 24
    assert metric.value == 41.7
    assert metric.status == MISS
    assert metric.data["elapsed_work_hours"] == 24.0

    fast = [StoryMerge(k, "0" * 40, at(15), False) for k in ("US-1", "US-2", "US-3")]
    assert parallelization(plan, events, fast, done, per_day=8).value == 200.0  # 10 / 5

    partly = {**done, "US-2": StoryFacts("US-2", "In Progress")}
    metric = parallelization(plan, events, merges, partly, per_day=8)
    assert metric.status == UNKNOWN
    assert metric.detail == "2 of 3 planned stories completed; measured once all are"
    no_merge = parallelization(plan, events, merges[:2], done, per_day=8)
    assert no_merge.detail == "all planned stories completed; no merge found for US-3"
    assert parallelization(None, events, merges, done, per_day=8).status == UNKNOWN
    # without a checkout log, Rally's InProgressDate (synced into the cache) says when work began
    began = {k: StoryFacts(k, "Completed", started=at(0) if k == "US-1" else None) for k in done}
    assert parallelization(plan, [], merges, began, per_day=8).value == 41.7
    unknown = parallelization(plan, [], merges, done, per_day=8)
    assert unknown.detail == "all planned stories completed; no start time known"


# --- report ------------------------------------------------------------------------------------


def test_report_shows_each_metric_with_its_target_and_mark() -> None:
    metrics = [
        story_conflict_rate([ev(0, "US-1", "a@x.com", "won")], None),
        merge_conflict_rate([], None),
        lane_balance(plan_facts(balance_sigma_pct=22.0)),
    ]
    text = render_metrics(metrics, sources=["checkout log (1 event)"], since="2026-02-01")
    assert text.startswith("Success Metrics\n━")
    assert "Since: 2026-02-01" in text
    assert "✅ Story conflict rate  0.0%       target < 1%" in text
    assert "❔ Merge conflict rate  not known  target < 10%" in text
    assert "❌ Lane balance         σ 22.0%    target σ < 15%" in text
    assert "1 on target, 1 missed, 1 not known yet." in text
    assert "How:" in render_metrics(metrics, sources=[], since=None, how=True)
