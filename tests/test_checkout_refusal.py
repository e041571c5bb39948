"""A refused checkout writes the lock it saw into the cache, so the hooks of that clone name
the holder right away (the cached entry from the last sync may be minutes old and unlocked)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pantheon_git.cache import stories
from pantheon_git.cache.store import Cache
from pantheon_git.core.keys import StoryKey
from pantheon_git.rally import records
from pantheon_git.rally.mapping import story_fetch, story_from_rally
from tests.support import cachefiles
from tests.support.gitrepo import GitRepo
from tests.support.locks import Run, client_for, lock_as

BOB = "bob@example.com"


def cache_story_as_synced(repo: GitRepo, server: Any, key: str) -> None:
    """What `pantheon sync` leaves: the story's entry, written before anyone locked it."""
    from pantheon_git.core.fields import FieldNames

    with client_for(server) as client:
        story = client.find_story(
            StoryKey.parse(key), decode=records.story, fetch=story_fetch(FieldNames())
        )
    cache = Cache(repo.path)
    cachefiles.write_meta(cache, last_sync=datetime.now(UTC))
    stories.put(cache, story_from_rally(story), story.raw)


def test_refusal_records_the_holder_for_the_hooks(
    git_repo: GitRepo, lock_env: Any, pantheon: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(git_repo.path)
    cache_story_as_synced(git_repo, lock_env, "US-126")
    assert stories.find_story(Cache(git_repo.path), StoryKey.parse("US-126")).lock is None  # type: ignore[union-attr]
    locked_at = datetime.now(UTC) - timedelta(minutes=5)
    lock_as(lock_env, "US-126", BOB, locked_at, locked_at + timedelta(hours=24))

    result: Run = pantheon("checkout", "US-126")
    assert result.code == 1

    cached = stories.find_story(Cache(git_repo.path), StoryKey.parse("US-126"))
    assert cached is not None
    assert cached.lock is not None
    assert cached.lock.holder == BOB
    # the pre-commit hook of this clone, on that story's branch, names bob
    git_repo.git("switch", "-q", "-c", "story/US-126-add-oauth-integration")
    hook = subprocess.run(
        [sys.executable, "-m", "pantheon_git", "hook", "pre-commit"],
        cwd=git_repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert hook.returncode == 1
    assert f"locked by {BOB}" in hook.stderr
