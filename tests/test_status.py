"""`pantheon status` from a real cache (synced from the emulator) and a real git clone:
the board, each kind of drift, --mine, --epic, offline use, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pantheon_git.core import fields as lockfields
from pantheon_git.core.story import Lock
from pantheon_git.core.timefmt import format_time
from pantheon_git.rally.client import RallyClient
from tests.support.gitrepo import GitRepo
from tests.support.sync import CACHE, CLI, story_ref


def status_json(cli: CLI, *args: str) -> dict[str, Any]:
    code, out, err = cli("status", "--json", *args)
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def synced(cli: CLI) -> None:
    code, _, err = cli("sync", "--json")
    assert code == 0, err


def commit_on(repo: GitRepo, branch: str, when: datetime, *, push: bool = False) -> None:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    env = {"GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_DATE": stamp}
    repo.git("checkout", "-q", "-b", branch, "main")
    name = branch.replace("/", "_")
    repo.write({f"{name}.txt": branch})
    repo.git("add", f"{name}.txt")
    repo.git("commit", "-q", "--no-verify", "-m", branch, env=env)
    if push:
        repo.git("push", "-q", "origin", branch)
    repo.git("checkout", "-q", "main")


def kinds(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(d["kind"], d["key"]) for d in doc["drift"]]


def test_board_from_the_cache(sync_repo: GitRepo, cli: CLI) -> None:
    synced(cli)
    code, out, err = cli("status")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Rally Status: Demo Project (cache from ")
    epic_18 = lines[lines.index("Epic 18: API Integration (8 stories)") :]
    assert epic_18[1] == "   Ready (5): US-200, US-201, US-202, US-205, US-207"
    assert epic_18[2] == "   Locked (2)"
    assert epic_18[3].startswith("      US-203  john.doe@example.com  expires in 23h")
    assert epic_18[5] == "   Code review (0)"
    assert epic_18[6] == "   Done (1): US-206"
    doc = status_json(cli)
    f18 = next(e for e in doc["epics"] if e["id"] == "F18")
    assert [s["key"] for s in f18["locked"]] == ["US-203", "US-204"]
    assert f18["locked"][0]["lock_expires_in_seconds"] > 23 * 3600
    assert [s["key"] for s in f18["done"]] == ["US-206"]
    assert doc["stale"] is False
    assert doc["drift_checked"] is True


def test_each_kind_of_drift(sync_repo: GitRepo, cli: CLI, rally_client: RallyClient) -> None:
    now = datetime.now(UTC)
    ran_out = Lock(
        "bob@example.com", now - timedelta(hours=30), now - timedelta(hours=6), None, "b0b"
    )
    for fid in ("US127", "US128"):  # locks that ran out
        rally_client.wire.update(story_ref(rally_client, fid), lockfields.to_fields(ran_out))
    rally_client.wire.update(
        story_ref(rally_client, "US205"), {"ScheduleState": "In-Progress", "c_PantheonStatus": ""}
    )
    rally_client.wire.update(
        story_ref(rally_client, "US207"),
        {"ScheduleState": "In-Progress", "c_PantheonStatus": "Code Review"},
    )
    synced(cli)
    repo = sync_repo
    commit_on(repo, "story/US-126-oauth", now - timedelta(days=3))  # nobody holds it
    commit_on(repo, "story/US-127-mfa", now - timedelta(hours=2))  # expired, still worked on
    commit_on(repo, "story/US-128-reset", now - timedelta(days=2))  # expired and quiet
    commit_on(repo, "story/US-206-docs", now - timedelta(days=4), push=True)  # completed
    repo.git("branch", "-q", "-D", "story/US-206-docs")  # only origin's copy is left
    commit_on(repo, "story/US-207-keys", now - timedelta(hours=1))  # in review: fine
    commit_on(repo, "story/US-999-elsewhere", now)  # a story the cache does not know
    repo.git("fetch", "-q", "origin")
    doc = status_json(cli)
    assert kinds(doc) == [
        ("no_lock", "US-126"),
        ("expired_but_active", "US-127"),
        ("no_lock", "US-128"),
        ("no_branch", "US-203"),
        ("no_branch", "US-204"),
        ("no_branch", "US-205"),
        ("done_branch_left", "US-206"),
        ("no_lock", "US-999"),
    ]
    by_key = {d["key"]: d for d in doc["drift"]}
    assert by_key["US-127"]["branch"] == "story/US-127-mfa"
    assert "pantheon renew US-127" in by_key["US-127"]["next"]
    assert "expired 6h ago" in by_key["US-128"]["message"]
    assert by_key["US-206"]["branch"] == "origin/story/US-206-docs"
    assert by_key["US-206"]["next"] == "Run `git push origin --delete story/US-206-docs`"
    assert "(locked by john.doe@example.com)" in by_key["US-203"]["message"]
    assert "not in the cache" in by_key["US-999"]["message"]
    code, out, _ = cli("status")
    assert code == 0
    assert "⚠️  US-127: the lock of bob@example.com expired 6h ago, but story/US-127-mfa" in out
    f17 = next(e for e in doc["epics"] if e["id"] == "F17")
    assert [s["key"] for s in f17["in_progress"]] == []
    assert "US-127" in [s["key"] for s in f17["ready"]]  # an expired lock is free
    f18 = next(e for e in doc["epics"] if e["id"] == "F18")
    assert [s["key"] for s in f18["in_progress"]] == ["US-205"]
    assert [s["key"] for s in f18["review"]] == ["US-207"]


def test_mine_and_epic_filters(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced(cli)
    commit_on(sync_repo, "story/US-125-signup", datetime.now(UTC))
    monkeypatch.setenv("PANTHEON_USER", "jane.smith@example.com")
    doc = status_json(cli, "--mine")
    assert doc["mine"] == "jane.smith@example.com"
    assert [(e["id"], e["stories"]) for e in doc["epics"]] == [("F18", 1)]
    assert kinds(doc) == [("no_branch", "US-204")]  # not US-125's branch: not hers
    only_17 = status_json(cli, "--epic", "17")
    assert [e["id"] for e in only_17["epics"]] == ["F17"]
    assert kinds(only_17) == [("no_lock", "US-125")]
    code, _, err = cli("status", "--epic", "42")
    assert code == 2
    assert "no epic 42 in the cache; epics there: F17, F18" in err


def test_works_offline_and_says_how_old(
    sync_repo: GitRepo, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced(cli)
    meta_path = sync_repo.path / CACHE / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["last_sync"] = format_time(datetime.now(UTC) - timedelta(days=3, hours=2))
    meta_path.write_text(json.dumps(meta))
    monkeypatch.setenv("RALLY_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("RALLY_API_KEY")
    code, out, err = cli("status")
    assert code == 0, err
    assert "(cache from 3d 2h ago)" in out.splitlines()[0]
    assert out.splitlines()[-1] == "The cache is 3d 2h old. Next: run `pantheon sync`."
    doc = status_json(cli)
    assert doc["stale"] is True
    assert doc["age_seconds"] >= 3 * 86400


def test_without_a_cache_or_git(
    tmp_path: Any, cli: CLI, sync_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = cli("status")
    assert code == 2
    assert "Run `pantheon sync` first" in err
    outside = tmp_path / "plain"
    outside.mkdir()
    monkeypatch.chdir(outside)
    code, _, err = cli("sync", "--json")
    assert code == 0, err
    doc = status_json(cli)
    assert doc["drift_checked"] is False
    assert "not a git repository" in doc["git_note"]


def test_a_corrupt_cache_is_exit_3_naming_the_file(sync_repo: GitRepo, cli: CLI) -> None:
    synced(cli)
    path = sync_repo.path / CACHE / "stories/epic-18/US-203.json"
    path.write_text("{not json")
    code, out, err = cli("status")
    assert code == 3
    assert out == ""
    assert err.startswith("error: .bmad/rally-cache/stories/epic-18/US-203.json is not JSON")
    assert err.endswith("run `pantheon sync --force` to rebuild it\n")


def test_help(cli: CLI) -> None:
    code, out, _ = cli("status", "--help")
    assert code == 0
    for option in ("--epic", "--mine", "--json"):
        assert option in out


def test_the_next_step_status_names_takes_a_story(
    sync_repo: GitRepo, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bare `pantheon checkout` needs a story or an epic: the step names one that works."""
    from tests.support.locks import FAST_TIMING

    monkeypatch.setenv("PANTHEON_USER", "alice@example.com")
    for name, value in FAST_TIMING.items():
        monkeypatch.setenv(name, value)
    synced(cli)
    code, out, _ = cli("status")
    assert code == 0
    last = out.splitlines()[-1]
    assert last == (
        "Next: `pantheon checkout --epic F17` takes its next ready story; "
        "`pantheon sync` refreshes this."
    )
    assert cli("checkout")[0] == 2  # what the old step named
    code, out, err = cli("checkout", "--epic", "F17", "--no-branch")
    assert code == 0, err
    assert "Story Checkout Successful" in out


def test_a_story_without_a_branch_is_offered_to_check_out_only_when_it_is_yours(
    sync_repo: GitRepo, cli: CLI, monkeypatch: pytest.MonkeyPatch, rally_thread: Any
) -> None:
    from tests.support.locks import lock_as, set_rally_fields

    now = datetime.now(UTC)
    lock_as(rally_thread, "US-126", "alice@example.com", now, now + timedelta(hours=8))
    set_rally_fields(rally_thread, "US-126", {"ScheduleState": "In-Progress"})
    monkeypatch.setenv("PANTHEON_USER", "alice@example.com")
    synced(cli)
    steps = {d["key"]: d["next"] for d in status_json(cli)["drift"] if d["kind"] == "no_branch"}
    # john.doe holds US-203: a checkout would be refused
    assert "pantheon checkout US-203" not in steps["US-203"]
    assert "john.doe@example.com's branch" in steps["US-203"]
    assert steps["US-126"].startswith("Run `pantheon checkout US-126`")
