"""Bad input gets Rally's error shapes: 200 + Errors[], 401 HTML, never a 500 or a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pantheon_git.rally.emulator.app import Emulator, Options
from pantheon_git.rally.emulator.server import EmulatorHandle
from pantheon_git.rally.emulator.store import Store
from pantheon_git.rally.emulator.wire import Request
from tests.support.rally import Wsapi

WS = "/slm/webservice/v2.0/"


def errors_of(doc: dict[str, Any]) -> list[str]:
    (envelope,) = doc.values()
    errors: list[str] = envelope["Errors"]
    return errors


@pytest.mark.parametrize("key", [None, "", "wrong", "Demo", "demo2"])
def test_a_wrong_or_missing_key_gets_the_401_html_page(
    rally_thread: EmulatorHandle, key: str | None
) -> None:
    headers = {} if key is None else {"ZSESSIONID": key}
    with httpx.Client(base_url=rally_thread.url, headers=headers) as client:
        for method in ("GET", "POST", "DELETE"):
            reply = client.request(method, f"{WS}hierarchicalrequirement")
            assert reply.status_code == 401
            assert reply.headers["content-type"].startswith("text/html")
            assert "Full authentication is required to access this resource" in reply.text
            assert reply.headers["www-authenticate"].startswith("Basic")
        assert client.get("/slm/schema/v2.0/workspace/1").status_code == 401


def test_the_key_header_name_is_case_insensitive(rally_thread: EmulatorHandle) -> None:
    reply = httpx.get(f"{rally_thread.url}{WS}user", headers={"zsessionid": rally_thread.api_key})
    assert reply.status_code == 200


def test_unknown_types_in_every_verb(wsapi: Wsapi) -> None:
    message = 'Requested type name "iamnotarealone" is unknown'
    assert wsapi.get("iamnotarealone")["QueryResult"]["Errors"] == [message]
    assert wsapi.get("iamnotarealone/1")["OperationResult"]["Errors"] == [message]
    created = wsapi.post("iamnotarealone/create", {"x": {}})
    assert created["CreateResult"]["Errors"] == [message]
    assert wsapi.put("iamnotarealone/1", {"x": {}})["OperationResult"]["Errors"] == [message]
    assert wsapi.delete("iamnotarealone/1")["OperationResult"]["Errors"] == [message]
    assert errors_of(wsapi.get("")) == ['Requested type name "/slm/webservice/v2.0/" is unknown']


@pytest.mark.parametrize(
    "query",
    [
        "((Name = a) AND (Name = b) AND (Name = c))",
        "(Name zobolts x)",
        "Name = x",
        "(((((",
        '(Name = "unterminated',
        "(Nope = 1)",
        "(PlanEstimate > many)",
        "(" * 3000,
    ],
)
def test_malformed_queries_are_200_with_could_not_parse(wsapi: Wsapi, query: str) -> None:
    reply = wsapi.raw("GET", "hierarchicalrequirement", query=query)
    assert reply.status_code == 200
    doc = reply.json()["QueryResult"]
    assert doc["Errors"][0].startswith("Could not parse: ")
    assert (doc["TotalResultCount"], doc["Results"]) == (0, [])


@pytest.mark.parametrize(
    ("body", "start"),
    [
        (b"{not json", "Cannot parse input stream due to I/O error as JSON document"),
        (b"", "Cannot parse input stream as JSON document"),
        (b"[1, 2]", "Cannot parse input stream as JSON document"),
        (b'{"Defect": {"Name": "x"}}', "Cannot parse input stream as JSON document"),
        (b'{"HierarchicalRequirement": "x"}', "Cannot parse input stream as JSON document"),
        (b"\xff\xfe\x00", "Cannot parse input stream due to I/O error as JSON document"),
    ],
)
def test_bad_json_bodies(wsapi: Wsapi, body: bytes, start: str) -> None:
    for method, path in (("POST", "hierarchicalrequirement/create"), ("PUT", "task/create")):
        reply = wsapi.raw(method, path, body)
        assert reply.status_code == 200
        (error,) = reply.json()["CreateResult"]["Errors"]
        assert error.startswith(start)
    oid = wsapi.get("hierarchicalrequirement", pagesize=1)["QueryResult"]["Results"][0]
    update = wsapi.raw("POST", oid["_ref"].split("/v2.0/")[1], body)
    assert update.json()["OperationResult"]["Errors"]
    assert wsapi.get("hierarchicalrequirement")["QueryResult"]["TotalResultCount"] == 18


@pytest.mark.parametrize(
    ("params", "ok"),
    [
        ({"pagesize": "abc"}, False),
        ({"start": "1e9"}, False),
        ({"pagesize": "99999999999999999999999"}, True),
        ({"start": "-5"}, True),
        ({"start": "0", "pagesize": "0"}, True),
        ({"start": str(10**30)}, True),
        ({"fetch": "\"'',,,:::,Name:summary[State]"}, True),
        ({"fetch": "x" * 20000}, True),
        ({"order": "Name SIDEWAYS"}, False),
        ({"order": "Nope"}, False),
        ({"order": ",,,"}, True),
        ({"workspace": "garbage"}, False),
        ({"project": "/project/notanumber"}, False),
        ({"projectScopeDown": "maybe"}, True),
        ({"query": "(Name = " + "x" * 30000 + ")"}, True),
    ],
)
def test_odd_parameters(wsapi: Wsapi, params: dict[str, str], ok: bool) -> None:
    reply = wsapi.raw("GET", "hierarchicalrequirement", **params)
    assert reply.status_code == 200
    doc = reply.json()["QueryResult"]
    assert (doc["Errors"] == []) is ok, doc["Errors"]


def test_odd_routes(wsapi: Wsapi, rally_thread: EmulatorHandle) -> None:
    assert wsapi.raw("PATCH", "hierarchicalrequirement/1").status_code == 405
    assert httpx.get(f"{rally_thread.url}/slm/other").status_code == 404
    assert httpx.get(f"{rally_thread.url}/").status_code == 404
    assert errors_of(wsapi.get("hierarchicalrequirement/abc")) == ["Cannot find object to read"]
    assert errors_of(wsapi.get("hierarchicalrequirement/99999999999999999999")) == [
        "Cannot find object to read"
    ]
    assert errors_of(wsapi.post("hierarchicalrequirement", {"HierarchicalRequirement": {}}))
    assert errors_of(wsapi.get("hierarchicalrequirement/1/2/3/4"))
    task = wsapi.get("task", pagesize=1, fetch="ObjectID")["QueryResult"]["Results"][0]
    wrong_type = wsapi.get(f"hierarchicalrequirement/{task['ObjectID']}")
    assert errors_of(wrong_type) == ["Cannot find object to read"]


def test_the_api_key_is_never_echoed(rally_thread: EmulatorHandle) -> None:
    secret = "s3cret-key-value"
    rally_thread.control(
        "POST", "users", {"email": "bob@example.com", "api_key": secret, "display_name": "Bob"}
    )
    wsapi = Wsapi(rally_thread, api_key=secret)
    me = wsapi.get("user")["User"]
    assert me["EmailAddress"] == "bob@example.com"
    for reply in (
        wsapi.raw("GET", "hierarchicalrequirement", query="(Nope = 1)"),
        wsapi.raw("POST", "hierarchicalrequirement/create", b"{bad"),
        wsapi.raw("GET", "security/authorize"),
    ):
        assert secret not in reply.text
    wsapi.close()


# ---- fuzzing the handler core in-process ------------------------------------------------
@pytest.fixture(scope="module")
def core() -> Iterator[Emulator]:
    store = Store()
    emulator = Emulator(store, Options(seed="demo"))
    yield emulator
    store.close()


segments = st.sampled_from(
    [
        "hierarchicalrequirement",
        "HierarchicalRequirement",
        "portfolioitem",
        "feature",
        "task",
        "create",
        "Predecessors",
        "Tasks",
        "add",
        "remove",
        "10001",
        "10500",
        "0",
        "-1",
        "x.js",
        "",
        "%00",
        "..",
        "user",
        "security",
        "authorize",
        "typedefinition",
    ]
)
param_values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["true", "false", "null", "(Name = x)", "((A = 1) OR (B = 2))", "-1", "2001"]),
)
bodies = st.one_of(
    st.binary(max_size=60),
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=True)
        | st.text(max_size=10),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "HierarchicalRequirement",
                        "Task",
                        "Name",
                        "WorkProduct",
                        "CollectionItems",
                        "Predecessors",
                        "_ref",
                        "c_Coverage",
                        "c_LockedAt",
                        "ScheduleState",
                        "x",
                    ]
                ),
                children,
                max_size=4,
            )
        ),
        max_leaves=8,
    ).map(lambda doc: json.dumps(doc).encode()),
)


@settings(
    max_examples=400,
    suppress_health_check=[*settings().suppress_health_check, HealthCheck.function_scoped_fixture],
)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    path=st.lists(segments, max_size=5),
    params=st.dictionaries(
        st.sampled_from(
            [
                "query",
                "fetch",
                "order",
                "start",
                "pagesize",
                "workspace",
                "project",
                "projectScopeUp",
                "projectScopeDown",
                "key",
                "rankAbove",
            ]
        ),
        param_values,
        max_size=4,
    ),
    body=bodies,
)
def test_any_request_gets_a_rally_shaped_reply(
    core: Emulator,
    method: str,
    path: list[str],
    params: dict[str, str],
    body: bytes,
) -> None:
    query = httpx.QueryParams(params)
    target = WS + "/".join(path) + (f"?{query}" if params else "")
    reply = core.handle(
        Request(method, target, {"zsessionid": "demo"}, body, base="http://127.0.0.1:1")
    )
    assert reply.status in (200, 404), reply.body[:300]
    text = reply.body.decode()
    assert "Traceback" not in text
    if reply.status == 200:
        doc = json.loads(text)
        (envelope,) = doc.values()
        assert envelope["_rallyAPIMajor"] == "2"
        assert isinstance(envelope["Errors"], list)
        assert isinstance(envelope["Warnings"], list)
