"""The pure parts of sync's reads: tasks grouped by story, in Rally's order."""

from __future__ import annotations

from pantheon_git.features.sync.run_fetch import group_tasks
from pantheon_git.rally import records


def test_group_tasks_in_rally_order() -> None:
    def task(oid: int, story: int, index: object) -> records.TaskRecord:
        raw = {"ObjectID": oid, "TaskIndex": index, "WorkProduct": {"_ref": f"/x/{story}"}}
        return records.task(raw)

    grouped = group_tasks(
        [task(5, 1, 1), task(3, 1, 0), task(9, 2, None), task(8, 2, 0), task(4, 1, 0)]
    )
    assert {k: [t.object_id for t in v] for k, v in grouped.items()} == {1: [3, 4, 5], 2: [8, 9]}
