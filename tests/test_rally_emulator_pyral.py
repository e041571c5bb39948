"""Conformance: pyral 1.6.0, a Rally client nobody here wrote, against `pantheon rally serve`.

pyral is used as its users use it; the only change is research §8's documented switch to plain
http (``pyral.restapi.PROTOCOL = "http"``), since the emulator does not serve TLS.

Where pyral 1.6.0 differs from the 1.7.0 the research read:
- ``addCollectionItems`` posts ``{"CollectionItems": [...]}`` (1.7.0 sends
  ``{"<Collection>": [...]}``) to ``<type>/<oid>/<ItemType>s/add``: the collection name is the
  item type plus "s". That reaches ``Tags`` for Tag items, but not ``Predecessors`` for
  stories (it would post to ``HierarchicalRequirements/add``). With pyral 1.6.0 a predecessor is
  added the other way Rally allows: an update carrying the whole ``Predecessors`` list.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.rally import RallyProcess

pyral = pytest.importorskip("pyral")
from pyral import Rally, RallyRESTAPIError  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RallyProcess]:
    from tests.support.rally import spawn_rally

    process = spawn_rally(tmp_path_factory.mktemp("pyral"), seed="demo")
    yield process
    assert process.stop() == 0


@pytest.fixture
def rally(server: RallyProcess, monkeypatch: pytest.MonkeyPatch) -> Rally:
    import pyral.restapi

    monkeypatch.setattr(pyral.restapi, "PROTOCOL", "http")
    return Rally(
        server=server.url.removeprefix("http://"),
        apikey=server.api_key,
        workspace=server.workspace,
        project=server.project,
        warn=False,
    )


def raw(server: RallyProcess, path: str, **params: str) -> dict[str, Any]:
    """Read through a plain HTTP client, independently of pyral."""
    reply = httpx.get(
        f"{server.url}/slm/webservice/v2.0/{path}",
        params=params,
        headers={"ZSESSIONID": server.api_key},
        timeout=30,
    )
    reply.raise_for_status()
    doc: dict[str, Any] = reply.json()
    return doc


def story(server: RallyProcess, formatted_id: str) -> dict[str, Any]:
    doc = raw(
        server,
        "hierarchicalrequirement",
        query=f'(FormattedID = "{formatted_id}")',
        fetch="true",
    )
    results: list[dict[str, Any]] = doc["QueryResult"]["Results"]
    assert len(results) == 1, doc
    return results[0]


def test_connects_through_the_whole_handshake(rally: Rally, server: RallyProcess) -> None:
    assert rally.getWorkspace().Name == "Demo Workspace"
    assert rally.getProject().Name == "Demo Project"
    assert "Demo Workspace" in [w.Name for w in rally.getWorkspaces()]
    stats = server.control("GET", "stats")
    assert stats["by_route"]["GET /slm/schema/v2.0/workspace/{oid}"] >= 1


def test_queries_a_story_by_formatted_id(rally: Rally) -> None:
    response = rally.get(
        "HierarchicalRequirement",
        fetch="FormattedID,Name,ScheduleState,PlanEstimate,c_AcceptanceCriteria",
        query='FormattedID = "US120"',
    )
    assert response.errors == []
    assert response.resultCount == 1
    item = response.next()
    assert (item.FormattedID, item.Name, item.ScheduleState) == (
        "US120",
        "Create user model",
        "Defined",
    )
    assert item.PlanEstimate == 5.0
    assert "salted hashes" in item.c_AcceptanceCriteria


def test_updates_custom_fields(rally: Rally, server: RallyProcess) -> None:
    before = story(server, "US122")
    updated = rally.update(
        "HierarchicalRequirement",
        {"FormattedID": "US122", "c_LockedBy": "bob@example.com", "Branch": "story/US-122-x"},
    )
    assert updated.c_LockedBy == "bob@example.com"
    after = story(server, "US122")
    assert after["c_LockedBy"] == "bob@example.com"
    assert after["c_Branch"] == "story/US-122-x"  # pyral mapped "Branch" to c_Branch
    assert int(after["VersionId"]) == int(before["VersionId"]) + 1
    assert after["LastUpdateDate"] >= before["LastUpdateDate"]


def test_a_date_field_rally_cannot_parse_is_refused(rally: Rally, server: RallyProcess) -> None:
    # Rally's words for a date it cannot read (Broadcom KB 95485)
    with pytest.raises(RallyRESTAPIError, match="Could not write changes in Unit of work"):
        rally.update("HierarchicalRequirement", {"FormattedID": "US123", "c_LockedAt": "soon"})
    assert story(server, "US123")["c_LockedAt"] is None


def test_creates_a_story_and_a_feature_then_deletes_the_story(
    rally: Rally, server: RallyProcess
) -> None:
    created = rally.create(
        "HierarchicalRequirement", {"Name": "Story made by pyral", "PlanEstimate": 3}
    )
    assert created.FormattedID.startswith("US")
    assert int(created.FormattedID[2:]) > 207  # counters continue after the seeded US207
    assert created.ScheduleState == "Defined"
    assert created.Project.Name == "Demo Project"

    feature = rally.create("Feature", {"Name": "Feature made by pyral"})
    assert feature.FormattedID.startswith("F")
    assert int(feature.FormattedID[1:]) > 18

    assert rally.delete("HierarchicalRequirement", created.FormattedID) is True
    gone = rally.get("HierarchicalRequirement", query=f'FormattedID = "{created.FormattedID}"')
    assert gone.resultCount == 0
    missing = raw(server, f"hierarchicalrequirement/{created.oid}")
    assert missing["OperationResult"]["Errors"] == ["Cannot find object to read"]


def test_adds_a_predecessor(rally: Rally, server: RallyProcess) -> None:
    us124 = rally.get("HierarchicalRequirement", fetch="ObjectID", query='FormattedID = "US124"')
    predecessor = us124.next()
    updated = rally.update(
        "HierarchicalRequirement", {"FormattedID": "US127", "Predecessors": [predecessor.ref]}
    )
    assert [p.Name for p in updated.Predecessors] == ["Implement login form"]
    assert story(server, "US127")["Predecessors"]["Count"] == 1
    assert story(server, "US124")["Successors"]["Count"] == 1  # kept symmetric


def test_adds_to_a_collection_with_add_collection_items(rally: Rally, server: RallyProcess) -> None:
    tag = rally.create("Tag", {"Name": "pantheon"})
    target = rally.get(
        "HierarchicalRequirement", fetch="ObjectID,Name", query='FormattedID = "US128"'
    ).next()
    assert rally.addCollectionItems(target, [tag]) == ["pantheon"]
    assert story(server, "US128")["Tags"]["Count"] == 1


def test_a_wrong_key_is_refused(server: RallyProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyral.context
    import pyral.restapi

    monkeypatch.setattr(pyral.restapi, "PROTOCOL", "http")
    # the handshake raises pyral.context's own RallyRESTAPIError
    with pytest.raises(pyral.context.RallyRESTAPIError, match="Invalid credentials"):
        Rally(
            server=server.url.removeprefix("http://"),
            apikey="not-the-key",
            workspace=server.workspace,
            project=server.project,
            warn=False,
        )
