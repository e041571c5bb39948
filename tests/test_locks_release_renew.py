"""``pantheon release`` and ``pantheon renew`` against the emulator."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.app import App
from pantheon_git.cache.events import read_events
from pantheon_git.core import fields as lockfields
from pantheon_git.core.timefmt import parse_time
from pantheon_git.errors import RallyUnreachable
from pantheon_git.features.locks import run as locking
from tests.support.gitrepo import GitRepo
from tests.support.locks import Run, lock_as, now, rally_fields, rally_lock, set_rally_fields

Pantheon = Callable[..., Run]
ME = "alice@example.com"
BOB = "bob@example.com"
ALL = ("FormattedID", "Name", "ScheduleState", "c_LockedBy", "c_LockedAt", "c_LockExpiry",
       "c_LockToken", "c_Branch", "c_PantheonStatus", "Description", "PlanEstimate",
       "Owner")  # fmt: skip


def assignments(repo: GitRepo) -> dict[str, Any]:
    doc = json.loads((repo.path / ".bmad/rally-cache/assignments.json").read_text())
    return dict(doc["locks"])


# --- release ---------------------------------------------------------------------------------


def test_release_your_lock_from_the_story_branch(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    assert pantheon("checkout", "US-121").code == 0
    assert "US-121" in assignments(repo)
    result = pantheon("release", "--json")
    assert result.code == 0, result.err
    assert result.json()["action"] == "released"
    fields = rally_fields(lock_env, "US-121")
    assert not fields["c_LockedBy"]
    assert fields["c_LockedAt"] is None
    assert fields["c_LockExpiry"] is None
    assert fields["c_Branch"] == "story/US-121-add-login-endpoint"  # the work stays findable
    assert fields["ScheduleState"] == "In-Progress"  # states only move forward
    assert "US-121" not in assignments(repo)
    outcomes = [(e["event"], e["outcome"]) for e in read_events(repo.path / ".bmad/rally-cache")]
    assert outcomes == [("checkout", "won"), ("release", "released")]
    text = pantheon("checkout", "US-121", "--no-branch")
    assert text.code == 0  # free again


def test_release_someone_elses_lock_is_refused(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    lock_as(lock_env, "US-122", BOB, now(), now() + timedelta(hours=2))
    before = rally_fields(lock_env, "US-122", ALL)
    result = pantheon("release", "US-122")
    assert result.code == 1
    assert "bob@example.com holds it" in result.out
    assert rally_fields(lock_env, "US-122", ALL) == before


@pytest.mark.parametrize("holder", [ME, BOB])
def test_release_of_an_expired_lock_changes_nothing(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon, holder: str
) -> None:
    lock_as(lock_env, "US-122", holder, now() - timedelta(hours=30), now() - timedelta(hours=6))
    before = rally_fields(lock_env, "US-122", ALL)
    result = pantheon("release", "US-122", "--json")
    assert result.code == 0
    assert result.json()["action"] == "already_expired"
    assert rally_fields(lock_env, "US-122", ALL) == before


def test_release_of_a_free_story(repo: GitRepo, lock_env: Any, pantheon: Pantheon) -> None:
    result = pantheon("release", "US-123")
    assert result.code == 0
    assert "is not locked" in result.out


@pytest.mark.parametrize("command", ["release", "renew"])
def test_outside_a_story_branch_the_story_is_named_with_the_same_command(
    repo: GitRepo, pantheon: Pantheon, command: str
) -> None:
    result = pantheon(command)
    assert result.code == 2
    assert "not a story branch" in result.err
    assert f"Name the story: `pantheon {command} US-123`." in result.err


# --- renew -----------------------------------------------------------------------------------


def test_renew_extends_the_expiry_only(repo: GitRepo, lock_env: Any, pantheon: Pantheon) -> None:
    assert pantheon("checkout", "US-124", "--lock-hours", "1").code == 0
    before = rally_fields(lock_env, "US-124", ALL)
    result = pantheon("renew", "--hours", "30", "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["action"] == "renewed"
    after = rally_fields(lock_env, "US-124", ALL)
    lock, previous = rally_lock(lock_env, "US-124"), lockfields.from_fields(before, 24)
    assert lock is not None
    assert previous is not None
    expires = lock.expires
    assert timedelta(hours=29.9) < expires - now() < timedelta(hours=30.1)
    assert parse_time(doc["expires"]) == expires
    assert parse_time(doc["previous_expiry"]) == previous.expires
    assert (lock.token, lock.locked_at) == (previous.token, previous.locked_at)  # the same lock
    changed = {k for k in ALL if before.get(k) != after.get(k)}
    assert changed <= {"c_LockExpiry", "c_LockToken"}  # the expiry, and the token's copy of it
    assert "c_LockToken" in changed
    cached = assignments(repo)["US-124"]
    assert parse_time(cached["expires"]) == expires
    text = pantheon("renew", "US-124", "--hours", "2")  # never shortened
    assert text.code == 0
    assert "🔒 Renewed: US-124 - Implement login form" in text.out
    assert rally_fields(lock_env, "US-124", ALL) == after


def test_renew_someone_elses_lock_is_refused(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    lock_as(lock_env, "US-125", BOB, now(), now() + timedelta(hours=2))
    before = rally_fields(lock_env, "US-125", ALL)
    result = pantheon("renew", "US-125")
    assert result.code == 1
    assert rally_fields(lock_env, "US-125", ALL) == before


def test_renew_an_expired_lock_of_yours_takes_it_again(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    old = now() - timedelta(hours=30)
    lock_as(lock_env, "US-125", ME, old, now() - timedelta(hours=6))
    result = pantheon("renew", "US-125", "--json")
    assert result.code == 0, result.err
    assert result.json()["action"] == "retaken"
    lock = rally_lock(lock_env, "US-125")
    assert lock is not None
    assert lock.holder == ME
    assert lock.locked_at > old
    assert lock.expires > now() + timedelta(hours=23)


@pytest.mark.parametrize("expired_holder", [None, BOB])
def test_renew_needs_a_lock_of_yours(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon, expired_holder: str | None
) -> None:
    if expired_holder:
        lock_as(
            lock_env, "US-126", expired_holder, now() - timedelta(days=2), now() - timedelta(days=1)
        )
    before = rally_fields(lock_env, "US-126", ALL)
    result = pantheon("renew", "US-126")
    assert result.code == 1
    assert "You do not hold US-126" in result.out
    assert "pantheon checkout US-126" in result.out
    assert rally_fields(lock_env, "US-126", ALL) == before


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        (
            {"ScheduleState": "In-Progress", "c_PantheonStatus": "Code Review"},
            "US-126 is in Code Review: review fixes need no lock",
        ),
        ({"ScheduleState": "Completed", "c_PantheonStatus": "Completed"}, "US-126 is Completed"),
    ],
)
def test_renew_of_a_story_past_in_progress_names_its_state_not_a_checkout_that_refuses(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon, fields: dict[str, str], said: str
) -> None:
    set_rally_fields(lock_env, "US-126", fields)
    result = pantheon("renew", "US-126")
    assert result.code == 1
    assert said in result.out
    assert "pantheon checkout US-126" not in result.out
    assert pantheon("checkout", "US-126").code == 1  # what the old hint led to


def test_renew_for_the_hook_fails_fast_offline(
    git_repo: GitRepo, lock_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("RALLY_URL", f"http://127.0.0.1:{port}")
    app = App.load(cwd=git_repo.path)
    with pytest.raises(RallyUnreachable):
        locking.renew(app, "US-121", timeout=0.5)
    assert not (git_repo.path / ".bmad").exists()


def test_renew_as_a_function_with_a_short_timeout(git_repo: GitRepo, lock_env: Any) -> None:
    app = App.load(cwd=git_repo.path)
    lock_as(lock_env, "US-127", ME, now(), now() + timedelta(hours=1))
    report = locking.renew(app, "US-127", timeout=5.0)
    assert report.action == "renewed"
    assert report.lock is not None
    assert report.lock.expires > now() + timedelta(hours=23)


def test_renew_writes_the_event_log(repo: GitRepo, lock_env: Any, pantheon: Pantheon) -> None:
    lock_as(lock_env, "US-128", ME, now(), now() + timedelta(hours=1))
    before = now().replace(microsecond=0)  # stamps keep milliseconds
    assert pantheon("renew", "US-128").code == 0
    after = now()
    events = list(read_events(Path(".bmad/rally-cache")))
    assert [(e["event"], e["story"], e["user"], e["outcome"]) for e in events] == [
        ("renew", "US-128", ME, "renewed")
    ]
    assert before <= parse_time(events[0]["time"]) <= after  # stamped when it happened


def test_renew_without_retaking_reports_a_lapsed_lock(git_repo: GitRepo, lock_env: Any) -> None:
    lock_as(lock_env, "US-129", ME, now() - timedelta(hours=30), now() - timedelta(hours=6))
    before = rally_fields(lock_env, "US-129", ALL)
    report = locking.renew(App.load(cwd=git_repo.path), "US-129", retake=False)
    assert report.action == "not_locked"
    assert report.exit_code == 1
    assert rally_fields(lock_env, "US-129", ALL) == before


def test_a_busy_cache_does_not_fail_the_renewal(git_repo: GitRepo, lock_env: Any) -> None:
    from pantheon_git.cache import pending
    from pantheon_git.cache.store import Cache

    warnings: list[str] = []
    app = App.load(cwd=git_repo.path, warn=warnings.append)
    lock_as(lock_env, "US-129", ME, now(), now() + timedelta(hours=1))
    with Cache(git_repo.path).exclusive():  # a sync is writing the cache
        report = locking.renew(app, "US-129", timeout=0.3)
    assert report.action == "renewed"
    lock = rally_lock(lock_env, "US-129")
    assert lock is not None
    assert lock.expires > now() + timedelta(hours=23)
    # The renewal is recorded beside the busy cache, for the hooks and the sync to take in.
    assert warnings == []
    record = json.loads((pending.folder(Cache(git_repo.path)) / "US-129.json").read_text())
    assert parse_time(record["lock"]["expires"]) == lock.expires


def test_a_story_file_of_another_version_does_not_fail_the_renewal(
    git_repo: GitRepo, lock_env: Any
) -> None:
    from pantheon_git.cache import stories
    from pantheon_git.cache.store import Cache
    from pantheon_git.core.keys import StoryKey
    from pantheon_git.core.story import Story

    cache = Cache(git_repo.path)
    path = stories.put(cache, Story(StoryKey.parse("US-129"), "Old", epic="F17"), {})
    path.write_text(json.dumps({"bmad": {"key": "US-129", "title": "Old"}}))  # no schema
    warnings: list[str] = []
    app = App.load(cwd=git_repo.path, warn=warnings.append)
    lock_as(lock_env, "US-129", ME, now(), now() + timedelta(hours=1))
    report = locking.renew(app, "US-129")
    assert report.action == "renewed"
    assert warnings == [
        "local cache not updated: .bmad/rally-cache/stories/epic-17/US-129.json has no schema "
        "version (an older pantheon wrote it): run `pantheon sync --force` to rebuild it"
    ]
