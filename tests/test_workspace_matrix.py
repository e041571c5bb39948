"""Sync and completion in every workspace variant of the matrix: custom DATE precision (ms,
second, day: research §10.8) × task rollup (§10.2). Locks are read with their exact times,
Rally's explicit dependencies come through from the summaries on the item (§10.1), and
completing a story releases its lock and moves it forward."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.core import fields as lockfields
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.timefmt import format_time
from pantheon_git.features.locks import rules as locks
from pantheon_git.rally.emulator.workspace import WorkspaceSettings
from pantheon_git.rally.users import users_by_email
from tests.support.gitrepo import GitRepo
from tests.support.locks import client_for, rally_fields, set_rally_fields
from tests.support.rally import WORKSPACES
from tests.support.sync import CLI

COVERAGE = Path(__file__).parent / "fixtures" / "coverage" / "gcovr-cobertura.xml"
ALICE = "alice@example.com"


@pytest.fixture(params=WORKSPACES, ids=lambda s: f"{s.date_precision}-rollup-{s.task_rollup}")
def workspace(
    request: pytest.FixtureRequest,
    rally_thread_factory: Callable[..., Any],
    git_repo: GitRepo,
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    settings: WorkspaceSettings = request.param
    server = rally_thread_factory(settings=settings)
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PANTHEON_USER", ALICE)
    monkeypatch.chdir(git_repo.path)
    return server


def alices_lock(server: Any, key: str, hours: float = 24) -> locks.Lock:
    """alice's lock on the story, and alice its Owner, as her checkout leaves them."""
    taken = datetime.now(UTC).replace(hour=13, minute=37, second=42, microsecond=123_000)
    lock = locks.new_lock(ALICE, taken - timedelta(hours=1), hours, f"story/{key}-x", "a1c3")
    with client_for(server) as client:
        (alice,) = users_by_email(client, ALICE)
    fields = lockfields.to_fields(lock) | {"ScheduleState": "In-Progress", "Owner": alice.ref}
    set_rally_fields(server, key, fields | {"c_PantheonStatus": "In Progress"})
    return lock


def test_sync_reads_locks_exactly_and_rallys_dependencies(workspace: Any, cli: CLI) -> None:
    lock = alices_lock(workspace, "US-122")
    with client_for(workspace) as client:
        us120 = client.wire.find_story(StoryKey.parse("US-120"), fetch=("FormattedID",))
        us121 = client.wire.find_story(StoryKey.parse("US-121"), fetch=("FormattedID",))
        client.wire.update(us121["_ref"], {"Predecessors": [us120["_ref"]]})
    code, out, err = cli("sync", "--json")
    assert code == 0, err
    stories = Path(".bmad/rally-cache/stories/epic-17")
    doc = json.loads((stories / "US-122.json").read_text())
    held = doc["bmad"]["lock"]
    assert held["holder"] == ALICE
    assert held["locked_at"] == format_time(lock.locked_at)  # to the millisecond
    assert held["expires"] == format_time(lock.expires)
    after = json.loads((stories / "US-121.json").read_text())["bmad"]
    before = json.loads((stories / "US-120.json").read_text())["bmad"]
    assert after["predecessors"] == ["US-120"]
    assert before["successors"] == ["US-121"]
    code, out, _ = cli("status", "--json")
    assert code == 0
    board = json.loads(out)
    shown = [s for e in board["epics"] for c in e.values() if isinstance(c, list) for s in c]
    (us122,) = [s for s in shown if s["key"] == "US-122"]
    assert us122["locked_by"] == ALICE
    assert us122["lock_expires"] == format_time(lock.expires)


def test_completing_a_story_releases_it_and_moves_it_forward(
    workspace: Any, git_repo: GitRepo, cli: CLI
) -> None:
    alices_lock(workspace, "US-121")
    git_repo.git("checkout", "-q", "-b", "story/US-121-add-login-endpoint")
    sha = git_repo.commit({"src/login.py": "def login():\n    return True\n"}, "US-121 login")
    code, out, err = cli("complete", "--coverage", str(COVERAGE), "--json")
    assert code == 0, err
    names = ("c_PantheonStatus", "c_CommitSHA", "ScheduleState", "c_LockedBy", "c_LockToken",
             "c_LockExpiry")  # fmt: skip
    fields = rally_fields(workspace, "US-121", names)
    assert fields["c_PantheonStatus"] == "Code Review"
    assert fields["ScheduleState"] == "In-Progress"
    assert fields["c_CommitSHA"] == sha
    assert (fields["c_LockedBy"], fields["c_LockToken"], fields["c_LockExpiry"]) == ("", "", None)
    code, out, err = cli("complete", "--json")
    assert code == 0, err
    assert json.loads(out)["verdict"] == "unchanged"


def test_a_story_past_accepted_is_never_moved_back(
    rally_thread_factory: Callable[..., Any],
    git_repo: GitRepo,
    monkeypatch: pytest.MonkeyPatch,
    cli: CLI,
) -> None:
    """A workspace with a state after Accepted, under a name pantheon cannot guess (research
    §10.7): its order is read from the workspace's schema, so checkout and complete treat a
    story in it as done instead of moving it back to In-Progress."""
    server = rally_thread_factory(settings=WorkspaceSettings(state_after="Shipped To Prod"))
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PANTHEON_USER", ALICE)
    monkeypatch.chdir(git_repo.path)
    set_rally_fields(server, "US-123", {"ScheduleState": "Shipped To Prod"})
    code = cli("checkout", "US-123", "--no-branch", "--json")[0]
    assert code == 1
    assert rally_fields(server, "US-123", ("ScheduleState",))["ScheduleState"] == "Shipped To Prod"
    git_repo.git("checkout", "-q", "-b", "story/US-123-x")
    git_repo.commit({"src/x.py": "x = 1\n"}, "US-123 x")
    code, _, err = cli("complete", "--json")
    assert code in (0, 1), err
    assert rally_fields(server, "US-123", ("ScheduleState",))["ScheduleState"] == "Shipped To Prod"
