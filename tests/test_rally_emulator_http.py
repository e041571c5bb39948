"""Reads over HTTP: envelopes, refs, fetch, order, paging, scoping, collections, schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pantheon_git.rally.emulator.server import EmulatorHandle
from tests.support.rally import Wsapi

API = {"_rallyAPIMajor": "2", "_rallyAPIMinor": "0"}
SHELL_KEYS = {
    "_rallyAPIMajor",
    "_rallyAPIMinor",
    "_ref",
    "_refObjectUUID",
    "_objectVersion",
    "_refObjectName",
    "_type",
}


def only(doc: dict[str, Any]) -> dict[str, Any]:
    results: list[dict[str, Any]] = doc["QueryResult"]["Results"]
    assert len(results) == 1, doc
    return results[0]


def find(wsapi: Wsapi, formatted_id: str, fetch: str = "true") -> dict[str, Any]:
    return only(
        wsapi.get("hierarchicalrequirement", query=f'(FormattedID = "{formatted_id}")', fetch=fetch)
    )


def test_single_read_is_unwrapped_with_errors_and_warnings_inside(
    wsapi: Wsapi, rally_thread: EmulatorHandle
) -> None:
    oid = find(wsapi, "US120")["ObjectID"]
    doc = wsapi.get(f"HierarchicalRequirement/{oid}")
    assert list(doc) == ["HierarchicalRequirement"]
    story = doc["HierarchicalRequirement"]
    assert story["Errors"] == []
    assert story["Warnings"] == []
    assert story["_ref"] == f"{rally_thread.url}/slm/webservice/v2.0/hierarchicalrequirement/{oid}"
    assert {k: story[k] for k in API} == API
    assert story["_type"] == "HierarchicalRequirement"
    assert story["FormattedID"] == "US120"
    assert story["ObjectID"] == oid
    assert story["VersionId"] == "1"
    assert story["_objectVersion"] == "1"
    assert story["_refObjectUUID"] == story["ObjectUUID"]
    assert story["LastUpdateDate"].endswith("Z")
    assert len(story["LastUpdateDate"]) == len("2026-01-05T10:00:00.000Z")
    # refs are shells; collections are summaries
    assert set(story["Project"]) == SHELL_KEYS
    assert story["Project"]["_refObjectName"] == "Demo Project"
    assert story["Tasks"] == {
        **API,
        "_ref": f"{rally_thread.url}/slm/webservice/v2.0/HierarchicalRequirement/{oid}/Tasks",
        "_type": "Task",
        "Count": 4,
    }
    assert story["TaskEstimateTotal"] == 8.0
    assert story["Feature"]["_refObjectName"] == "User Authentication"
    assert story["PortfolioItem"]["_type"] == "PortfolioItem/Feature"


def test_lookups_by_formatted_id(wsapi: Wsapi) -> None:
    def ids(query: str, path: str = "hierarchicalrequirement") -> list[str]:
        doc = wsapi.get(path, query=query, fetch="FormattedID", order="FormattedID")
        return [r["FormattedID"] for r in doc["QueryResult"]["Results"]]

    assert ids('(FormattedID = "us0121")') == ["US121"]
    assert ids("(FormattedID = 121)") == ["US121"]
    assert ids("(FormattedID in US120,US121, US999)") == ["US120", "US121"]
    assert ids("((FormattedID = US121) AND (ScheduleState = Accepted))") == []
    assert ids("((ScheduleState = Defined) AND (FormattedID = US121))") == ["US121"]
    assert ids("((FormattedID = US121) OR (FormattedID = US122))") == ["US121", "US122"]
    assert ids("(FormattedID = F17)") == []
    assert ids("(FormattedID = F17)", "artifact") == ["F17"]
    assert ids("(FormattedID = US121)", "task") == []


def test_refs_follow_the_host_the_client_used(wsapi: Wsapi, rally_thread: EmulatorHandle) -> None:
    reply = wsapi.http.get(
        "hierarchicalrequirement", params={"pagesize": 1}, headers={"Host": "rally.test:8443"}
    )
    ref = reply.json()["QueryResult"]["Results"][0]["_ref"]
    assert ref.startswith("http://rally.test:8443/slm/webservice/v2.0/hierarchicalrequirement/")


def test_queries_return_shells_unless_fetch_says_otherwise(wsapi: Wsapi) -> None:
    shell = only(wsapi.get("hierarchicalrequirement", query="(FormattedID = US121)"))
    assert set(shell) == SHELL_KEYS
    assert shell["_refObjectName"] == "Add login endpoint"
    listed = find(wsapi, "US121", fetch='"FormattedID,Name,Owner,EmailAddress"')
    assert set(listed) == SHELL_KEYS | {"FormattedID", "Name", "Owner"}
    assert listed["Owner"] is None
    locked = find(wsapi, "US203", fetch="FormattedID,Owner,EmailAddress")
    assert locked["Owner"]["EmailAddress"] == "john.doe@example.com"  # fetched one level down
    everything = find(wsapi, "US121", fetch="true")
    assert {"Description", "c_LockedBy", "Predecessors", "CreationDate", "_CreatedAt"} <= set(
        everything
    )


def test_query_envelope_paging_and_order(
    rally_thread_factory: Callable[..., EmulatorHandle],
) -> None:
    handle = rally_thread_factory(seed=None)
    handle.seed(stories=45, epics=3, seed=3)
    wsapi = Wsapi(handle)
    first = wsapi.get("hierarchicalrequirement", order="FormattedID")["QueryResult"]
    assert {k: first[k] for k in ("Errors", "Warnings", "TotalResultCount", "StartIndex")} == {
        "Errors": [],
        "Warnings": [],
        "TotalResultCount": 45,
        "StartIndex": 1,
    }
    assert first["PageSize"] == 20
    assert len(first["Results"]) == 20
    seen = []
    for start in (1, 21, 41):
        page = wsapi.get(
            "hierarchicalrequirement", start=start, pagesize=20, fetch="FormattedID", order="Name"
        )["QueryResult"]
        assert page["StartIndex"] == start
        seen += [r["FormattedID"] for r in page["Results"]]
    assert len(seen) == len(set(seen)) == 45
    big = wsapi.get("hierarchicalrequirement", pagesize=99999)["QueryResult"]
    assert big["PageSize"] == 2000
    assert len(big["Results"]) == 45
    past = wsapi.get("hierarchicalrequirement", start=1000)["QueryResult"]
    assert (past["TotalResultCount"], past["Results"]) == (45, [])
    desc = wsapi.get(
        "hierarchicalrequirement",
        order="PlanEstimate DESC",
        fetch="PlanEstimate,ObjectID",
        pagesize=2000,
    )["QueryResult"]["Results"]
    keys = [(-r["PlanEstimate"], r["ObjectID"]) for r in desc]
    assert keys == sorted(keys)  # DESC, then ObjectID ascending as the tiebreak
    wsapi.close()


def test_workspace_and_project_parameters_in_any_ref_form(
    wsapi: Wsapi, rally_thread: EmulatorHandle
) -> None:
    info = rally_thread.control("GET", "info")
    ws, project = info["workspace_oid"], info["project_oid"]
    forms = [
        (f"workspace/{ws}", f"project/{project}"),
        (f"/workspace/{ws}", f"/project/{project}"),
        (
            f"{rally_thread.url}/slm/webservice/v2.0/workspace/{ws}",
            f"https://rally1.rallydev.com/slm/webservice/v2.0/project/{project}",
        ),
    ]
    for workspace_ref, project_ref in forms:
        doc = wsapi.get(
            "hierarchicalrequirement",
            workspace=workspace_ref,
            project=project_ref,
            projectScopeUp="false",
            projectScopeDown="false",
        )
        assert doc["QueryResult"]["TotalResultCount"] == 18
    everywhere = wsapi.get("hierarchicalrequirement", workspace=f"workspace/{ws}", project="null")
    assert everywhere["QueryResult"]["TotalResultCount"] == 18
    unknown = wsapi.get("hierarchicalrequirement", workspace="workspace/1")
    assert unknown["QueryResult"]["Errors"] == ["Cannot find object to read"]


def test_project_scope_up_and_down(wsapi: Wsapi, rally_thread: EmulatorHandle) -> None:
    info = rally_thread.control("GET", "info")
    parent = f"/project/{info['project_oid']}"
    child = wsapi.post("project/create", {"Project": {"Name": "Team B", "Parent": parent}})
    child_ref = child["CreateResult"]["Object"]["_ref"]
    wsapi.post(
        "hierarchicalrequirement/create",
        {"HierarchicalRequirement": {"Name": "In team B", "Project": child_ref}},
    )

    def count(project: str, up: str, down: str) -> int:
        doc = wsapi.get(
            "hierarchicalrequirement",
            project=project,
            projectScopeUp=up,
            projectScopeDown=down,
        )
        total: int = doc["QueryResult"]["TotalResultCount"]
        return total

    assert count(parent, "false", "false") == 18
    assert count(parent, "false", "true") == 19
    assert count(child_ref, "false", "false") == 1
    assert count(child_ref, "true", "false") == 19
    assert count(parent, "false", "") == 18  # anything but "true" is false


def test_collections_query_fetch_and_order(wsapi: Wsapi) -> None:
    story = find(wsapi, "US121")
    tasks = wsapi.get(
        story["Tasks"]["_ref"].split("/v2.0/")[1],
        fetch="Name,TaskIndex",
        order="TaskIndex DESC",
        query='(Name contains "endpoint")',
    )["QueryResult"]
    assert tasks["TotalResultCount"] == 1
    assert tasks["Results"][0]["Name"] == "API tests for the login endpoint"
    all_tasks = wsapi.get(story["Tasks"]["_ref"].split("/v2.0/")[1], order="TaskIndex DESC")
    names = [t["_refObjectName"] for t in all_tasks["QueryResult"]["Results"]]
    assert names[0] == "API tests for the login endpoint"
    assert len(names) == 6
    features = wsapi.get("portfolioitem/feature", query="(FormattedID = F18)", fetch="UserStories")
    stories_ref = only(features)["UserStories"]["_ref"]
    assert "/PortfolioItem/Feature/" in stories_ref
    assert wsapi.get(stories_ref.split("/v2.0/")[1])["QueryResult"]["TotalResultCount"] == 8
    bad = wsapi.get(f"hierarchicalrequirement/{story['ObjectID']}/Nope")
    assert bad["QueryResult"]["Errors"]


def test_type_names_are_case_insensitive_with_js_suffix_and_plurals(wsapi: Wsapi) -> None:
    for path in ("HierarchicalRequirement", "hierarchicalrequirement", "HIERARCHICALREQUIREMENT"):
        assert wsapi.get(path)["QueryResult"]["TotalResultCount"] == 18
    js = wsapi.get("hierarchicalrequirement.js")["QueryResult"]
    assert js["Warnings"] == ['It is no longer necessary to append ".js" to WSAPI resources.']
    assert js["TotalResultCount"] == 18
    users = wsapi.get("users", fetch="EmailAddress")["QueryResult"]
    assert "alice@example.com" in [u["EmailAddress"] for u in users["Results"]]


def test_pyral_handshake_resources(wsapi: Wsapi, rally_thread: EmulatorHandle) -> None:
    user = wsapi.get(
        "User",
        fetch="ObjectID,UserName,DisplayName,FirstName,LastName,Disabled,UserProfile",
        pagesize=1000,
        start=1,
    )["User"]
    assert user["UserName"] == "alice@example.com"
    assert (user["Errors"], user["Warnings"]) == ([], [])
    profile = wsapi.get(f"UserProfile/{user['UserProfile']['_ref'].rsplit('/', 1)[1]}")
    assert profile["UserProfile"]["DefaultWorkspace"]["_refObjectName"] == "Demo Workspace"
    assert profile["UserProfile"]["DefaultProject"]["_refObjectName"] == "Demo Project"
    sub = wsapi.get("Subscription", fetch="true", pagesize=1000, start=1)["Subscription"]
    workspaces_ref = sub["Workspaces"]["_ref"]
    assert workspaces_ref.startswith(f"{rally_thread.url}/slm/webservice/v2.0/")
    named = httpx.get(
        workspaces_ref,
        params={"fetch": "true", "query": '((Name = "Demo Workspace") AND (State = Open))'},
        headers={"ZSESSIONID": rally_thread.api_key},
    ).json()["QueryResult"]
    workspace = only({"QueryResult": named})
    assert workspace["_type"] == "Workspace"
    assert workspace["State"] == "Open"
    wrong = httpx.get(
        workspaces_ref,
        params={"query": '((Name = "Other") AND (State = Open))'},
        headers={"ZSESSIONID": rally_thread.api_key},
    ).json()
    assert wrong["QueryResult"]["TotalResultCount"] == 0
    ws = wsapi.get(f"workspace/{workspace['ObjectID']}")["Workspace"]
    projects = httpx.get(
        ws["Projects"]["_ref"],
        params={"fetch": '"ObjectID,Name,State"'},
        headers={"ZSESSIONID": rally_thread.api_key},
    ).json()["QueryResult"]["Results"]
    assert [p["Name"] for p in projects] == ["Demo Project"]
    token = wsapi.get("security/authorize")["OperationResult"]
    assert token["Errors"] == []
    assert len(token["SecurityToken"]) == 36


def test_schema_service_and_type_definitions(wsapi: Wsapi, rally_thread: EmulatorHandle) -> None:
    ws = rally_thread.control("GET", "info")["workspace_oid"]
    schema = httpx.get(
        f"{rally_thread.url}/slm/schema/v2.0/workspace/{ws}/abc123",
        headers={"ZSESSIONID": rally_thread.api_key},
    ).json()["QueryResult"]
    by_name = {t["ElementName"]: t for t in schema["Results"]}
    story = by_name["HierarchicalRequirement"]
    assert story["TypePath"] == "HierarchicalRequirement"
    assert story["IDPrefix"] == "US"
    assert by_name["Feature"]["TypePath"] == "PortfolioItem/Feature"
    assert by_name["Feature"]["IDPrefix"] == "F"
    attrs = {a["ElementName"]: a for a in story["Attributes"]}
    assert {"ObjectID", "FormattedID", "c_LockedBy", "c_AcceptanceCriteria"} <= set(attrs)
    assert attrs["c_Coverage"]["AttributeType"] == "QUANTITY"
    assert attrs["c_LockedAt"]["AttributeType"] == "DATE"
    assert attrs["c_LockedBy"]["Custom"] is True
    assert [v["StringValue"] for v in attrs["ScheduleState"]["AllowedValues"]] == [
        "Defined",
        "In-Progress",
        "Completed",
        "Accepted",
    ]
    typedef = only(
        wsapi.get("typedefinition", query='(TypePath = "HierarchicalRequirement")', fetch="true")
    )
    customs = wsapi.get(
        typedef["Attributes"]["_ref"].split("/v2.0/")[1],
        query="(Custom = true)",
        fetch="ElementName,AttributeType",
        pagesize=200,
    )["QueryResult"]["Results"]
    assert {a["ElementName"]: a["AttributeType"] for a in customs} == {
        "c_LockedBy": "STRING",
        "c_LockedAt": "DATE",
        "c_LockExpiry": "DATE",
        "c_LockToken": "STRING",
        "c_Branch": "STRING",
        "c_Coverage": "QUANTITY",
        "c_CommitSHA": "STRING",
        "c_PantheonStatus": "STRING",
        "c_AcceptanceCriteria": "TEXT",
    }
    state = only(
        wsapi.get(
            typedef["Attributes"]["_ref"].split("/v2.0/")[1],
            query="(ElementName = ScheduleState)",
            fetch="AllowedValues",
        )
    )
    values = wsapi.get(state["AllowedValues"]["_ref"].split("/v2.0/")[1], fetch="StringValue")
    assert [v["StringValue"] for v in values["QueryResult"]["Results"]] == [
        "Defined",
        "In-Progress",
        "Completed",
        "Accepted",
    ]


def test_mock_transport_serves_the_same_replies(rally_thread: EmulatorHandle) -> None:
    with httpx.Client(
        transport=rally_thread.transport(),
        base_url=f"{rally_thread.url}/slm/webservice/v2.0",
        headers={"ZSESSIONID": rally_thread.api_key},
    ) as client:
        doc = client.get("/hierarchicalrequirement", params={"query": "(FormattedID = US125)"})
        assert doc.json()["QueryResult"]["Results"][0]["_refObjectName"] == "Implement signup form"
        assert client.get("/user", headers={"ZSESSIONID": "wrong"}).status_code == 401
    stats = rally_thread.control("GET", "stats")
    assert stats["by_route"]["GET /hierarchicalrequirement"] >= 1


@pytest.mark.parametrize("path", ["/_emulator/stats", "/slm/webservice/v2.0/_emulator/stats"])
def test_control_plane_lives_outside_slm(rally_thread: EmulatorHandle, path: str) -> None:
    reply = httpx.get(f"{rally_thread.url}{path}", headers={"ZSESSIONID": rally_thread.api_key})
    if path.startswith("/slm"):
        (envelope,) = reply.json().values()
        assert envelope["Errors"] == ['Requested type name "_emulator" is unknown']
    else:
        assert set(reply.json()) == {"total", "by_method", "by_route", "faults", "conflicts"}
