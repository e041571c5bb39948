from __future__ import annotations

import string
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pantheon_git.core import states
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story, Task
from pantheon_git.features.locks import rules as locks
from pantheon_git.rally import records
from pantheon_git.rally.mapping import (
    FieldNames,
    MapSettings,
    split_criteria,
    story_fetch,
    story_from_rally,
    story_to_rally,
)

NOW = datetime(2026, 2, 2, 10, 30, tzinfo=UTC)

words = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8)
sentences = st.lists(words, min_size=1, max_size=8).map(" ".join)
paragraphs = st.lists(sentences, max_size=3).map("\n\n".join)


def as_rally(
    story: Story, mapping: MapSettings
) -> tuple[records.StoryRecord, list[records.TaskRecord]]:
    """The story as Rally would send it back after ``story_to_rally``, decoded."""
    raw = story_to_rally(story, mapping=mapping)
    raw.update(FormattedID=story.key.formatted_id, ObjectID=story.object_id)
    tasks = [
        {
            "ObjectID": 900 + i,
            "FormattedID": f"TA{i}",
            "Name": t.name,
            "State": "Completed" if t.done else "Defined",
        }
        for i, t in enumerate(story.tasks, start=1)
    ]
    return mapping.decoder(raw), [records.task(t) for t in tasks]


def mapped(
    raw: dict[str, Any], tasks: list[dict[str, Any]] = (), mapping: MapSettings = MapSettings()
) -> Story:
    """A raw story (and its raw tasks) through the decoder, then the mapping."""
    decoded = [records.task({"ObjectID": n, **t}) for n, t in enumerate(tasks, start=1)]
    return story_from_rally(mapping.decoder(raw), tasks=decoded, mapping=mapping)


@st.composite
def stories(draw: st.DrawFn) -> Story:
    key = StoryKey("US", draw(st.integers(1, 10**6)))
    task_names = draw(st.lists(sentences, max_size=5))
    lock = draw(
        st.none()
        | st.builds(
            locks.new_lock,
            st.sampled_from(["alice@example.com", "bob@example.com"]),
            st.just(NOW),
            st.floats(1, 72),
            st.just("story/US-1-x"),
            st.text("0123456789abcdef", min_size=1, max_size=16),
        )
    )
    state = draw(st.sampled_from(states.WORKFLOW))
    return Story(
        key=key,
        title=draw(st.text(min_size=1).filter(str.strip)),
        description=draw(paragraphs),
        acceptance_criteria=tuple(draw(st.lists(sentences, max_size=4))),
        tasks=tuple(
            Task(name, done=draw(st.booleans()), formatted_id=f"TA{i}")
            for i, name in enumerate(task_names, start=1)
        ),
        state=state,
        schedule_state=states.rally_fields(state)["ScheduleState"],
        lock=lock,
        branch=lock.branch if lock else draw(st.none() | st.just("story/US-9-y")),
        coverage=draw(st.none() | st.integers(0, 1000).map(lambda n: n / 10)),
        commit_sha=draw(st.none() | st.text("0123456789abcdef", min_size=40, max_size=40)),
        plan_estimate=draw(st.none() | st.integers(0, 40).map(float)),
        object_id=draw(st.integers(1, 10**9)),
    )


@settings(max_examples=150)
@given(story=stories(), criteria_field=st.booleans())
def test_round_trip_rally_form(story: Story, criteria_field: bool) -> None:
    mapping = MapSettings(criteria_field=criteria_field)
    raw, tasks = as_rally(story, mapping)
    back = story_from_rally(raw, tasks=tasks, mapping=mapping)
    assert back == story


@settings(max_examples=50)
@given(story=stories())
def test_rally_fields_are_stable(story: Story) -> None:
    """Rally -> BMAD -> Rally gives the same field values."""
    raw, tasks = as_rally(story, MapSettings())
    again = story_to_rally(story_from_rally(raw, tasks=tasks), mapping=MapSettings())
    assert again == story_to_rally(story, mapping=MapSettings())


def test_a_story_as_rally_returns_it() -> None:
    raw = {
        "ObjectID": 10524,
        "FormattedID": "US121",
        "Name": "Add login endpoint",
        "Description": "<p>Add the login endpoint <code>POST /api/auth/login</code>.</p>",
        "c_AcceptanceCriteria": (
            "<ol><li>Valid credentials return a token</li><li>Bad ones 401</li></ol>"
        ),
        "Owner": {"_refObjectName": "Jane Smith", "EmailAddress": "jane.smith@example.com"},
        "ScheduleState": "In-Progress",
        "c_PantheonStatus": "Code Review",
        "c_LockedBy": "jane.smith@example.com",
        "c_LockedAt": "2026-02-02T10:30:00.000Z",
        "c_LockExpiry": "2026-02-03T10:30:00.000Z",
        "c_Branch": "story/US-121-add-login-endpoint",
        "c_Coverage": 87.5,
        "c_CommitSHA": "a" * 40,
        "PlanEstimate": 5,
        "Feature": {
            "FormattedID": "F17",
            "Name": "User Authentication",
            "_ref": "/portfolioitem/feature/17",
        },
        "Predecessors": {"_ref": "/hierarchicalrequirement/121/Predecessors", "Count": 1},
        "Summary": {"Predecessors": {"Count": 1, "FormattedID": {"US120": 1}}},
        "Iteration": {"_refObjectName": "Sprint 24"},
        "LastUpdateDate": "2026-02-02T10:30:00.000Z",
        "VersionId": "7",
    }
    tasks = [
        {
            "FormattedID": "TA1",
            "Name": "Implement POST /api/auth/login",
            "State": "Completed",
            "Estimate": 3.5,
        },
        {
            "FormattedID": "TA2",
            "Name": "Tests",
            "State": "In-Progress",
            "Description": "<p>Subtask of TA1</p><p>Acceptance criteria: 1, 2</p>",
        },
    ]
    story = mapped(raw, tasks, MapSettings(rally_url="https://r.example"))
    assert story.key == StoryKey("US", 121)
    assert story.epic == "F17"
    assert story.epic_title == "User Authentication"
    assert story.description == "Add the login endpoint `POST /api/auth/login`."
    assert story.acceptance_criteria == ("Valid credentials return a token", "Bad ones 401")
    assert story.tasks[0].done
    assert story.tasks[0].estimate_hours == 3.5
    assert story.tasks[0].children[0].estimate_hours is None
    assert story.tasks[0].children[0].name == "Tests"
    assert story.tasks[0].children[0].ac_refs == ("1", "2")
    assert story.owner == "jane.smith@example.com"
    assert story.state == states.CODE_REVIEW
    assert story.lock is not None
    assert story.lock.holder == "jane.smith@example.com"
    assert story.coverage == 87.5
    assert story.predecessors == (StoryKey("US", 120),)
    assert story.iteration == "Sprint 24"
    assert story.url == "https://r.example/#/detail/userstory/10524"


def test_criteria_in_the_description_when_the_workspace_has_no_field() -> None:
    raw = {
        "ObjectID": 5,
        "FormattedID": "US5",
        "Name": "x",
        "Description": "<p>Context first.</p><h3>Acceptance Criteria</h3>"
        "<ol><li>One</li><li>Two</li></ol><h3>Notes</h3><p>Later.</p>",
    }
    story = mapped(raw, mapping=MapSettings(criteria_field=False))
    assert story.acceptance_criteria == ("One", "Two")
    assert story.description == "Context first.\n\n### Notes\n\nLater."


@pytest.mark.parametrize(
    ("text", "rest", "criteria"),
    [
        ("No criteria here", "No criteria here", ()),
        ("Intro\n\n**Acceptance Criteria:**\n\n- a\n- b", "Intro", ("a", "b")),
        ("## Acceptance criteria\n1. x\n2. y\n## Next\nz", "## Next\nz", ("x", "y")),
    ],
)
def test_split_criteria(text: str, rest: str, criteria: tuple[str, ...]) -> None:
    assert split_criteria(text) == (rest, criteria)


def test_custom_field_names_are_honoured() -> None:
    names = FieldNames.from_config({"locked_by": "c_Holder", "branch": "c_GitBranch", "bogus": "x"})
    assert names.locked_by == "c_Holder"
    assert "c_GitBranch" in story_fetch(names)
    raw = {
        "ObjectID": 1,
        "FormattedID": "US1",
        "Name": "t",
        "c_Holder": "bob@example.com",
        "c_LockedAt": "2026-02-02T10:30:00.000Z",
        "c_GitBranch": "story/US-1-t",
    }
    story = mapped(raw, mapping=MapSettings(names=names))
    assert story.lock is not None
    assert story.lock.holder == "bob@example.com"
    assert story.branch == "story/US-1-t"


def test_bad_values_from_rally() -> None:
    raw = {"ObjectID": 1, "FormattedID": "US1", "Name": "t", "c_Coverage": "lots"}
    story = mapped({**raw, "PlanEstimate": None})
    assert story.coverage is None
    assert story.state == states.DEFINED
