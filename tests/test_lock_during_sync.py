"""A lock won while a sync holds the cache is never lost: the checkout records it beside the
busy cache (the hooks read it at once), and the sync takes it into the generation it writes
instead of its older snapshot; a record older than the sync's own read is dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.app import App
from pantheon_git.cache import pending
from pantheon_git.cache import stories as cached_stories
from pantheon_git.cache.store import Cache
from pantheon_git.config import load_config
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock
from pantheon_git.features.sync.run import SyncOptions
from pantheon_git.features.sync.run import run as run_sync
from tests.support.gitrepo import GitRepo
from tests.support.hostile import refused_url
from tests.support.locks import rally_env, rally_fields
from tests.support.sync import pantheon_process

ALICE = "alice@example.com"


def _run(repo: GitRepo, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    proc = pantheon_process(list(args), repo.path, env)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


@pytest.fixture
def synced(git_repo: GitRepo, rally_thread: Any) -> tuple[GitRepo, dict[str, str]]:
    env = {**rally_env(rally_thread), "PANTHEON_LOCK_CHECK_TTL": "3600"}
    code, _, err = _run(git_repo, env, "sync")
    assert code == 0, err
    return git_repo, env


def test_a_lock_won_while_the_cache_is_busy_lets_the_holder_commit(
    synced: tuple[GitRepo, dict[str, str]], rally_thread: Any
) -> None:
    repo, env = synced
    with Cache(repo.path).exclusive(wait=5, what="a test standing for a long sync"):
        code, _, err = _run(repo, env, "checkout", "US-121")
        assert code == 0, err
        assert "local cache not updated" not in err
        assert rally_fields(rally_thread, "US-121")["c_LockedBy"] == ALICE
        # The commit hook trusts the cache (lock_check_ttl) and Rally cannot be asked: the
        # record beside the busy cache is what says the story is hers.
        offline = {**env, "RALLY_URL": refused_url()}
        code, _, err = _run(repo, offline, "hook", "pre-commit")
        assert code == 0, err
        assert "not locked by anyone" not in err


def _app(repo: GitRepo, env: dict[str, str], started: datetime) -> App:
    config = load_config(cwd=repo.path, environ=env)
    return App(config=config, root=repo.path, now=lambda: started)


def test_a_sync_takes_in_a_lock_recorded_after_its_read_and_drops_an_older_one(
    synced: tuple[GitRepo, dict[str, str]],
) -> None:
    repo, env = synced
    cache = Cache(repo.path)
    started = datetime.now(UTC).replace(microsecond=0)
    newer = Lock(ALICE, started, started + timedelta(hours=8), token="t1")
    fields = {"c_LockedBy": ALICE, "c_LockedAt": "t1", "c_LockExpiry": "x"}
    pending.record(cache, StoryKey.parse("US-122"), fields, newer, started + timedelta(seconds=1))
    older = Lock("bob@example.com", started, started + timedelta(hours=8))
    pending.record(cache, StoryKey.parse("US-123"), {}, older, started - timedelta(seconds=1))
    app = _app(repo, env, started)
    try:
        outcome = run_sync(app, SyncOptions())
    finally:
        app.close()
    assert any("US-122" in note for note in outcome.summary.notes)
    kept = cached_stories.find(cache, StoryKey.parse("US-122"))
    assert kept is not None
    assert kept.story.lock == newer
    assert kept.rally["c_LockedBy"] == ALICE
    dropped = cached_stories.find(cache, StoryKey.parse("US-123"))
    assert dropped is not None
    assert dropped.story.lock is None  # Rally, read after that record, holds no lock
    assert not list(Path(pending.folder(cache)).glob("*.json"))
