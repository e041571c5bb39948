"""The client against Rally's refusals as the emulator gives them: writes that overlap in time
(research §10.5) are retried where that is safe, creates are looked up before they are sent
again, and a value Rally will not take fails at once (exit 2), never after minutes of retries
as a "conflict" (§10.3, §10.4)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from pantheon_git.core.keys import StoryKey
from pantheon_git.errors import RallyValidationError, RallyWriteRefused
from pantheon_git.rally import records
from pantheon_git.rally.client import RallyClient
from pantheon_git.rally.emulator.server import EmulatorHandle
from pantheon_git.rally.emulator.workspace import WorkspaceSettings
from pantheon_git.rally.query import eq
from tests.support.locks import client_for

Factory = Callable[..., EmulatorHandle]


def ref(client: RallyClient, key: str) -> str:
    return str(client.wire.find_story(StoryKey.parse(key), fetch=("FormattedID",))["_ref"])


def test_a_date_rally_cannot_read_fails_at_once_as_bad_input(rally_thread: EmulatorHandle) -> None:
    with client_for(rally_thread) as client:
        story = ref(client, "US-121")
        before = client.request_count
        started = time.monotonic()
        with pytest.raises(RallyWriteRefused) as caught:
            client.update(story, {"c_LockedAt": "05102018"}, decode=records.entity)
        assert time.monotonic() - started < 5
        assert client.request_count - before == 3  # two quick retries, then the verdict
    error = caught.value
    assert error.exit_code == 2
    assert "Could not write changes in Unit of work" in error.message
    assert "KB 95485" in error.message


def test_a_value_that_is_no_reference_is_bad_input_not_not_found(
    rally_thread: EmulatorHandle,
) -> None:
    with client_for(rally_thread) as client:
        story = ref(client, "US-121")
        before = client.request_count
        with pytest.raises(RallyValidationError) as caught:
            client.update(story, {"PortfolioItem": "Epic 17"}, decode=records.entity)
        assert client.request_count - before == 1
    assert caught.value.exit_code == 2
    assert 'Cannot parse object reference from "Epic 17"' in caught.value.message


def writers(handle: EmulatorHandle, count: int, write: Callable[[RallyClient, int], Any]) -> int:
    """``count`` clients writing at the same moment; how many retries they needed. Re-raises
    what any of them raised."""
    errors: list[BaseException] = []
    retries: list[int] = []
    start = threading.Barrier(count)

    def run(n: int) -> None:
        try:
            with client_for(handle) as client:
                start.wait()
                write(client, n)
                retries.append(client.counts().get("retries", 0))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sum(retries)


@pytest.mark.parametrize("form", ["concurrency", "unit-of-work"])
def test_overlapping_updates_are_retried_until_each_lands(
    rally_thread_factory: Factory, form: str
) -> None:
    # A write is in progress for half the latency (200 ms here): the two writers, released
    # together, arrive well inside that even on a loaded machine (60 ms was not always).
    handle = rally_thread_factory(
        latency_ms=400, jitter_ms=20, settings=WorkspaceSettings(conflict_text=form)
    )
    with client_for(handle) as client:
        story = ref(client, "US-124")
        version = int(client.wire.get(story, fetch=("VersionId",))["VersionId"])

    def write(client: RallyClient, n: int) -> None:
        client.update(story, {"c_Branch": f"story/b{n}"}, decode=records.entity)

    assert writers(handle, 2, write) >= 1  # they did overlap
    with client_for(handle) as client:
        after = client.wire.get(story, fetch=("VersionId", "c_Branch"))
    assert int(after["VersionId"]) == version + 2  # both landed, once each
    assert after["c_Branch"] in {"story/b0", "story/b1"}


def test_a_create_refused_as_a_conflict_is_not_made_twice(rally_thread_factory: Factory) -> None:
    """Two tasks created at once on one story: each create also changes the story (its
    rollups), so one is refused as a conflict and sent again; none is made twice."""
    handle = rally_thread_factory(latency_ms=300, jitter_ms=10)  # 150 ms to overlap in
    with client_for(handle) as client:
        story = ref(client, "US-125")
    names = ["First", "Second", "Third"]

    def write(client: RallyClient, n: int) -> None:
        client.create(
            "Task",
            {"Name": names[n], "WorkProduct": story},
            decode=records.entity,
            dedupe=eq("Name", names[n]),
        )

    assert writers(handle, 3, write) >= 1  # they did overlap
    with client_for(handle) as client:
        tasks = client.collection(story, "Tasks", decode=records.task, fetch=("Name",))
    assert sorted(t.name for t in tasks if t.name in names) == sorted(names)
