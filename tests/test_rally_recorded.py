"""Raw WSAPI JSON in the shapes real Rally sends (``tests/fixtures/wsapi/``, each file naming
where its shape comes from), decoded by the typed boundary (``rally/records.py``) and
classified as the client classifies replies (``rally/failures.py``): nothing here was written
from this project's own emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.core.keys import StoryKey
from pantheon_git.errors import (
    RallyNotFound,
    RallyRetryableError,
    RallyValidationError,
    RallyWriteRefused,
)
from pantheon_git.rally import records, replies
from pantheon_git.rally.failures import Retry, from_app_errors

FIXTURES = Path(__file__).parent / "fixtures" / "wsapi"


def fixture(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    assert doc["provenance"]  # every shape says where it comes from
    return doc


def results(reply: dict[str, Any]) -> list[dict[str, Any]]:
    return replies.query_page(replies.envelope(reply, where="GET x"), where="GET x").items


def test_a_query_with_a_task_summary_on_the_item() -> None:
    (item,) = results(fixture("story_tasks_summary.json")["reply"])
    story = records.story(item)
    assert story.key == StoryKey("US", 36766)
    assert story.task_count == 2
    assert records.summary(item, "Tasks", "FormattedID") == ("TA41951", "TA42056")
    assert records.summary(item, "Tasks", "Name") == ("QA", "Create avro model")
    assert story.last_update == "2016-05-10T17:23:56.465Z"


def test_a_story_with_empty_values_and_dependency_summaries() -> None:
    reply = fixture("story_summary_no_entry.json")["reply"]
    item = replies.single_object(replies.envelope(reply, where="GET x"), where="GET x")
    story = records.story(item)
    assert story.predecessors == (StoryKey("US", 36758), StoryKey("US", 36943))
    assert story.predecessor_count == 2
    assert story.successors == ()
    assert records.summary(item, "Tasks", "Estimate") == ("8.0",)  # no "-- No Entry --"
    assert records.summary(item, "Tasks", "State") == ("Completed", "Defined")
    assert story.task_count == 3


def test_replies_recorded_from_rally1() -> None:
    doc = fixture("echo_app_recorded.json")
    (iteration,) = results(doc["iterations"])
    assert records.entity(iteration).name == "2016Q2-2"
    tasks = [records.task(item) for item in results(doc["tasks"])]
    assert [(t.formatted_id, t.state, t.done) for t in tasks] == [
        ("TA41951", "In-Progress", False),
        ("TA42056", "Completed", True),
    ]
    assert {t.story_oid for t in tasks} == {53771486697}
    assert tasks[0].ref == "/task/54671199301"


@pytest.mark.parametrize(
    ("name", "kind", "retry"),
    [
        ("conflict", RallyRetryableError, Retry.CONFLICT),
        ("unit_of_work", RallyRetryableError, Retry.CONFLICT),
        ("bad_date", RallyRetryableError, Retry.CONFLICT),
        ("not_a_reference", RallyValidationError, Retry.NO),
        ("missing", RallyNotFound, Retry.NO),
        ("delete_missing", RallyNotFound, Retry.NO),
    ],
)
def test_errors_rally_sends_with_http_200(name: str, kind: type, retry: Retry) -> None:
    env = replies.envelope(fixture("errors.json")[name], where="POST x")
    failure = from_app_errors(env.errors, where="POST x")
    assert type(failure.error) is kind
    assert failure.retry is retry
    if name in ("unit_of_work", "bad_date"):  # the same words for both causes: a few tries
        assert isinstance(failure.final, RallyWriteRefused)
        assert failure.final.exit_code == 2
