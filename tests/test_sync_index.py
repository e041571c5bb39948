"""Pure parts of sync and status: watermarks per selection, the index, fingerprints, board
columns, drift rules, and the reports' shape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pantheon_git.cache import index as cached_index
from pantheon_git.cache.document import Bad, checked
from pantheon_git.cache.index import IndexEntry
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story
from pantheon_git.features.locks.rules import new_lock
from pantheon_git.features.status import board, drift
from pantheon_git.features.sync import report as sync_report
from pantheon_git.features.sync.index import ALL, Selection, advance, bound, fingerprint
from pantheon_git.rally import records

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
T1, T2, T3 = "2026-03-01T10:00:00.000Z", "2026-03-01T11:00:00.000Z", "2026-03-01T12:00:00.000Z"


def story(n: int, **fields: object) -> Story:
    return Story(StoryKey("US", n), f"Story {n}", **fields)  # type: ignore[arg-type]


# --- watermarks --------------------------------------------------------------------------------


def test_nothing_synced_means_a_full_sync() -> None:
    assert bound({}, Selection()) is None
    assert bound({}, Selection(("F17",))) is None


def test_the_all_stories_watermark_covers_every_selection() -> None:
    marks = {ALL: T2}
    assert bound(marks, Selection()) == T2
    assert bound(marks, Selection(("F17", "F18"))) == T2
    assert bound(marks, Selection((), "Sprint 3")) == T2
    assert bound(marks, Selection(("F17",), "Sprint 3")) == T2


def test_an_epic_watermark_covers_only_that_epic() -> None:
    marks = {"epic:F17": T3}
    assert bound(marks, Selection(("F17",))) == T3
    assert bound(marks, Selection(("F17",), "Sprint 3")) == T3
    assert bound(marks, Selection(("F17", "F18"))) is None  # F18 never synced
    assert bound(marks, Selection()) is None
    both = {"epic:F17": T3, "epic:F18": T1, ALL: T2}
    assert bound(both, Selection(("F17", "F18"))) == T2  # the lower of the two, or all's
    assert bound({"epic:F17": T3, "epic:F18": T1}, Selection(("F17", "F18"))) == T1


def test_iteration_watermarks() -> None:
    marks = {"iteration:Sprint 3": T2, "epic:F17|iteration:Sprint 3": T3}
    assert bound(marks, Selection((), "Sprint 3")) == T2
    assert bound(marks, Selection(("F17",), "Sprint 3")) == T3
    assert bound(marks, Selection(("F18",), "Sprint 3")) == T2
    assert bound(marks, Selection((), "Sprint 4")) is None


def test_advance_records_the_selection_and_prunes_what_all_covers() -> None:
    marks = advance({}, Selection(("F17",)), T1)
    assert marks == {"epic:F17": T1}
    marks = advance(marks, Selection(), T2)
    assert marks == {ALL: T2}  # the epic's older mark says nothing more
    marks = advance(marks, Selection(("F18",)), T3)
    assert marks == {ALL: T2, "epic:F18": T3}
    assert advance(marks, Selection(("F18",)), T1) == marks  # never goes back
    assert advance(marks, Selection(), None) == marks  # nothing seen: unchanged


@given(st.lists(st.sampled_from([T1, T2, T3]), min_size=1, max_size=6))
def test_bound_never_exceeds_what_a_covering_sync_saw(marks_seen: list[str]) -> None:
    marks: dict[str, str] = {}
    for index, mark in enumerate(marks_seen):
        selection = Selection(("F17",)) if index % 2 else Selection()
        marks = advance(marks, selection, mark)
    got = bound(marks, Selection(("F17",)))
    assert got is not None
    assert got <= max(marks_seen)


def test_selection_keys_and_words() -> None:
    assert Selection().watermark_keys() == [ALL]
    assert Selection(("F17", "F18")).watermark_keys() == ["epic:F17", "epic:F18"]
    assert Selection((), "S 1").watermark_keys() == ["iteration:S 1"]
    assert Selection(("F17",), "S 1").watermark_keys() == ["epic:F17|iteration:S 1"]
    assert Selection(("F17",), "S 1").describe() == "epic F17 in iteration 'S 1'"
    assert Selection().describe() == "all stories"
    assert Selection(("F17",)).covers("F17", None)
    assert not Selection(("F17",)).covers("F18", None)
    assert not Selection((), "S 1").covers("F17", "S 2")


# --- index and fingerprints -------------------------------------------------------------------


def test_index_round_trip_and_refusals() -> None:
    lock = new_lock("jane@example.com", NOW, 24, "story/US-1-a", "t1")
    entries = [
        IndexEntry.of(
            story(1, epic="F17", lock=lock, version_id="3"), "stories/epic-17/US-1.json", "ab", 10
        ),
        IndexEntry.of(story(2), "stories/no-epic/US-2.json", "cd"),
    ]
    back = parse(cached_index.to_dict(entries))
    assert list(back.values()) == entries
    assert back[StoryKey("US", 1)].as_story().lock == lock
    for bad in (None, {"schema": 2}, {"schema": 1}, {"schema": 1, "stories": {"US-1": 3}}):
        with pytest.raises(Bad, match=r"."):
            parse(bad)
    with pytest.raises(Bad, match="US-x"):
        parse({"schema": 1, "stories": {"US-x": {"path": "p"}}})


def parse(doc: object) -> dict[StoryKey, IndexEntry]:
    return cached_index.parse(checked(doc, cached_index.KIND))


def test_fingerprint_follows_versions_tasks_and_the_epic_name() -> None:
    tasks = [(7, "1"), (8, "2")]
    base = fingerprint(1, "4", tasks, "Auth")
    assert fingerprint(1, "4", list(reversed(tasks)), "Auth") == base  # order does not matter
    assert fingerprint(1, "5", tasks, "Auth") != base
    assert fingerprint(1, "4", [(7, "1"), (8, "3")], "Auth") != base
    assert fingerprint(1, "4", tasks[:1], "Auth") != base
    assert fingerprint(1, "4", tasks, "Login") != base


def test_fingerprints_stay_those_existing_caches_hold() -> None:
    """Index entries written by earlier versions must still compare equal (else a sync after
    an upgrade would report every story as updated)."""
    assert fingerprint(1, "4", [(7, "1")], "Authentification 🔐 für Nutzer") == "b13633f9f91e10c0"
    # A missing VersionId (tasks are not fetched with theirs) counts as "None", as before.
    assert fingerprint(2, None, [(7, None)], None) == fingerprint(2, "None", [(7, "None")], None)
    # A VersionId Rally sends as a number is read as its text (records.py), as before.
    assert records.story({"ObjectID": 2, "VersionId": 3}).version_id == "3"


# --- board --------------------------------------------------------------------------------------


def test_columns() -> None:
    live = new_lock("a@x", NOW - timedelta(hours=1), 24, None, "t1")
    dead = new_lock("a@x", NOW - timedelta(hours=30), 24, None, "t2")
    assert board.column(story(1), NOW) == board.READY
    assert board.column(story(1, lock=live), NOW) == board.LOCKED
    assert board.column(story(1, lock=dead), NOW) == board.READY  # expired: free again
    assert board.column(story(1, state="In Progress", lock=dead), NOW) == board.IN_PROGRESS
    assert board.column(story(1, state="In Progress", lock=live), NOW) == board.LOCKED
    assert board.column(story(1, state="Code Review", lock=live), NOW) == board.REVIEW
    assert board.column(story(1, state="Completed"), NOW) == board.DONE
    assert board.column(story(1, state="Accepted"), NOW) == board.DONE


def test_groups_in_epic_order_with_loose_stories_last() -> None:
    stories = [story(3), story(2, epic="F18"), story(1, epic="F9", epic_title="Nine")]
    groups = board.group_by_epic(stories, {"F18": "Eighteen"}, always=["F20"])
    assert [(g.epic, g.label) for g in groups] == [
        ("F9", "Epic 9: Nine"),
        ("F18", "Epic 18: Eighteen"),
        ("F20", "Epic 20"),
        (None, "No epic"),
    ]
    assert board.plural(1, "story") == "1 story"
    assert board.plural(2_000, "story") == "2,000 stories"
    assert board.duration(timedelta(days=2, hours=3, minutes=5)) == "2d 3h"
    assert board.duration(timedelta(minutes=-7)) == "7m"


def _summary(**changes: object) -> sync_report.SyncSummary:
    base: dict[str, object] = {
        "kind": "full",
        "selection": "all stories",
        "workspace": "W",
        "project": "P",
        "since": None,
        "watermark": T1,
    }
    base.update(changes)
    return sync_report.SyncSummary(**base)  # type: ignore[arg-type]


def test_sync_report_lists_ten_busy_stories_then_counts() -> None:
    lock = new_lock("dev@x", NOW, 24, None, "t1")
    stories = [story(n, epic="F1", state="In Progress", lock=lock) for n in range(1, 14)]
    groups = board.group_by_epic(stories, {"F1": "One"})
    text = sync_report.render(_summary(), groups, NOW)
    assert "   ├─ 13 stories in progress (locked by other devs)" in text
    assert "   │  ├─ US-10: Locked by dev@x" in text
    assert "   │  └─ ... and 3 more (`pantheon status`)" in text
    # the board tells your own locks from other developers'
    text = sync_report.render(_summary(me="DEV@x"), groups, NOW)
    assert "   ├─ 13 stories in progress (locked by you)" in text
    mixed = [
        *stories[:12],
        story(13, epic="F1", state="In Progress", lock=new_lock("o@x", NOW, 24, None, "t0k3n")),
    ]
    text = sync_report.render(_summary(me="dev@x"), board.group_by_epic(mixed, {"F1": "One"}), NOW)
    assert "   ├─ 13 stories in progress (locked: 12 by you, 1 by other devs)" in text
    removed = tuple(sync_report.Removed(f"US-{n}", "deleted") for n in range(20, 32))
    text = sync_report.render(_summary(removed=removed), groups, NOW)
    assert "   Removed US-29: deleted" in text
    assert "   ... and 2 more removed (see --json)" in text
    doc = sync_report.to_dict(_summary(removed=removed), groups, NOW)
    assert len(doc["changes"]["removed"]) == 12


def test_the_sync_line_says_how_many_requests_were_sent_again() -> None:
    groups = board.group_by_epic([], {})
    assert "; 6 Rally requests, 0.4s" in sync_report.render(
        _summary(requests=6, seconds=0.4), groups, NOW
    )
    for retries, said in ((1, "7 Rally requests (1 retry)"), (3, "9 Rally requests (3 retries)")):
        summary = _summary(requests=6 + retries, retries=retries, seconds=0.4)
        assert f"; {said}, 0.4s" in sync_report.render(summary, groups, NOW)
        assert sync_report.to_dict(summary, groups, NOW)["retries"] == retries


# --- drift --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class B:
    name: str
    local: bool = True
    committed: datetime | None = None


def test_drift_rules() -> None:
    live = new_lock("a@x", NOW - timedelta(hours=1), 24, None, "t1")
    dead = new_lock("a@x", NOW - timedelta(hours=30), 24, None, "t2")
    stories = [
        story(1, state="In Progress", lock=live),  # no branch
        story(2, state="In Progress", lock=live),  # branch, held: fine
        story(3, lock=dead),  # expired, branch active
        story(4, lock=dead),  # expired, branch quiet
        story(5),  # branch, never locked
        story(6, state="Code Review"),  # in review, unlocked: fine
        story(7, state="Completed"),  # branch left
        story(8),  # Defined, no branch: fine
    ]
    branches = {
        StoryKey("US", 2): [B("story/US-2-x", committed=NOW)],
        StoryKey("US", 3): [B("story/US-3-x", committed=NOW - timedelta(hours=2))],
        StoryKey("US", 4): [B("story/US-4-x", committed=NOW - timedelta(days=2))],
        StoryKey("US", 5): [B("story/US-5-x")],
        StoryKey("US", 6): [B("story/US-6-x", committed=NOW)],
        StoryKey("US", 7): [B("story/US-7-x"), B("origin/story/US-7-x", local=False)],
        StoryKey("US", 9): [B("origin/story/US-9-x", local=False)],
    }
    found = drift.find(stories, branches, NOW)
    assert [(d.kind, str(d.key)) for d in found] == [
        (drift.NO_BRANCH, "US-1"),
        (drift.EXPIRED_BUT_ACTIVE, "US-3"),
        (drift.NO_LOCK, "US-4"),
        (drift.NO_LOCK, "US-5"),
        (drift.DONE_BRANCH_LEFT, "US-7"),
        (drift.DONE_BRANCH_LEFT, "US-7"),
        (drift.NO_LOCK, "US-9"),
    ]
    assert [d.next_step for d in found if d.kind == drift.DONE_BRANCH_LEFT] == [
        "Run `git branch -d story/US-7-x`",
        "Run `git push origin --delete story/US-7-x`",
    ]
    assert [str(d.key) for d in drift.find(stories, branches, NOW, unknown_branches=False)][
        -1
    ] == "US-7"
