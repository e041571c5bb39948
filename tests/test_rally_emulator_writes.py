"""Writes over HTTP: create, update, delete, collections, side effects, custom fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pantheon_git.rally.emulator.server import EmulatorHandle
from tests.support.rally import Wsapi


def story(wsapi: Wsapi, formatted_id: str) -> dict[str, Any]:
    doc = wsapi.get(
        "hierarchicalrequirement", query=f'(FormattedID = "{formatted_id}")', fetch="true"
    )
    (item,) = doc["QueryResult"]["Results"]
    result: dict[str, Any] = item
    return result


def create(wsapi: Wsapi, type_path: str, fields: dict[str, Any], **params: Any) -> dict[str, Any]:
    wrapper = type_path.rsplit("/", 1)[-1]
    doc = wsapi.post(f"{type_path.lower()}/create", {wrapper: fields}, **params)["CreateResult"]
    assert doc["Errors"] == [], doc
    result: dict[str, Any] = doc["Object"]
    return result


def path_of(ref: str) -> str:
    return ref.split("/slm/webservice/v2.0/", 1)[1]


def test_create_with_post_or_put_assigns_ids_and_defaults(wsapi: Wsapi) -> None:
    posted = wsapi.post(
        "hierarchicalrequirement/create",
        {"hierarchicalrequirement": {"Name": "Posted", "ObjectID": 1, "FormattedID": "US1"}},
    )["CreateResult"]
    assert (posted["Errors"], posted["Warnings"]) == ([], [])
    new = posted["Object"]
    assert new["FormattedID"] == "US208"  # after the highest seeded story, US207
    assert new["ObjectID"] != 1
    assert new["_CreatedAt"] == "just now"
    assert new["ScheduleState"] == "Defined"
    assert new["VersionId"] == "1"
    assert new["Project"]["_refObjectName"] == "Demo Project"
    assert new["Workspace"]["_refObjectName"] == "Demo Workspace"
    put = wsapi.put("HierarchicalRequirement/create", {"HierarchicalRequirement": {"Name": "Put"}})[
        "CreateResult"
    ]["Object"]
    assert put["FormattedID"] == "US209"
    feature = create(wsapi, "PortfolioItem/Feature", {"Name": "Epic"})
    assert feature["FormattedID"] == "F19"
    assert feature["_type"] == "PortfolioItem/Feature"
    trimmed = wsapi.post(
        "hierarchicalrequirement/create",
        {"HierarchicalRequirement": {"Name": "Trimmed"}},
        fetch="FormattedID",
    )["CreateResult"]["Object"]
    assert trimmed["FormattedID"] == "US210"
    assert "Name" not in trimmed


def test_unknown_fields_warn_and_read_only_fields_are_ignored(wsapi: Wsapi) -> None:
    doc = wsapi.post(
        "hierarchicalrequirement/create",
        {
            "HierarchicalRequirement": {
                "Name": "With extras",
                "Colour": "blue",
                "TaskEstimateTotal": 99,
                "_ref": "/hierarchicalrequirement/5",
            }
        },
    )["CreateResult"]
    assert doc["Errors"] == []
    assert doc["Warnings"] == [
        "Ignored JSON element HierarchicalRequirement.Colour during processing of this request.",
        "Ignored JSON element HierarchicalRequirement.TaskEstimateTotal during processing of "
        "this request.",
    ]
    assert doc["Object"]["TaskEstimateTotal"] == 0.0


def test_update_bumps_version_and_last_write_wins(wsapi: Wsapi) -> None:
    before = story(wsapi, "US121")
    oid = before["ObjectID"]
    first = wsapi.post(
        f"hierarchicalrequirement/{oid}",
        {"HierarchicalRequirement": {"c_LockedBy": "bob@example.com"}},
        key="None",
    )["OperationResult"]
    assert first["Errors"] == []
    assert first["Object"]["c_LockedBy"] == "bob@example.com"
    assert first["Object"]["VersionId"] == "2"
    # no version check, no If-Match: a stale writer simply overwrites
    second = wsapi.http.put(
        f"HierarchicalRequirement/{oid}",
        json={"HierarchicalRequirement": {"c_LockedBy": "carol@example.com"}},
        headers={"If-Match": '"1"'},
    ).json()["OperationResult"]
    assert second["Errors"] == []
    after = story(wsapi, "US121")
    assert after["c_LockedBy"] == "carol@example.com"
    assert after["VersionId"] == "3"
    assert after["LastUpdateDate"] >= before["LastUpdateDate"]
    assert after["CreationDate"] == before["CreationDate"]


def test_values_are_checked_and_normalised_like_rally(wsapi: Wsapi) -> None:
    oid = story(wsapi, "US122")["ObjectID"]

    def update(fields: dict[str, Any]) -> dict[str, Any]:
        reply: dict[str, Any] = wsapi.post(
            f"hierarchicalrequirement/{oid}", {"HierarchicalRequirement": fields}
        )["OperationResult"]
        return reply

    ok = update(
        {
            "c_LockedAt": "2026-01-05T12:00:00+02:00",
            "c_LockExpiry": "2026-01-06",
            "c_Coverage": "87.5",
            "PlanEstimate": 3,
            "Blocked": "true",
        }
    )
    assert ok["Errors"] == []
    # the default workspace keeps custom dates to the day (test_workspace_options has the rest)
    assert ok["Object"]["c_LockedAt"] == "2026-01-05T00:00:00.000Z"
    assert ok["Object"]["c_LockExpiry"] == "2026-01-06T00:00:00.000Z"
    assert ok["Object"]["c_Coverage"] == 87.5
    assert ok["Object"]["Blocked"] is True
    version = ok["Object"]["VersionId"]
    for bad in (
        {"c_Coverage": "lots"},
        {"c_Coverage": True},
        {"ScheduleState": "Done"},
        {"Blocked": "maybe"},
        {"Name": "x" * 257},
        {"Name": ""},
        {"c_Branch": {"nested": 1}},
    ):
        reply = update(bad)
        assert len(reply["Errors"]) == 1, bad
        assert reply["Errors"][0].startswith("Validation error: HierarchicalRequirement."), bad
    # a date Rally cannot read: KB 95485's words, the whole write refused
    for bad in ({"c_LockedAt": "tomorrow"}, {"c_Coverage": 1, "c_LockedAt": "05102018"}):
        reply = update(bad)
        assert reply["Errors"] == ["Could not update: Could not write changes in Unit of work"]
    after = story(wsapi, "US122")
    assert after["VersionId"] == version
    assert after["c_Coverage"] == 87.5
    assert update({"c_LockedAt": None, "c_Coverage": ""})["Errors"] == []
    cleared = story(wsapi, "US122")
    assert (cleared["c_LockedAt"], cleared["c_Coverage"]) == (None, None)


def test_required_fields_and_bad_refs(wsapi: Wsapi) -> None:
    nameless = wsapi.post("hierarchicalrequirement/create", {"HierarchicalRequirement": {}})
    assert nameless["CreateResult"]["Errors"] == [
        "Validation error: HierarchicalRequirement.Name should not be null"
    ]
    orphan = wsapi.post("task/create", {"Task": {"Name": "No story"}})
    assert orphan["CreateResult"]["Errors"] == [
        "Validation error: Task.Work Product should not be null"
    ]
    dangling = wsapi.post(
        "task/create", {"Task": {"Name": "x", "WorkProduct": "/hierarchicalrequirement/1"}}
    )
    assert dangling["CreateResult"]["Errors"][0].startswith("Could not set value for Work Product")
    total = wsapi.get("hierarchicalrequirement")["QueryResult"]["TotalResultCount"]
    assert total == 18  # nothing half-created


def test_delete_then_delete_again(wsapi: Wsapi) -> None:
    made = create(wsapi, "HierarchicalRequirement", {"Name": "Short-lived"})
    task = create(wsapi, "Task", {"Name": "t", "WorkProduct": made["_ref"]})
    gone = wsapi.delete(f"hierarchicalrequirement/{made['ObjectID']}", key="None")
    assert gone == {
        "OperationResult": {
            "_rallyAPIMajor": "2",
            "_rallyAPIMinor": "0",
            "Errors": [],
            "Warnings": [],
        }
    }
    again = wsapi.delete(f"hierarchicalrequirement/{made['ObjectID']}")
    assert again["OperationResult"]["Errors"] == ["Object to delete cannot be null"]
    read = wsapi.get(f"hierarchicalrequirement/{made['ObjectID']}")
    assert read["OperationResult"]["Errors"] == ["Cannot find object to read"]
    assert wsapi.get(f"task/{task['ObjectID']}")["OperationResult"]["Errors"] == [
        "Cannot find object to read"
    ]
    update = wsapi.post(
        f"hierarchicalrequirement/{made['ObjectID']}",
        {"HierarchicalRequirement": {"Name": "back?"}},
    )
    assert update["OperationResult"]["Errors"] == [
        f"Could not read: Could not read HierarchicalRequirement {made['ObjectID']} to update."
    ]


def test_tasks_roll_up_and_touch_their_story(wsapi: Wsapi) -> None:
    before = story(wsapi, "US200")
    task = create(
        wsapi,
        "Task",
        {"Name": "Extra", "WorkProduct": before["_ref"], "Estimate": 5, "ToDo": 4},
    )
    assert task["FormattedID"].startswith("TA")
    assert task["Project"]["_ref"] == before["Project"]["_ref"]
    after = story(wsapi, "US200")
    assert after["TaskEstimateTotal"] == before["TaskEstimateTotal"] + 5
    assert after["TaskRemainingTotal"] == before["TaskRemainingTotal"] + 4
    assert after["Tasks"]["Count"] == before["Tasks"]["Count"] + 1
    assert int(after["VersionId"]) == int(before["VersionId"]) + 1
    wsapi.post(f"task/{task['ObjectID']}", {"Task": {"State": "Completed", "ToDo": 0}})
    assert story(wsapi, "US200")["TaskRemainingTotal"] == before["TaskRemainingTotal"]
    assert int(story(wsapi, "US200")["VersionId"]) == int(before["VersionId"]) + 2


def test_predecessors_add_remove_and_stay_symmetric(wsapi: Wsapi) -> None:
    us120, us121, us122 = (story(wsapi, f) for f in ("US120", "US121", "US122"))
    added = wsapi.post(
        f"hierarchicalrequirement/{us121['ObjectID']}/Predecessors/add",
        {"CollectionItems": [{"_ref": us120["_ref"]}]},
        fetch="FormattedID",
    )["OperationResult"]
    assert added["Errors"] == []
    assert [r["FormattedID"] for r in added["Results"]] == ["US120"]
    # pyral 1.7.0's body names the collection instead of CollectionItems
    wsapi.post(
        f"HierarchicalRequirement/{us122['ObjectID']}/Predecessors/add",
        {"Predecessors": [{"_ref": f"HierarchicalRequirement/{us120['ObjectID']}"}]},
    )
    successors = wsapi.get(
        f"HierarchicalRequirement/{us120['ObjectID']}/Successors", fetch="FormattedID"
    )["QueryResult"]["Results"]
    assert sorted(s["FormattedID"] for s in successors) == ["US121", "US122"]
    assert int(story(wsapi, "US120")["VersionId"]) > int(us120["VersionId"])
    by_query = wsapi.get(
        "hierarchicalrequirement", query='(Predecessors.FormattedID = "US120")', fetch="FormattedID"
    )["QueryResult"]["Results"]
    assert sorted(r["FormattedID"] for r in by_query) == ["US121", "US122"]
    removed = wsapi.post(
        f"hierarchicalrequirement/{us121['ObjectID']}/Predecessors/remove",
        {"CollectionItems": [{"_ref": us120["_ref"]}]},
    )["OperationResult"]
    assert removed["Errors"] == []
    assert story(wsapi, "US121")["Predecessors"]["Count"] == 0
    assert story(wsapi, "US120")["Successors"]["Count"] == 1
    # writing Successors changes the other side's Predecessors
    wsapi.post(
        f"hierarchicalrequirement/{us120['ObjectID']}",
        {"HierarchicalRequirement": {"Successors": [us121["_ref"]]}},
    )
    assert story(wsapi, "US121")["Predecessors"]["Count"] == 1
    assert story(wsapi, "US122")["Predecessors"]["Count"] == 0
    read_only = wsapi.post(
        f"hierarchicalrequirement/{us121['ObjectID']}/Tasks/add",
        {"CollectionItems": [{"_ref": us120["_ref"]}]},
    )["OperationResult"]
    assert read_only["Errors"]


def test_features_own_stories_through_portfolio_item(wsapi: Wsapi) -> None:
    feature = create(wsapi, "PortfolioItem/Feature", {"Name": "Billing"})
    us205 = story(wsapi, "US205")
    wsapi.post(
        f"hierarchicalrequirement/{us205['ObjectID']}",
        {"HierarchicalRequirement": {"PortfolioItem": feature["_ref"]}},
    )
    moved = story(wsapi, "US205")
    assert moved["Feature"]["_refObjectName"] == "Billing"
    assert moved["PortfolioItem"]["_ref"] == feature["_ref"]
    billing = wsapi.get(path_of(feature["_ref"]))["Feature"]
    assert billing["UserStories"]["Count"] == 1
    refused = wsapi.post(
        f"hierarchicalrequirement/{us205['ObjectID']}",
        {"HierarchicalRequirement": {"PortfolioItem": us205["_ref"]}},
    )
    assert refused["OperationResult"]["Errors"][0].startswith(
        "Could not set value for Portfolio Item"
    )


def test_discussion_posts_record_the_user_of_the_key(wsapi: Wsapi) -> None:
    us201 = story(wsapi, "US201")
    first = create(wsapi, "ConversationPost", {"Artifact": us201["_ref"], "Text": "<p>One</p>"})
    second = create(
        wsapi, "ConversationPost", {"Artifact": us201["_ref"], "Text": "<p>Two</p>", "User": "x"}
    )
    assert first["User"]["_ref"] == second["User"]["_ref"]
    assert (first["PostNumber"], second["PostNumber"]) == (1, 2)
    assert story(wsapi, "US201")["Discussion"]["Count"] == 2
    posts = wsapi.get(
        "conversationpost",
        query=f"(Artifact = {us201['_ref']})",
        fetch="Text,User,PostNumber",
        order="PostNumber",
    )["QueryResult"]["Results"]
    assert [p["Text"] for p in posts] == ["<p>One</p>", "<p>Two</p>"]
    user = wsapi.get(path_of(first["User"]["_ref"]))["User"]
    assert user["EmailAddress"] == "alice@example.com"


def test_changesets_link_commits_to_stories(wsapi: Wsapi) -> None:
    us202 = story(wsapi, "US202")
    repo = create(wsapi, "SCMRepository", {"Name": "app", "SCMType": "GIT", "Uri": "https://x"})
    changeset = create(
        wsapi,
        "Changeset",
        {
            "SCMRepository": repo["_ref"],
            "Revision": "abc123",
            "CommitTimestamp": "2026-01-05T10:00:00Z",
            "Message": "US202 rate limits",
            "Artifacts": [{"_ref": us202["_ref"]}],
        },
    )
    create(wsapi, "Change", {"Changeset": changeset["_ref"], "PathAndFilename": "src/a.py"})
    assert story(wsapi, "US202")["Changesets"]["Count"] == 1
    found = wsapi.get(
        "changeset", query='(Revision = "abc123")', fetch="Changes,Artifacts,CommitTimestamp"
    )["QueryResult"]["Results"][0]
    assert found["Changes"]["Count"] == 1
    assert found["Artifacts"]["Count"] == 1
    assert found["CommitTimestamp"] == "2026-01-05T10:00:00.000Z"
    linked = wsapi.get("hierarchicalrequirement", query="(Changesets.Revision = abc123)")
    assert linked["QueryResult"]["TotalResultCount"] == 1


def test_iterations_and_releases(wsapi: Wsapi) -> None:
    sprint = create(
        wsapi,
        "Iteration",
        {"Name": "Sprint 1", "StartDate": "2026-01-05", "EndDate": "2026-01-16"},
    )
    release = create(
        wsapi,
        "Release",
        {"Name": "R1", "ReleaseStartDate": "2026-01-01", "ReleaseDate": "2026-03-31"},
    )
    us206 = story(wsapi, "US206")
    wsapi.post(
        f"hierarchicalrequirement/{us206['ObjectID']}",
        {"HierarchicalRequirement": {"Iteration": sprint["_ref"], "Release": release["_ref"]}},
    )
    planned = wsapi.get("hierarchicalrequirement", query='(Iteration.Name = "Sprint 1")')
    assert planned["QueryResult"]["TotalResultCount"] == 1
    started = wsapi.get("iteration", query='(StartDate <= "2026-01-05")', fetch="Name")
    assert [i["Name"] for i in started["QueryResult"]["Results"]] == ["Sprint 1"]
    incomplete = wsapi.post("iteration/create", {"Iteration": {"Name": "No dates"}})
    assert incomplete["CreateResult"]["Errors"][0].startswith("Validation error: Iteration.")
    wsapi.post(
        f"hierarchicalrequirement/{us206['ObjectID']}",
        {"HierarchicalRequirement": {"Iteration": None}},
    )
    assert story(wsapi, "US206")["Iteration"] is None


def test_schedule_state_dates(wsapi: Wsapi) -> None:
    us207 = story(wsapi, "US207")
    assert (us207["InProgressDate"], us207["AcceptedDate"]) == (None, None)
    path = f"hierarchicalrequirement/{us207['ObjectID']}"
    wsapi.post(path, {"HierarchicalRequirement": {"ScheduleState": "In-Progress"}})
    started = story(wsapi, "US207")["InProgressDate"]
    assert started is not None
    wsapi.post(path, {"HierarchicalRequirement": {"ScheduleState": "Accepted"}})
    accepted = story(wsapi, "US207")
    assert accepted["InProgressDate"] == started
    assert accepted["AcceptedDate"] is not None


def test_custom_fields_can_be_created_when_missing(
    rally_thread_factory: Callable[..., EmulatorHandle],
) -> None:
    handle = rally_thread_factory(seed=None, custom_fields={"Branch": "STRING"})
    wsapi = Wsapi(handle)
    made = create(wsapi, "HierarchicalRequirement", {"Name": "Lockable"})
    path = f"hierarchicalrequirement/{made['ObjectID']}"
    missing = wsapi.post(path, {"HierarchicalRequirement": {"c_LockedBy": "a@b.c"}})
    assert missing["OperationResult"]["Warnings"] == [
        "Ignored JSON element HierarchicalRequirement.c_LockedBy during processing of this request."
    ]
    unknown = wsapi.get("hierarchicalrequirement", query="(c_LockedBy = null)")
    assert unknown["QueryResult"]["Errors"][0].startswith(
        'Could not parse: Could not find attribute "c_LockedBy"'
    )
    typedef = wsapi.get(
        "typedefinition", query='(ElementName = "HierarchicalRequirement")', fetch="ObjectID"
    )["QueryResult"]["Results"][0]
    field = create(
        wsapi,
        "AttributeDefinition",
        {"Name": "Locked By", "AttributeType": "STRING", "TypeDefinition": typedef["_ref"]},
    )
    assert (field["ElementName"], field["Custom"]) == ("c_LockedBy", True)
    assert (
        wsapi.post(path, {"HierarchicalRequirement": {"c_LockedBy": "a@b.c"}})["OperationResult"][
            "Object"
        ]["c_LockedBy"]
        == "a@b.c"
    )
    again = wsapi.post(
        "attributedefinition/create",
        {
            "AttributeDefinition": {
                "Name": "Locked By",
                "AttributeType": "STRING",
                "TypeDefinition": typedef["_ref"],
            }
        },
    )
    assert again["CreateResult"]["Errors"][0].startswith("Validation error: AttributeDefinition")
    wrong_type = wsapi.post(
        "attributedefinition/create",
        {
            "AttributeDefinition": {
                "Name": "Odd",
                "AttributeType": "COLLECTION",
                "TypeDefinition": typedef["_ref"],
            }
        },
    )
    assert wrong_type["CreateResult"]["Errors"][0].startswith("Validation error:")
    wsapi.close()


@pytest.mark.parametrize(
    "path",
    ["subscription/create", "typedefinition/create", "artifact/create", "portfolioitem/create"],
)
def test_types_rally_does_not_create_are_refused(wsapi: Wsapi, path: str) -> None:
    wrapper = path.split("/", maxsplit=1)[0]
    reply = wsapi.post(path, {wrapper: {"Name": "x"}})["CreateResult"]
    assert reply["Errors"]
    assert "Object" not in reply
