"""Collection summaries (``Coll:summary[Field]``, KB 131935) on the item as Rally sends them
(research §10.1), the LastUpdateDate bumps an incremental sync relies on, and bulk seeds spread
over time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pantheon_git.rally.emulator.server import EmulatorHandle
from tests.support.rally import Wsapi


class SteppedClock:
    """Rally's time, moved by the test: a change after ``step()`` gets a later stamp."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 10, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def step(self) -> None:
        self.now += timedelta(seconds=1)


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock()


@pytest.fixture
def stepped(
    rally_thread_factory: Callable[..., EmulatorHandle], clock: SteppedClock
) -> Iterator[Wsapi]:
    """A :class:`Wsapi` caller on an emulator that keeps ``clock``'s time."""
    caller = Wsapi(rally_thread_factory(clock=clock))
    yield caller
    caller.close()


def story(wsapi: Wsapi, formatted_id: str, fetch: str = "true") -> dict[str, Any]:
    doc = wsapi.get(
        "hierarchicalrequirement", query=f'(FormattedID = "{formatted_id}")', fetch=fetch
    )
    (item,) = doc["QueryResult"]["Results"]
    result: dict[str, Any] = item
    return result


def add_predecessor(wsapi: Wsapi, successor: dict[str, Any], predecessor: dict[str, Any]) -> None:
    reply = wsapi.post(
        f"hierarchicalrequirement/{successor['ObjectID']}/Predecessors/add",
        {"CollectionItems": [{"_ref": predecessor["_ref"]}]},
    )["OperationResult"]
    assert reply["Errors"] == []


def test_summary_lists_member_values_with_counts(wsapi: Wsapi) -> None:
    us120, us121, us124 = (story(wsapi, f) for f in ("US120", "US121", "US124"))
    add_predecessor(wsapi, us124, us120)
    add_predecessor(wsapi, us124, us121)
    got = story(
        wsapi,
        "US124",
        fetch="FormattedID,Predecessors:summary[FormattedID;ScheduleState],"
        "Successors:summary[FormattedID],Tasks:summary[State]",
    )
    preds = got["Predecessors"]
    assert preds["Count"] == 2
    assert preds["_ref"].endswith(f"/{us124['ObjectID']}/Predecessors")
    assert preds["_type"] == "HierarchicalRequirement"
    assert "Summary" not in preds  # the collection stays a plain {_ref, _type, Count}
    summary = got["Summary"]
    assert summary["Predecessors"] == {
        "Count": 2,
        "FormattedID": {"US120": 1, "US121": 1},
        "ScheduleState": {"Defined": 2},
    }
    assert summary["Successors"] == {"Count": 0, "FormattedID": {}}
    count = got["Tasks"]["Count"]
    assert summary["Tasks"] == {"Count": count, "State": {"Defined": count}}


def test_summary_only_where_asked(wsapi: Wsapi) -> None:
    plain = story(wsapi, "US124", fetch="FormattedID,Predecessors,Tasks")
    assert "Summary" not in plain
    # a quoted list (pyral) and any case of "summary" work the same
    quoted = story(wsapi, "US124", fetch='"FormattedID,Tasks:SUMMARY[State]"')
    assert set(quoted["Summary"]) == {"Tasks"}
    assert set(quoted["Summary"]["Tasks"]) == {"Count", "State"}


def test_summary_by_a_reference_counts_its_name_and_skips_unknown_fields(wsapi: Wsapi) -> None:
    got = story(wsapi, "US203", fetch="FormattedID,Tasks:summary[Owner;Project;NoSuchField]")
    summary = got["Summary"]["Tasks"]
    assert summary["Owner"] == {"-- No Entry --": got["Tasks"]["Count"]}
    assert summary["Project"] == {"Demo Project": got["Tasks"]["Count"]}
    assert "NoSuchField" not in summary


def test_summary_in_a_query_of_many_stories(wsapi: Wsapi) -> None:
    us120, us121 = story(wsapi, "US120"), story(wsapi, "US121")
    add_predecessor(wsapi, us121, us120)
    results = wsapi.get(
        "hierarchicalrequirement",
        fetch="FormattedID,Predecessors:summary[FormattedID],Successors:summary[FormattedID]",
        query='(PortfolioItem.FormattedID = "F17")',
        pagesize=200,
    )["QueryResult"]["Results"]
    by_id = {r["FormattedID"]: r for r in results}
    assert by_id["US121"]["Summary"]["Predecessors"]["FormattedID"] == {"US120": 1}
    assert by_id["US120"]["Summary"]["Successors"]["FormattedID"] == {"US121": 1}
    assert by_id["US129"]["Summary"]["Predecessors"]["FormattedID"] == {}


def _later(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return bool(after["LastUpdateDate"] > before["LastUpdateDate"]) and int(
        after["VersionId"]
    ) > int(before["VersionId"])


def test_task_changes_move_their_story_forward(stepped: Wsapi, clock: SteppedClock) -> None:
    wsapi = stepped
    before = story(wsapi, "US200")
    clock.step()
    created = wsapi.post("task/create", {"Task": {"Name": "Extra", "WorkProduct": before["_ref"]}})[
        "CreateResult"
    ]["Object"]
    after_create = story(wsapi, "US200")
    assert _later(before, after_create)
    clock.step()
    wsapi.post(f"task/{created['ObjectID']}", {"Task": {"Name": "Renamed"}})
    after_update = story(wsapi, "US200")
    assert _later(after_create, after_update)
    clock.step()
    assert wsapi.delete(f"task/{created['ObjectID']}")["OperationResult"]["Errors"] == []
    assert _later(after_update, story(wsapi, "US200"))


def test_a_new_predecessor_moves_both_stories_forward(stepped: Wsapi, clock: SteppedClock) -> None:
    wsapi = stepped
    us125, us126, us127 = (story(wsapi, f) for f in ("US125", "US126", "US127"))
    clock.step()
    add_predecessor(wsapi, us126, us125)  # through the collection endpoint
    assert _later(us125, story(wsapi, "US125"))
    assert _later(us126, story(wsapi, "US126"))
    mid125, mid127 = story(wsapi, "US125"), story(wsapi, "US127")
    clock.step()
    wsapi.post(  # through a plain update of the field
        f"hierarchicalrequirement/{us127['ObjectID']}",
        {"HierarchicalRequirement": {"Predecessors": [us125["_ref"]]}},
    )
    assert _later(mid125, story(wsapi, "US125"))
    assert _later(mid127, story(wsapi, "US127"))


def test_bulk_seed_spread_over_days(rally_thread_factory: Callable[..., EmulatorHandle]) -> None:
    handle = rally_thread_factory(seed=None)
    made = handle.seed(stories=100, epics=2, tasks_per_story=1, age_days=10)
    assert made["stories"] == 100
    caller = Wsapi(handle)
    try:
        items = caller.get(
            "hierarchicalrequirement",
            fetch="FormattedID,LastUpdateDate,CreationDate",
            order="ObjectID",
            pagesize=200,
        )["QueryResult"]["Results"]
        stamps = [i["LastUpdateDate"] for i in items]
        assert stamps == sorted(stamps)
        assert len(set(stamps)) == 100
        assert stamps[0][:10] < stamps[-1][:10]  # ten days apart
        assert all(i["CreationDate"] == i["LastUpdateDate"] for i in items)
        bad = handle.control("POST", "seed", {"stories": 1, "age_days": -1})
    finally:
        caller.close()
    assert "age_days" in bad["error"]
