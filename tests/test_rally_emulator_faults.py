"""Injected failures and latency: the ways Rally fails, decided before anything is applied."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from pantheon_git.rally.emulator.server import EmulatorHandle
from tests.support.rally import RallyProcess

CONFLICT = (
    "Concurrency conflict: [Object has been modified since being read for update in this "
    "context] - ConcurrencyConflictException : Modified since read on update : Object Class : "
    "com.f4tech.slm.domain.UserStory : ObjectID : "
)


def outcome(client: httpx.Client, method: str, path: str, body: Any = None) -> str:
    """How one request ended: "ok", "conflict", "502", "503", "524" or "drop"."""
    try:
        reply = client.request(method, path, json=body)
    except (httpx.RemoteProtocolError, httpx.ReadError):
        return "drop"
    if reply.status_code != 200:
        return str(reply.status_code)
    (envelope,) = reply.json().values()
    errors = envelope.get("Errors", [])
    if errors and errors[0].startswith("Concurrency conflict"):
        return "conflict"
    return "ok" if not errors else f"error: {errors[0]}"


def snapshot(handle: EmulatorHandle) -> dict[Any, Any]:
    with handle.store.read() as store:
        return {
            oid: (obj.get("VersionId"), obj.get("c_LockedBy"))
            for oid, obj in store.by_type.get("HierarchicalRequirement", {}).items()
        }


def test_rate_one_fails_every_request_and_changes_nothing(
    rally_thread_factory: Callable[..., EmulatorHandle],
) -> None:
    handle = rally_thread_factory(fault_rate=1.0, fault_seed=11)
    before = snapshot(handle)
    with handle.store.read() as store:
        story = next(iter(store.by_type["HierarchicalRequirement"]))
    seen: Counter[str] = Counter()
    with httpx.Client(
        base_url=f"{handle.url}/slm/webservice/v2.0", headers={"ZSESSIONID": handle.api_key}
    ) as client:
        for index in range(80):
            if index % 2:
                body = {"HierarchicalRequirement": {"c_LockedBy": f"dev{index}@example.com"}}
                seen[outcome(client, "POST", f"/hierarchicalrequirement/{story}", body)] += 1
            else:
                seen[outcome(client, "GET", "/hierarchicalrequirement")] += 1
            if index % 10 == 9:
                body = {"HierarchicalRequirement": {"Name": "never created"}}
                seen[outcome(client, "PUT", "/hierarchicalrequirement/create", body)] += 1
    assert "ok" not in seen
    assert set(seen) == {"conflict", "502", "503", "524", "drop"}, seen
    assert snapshot(handle) == before
    stats = handle.control("GET", "stats")
    assert sum(stats["faults"].values()) == sum(seen.values())
    handle.configure(fault_rate=0)
    with httpx.Client(
        base_url=f"{handle.url}/slm/webservice/v2.0", headers={"ZSESSIONID": handle.api_key}
    ) as client:
        reply = client.get("/hierarchicalrequirement").json()
        assert reply["QueryResult"]["TotalResultCount"] == 18


def test_the_conflict_text_names_the_object(
    rally_thread_factory: Callable[..., EmulatorHandle],
) -> None:
    handle = rally_thread_factory(fault_rate=1.0, fault_seed=5)
    with handle.store.read() as store:
        story = next(iter(store.by_type["HierarchicalRequirement"]))
    with httpx.Client(
        base_url=f"{handle.url}/slm/webservice/v2.0", headers={"ZSESSIONID": handle.api_key}
    ) as client:
        for _ in range(40):
            try:
                reply = client.post(
                    f"/hierarchicalrequirement/{story}",
                    json={"HierarchicalRequirement": {"Name": "x"}},
                )
            except httpx.HTTPError:
                continue
            if reply.status_code == 200:
                (error,) = reply.json()["OperationResult"]["Errors"]
                assert error == f"{CONFLICT}{story}"
                return
    raise AssertionError("no conflict drawn in 40 writes")


def test_faults_reproduce_with_a_seed(rally_thread_factory: Callable[..., EmulatorHandle]) -> None:
    runs = []
    for _ in range(2):
        handle = rally_thread_factory(fault_rate=0.5, fault_seed=42)
        with httpx.Client(
            base_url=f"{handle.url}/slm/webservice/v2.0", headers={"ZSESSIONID": handle.api_key}
        ) as client:
            runs.append([outcome(client, "GET", "/hierarchicalrequirement") for _ in range(30)])
    assert runs[0] == runs[1]
    assert "ok" in runs[0]
    assert len(set(runs[0])) > 2


def test_fault_rate_can_change_while_running(
    rally_process_factory: Callable[..., RallyProcess],
) -> None:
    server = rally_process_factory(fault_rate=1.0, fault_seed=3)
    with httpx.Client(
        base_url=f"{server.url}/slm/webservice/v2.0", headers={"ZSESSIONID": server.api_key}
    ) as client:
        assert outcome(client, "GET", "/user") != "ok"
        settings = server.control("POST", "config", {"fault_rate": 0})
        assert settings["fault_rate"] == 0
        assert outcome(client, "GET", "/user") == "ok"
        server.control("POST", "config", {"fault_rate": 0.3, "fault_seed": 9})
        outcomes = Counter(outcome(client, "GET", "/user") for _ in range(100))
    assert 10 <= sum(n for kind, n in outcomes.items() if kind != "ok") <= 50
    assert server.control("GET", "stats")["faults"]


def test_latency_delays_every_reply(rally_thread_factory: Callable[..., EmulatorHandle]) -> None:
    """Each reply waits latency + a share of jitter, in two halves (see the next test); the
    waits are recorded, not slept."""
    slept: list[float] = []
    handle = rally_thread_factory(latency_ms=150, jitter_ms=50, sleep=slept.append)
    with httpx.Client(
        base_url=f"{handle.url}/slm/webservice/v2.0", headers={"ZSESSIONID": handle.api_key}
    ) as client:
        for path in ("/user", "/nope", "/hierarchicalrequirement"):
            client.get(path)
    with httpx.Client(base_url=handle.url, headers={"ZSESSIONID": "wrong"}) as wrong:
        assert wrong.get("/slm/webservice/v2.0/user").status_code == 401
    assert len(slept) == 2 * 4
    for before, after in zip(slept[::2], slept[1::2], strict=True):
        assert before == after
        assert 0.150 <= before + after <= 0.200
    assert len(set(slept)) > 1  # the jitter varies
    assert handle.control("GET", "config")["latency_ms"] == 150


def test_a_delayed_write_lands_midway_like_network_transit(
    rally_thread_factory: Callable[..., EmulatorHandle],
) -> None:
    """Half the latency passes before a write is applied, half before its reply leaves: a
    racer reading meanwhile sees it, as with a real network."""
    landed: list[bool] = []

    def sleep(seconds: float) -> None:  # called with the emulator's lock free
        with handle.store.read() as store:
            landed.append(store.objects[story].get("c_LockedBy") == "racer@example.com")

    handle = rally_thread_factory(latency_ms=1000, sleep=sleep)
    with handle.store.read() as store:
        story = next(iter(store.by_type["HierarchicalRequirement"]))
    with httpx.Client(
        base_url=f"{handle.url}/slm/webservice/v2.0", headers={"ZSESSIONID": handle.api_key}
    ) as client:
        reply = client.post(
            f"/hierarchicalrequirement/{story}",
            json={"HierarchicalRequirement": {"c_LockedBy": "racer@example.com"}},
        )
    assert reply.status_code == 200
    assert landed == [False, True]  # not yet applied, then applied before the reply
