"""Who holds an overlapping story, as `pantheon conflicts` says it: from the Rally cache, which
is only as fresh as its last sync. Two clones of one remote, the emulator over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.gitrepo import make_repo
from tests.support.locks import Run, lock_as

BOB = "bob@example.com"


def test_a_story_locked_since_the_last_sync_is_not_called_unlocked(
    lock_env: Any,
    pantheon: Callable[..., Run],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = make_repo(tmp_path, "alice")
    bob = alice.clone(tmp_path / "bob")
    monkeypatch.chdir(alice.path)
    assert pantheon("sync").code == 0  # US-121 is free when alice syncs
    now = datetime.now(UTC)
    lock_as(lock_env, "US-121", BOB, now, now + timedelta(hours=8))  # bob takes it afterwards
    bob.git("checkout", "-q", "-b", "story/US-121-add-login-endpoint")
    bob.commit({"src/user.py": "name = ''\n"}, "US-121: login")
    bob.git("push", "-q", "origin", "HEAD")
    alice.git("checkout", "-q", "-b", "story/US-120-create-user-model")
    alice.commit({"src/user.py": "class User: ...\n"}, "US-120: user model")
    alice.git("fetch", "-q")
    stale = pantheon("conflicts")
    assert stale.code == 0, stale.err
    assert "not locked" not in stale.out
    assert "US-121  origin/story/US-121-add-login-endpoint  (no lock in the cache)" in stale.out
    assert "`pantheon sync` updates who holds them" in stale.out
    assert pantheon("sync").code == 0
    fresh = pantheon("conflicts")
    assert f"(held by {BOB})" in fresh.out
    assert f"Next: talk to {BOB} before pushing" in fresh.out
    assert "pantheon sync" not in fresh.out


@pytest.mark.parametrize("args", [(), ("--all",), ("US-121",)])
def test_outside_a_repository_conflicts_says_so_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pantheon: Callable[..., Run],
    args: tuple[str, ...],
) -> None:
    monkeypatch.chdir(tmp_path)
    result = pantheon("conflicts", *args)
    assert result.code == 4
    assert result.err.startswith(f"error: not inside a git repository: {tmp_path}\n"), result.err
    assert "rev-parse" not in result.err
