"""The pure parts of sync's reads: which story a task belongs to, and task order."""

from __future__ import annotations

import pytest

from pantheon_git.features.sync.run_fetch import group_tasks, story_of

BASE = "https://rally1.rallydev.com/slm/webservice/v2.0"


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
def test_story_of(product: object, oid: int | None) -> None:
    assert story_of({"WorkProduct": product}) == oid


def test_group_tasks_in_rally_order() -> None:
    def task(oid: int, story: int, index: object) -> dict[str, object]:
        return {"ObjectID": oid, "TaskIndex": index, "WorkProduct": {"_ref": f"/x/{story}"}}

    grouped = group_tasks(
        [task(5, 1, 1), task(3, 1, 0), task(9, 2, None), task(8, 2, 0), task(4, 1, 0)]
    )
    assert {k: [t["ObjectID"] for t in v] for k, v in grouped.items()} == {1: [3, 4, 5], 2: [8, 9]}
