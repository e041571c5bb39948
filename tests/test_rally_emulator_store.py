"""The store: persistence across restarts, atomic writes, threads and processes sharing data."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from pantheon_git.rally.emulator.server import EmulatorHandle
from pantheon_git.rally.emulator.store import Store
from tests.support.rally import RallyProcess, Wsapi


def stories(server: Any, **params: Any) -> list[dict[str, Any]]:
    wsapi = Wsapi(server)
    found: list[dict[str, Any]] = []
    start = 1
    while True:
        page = wsapi.get(
            "hierarchicalrequirement",
            fetch="FormattedID,ObjectID,VersionId,c_LockedBy,Predecessors,PortfolioItem",
            pagesize=2000,
            start=start,
            order="ObjectID",
            **params,
        )["QueryResult"]
        assert page["Errors"] == []
        found += page["Results"]
        start += 2000
        if start > page["TotalResultCount"]:
            break
    wsapi.close()
    return found


def test_a_failed_transaction_leaves_file_and_mirror_untouched(tmp_path: Path) -> None:
    path = str(tmp_path / "rally.sqlite")
    store = Store(path)
    with store.write() as tx:
        oid = tx.next_oid()
        tx.put({"_type": "Tag", "ObjectID": oid, "Name": "kept", "VersionId": 1})

    def half_way() -> None:
        with store.write() as tx:
            changed = tx.edit(oid)
            assert changed is not None
            changed["Name"] = "lost"
            tx.put(changed)
            tx.put({"_type": "Tag", "ObjectID": tx.next_oid(), "Name": "also lost"})
            raise RuntimeError("refused half-way")

    with pytest.raises(RuntimeError):
        half_way()
    assert store.get(oid) == {"_type": "Tag", "ObjectID": oid, "Name": "kept", "VersionId": 1}
    assert len(store.by_type["Tag"]) == 1
    store.close()
    reopened = Store(path)
    assert [t["Name"] for t in reopened.by_type["Tag"].values()] == ["kept"]
    with reopened.write() as tx:
        assert tx.next_oid() == oid + 1  # the counter rolled back with the rest
    reopened.close()


def test_two_stores_on_one_file_see_each_others_commits(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite")
    one, two = Store(path), Store(path)
    with one.write():
        pass  # a transaction that changes nothing must not move one's view ahead
    with two.write() as tx:
        oid = tx.next_oid()
        tx.put({"_type": "Tag", "ObjectID": oid, "Name": "from two", "VersionId": 1})
    with one.write() as tx:
        seen = tx.edit(oid)
        assert seen is not None
        seen["Name"] = "edited by one"
        tx.put(seen)
    two.sync()
    assert two.objects[oid]["Name"] == "edited by one"
    with two.write() as tx:
        tx.delete(oid)
    one.sync()
    assert oid not in one.objects
    two.wipe()
    one.sync()
    assert one.objects == {}
    one.close()
    two.close()


def test_data_survives_a_restart(
    rally_process_factory: Callable[..., RallyProcess], tmp_path: Path
) -> None:
    data = tmp_path / "rally.sqlite"
    first = rally_process_factory(seed="demo", data=data)
    wsapi = Wsapi(first)
    made = wsapi.post(
        "hierarchicalrequirement/create",
        {"HierarchicalRequirement": {"Name": "Survivor", "c_LockedBy": "bob@example.com"}},
    )["CreateResult"]["Object"]
    assert made["FormattedID"] == "US208"
    wsapi.close()
    assert first.stop() == 0

    second = rally_process_factory(seed="demo", data=data)
    found = {s["FormattedID"]: s for s in stories(second)}
    assert len(found) == 19  # the demo is seeded once per data file
    assert found["US208"]["c_LockedBy"] == "bob@example.com"
    wsapi = Wsapi(second)
    again = wsapi.post(
        "hierarchicalrequirement/create", {"HierarchicalRequirement": {"Name": "Next"}}
    )["CreateResult"]["Object"]
    assert again["FormattedID"] == "US209"  # counters survive too
    wsapi.close()


def test_many_threads_against_one_server(
    rally_thread_factory: Callable[..., EmulatorHandle],
) -> None:
    handle = rally_thread_factory()

    def work(worker: int) -> list[str]:
        made = []
        with httpx.Client(
            base_url=f"{handle.url}/slm/webservice/v2.0", headers={"ZSESSIONID": handle.api_key}
        ) as client:
            for index in range(15):
                reply = client.put(
                    "/hierarchicalrequirement/create",
                    json={"HierarchicalRequirement": {"Name": f"w{worker}-{index}"}},
                ).json()
                made.append(reply["CreateResult"]["Object"]["FormattedID"])
                client.get("/hierarchicalrequirement", params={"query": "(Name contains w)"})
        return made

    with ThreadPoolExecutor(8) as pool:
        made = [fid for batch in pool.map(work, range(8)) for fid in batch]
    assert sorted(made) == sorted(f"US{n}" for n in range(208, 208 + 120))
    assert len(stories(handle)) == 18 + 120


def test_two_processes_share_one_data_file(
    rally_process_factory: Callable[..., RallyProcess], tmp_path: Path
) -> None:
    data = tmp_path / "shared.sqlite"
    one = rally_process_factory(seed="demo", data=data)
    two = rally_process_factory(seed="demo", data=data)
    target = next(s for s in stories(one) if s["FormattedID"] == "US120")
    oid = target["ObjectID"]

    def hammer(job: tuple[RallyProcess, int]) -> list[str]:
        server, worker = job
        made = []
        with httpx.Client(
            base_url=f"{server.url}/slm/webservice/v2.0",
            headers={"ZSESSIONID": server.api_key},
            timeout=60,
        ) as client:
            for index in range(10):
                created = client.post(
                    "/hierarchicalrequirement/create",
                    json={"HierarchicalRequirement": {"Name": f"p{worker}-{index}"}},
                ).json()["CreateResult"]
                assert created["Errors"] == []
                made.append(created["Object"]["FormattedID"])
                while True:  # writes that overlap in time conflict, as in Rally: retried
                    updated = client.post(
                        f"/hierarchicalrequirement/{oid}",
                        json={"HierarchicalRequirement": {"c_LockedBy": f"w{worker}@example.com"}},
                    ).json()["OperationResult"]
                    if not any("Concurrency conflict" in e for e in updated["Errors"]):
                        break
                assert updated["Errors"] == []
        return made

    jobs = [(one if worker % 2 else two, worker) for worker in range(6)]
    with ThreadPoolExecutor(6) as pool:
        made = [fid for batch in pool.map(hammer, jobs) for fid in batch]
    assert sorted(made) == sorted(f"US{n}" for n in range(208, 268))  # no FormattedID twice
    seen_one, seen_two = stories(one), stories(two)
    assert [s["ObjectID"] for s in seen_one] == [s["ObjectID"] for s in seen_two]
    assert len(seen_one) == 18 + 60
    final = {s["FormattedID"]: s for s in seen_two}["US120"]
    assert final["VersionId"] == str(1 + 60)  # every update counted: none lost
    assert final["c_LockedBy"] in {f"w{w}@example.com" for w in range(6)}


def test_bulk_seeding_thousands_of_stories(
    rally_thread_factory: Callable[..., EmulatorHandle],
) -> None:
    handle = rally_thread_factory(seed=None)
    summary = handle.seed(stories=6000, epics=12, tasks_per_story=2, predecessors=2, seed=1)
    assert summary == {
        "epics": 12,
        "stories": 6000,
        "tasks": 12000,
        "first": "US1",
        "last": "US6000",
    }
    found = stories(handle)
    assert [s["FormattedID"] for s in found] == [f"US{n}" for n in range(1, 6001)]
    with_predecessors = [s for s in found if s["Predecessors"]["Count"]]
    assert len(with_predecessors) == 5999
    assert {s["PortfolioItem"]["_refObjectName"] for s in found} == {
        f"Epic {n}" for n in range(1, 13)
    }
    wsapi = Wsapi(handle)
    tasks = wsapi.get("task", pagesize=1)["QueryResult"]["TotalResultCount"]
    assert tasks == 12000
    created = wsapi.put(
        "hierarchicalrequirement/create", {"HierarchicalRequirement": {"Name": "after"}}
    )["CreateResult"]["Object"]
    assert created["FormattedID"] == "US6001"
    wsapi.close()
