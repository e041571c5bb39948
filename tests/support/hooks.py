"""Fixtures for the git hooks: repositories whose hooks are this project's plain scripts,
a Rally cache seeded with locks, and story locks set in the emulator behind the tool's back.

::

    def test_x(hooked_repo, monkeypatch):
        repo = hooked_repo                       # core.hooksPath = <project>/hooks
        repo.git("checkout", "-q", "-b", "story/US-5-thing")
        seed_lock(repo.path, "US-5", "alice@example.com")      # a fresh cached lock
        proc = run_git(repo, "commit", "--allow-empty", "-m", "work")  # runs the real hooks
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.cache import assignments
from pantheon_git.cache import stories as story_files
from pantheon_git.cache.store import Cache
from pantheon_git.core import fields as lockfields
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock, Story
from pantheon_git.rally.users import users_by_email
from tests.support.gitrepo import GitRepo, make_repo
from tests.support.locks import FAST_TIMING, client_for, lock_as, set_rally_fields

PROJECT = Path(__file__).resolve().parents[2]
PLAIN_HOOKS = PROJECT / "hooks"
ALICE = "alice@example.com"
BOB = "bob@example.com"


def now() -> datetime:
    return datetime.now(UTC)


def seed_lock(
    root: Path,
    key: str,
    holder: str | None,
    *,
    expires: datetime | None = None,
    age: float = 0.0,
    state: str = "In Progress",
    title: str = "A story",
    owner: str | None = None,
) -> Path:
    """Put a story with this lock into the Rally cache (as a sync would), written ``age``
    seconds ago. ``holder=None``: not locked. ``owner``: Rally's Owner."""
    cache = Cache(root)
    moment = now()
    lock = None
    if holder is not None:
        lock = Lock(holder, moment - timedelta(hours=1), expires or moment + timedelta(hours=8))
    story = Story(
        key=StoryKey.parse(key), title=title, epic="F17", state=state, lock=lock, owner=owner
    )
    path = story_files.put(cache, story, {"FormattedID": StoryKey.parse(key).formatted_id})
    assignments.write(cache, assignments.Assignments.of(story_files.load(cache), moment))
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def run_git(
    repo: GitRepo, *args: str, env: Mapping[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """git in the repository, hooks and all; never raises (tests look at the outcome)."""
    full = {**os.environ, **(env or {})}
    return subprocess.run(
        ["git", *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env=full,
        input=input,
        check=False,
        timeout=120,
    )


def hook(
    repo: GitRepo,
    stage: str,
    *args: str,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """``pantheon hook STAGE ARGS`` run as git would: a process in the work tree's root."""
    full = {**os.environ, **(env or {})}
    return subprocess.run(
        ["pantheon", "hook", stage, *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env=full,
        input=input if input is not None else "",
        check=False,
        timeout=120,
    )


def use_plain_hooks(repo: GitRepo) -> GitRepo:
    repo.git("config", "core.hooksPath", str(PLAIN_HOOKS))
    return repo


@pytest.fixture
def hooked_repo(tmp_path: Path) -> GitRepo:
    """A repository (bare remote ``origin``, ``main`` pushed) whose hooks are ``hooks/``."""
    repo = make_repo(tmp_path)
    return use_plain_hooks(repo)


# --- the emulator ---------------------------------------------------------------------------


def rally_env(server: Any) -> dict[str, str]:
    """RALLY_* for ``server`` and lock timings fit for a local emulator (renew at push may
    take a lapsed lock again through the protocol)."""
    return {**server.env(), **FAST_TIMING}


def assign_in_rally(server: Any, key: str, email: str, **fields: Any) -> None:
    """Make ``email`` the story's Rally Owner (and set ``fields``), behind the tool's back."""
    with client_for(server) as client:
        (user,) = users_by_email(client, email)
    set_rally_fields(server, key, {"Owner": user.ref, **fields})


def lock_in_rally(
    server: Any, key: str, holder: str | None, *, expires: datetime | None = None
) -> None:
    """Lock a story in Rally as ``holder`` (``None``: clear the lock), behind the tool's back."""
    moment = now()
    if holder is None:
        set_rally_fields(server, key, lockfields.to_fields(None))
    else:
        lock_as(
            server, key, holder, moment - timedelta(hours=1), expires or moment + timedelta(hours=8)
        )
