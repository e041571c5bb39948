"""rally/records.py: raw WSAPI items in, typed records out; a shape no reply has is a RallyError."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pantheon_git.core import states
from pantheon_git.core.fields import FieldNames
from pantheon_git.core.keys import StoryKey
from pantheon_git.errors import RallyError, UsageError
from pantheon_git.rally import records
from pantheon_git.rally.client import RallyClient
from pantheon_git.rally.records import StoryDecoder
from pantheon_git.rally.scope import Scope

BASE = "https://rally1.rallydev.com/slm/webservice/v2.0"


def raw_story(**fields: Any) -> dict[str, Any]:
    return {
        "_ref": f"{BASE}/hierarchicalrequirement/41",
        "_refObjectName": "Login",
        "_type": "HierarchicalRequirement",
        "ObjectID": 41,
        "FormattedID": "US41",
        "Name": "Login",
        **fields,
    }


# --- collection summaries: both shapes, Rally's first ---------------------------------------


def test_a_summary_on_the_item_as_rally_sends_it() -> None:
    """Research §10.1: Rally leaves the collection a plain ``{_ref, _type, Count}`` and puts the
    summary on the item, keyed by the collection's name. Evidence: an Android client parsing
    raw WSAPI v2.0 JSON (PaitoAnderson/SkrumazAndroid, ``data/RallyDev/GetItems.java``:
    ``getJSONObject("Summary").getJSONObject("Tasks").getInt("Count")``, then
    ``...getJSONObject("FormattedID").names()``), and App SDK apps reading
    ``record.get('Summary').Children.FormattedID`` after ``Children:summary[FormattedID]``."""
    raw = raw_story(
        Predecessors={"_ref": f"{BASE}/HierarchicalRequirement/41/Predecessors", "Count": 2},
        Successors={"_ref": f"{BASE}/HierarchicalRequirement/41/Successors", "Count": 1},
        Summary={
            "Predecessors": {"Count": 2, "FormattedID": {"US7": 1, "US12": 1}},
            "Successors": {"Count": 1, "FormattedID": {"US50": 1}},
        },
    )
    story = records.story(raw)
    assert story.predecessors == (StoryKey("US", 7), StoryKey("US", 12))
    assert story.successors == (StoryKey("US", 50),)
    assert story.predecessor_count == 2


def test_a_summary_inside_the_collection_is_no_summary() -> None:
    """Rally never puts a summary inside the collection (research §10.1): such a shape is
    not read, so nothing can depend on it."""
    raw = raw_story(Predecessors={"Count": 2, "Summary": {"FormattedID": {"US12": 1, "US7": 1}}})
    story = records.story(raw)
    assert story.predecessors == ()
    assert story.predecessor_count == 2


def test_summaries_leave_out_empty_values_and_what_is_not_a_key() -> None:
    """Rally counts members without a value under ``-- No Entry --`` (research §10.1)."""
    summary = {"Predecessors": {"Count": 3, "FormattedID": {"-- No Entry --": 1, "US3": 1}}}
    assert records.summary(raw_story(Summary=summary), "Predecessors", "FormattedID") == ("US3",)
    counts = {"-- No Entry --": 1, "US3": 1, "Story three": 1}
    raw = raw_story(Summary={"Predecessors": {"Count": 3, "FormattedID": counts}})
    assert records.story(raw).predecessors == (StoryKey("US", 3),)
    assert records.summary(raw_story(), "Predecessors", "FormattedID") is None
    assert records.story(raw_story()).predecessors == ()


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"Summary": ["US1"]}, "`Summary` is not an object"),
        ({"Summary": {"Predecessors": "US1"}}, "Summary.Predecessors: not an object"),
        ({"Summary": {"Predecessors": {"FormattedID": ["US1"]}}}, "not an object of counts"),
        ({"Predecessors": "US1"}, "`Predecessors` is not a collection"),
        ({"Tasks": {"Count": "two"}}, "`Tasks.Count` is not a number"),
    ],
)
def test_a_summary_in_a_shape_rally_never_sends(fields: dict[str, Any], why: str) -> None:
    with pytest.raises(RallyError, match="malformed user story US41") as caught:
        records.story(raw_story(**fields))
    assert why in caught.value.message
    assert "RALLY_URL" in (caught.value.hint or "")


def test_counts_of_collections() -> None:
    assert records.story(raw_story(Tasks={"_ref": "x", "Count": 3})).task_count == 3
    assert records.story(raw_story()).task_count is None  # not fetched
    assert records.count(raw_story(Tasks=[{}, {}]), "Tasks") == 2  # members inline


# --- the story ---------------------------------------------------------------------------------


def test_a_story_with_everything_the_use_cases_read() -> None:
    raw = raw_story(
        Description="<p>Context</p>",
        c_AcceptanceCriteria="<ol><li>One</li></ol>",
        Owner={"_ref": "/user/5", "_refObjectName": "Jane", "EmailAddress": "jane@x.io"},
        ScheduleState="In-Progress",
        c_PantheonStatus="Code Review",
        PortfolioItem={
            "_ref": f"{BASE}/portfolioitem/feature/17",
            "_refObjectName": "Auth",
            "FormattedID": "F17",
            "ObjectID": 17,
        },
        c_LockedBy="jane@x.io",
        c_LockedAt="2026-02-02T10:30:00.000Z",
        c_Branch="story/US-41-login",
        c_Coverage="87.5",
        c_CommitSHA="a" * 40,
        Iteration={"_ref": "/iteration/3", "_refObjectName": "Sprint 3"},
        Project={"_ref": "/project/2", "_refObjectName": "Web"},
        PlanEstimate=3,
        DragAndDropRank="P!",
        VersionId=7,
        LastUpdateDate="2026-02-02T10:31:00.000Z",
        Blocked=True,
    )
    story = records.story(raw)
    assert (story.ref, story.object_id, story.key) == (
        "/hierarchicalrequirement/41",
        41,
        StoryKey("US", 41),
    )
    assert story.state == states.CODE_REVIEW
    assert (story.schedule_state, story.pantheon_status) == ("In-Progress", "Code Review")
    assert story.owner == "jane@x.io"
    assert story.epic is not None
    assert (story.epic.ref, story.epic.formatted_id, story.epic.name, story.epic.object_id) == (
        "/portfolioitem/feature/17",
        "F17",
        "Auth",
        17,
    )
    assert story.lock is not None
    assert story.lock.holder == "jane@x.io"
    assert story.lock.expires > story.lock.locked_at  # the default lease
    assert (story.branch, story.coverage, story.commit_sha) == ("story/US-41-login", 87.5, "a" * 40)
    assert (story.iteration, story.project) == ("Sprint 3", "Web")
    assert (story.plan_estimate, story.rank, story.version_id) == (3.0, "P!", "7")
    assert story.criteria == "<ol><li>One</li></ol>"
    assert story.blocked
    assert story.values(["PortfolioItem", "c_Branch", "c_Nope"]) == {
        "PortfolioItem": f"{BASE}/portfolioitem/feature/17",
        "c_Branch": "story/US-41-login",
        "c_Nope": None,
    }
    assert story.fetched("c_LockedBy")
    assert not story.fetched("c_Nope")
    assert records.story(raw) == story  # frozen, comparable; the raw item is not compared


def test_the_workflow_state_follows_schedule_state_when_they_disagree() -> None:
    """Someone moved the story in Rally's UI: ScheduleState wins over c_PantheonStatus."""
    story = records.story(raw_story(ScheduleState="Completed", c_PantheonStatus="Code Review"))
    assert story.state == states.COMPLETED
    assert records.story(raw_story()).state == states.DEFINED


def test_the_workspace_names_of_the_custom_fields_are_honoured() -> None:
    names = FieldNames.from_config({"pantheon_status": "c_Flow", "locked_by": "c_Holder"})
    decode = StoryDecoder(names, lock_hours=2)
    story = decode(
        raw_story(ScheduleState="In-Progress", c_Flow="Code Review", c_Holder="bob@x.io")
    )
    assert story.state == states.CODE_REVIEW
    assert story.lock is not None
    assert story.lock.holder == "bob@x.io"


def test_a_lock_rally_holds_in_a_form_that_cannot_be_read() -> None:
    story = records.story(raw_story(c_LockedBy="ann@x.io", c_LockedAt="soon"))
    assert story.lock_held is None
    assert story.lock_problem is not None
    assert "c_LockedAt" in story.lock_problem
    with pytest.raises(UsageError, match="c_LockedAt"):
        _ = story.lock


def test_a_story_key_that_is_not_one_is_none() -> None:
    assert records.story(raw_story(FormattedID="not a key")).key is None
    assert records.story(raw_story(FormattedID=None)).formatted_id is None


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"ObjectID": "41"}, "ObjectID '41' is not a number"),
        ({"ObjectID": None}, "ObjectID is missing"),
        ({"_ref": "not a ref"}, "is not a reference"),
        ({"PortfolioItem": "F17"}, "`PortfolioItem` is not a reference"),
        ({"PortfolioItem": {"FormattedID": "F17"}}, "`_ref` is missing"),
        ({"Owner": ["jane"]}, "`Owner` is not a user reference"),
        ({"Iteration": 3}, "Iteration: not a reference"),
    ],
)
def test_a_story_in_a_shape_rally_never_sends(fields: dict[str, Any], why: str) -> None:
    with pytest.raises(RallyError, match="malformed") as caught:
        records.story(raw_story(**fields))
    assert why in caught.value.message


def test_not_an_object_at_all() -> None:
    with pytest.raises(RallyError, match="expected an object, got list"):
        records.story([])  # type: ignore[arg-type]


def test_a_story_without_a_ref_gets_one_from_its_object_id() -> None:
    raw = raw_story()
    del raw["_ref"]
    assert records.story(raw).ref == "/hierarchicalrequirement/41"


# --- the other records -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("product", "oid"),
    [
        ({"_ref": f"{BASE}/hierarchicalrequirement/41", "ObjectID": 41}, 41),
        ({"_ref": f"{BASE}/hierarchicalrequirement/41"}, 41),  # ObjectID not fetched
        ({"_ref": "/defect/7.js", "ObjectID": "7"}, 7),  # not an int: the ref decides
        ({"_ref": "not a ref"}, None),
        (None, None),
        ({}, None),
    ],
)
def test_the_story_a_task_belongs_to(product: object, oid: int | None) -> None:
    assert records.task({"ObjectID": 1, "WorkProduct": product}).story_oid == oid


def test_a_task() -> None:
    task = records.task(
        {
            "_ref": f"{BASE}/task/9",
            "ObjectID": 9,
            "FormattedID": "TA9",
            "Name": "Tests",
            "State": "Completed",
            "Description": "<p>Subtask of TA1</p>",
            "Estimate": "2.5",
            "TaskIndex": 1,
        }
    )
    assert (task.ref, task.formatted_id, task.name, task.done) == ("/task/9", "TA9", "Tests", True)
    assert (task.estimate, task.order) == (2.5, (1.0, 9))
    assert records.task({"ObjectID": 3}).order == (float("inf"), 3)


def test_an_epic_its_owner_and_a_user() -> None:
    epic = records.epic(
        {
            "_ref": f"{BASE}/portfolioitem/feature/17",
            "ObjectID": 17,
            "FormattedID": "F17",
            "Name": "Auth",
            "Owner": {"_ref": "/user/5", "_refObjectName": "Jane", "UserName": "jane"},
        }
    )
    assert (epic.ref, epic.formatted_id, epic.name, epic.owner) == (
        "/portfolioitem/feature/17",
        "F17",
        "Auth",
        "jane",  # no email: the user name, before the name Rally shows
    )
    user = records.user(
        {"_ref": "/user/5", "ObjectID": 5, "UserName": "jane", "DisplayName": "Jane S"}
    )
    assert (user.shown, user.email, user.disabled) == ("Jane S", None, False)


def test_a_post_and_any_other_object() -> None:
    post = records.post(
        {
            "_ref": "/conversationpost/3",
            "ObjectID": 3,
            "PostNumber": 1,
            "Text": "<p>hi</p>",
            "Artifact": {"_ref": f"{BASE}/hierarchicalrequirement/41"},
        }
    )
    assert (post.text, post.post_number, post.artifact) == (
        "<p>hi</p>",
        1,
        "/hierarchicalrequirement/41",
    )
    thing = records.entity({"_ref": f"{BASE}/changeset/8", "ObjectID": 8, "_refObjectName": "ab"})
    assert (thing.ref, thing.name, thing.formatted_id) == ("/changeset/8", "ab", None)
    with pytest.raises(RallyError, match="`_ref` is missing"):
        records.entity({"ObjectID": 8})


def test_the_cache_copy_cuts_references_down() -> None:
    raw = raw_story(
        PortfolioItem={"_ref": "/portfolioitem/feature/1", "Name": "E", "Description": "long"},
        Tasks={"_ref": "/x/Tasks", "Count": 2},
    )
    copy = records.lean(raw)
    assert copy["PortfolioItem"] == {"_ref": "/portfolioitem/feature/1", "Name": "E"}
    assert copy["Tasks"] == {"_ref": "/x/Tasks", "Count": 2}
    assert raw["PortfolioItem"]["Description"] == "long"  # the item itself is left alone


def test_a_malformed_item_in_a_reply_is_a_rally_error_through_the_client() -> None:
    """Exit 5 with a one-line message, not a TypeError from deep in a use case."""

    def handler(request: httpx.Request) -> httpx.Response:
        item = {"_ref": "/hierarchicalrequirement/1", "ObjectID": 1, "FormattedID": "US1",
                "PortfolioItem": "F17"}  # fmt: skip
        page = {"TotalResultCount": 1, "StartIndex": 1, "Results": [item]}
        return httpx.Response(200, json={"QueryResult": {**page, "Errors": [], "Warnings": []}})

    client = RallyClient(
        url="https://rally.example", api_key="k", transport=httpx.MockTransport(handler)
    )
    client.adopt_scope(Scope(1, "Workspace"))
    with client:
        with pytest.raises(RallyError, match="malformed user story US1") as caught:
            client.query(records.STORY, decode=records.story)
        assert caught.value.exit_code == 5
        assert client.wire.query(records.STORY)[0]["PortfolioItem"] == "F17"  # as Rally sent it
