"""The pure completion rules: forward only, lock ownership, idempotent field writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pantheon_git.core import fields as lockfields
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock
from pantheon_git.features.complete.rules import (
    Change,
    Stage,
    StoryState,
    Verdict,
    decide,
    same_value,
)
from pantheon_git.features.locks import rules as locks

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
KEY = StoryKey("US", 123)
SHA = "a" * 40
ALICE = "alice@example.com"


def lock(holder: str = ALICE, hours: float = 4) -> Lock:
    return locks.new_lock(holder, NOW - timedelta(hours=1), hours, "story/US-123-x", "tok1")


def story(state: str = "In Progress", lk: Lock | None = None, **values: Any) -> StoryState:
    raw: dict[str, Any] = {"ScheduleState": "In-Progress", "c_PantheonStatus": state}
    if lk is not None:
        raw.update(lockfields.to_fields(lk))
    raw.update(values)
    return StoryState(KEY, state, lk, raw)


def review(author: str | None = ALICE, **kw: Any) -> Change:
    return Change(
        stage=kw.pop("stage", Stage.REVIEW),
        sha=kw.pop("sha", SHA),
        branch=kw.pop("branch", "story/US-123-x"),
        author=author,
        **kw,
    )


def test_review_moves_to_code_review_records_and_unlocks() -> None:
    d = decide(story(lk=lock()), review(coverage=87.5), now=NOW)
    assert d.verdict is Verdict.OK
    assert (d.before, d.after) == ("In Progress", "Code Review")
    assert d.updates == {
        "c_PantheonStatus": "Code Review",
        "c_CommitSHA": SHA,
        "c_Coverage": 87.5,
        "c_LockedBy": "",
        "c_LockedAt": None,
        "c_LockExpiry": None,
        "c_LockToken": "",
    }
    assert d.lock_released == ALICE
    assert d.note


def test_rerun_writes_nothing() -> None:
    first = decide(story(lk=lock()), review(coverage=87.5), now=NOW)
    after = story("Code Review", None, **first.updates, c_Branch="story/US-123-x")
    second = decide(after, review(coverage=87.5), now=NOW)
    assert second.verdict is Verdict.UNCHANGED
    assert second.updates == {}
    assert second.note  # the note step still runs; it finds the post and does not duplicate it


def test_synchronize_updates_only_the_sha() -> None:
    state = story("Code Review", None, c_CommitSHA=SHA, c_Branch="story/US-123-x")
    d = decide(state, review(sha="b" * 40), now=NOW)
    assert d.updates == {"c_CommitSHA": "b" * 40}
    assert not d.state_changed


def test_never_moves_backwards_and_stale_events_write_nothing() -> None:
    done = StoryState(
        KEY, "Completed", None, {"ScheduleState": "Completed", "c_CommitSHA": "m" * 40}
    )
    d = decide(done, review(), now=NOW)
    assert d.verdict is Verdict.STALE
    assert d.updates == {}
    accepted = StoryState(KEY, "Accepted", None, {"ScheduleState": "Accepted"})
    merged = Change(Stage.MERGED, "c" * 40)
    assert decide(accepted, merged, now=NOW).verdict is Verdict.STALE
    assert decide(done, Change(Stage.CLOSED, SHA, author=ALICE), now=NOW).verdict is Verdict.STALE
    assert decide(done, Change(Stage.DRAFT, SHA, author=ALICE), now=NOW).verdict is Verdict.STALE


def test_locked_by_someone_else_leaves_rally_alone() -> None:
    d = decide(story(lk=lock("jane@example.com")), review(), now=NOW)
    assert d.verdict is Verdict.LOCKED_BY_OTHER
    assert d.updates == {}
    assert "jane@example.com" in d.message
    assert d.fails


def test_unknown_author_cannot_claim_a_held_lock() -> None:
    d = decide(story(lk=lock()), review(author=None), now=NOW)
    assert d.verdict is Verdict.LOCKED_BY_OTHER


def test_free_or_expired_lock_is_fine_and_expired_is_cleared() -> None:
    free = decide(story("Defined"), review(), now=NOW)
    assert free.verdict is Verdict.OK
    assert free.after == "Code Review"
    assert "c_LockedBy" not in free.updates
    expired = decide(story(lk=lock("jane@example.com", hours=0.5)), review(), now=NOW)
    assert expired.verdict is Verdict.OK
    assert expired.updates["c_LockedBy"] == ""


def test_workflow_run_needs_the_authors_own_lock() -> None:
    d = decide(story("Defined"), review(require_own_lock=True), now=NOW)
    assert d.verdict is Verdict.NOT_LOCKED
    assert d.updates == {}
    ok = decide(story(lk=lock()), review(require_own_lock=True), now=NOW)
    assert ok.verdict is Verdict.OK


def test_merge_completes_and_clears_anyones_lock() -> None:
    d = decide(
        story("Code Review", lock("jane@example.com")), Change(Stage.MERGED, "c" * 40), now=NOW
    )
    assert d.verdict is Verdict.OK
    assert d.after == "Completed"
    assert d.updates["ScheduleState"] == "Completed"
    assert d.updates["c_CommitSHA"] == "c" * 40
    assert d.lock_released == "jane@example.com"


def test_closed_unmerged_releases_lock_keeps_state() -> None:
    d = decide(story(lk=lock()), Change(Stage.CLOSED, SHA, author=ALICE), now=NOW)
    assert d.verdict is Verdict.OK
    assert not d.state_changed
    assert d.updates["c_LockedBy"] == ""
    assert "c_PantheonStatus" not in d.updates


def test_draft_records_but_keeps_lock_and_state() -> None:
    d = decide(story(lk=lock()), review(stage=Stage.DRAFT), now=NOW)
    assert d.verdict is Verdict.OK
    assert set(d.updates) == {"c_CommitSHA"}
    assert not d.note


def test_push_records_sha_and_optionally_moves() -> None:
    plain = decide(story(), Change(Stage.PUSH, SHA), now=NOW)
    assert plain.updates == {"c_CommitSHA": SHA}
    moved = decide(story(), Change(Stage.PUSH, SHA, push_state="Completed"), now=NOW)
    assert moved.after == "Completed"


def test_custom_field_names_and_state_map() -> None:
    from pantheon_git.core.fields import FieldNames

    names = FieldNames.from_config({"commit_sha": "c_SHA", "locked_by": "c_Owner"})
    state_map = {
        "In Progress": {"ScheduleState": "In-Progress"},
        "Code Review": {"ScheduleState": "In-Progress", "c_Status": "Review"},
    }
    state = story(lk=lock(), c_Owner=ALICE)
    d = decide(state, review(), now=NOW, names=names, state_map=state_map)
    assert d.updates["c_SHA"] == SHA
    assert d.updates["c_Status"] == "Review"
    assert d.updates["c_Owner"] == ""


def test_same_value() -> None:
    assert same_value(None, "")
    assert same_value("87.5", 87.5)
    assert same_value(87.50001, 87.5)
    assert not same_value(87.4, 87.5)
    assert same_value("ABC", "abc")
    assert not same_value(None, "x")
    assert not same_value("x", None)


def claimed(state: StoryState, owner: str | None) -> StoryState:
    return StoryState(state.key, state.state, state.lock, state.values, owner=owner)


def test_pantheon_complete_needs_your_lock_or_your_story_in_review() -> None:
    mine = review(require_claim=True)
    expired = Lock(ALICE, NOW - timedelta(hours=30), NOW - timedelta(hours=6))
    cases = [
        (story(lk=lock()), None, Verdict.OK),
        (story(lk=lock("bob@example.com")), None, Verdict.LOCKED_BY_OTHER),
        (story("Defined"), None, Verdict.NOT_LOCKED),  # nobody took it
        (story("In Progress"), ALICE, Verdict.NOT_LOCKED),  # released: take it again first
        (story("In Progress", expired), ALICE, Verdict.NOT_LOCKED),
        (story("Code Review"), ALICE, Verdict.OK),  # a review fix: the new commit
        (story("Code Review", expired), ALICE, Verdict.OK),
        (story("Code Review"), "bob@example.com", Verdict.NOT_LOCKED),
        (story("Code Review"), None, Verdict.NOT_LOCKED),
    ]
    for state, owner, verdict in cases:
        decision = decide(claimed(state, owner), mine, now=NOW)
        assert decision.verdict is verdict, (state.state, owner, decision.message)
        if verdict is Verdict.NOT_LOCKED:
            assert decision.updates == {}
            assert "only the developer who holds a story" in decision.message
    # without the claim (a pull request's event), a story nobody holds still moves
    assert decide(story("Defined"), review(), now=NOW).verdict is Verdict.OK
