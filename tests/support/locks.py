"""Fixtures for story locks: an emulator wired into the environment, Rally reads and lock
edits behind the tool's back, and ``pantheon`` run in-process or as a real process.

::

    def test_x(lock_env, pantheon, git_repo, monkeypatch):   # demo backlog, alice, T=0.5 D=0.6
        monkeypatch.chdir(git_repo.path)
        result = pantheon("checkout", "US-121", "--json")
        assert result.code == 0 and result.json()["locked"]
        assert rally_fields(lock_env, "US-121")["c_LockedBy"] == "alice@example.com"
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.core import fields as lockfields
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock
from pantheon_git.rally.client import RallyClient
from tests.support.gitrepo import GitRepo

FAST_TIMING = {"PANTHEON_LOCK_WRITE_BOUND": "0.5", "PANTHEON_LOCK_SETTLE_DELAY": "0.6"}
LOCK_FETCH = ("FormattedID", "Name", "ScheduleState", "c_LockedBy", "c_LockedAt",
              "c_LockExpiry", "c_LockToken", "c_Branch", "c_PantheonStatus")  # fmt: skip


def rally_env(server: Any, user: str = "alice@example.com", **extra: str) -> dict[str, str]:
    """RALLY_* for ``server``, the acting user, and lock timings fit for a local emulator."""
    return {**server.env(), "PANTHEON_USER": user, **FAST_TIMING, **extra}


def client_for(server: Any) -> RallyClient:
    return RallyClient(
        url=server.url, api_key=server.api_key, workspace=server.workspace, project=server.project
    )


def rally_fields(server: Any, key: str, fetch: tuple[str, ...] = LOCK_FETCH) -> dict[str, Any]:
    """A story's fields as Rally holds them now."""
    with client_for(server) as client:
        return client.wire.find_story(StoryKey.parse(key), fetch=fetch)


def rally_lock(server: Any, key: str) -> Lock | None:
    """The story's lock as pantheon reads it from Rally now (exact times from the token,
    whatever precision the workspace keeps its DATE fields to)."""
    return lockfields.from_fields(rally_fields(server, key), default_hours=24)


def set_rally_fields(server: Any, key: str, fields: Mapping[str, Any]) -> None:
    """Change a story in Rally as someone else (or Rally's UI) would."""
    with client_for(server) as client:
        story = client.wire.find_story(StoryKey.parse(key), fetch=("FormattedID",))
        client.wire.update(story["_ref"], fields, fetch=("ObjectID",))


def lock_as(
    server: Any,
    key: str,
    holder: str,
    locked_at: datetime,
    expires: datetime,
    *,
    token: str | None = "other",
) -> None:
    """Lock ``key`` for ``holder`` as pantheon writes a lock (with ``token`` in
    ``c_LockToken``), or, with ``token=None``, as an older pantheon or a person in Rally's UI
    does: the DATE fields alone, kept to whatever precision the workspace keeps."""
    lock = Lock(holder, locked_at, expires, None, token)
    fields = lockfields.to_fields(lock)
    if token is None:
        del fields["c_LockToken"]
    set_rally_fields(server, key, fields)


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def lock_env(rally_thread: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The demo emulator (in a thread) in this process's environment, acting as alice."""
    for name, value in rally_env(rally_thread).items():
        monkeypatch.setenv(name, value)
    return rally_thread


@pytest.fixture
def repo(git_repo: GitRepo, lock_env: Any, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """A git repository as the current directory, the demo emulator in the environment
    (``lock_env``). A module that defines its own ``repo`` fixture uses that one."""
    monkeypatch.chdir(git_repo.path)
    return git_repo


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def pantheon(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run ``pantheon ARGS`` in this process (same code as the console script)."""
    from pantheon_git.main import main

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def spawn_pantheon(args: list[str], *, cwd: Path, env: Mapping[str, str]) -> subprocess.Popen[str]:
    """``pantheon ARGS`` as its own process (what a developer's terminal runs)."""
    full = {**os.environ, **env}
    return subprocess.Popen(
        [sys.executable, "-m", "pantheon_git", *args],
        cwd=cwd,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
