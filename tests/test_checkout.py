"""``pantheon checkout`` against the Rally emulator with real git repositories."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.bmad import ParsedStory, parse_story
from pantheon_git.cache import stories
from pantheon_git.cache.events import read_events
from pantheon_git.cache.store import Cache
from pantheon_git.core import fields as lockfields
from pantheon_git.core.fields import FieldNames
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.timefmt import parse_time
from pantheon_git.rally import records
from pantheon_git.rally.mapping import story_fetch, story_from_rally
from tests.support import cachefiles
from tests.support.gitrepo import GitRepo
from tests.support.locks import (
    Run,
    client_for,
    lock_as,
    now,
    rally_fields,
    rally_lock,
    set_rally_fields,
)

Pantheon = Callable[..., Run]
BOB = "bob@example.com"


def branch_of(repo: GitRepo) -> str:
    return repo.git("symbolic-ref", "--short", "HEAD").strip()


def tree_state(repo: GitRepo) -> tuple[str, str, list[str]]:
    """Everything checkout could touch locally: refs, status, files."""
    refs = repo.git("for-each-ref", "--format=%(refname) %(objectname)")
    status = repo.git("status", "--porcelain", "--ignored", "--untracked-files=all")
    files = sorted(
        str(p.relative_to(repo.path)) for p in repo.path.rglob("*") if ".git" not in p.parts
    )
    return refs, status, files


# --- success --------------------------------------------------------------------------------


def test_checkout_locks_starts_the_branch_and_writes_the_story(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    before = now()
    result = pantheon("checkout", "us121", "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["story"] == "US-121"
    assert doc["locked"] is True
    assert doc["locked_by"] == "alice@example.com"
    assert doc["branch"] == "story/US-121-add-login-endpoint"
    expires = parse_time(doc["expires"])
    assert timedelta(hours=23.9) < expires - before < timedelta(hours=24.1)

    fields = rally_fields(lock_env, "US-121")
    assert fields["c_LockedBy"] == "alice@example.com"
    lock = rally_lock(lock_env, "US-121")
    assert lock is not None
    assert lock.expires == expires
    assert fields["c_Branch"] == "story/US-121-add-login-endpoint"
    assert fields["ScheduleState"] == "In-Progress"
    assert fields["c_PantheonStatus"] == "In Progress"

    assert branch_of(repo) == "story/US-121-add-login-endpoint"
    assert repo.git("rev-parse", "HEAD") == repo.git("rev-parse", "origin/main")
    upstream = repo.git("rev-parse", "--abbrev-ref", "@{upstream}", check=False)
    assert upstream.strip() == ""  # not tracking main: a plain push cannot land on main
    # the cache and event log stay out of git; only the story file is new
    status = repo.git("status", "--porcelain", "--untracked-files=all")
    assert status == "?? docs/stories/US-121.md\n"

    cached = stories.find_story(Cache(repo.path), StoryKey.parse("US-121"))
    assert cached is not None
    assert cached.lock is not None
    assert cached.lock.holder == "alice@example.com"
    assert cached.state == "In Progress"
    assignments = json.loads((repo.path / ".bmad/rally-cache/assignments.json").read_text())
    assert assignments["locks"]["US-121"]["branch"] == "story/US-121-add-login-endpoint"
    events = list(read_events(repo.path / ".bmad/rally-cache"))
    assert [(e["event"], e["story"], e["user"], e["outcome"]) for e in events] == [
        ("checkout", "US-121", "alice@example.com", "won")
    ]


def test_the_report_is_the_seeds(repo: GitRepo, pantheon: Pantheon) -> None:
    result = pantheon("checkout", "US-122")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "Story Checkout Successful"
    assert "Story: US-122 - Add registration endpoint" in lines
    assert "Epic:  F17 - User Authentication" in lines
    assert "✅ Locked in Rally (expires in 24 hours)" in lines
    assert "✅ Status updated: Defined → In Progress" in lines
    assert "✅ Branch created: story/US-122-add-registration-endpoint from origin/main" in lines
    assert "✅ Local cache updated" in lines
    assert "✅ Story file written: docs/stories/US-122.md" in lines
    # The next steps are commands that exist, not the seed's /story-pipeline.
    assert lines[-4:] == [
        "Ready to start:",
        '  git commit -m "US-122: ..."   (the hooks check your lock)',
        "  git push -u origin story/US-122-add-registration-endpoint   (renews the lock)",
        "  pantheon complete   (or open a pull request: Code Review)",
    ]
    assert "/story-pipeline" not in result.out


def test_the_story_file_reads_back_as_the_rally_story(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    assert pantheon("checkout", "US-123", "--lock-hours", "2").code == 0
    text = (repo.path / "docs/stories/US-123.md").read_text(encoding="utf-8")
    parsed = parse_story(text, "docs/stories/US-123.md")
    assert isinstance(parsed, ParsedStory)
    with client_for(lock_env) as client:
        found = client.find_story(
            StoryKey.parse("US-123"), decode=records.story, fetch=story_fetch(FieldNames())
        )
        fetch = ("FormattedID", "Name", "State")
        tasks = client.collection(found, "Tasks", decode=records.task, fetch=fetch)
    story = story_from_rally(found, tasks=tasks)
    assert story.tasks  # the demo story has tasks and criteria: the comparison means something
    assert story.acceptance_criteria
    assert parsed.title == story.title
    assert tuple(c.text for c in parsed.criteria) == story.acceptance_criteria
    assert [t.name for t in parsed.tasks] == [t.name for t in story.tasks]
    assert parsed.rally is not None
    assert parsed.rally.key == StoryKey.parse("US-123")
    assert parsed.status is not None
    assert parsed.status.raw == "InProgress"


def test_checking_out_your_own_story_renews_and_switches_back(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    assert pantheon("checkout", "US-124", "--lock-hours", "1").code == 0
    first = rally_fields(lock_env, "US-124")
    repo.git("switch", "-q", "main")
    (repo.path / "docs/stories/US-124.md").write_text("my notes\n")  # work in the story file
    again = pantheon("checkout", "US-124", "--json")
    assert again.code == 0, again.err
    assert again.json()["outcome"] == "renewed"
    assert branch_of(repo) == "story/US-124-implement-login-form"
    second = rally_fields(lock_env, "US-124")
    assert second["c_LockedAt"] == first["c_LockedAt"]  # same lock, longer lease
    held, renewed = (lockfields.from_fields(f, 24) for f in (first, second))
    assert held is not None
    assert renewed is not None
    assert renewed.token == held.token
    assert renewed.expires > held.expires
    assert (repo.path / "docs/stories/US-124.md").read_text() == "my notes\n"
    assert "renewed" in [e["outcome"] for e in read_events(repo.path / ".bmad/rally-cache")]


def test_an_expired_lock_is_taken(repo: GitRepo, lock_env: Any, pantheon: Pantheon) -> None:
    lock_as(lock_env, "US-126", BOB, now() - timedelta(hours=30), now() - timedelta(hours=6))
    result = pantheon("checkout", "US-126", "--json", "--no-branch")
    assert result.code == 0, result.err
    assert result.json()["replaced_expired_lock"] == BOB
    assert rally_fields(lock_env, "US-126")["c_LockedBy"] == "alice@example.com"
    assert branch_of(repo) == "main"


def test_a_migrated_story_file_is_kept(repo: GitRepo, pantheon: Pantheon) -> None:
    migrated = repo.path / "docs/stories/1.3.story.md"
    repo.commit({"docs/stories/1.3.story.md": "# Story 1.3: Profile\n\nRally: US123\n"})
    repo.git("push", "-q", "origin", "main")  # story branches start from origin/main
    result = pantheon("checkout", "US-123", "--json")
    assert result.code == 0, result.err
    assert result.json()["story_file"] == "docs/stories/1.3.story.md"
    assert result.json()["story_file_action"] == "kept"
    assert not (repo.path / "docs/stories/US-123.md").exists()
    assert migrated.read_text() == "# Story 1.3: Profile\n\nRally: US123\n"


# --- refusal ----------------------------------------------------------------------------------


def test_someone_elses_lock_is_refused_with_alternatives(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    locked_at = now() - timedelta(hours=1)
    lock_as(lock_env, "US-121", BOB, locked_at, locked_at + timedelta(hours=24))
    lock_as(lock_env, "US-122", "carol@example.com", locked_at, locked_at + timedelta(hours=24))
    before_rally = rally_fields(lock_env, "US-121")
    before_local = tree_state(repo)
    result = pantheon("checkout", "US-121", "--json")
    assert result.code == 1
    doc = result.json()
    assert doc["story"] == "US-121"
    assert doc["locked"] is False
    assert doc["locked_by"] == BOB
    held = lockfields.from_fields(before_rally, 24)
    assert held is not None
    assert parse_time(doc["expires"]) == held.expires
    offered = [a["story"] for a in doc["alternatives"]]
    assert 1 <= len(offered) <= 3
    assert "US-121" not in offered
    assert "US-122" not in offered  # locked by carol
    assert all(a["command"] == f"pantheon checkout {a['story']}" for a in doc["alternatives"])
    assert rally_fields(lock_env, "US-121") == before_rally
    assert tree_state(repo)[0] == before_local[0]
    assert not (repo.path / "docs").exists()
    assert [e["outcome"] for e in read_events(repo.path / ".bmad/rally-cache")] == ["refused"]


@pytest.fixture
def utc_zone() -> Iterator[None]:
    """Times are shown in the local zone: make it UTC for the test, then put it back."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


@pytest.mark.usefixtures("utc_zone")
def test_the_refusal_report_is_the_seeds(repo: GitRepo, lock_env: Any, pantheon: Pantheon) -> None:
    locked_at = datetime(2026, 2, 2, 10, 30, tzinfo=UTC)
    lock_as(lock_env, "US-125", BOB, locked_at, now() + timedelta(days=2))
    result = pantheon("checkout", "US-125")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == "❌ Story Already Locked"
    assert "Story: US-125 - Implement signup form" in lines
    assert "Locked by: bob@example.com" in lines
    assert "Locked at: 2026-02-02 10:30 AM UTC" in lines
    assert "Available alternatives in Epic 17:" in lines
    first = lines.index("Available alternatives in Epic 17:") + 1
    assert lines[first].startswith("  1. US-")
    assert lines[first].endswith("complexity)")
    assert lines[first + 1].startswith("     pantheon checkout US-")
    assert lines[-2] == "Checkout alternative story:"


def test_a_done_story_is_not_checked_out(repo: GitRepo, lock_env: Any, pantheon: Pantheon) -> None:
    set_rally_fields(lock_env, "US-127", {"ScheduleState": "Completed"})
    result = pantheon("checkout", "US-127")
    assert result.code == 1
    assert "already Completed" in result.err
    assert not rally_fields(lock_env, "US-127")["c_LockedBy"]


@pytest.mark.parametrize("args", [[], ["US-121", "--epic", "17"]])
def test_story_or_epic_is_required(repo: GitRepo, pantheon: Pantheon, args: list[str]) -> None:
    result = pantheon("checkout", *args)
    assert result.code == 2
    assert "either a story or --epic" in result.err


def test_bad_lock_timing_is_refused_before_anything_is_written(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANTHEON_LOCK_SETTLE_DELAY", "0.5")  # D must be more than T = 0.5
    result = pantheon("checkout", "US-121")
    assert result.code == 2
    assert "lock_settle_delay > lock_write_bound" in result.err
    assert not rally_fields(lock_env, "US-121")["c_LockedBy"]


# --- --epic -----------------------------------------------------------------------------------


def write_dependencies(repo: GitRepo, edges: list[tuple[int, int]]) -> None:
    cachefiles.write_graph(Cache(repo.path), [], [(f"US-{a}", f"US-{b}") for a, b in edges])


SEED_EDGES = [(120, 121), (120, 122), (120, 123), (121, 124), (122, 125)]


def test_epic_takes_the_first_by_rank_without_dependencies(
    repo: GitRepo, pantheon: Pantheon
) -> None:
    result = pantheon("checkout", "--epic", "17", "--no-branch", "--json")
    assert result.code == 0, result.err
    assert result.json()["story"] == "US-120"


def test_epic_follows_the_critical_path_and_skips_blocked_stories(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    write_dependencies(repo, SEED_EDGES)
    lock_as(lock_env, "US-126", BOB, now(), now() + timedelta(hours=8))
    set_rally_fields(lock_env, "US-120", {"ScheduleState": "Completed"})
    set_rally_fields(lock_env, "US-121", {"ScheduleState": "In-Progress"})
    lock_as(lock_env, "US-121", BOB, now(), now() + timedelta(hours=8))
    # free and unblocked: 122 (on the path 120 -> 122 -> 125), 123, 127..129; 124 waits for 121
    result = pantheon("checkout", "--epic", "F17", "--no-branch", "--json")
    assert result.code == 0, result.err
    assert result.json()["story"] == "US-122"
    result = pantheon("checkout", "--epic", "F17", "--no-branch", "--json")
    assert result.json()["story"] == "US-123"  # off the path now: by rank; 126 is bob's


def test_epic_respects_rally_predecessors(repo: GitRepo, lock_env: Any, pantheon: Pantheon) -> None:
    with client_for(lock_env) as client:
        first = client.wire.find_story(StoryKey.parse("US-120"), fetch=("FormattedID",))
        later = client.wire.find_story(StoryKey.parse("US-200"), fetch=("FormattedID",))
        client.collection_add(first["_ref"], "Predecessors", [later["_ref"]])
    result = pantheon("checkout", "--epic", "17", "--no-branch", "--json")
    assert result.code == 0, result.err
    # US-120 waits for US-200 (epic 18, Rally's Predecessors); US-121..125 wait for US-120
    # (inferred: checkout synced the epic and analysed it, there was no graph); so US-126.
    assert result.json()["story"] == "US-126"


def test_epic_with_nothing_free_says_why(repo: GitRepo, lock_env: Any, pantheon: Pantheon) -> None:
    # bob holds US-120 and the independent stories; US-121..125 wait for US-120 (inferred)
    for n in (120, 126, 127, 128, 129):
        lock_as(lock_env, f"US-{n}", BOB, now(), now() + timedelta(hours=8))
    result = pantheon("checkout", "--epic", "17", "--no-branch")
    assert result.code == 1
    assert "❌ No Story Available" in result.out
    assert "US-121 waits for US-120" in result.out


# --- git safety ---------------------------------------------------------------------------


def test_uncommitted_work_that_would_be_overwritten_stops_before_locking(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon, tmp_path: Path
) -> None:
    other = repo.clone(tmp_path / "teammate")
    other.commit({"README.md": "# changed upstream\n"}, "upstream change")
    other.git("push", "-q", "origin", "main")
    (repo.path / "README.md").write_text("# my local edit\n")
    result = pantheon("checkout", "US-121")
    assert result.code == 4
    assert "README.md" in result.err
    assert "git stash" in result.err
    assert (repo.path / "README.md").read_text() == "# my local edit\n"
    assert branch_of(repo) == "main"
    assert not rally_fields(lock_env, "US-121")["c_LockedBy"]


def test_other_uncommitted_work_comes_along(repo: GitRepo, pantheon: Pantheon) -> None:
    (repo.path / "notes.txt").write_text("keep me\n")
    (repo.path / "README.md").write_text("# edited\n")
    result = pantheon("checkout", "US-121", "--json")
    assert result.code == 0, result.err
    assert result.json()["carried_changes"] == ["README.md", "notes.txt"]
    assert (repo.path / "notes.txt").read_text() == "keep me\n"
    assert (repo.path / "README.md").read_text() == "# edited\n"


HOSTILE = [
    "Fix \"quotes\" and 'single' `backticks`",
    "$(touch pwned) and `touch pwned2`; rm -rf ~",
    "../../etc/passwd .. ~^:?*[\\ @{-1}",
    "Ünïcödé — façade naïve 日本語 テスト",
    "🚀 Launch 🎉 the rocket 🧑‍🚀",
    "word " * 51 + "w",  # 256 characters: Rally's limit for Name
    "-n --orphan HEAD",
    "...",
]


@pytest.mark.parametrize("title", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_titles_make_valid_branches_and_run_nothing(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon, title: str
) -> None:
    with client_for(lock_env) as client:
        epic = client.wire.query("PortfolioItem/Feature", None, fetch=("FormattedID",), limit=1)[0]
        created = client.wire.create(
            "HierarchicalRequirement",
            {"Name": title, "PortfolioItem": epic["_ref"]},
            fetch=("FormattedID",),
        )
    key = str(StoryKey.parse(created["FormattedID"]))
    result = pantheon("checkout", key, "--json")
    assert result.code == 0, result.err
    branch = result.json()["branch"]
    assert branch.startswith(f"story/{key}-")
    assert len(branch) < 80
    argv = ["git", "check-ref-format", "--branch", branch]
    check = subprocess.run(argv, capture_output=True, check=False)
    assert check.returncode == 0
    assert branch_of(repo) == branch
    assert not list(repo.path.rglob("pwned*"))
    assert not list(Path.home().rglob("pwned*"))
    parsed = parse_story((repo.path / f"docs/stories/{key}.md").read_text(), "x.md")
    assert isinstance(parsed, ParsedStory)
    assert parsed.title == " ".join(title.split())


# --- offline ---------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("args", [["US-121"], ["--epic", "17"], ["US-121", "--no-branch"]])
def test_offline_fails_with_exit_5_and_changes_nothing(
    repo: GitRepo, pantheon: Pantheon, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("RALLY_URL", f"http://127.0.0.1:{closed_port()}")
    before = tree_state(repo)
    exclude = (repo.path / ".git/info/exclude").read_bytes()
    result = pantheon("checkout", *args)
    assert result.code == 5
    assert "RALLY_URL" in result.err
    assert tree_state(repo) == before
    assert (repo.path / ".git/info/exclude").read_bytes() == exclude
    assert not (repo.path / ".bmad").exists()


def test_the_event_log_never_holds_the_key(
    rally_thread_factory: Callable[..., Any],
    git_repo: GitRepo,
    pantheon: Pantheon,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "k3y-Very-Secret-0123456789"
    server = rally_thread_factory(api_key=secret)
    monkeypatch.setenv("RALLY_API_KEY", secret)
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PANTHEON_USER", "alice@example.com")
    monkeypatch.setenv("PANTHEON_LOCK_WRITE_BOUND", "0.5")
    monkeypatch.setenv("PANTHEON_LOCK_SETTLE_DELAY", "0.6")
    monkeypatch.chdir(git_repo.path)
    assert pantheon("checkout", "US-121", "--no-branch").code == 0
    lock_as(server, "US-122", BOB, now(), now() + timedelta(hours=1))
    assert pantheon("checkout", "US-122", "--no-branch").code == 1
    cache = git_repo.path / ".bmad"
    for path in cache.rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(encoding="utf-8", errors="replace"), path
    assert len(list(read_events(cache / "rally-cache"))) == 2


def test_a_workspace_without_lock_fields_is_a_config_error(
    rally_thread_factory: Callable[..., Any],
    git_repo: GitRepo,
    pantheon: Pantheon,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = rally_thread_factory(custom_fields={})  # Rally ignores writes to unknown fields
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PANTHEON_USER", "alice@example.com")
    monkeypatch.chdir(git_repo.path)
    before = git_repo.git("for-each-ref")
    result = pantheon("checkout", "US-121")
    assert result.code == 3
    assert "no c_LockedBy, c_LockedAt, c_LockExpiry, c_LockToken field" in result.err
    assert "pantheon doctor --create-fields" in result.err
    assert git_repo.git("for-each-ref") == before
    assert not (git_repo.path / "docs").exists()


def test_the_step_after_no_branch_starts_the_branch_from_the_default_branch(
    repo: GitRepo, pantheon: Pantheon
) -> None:
    """Taken with --no-branch while on another story's branch: the step the report names
    must not start this story on top of that one's commits."""
    repo.git("checkout", "-q", "-b", "story/US-5-other")
    other = repo.commit({"other.txt": "US-5's work\n"}, "US-5: other")
    taken = pantheon("checkout", "US-126", "--no-branch")
    assert taken.code == 0, taken.err
    steps = taken.out.split("Ready to start:\n")[1].splitlines()
    command = steps[0].split("   (")[0].strip()
    assert command == "pantheon checkout US-126"
    assert pantheon(*command.split()[1:]).code == 0
    assert branch_of(repo).startswith("story/US-126-")
    ancestor = subprocess.run(
        ["git", "merge-base", "--is-ancestor", other, "HEAD"], cwd=repo.path, check=False
    )
    assert ancestor.returncode == 1  # US-5's commit is not in US-126's branch
