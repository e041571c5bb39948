"""`pantheon sync` against the emulator as a real HTTP server, in real git repositories:
the demo backlog, incremental and full syncs, filters, errors."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.cache import meta as cache_meta
from pantheon_git.cache import stories as cached_stories
from pantheon_git.cache.store import Cache
from pantheon_git.core.keys import EpicRef
from pantheon_git.core.timefmt import parse_time
from pantheon_git.features.metrics.run import story_facts
from pantheon_git.rally.client import RallyClient
from pantheon_git.rally.query import eq
from pantheon_git.rally.records import STORY, TASK
from tests.support.cachefiles import raw
from tests.support.gitrepo import GitRepo
from tests.support.rally import Wsapi
from tests.support.sync import CACHE, CLI, cached, point_at, snapshot, story_ref

EPIC_17 = [f"US-{n}" for n in range(120, 130)]
EPIC_18 = [f"US-{n}" for n in range(200, 208)]


def sync_json(cli: CLI, *args: str) -> dict[str, Any]:
    code, out, err = cli("sync", "--json", *args)
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def story_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root / CACHE).as_posix() for p in cached_stories.paths(Cache(root)))


def test_demo_backlog_syncs_to_the_expected_cache_and_report(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient
) -> None:
    rally_client.collection_add(
        story_ref(rally_client, "US121"), "Predecessors", [story_ref(rally_client, "US120")]
    )
    code, out, err = cli("sync")
    assert code == 0, err
    root = sync_repo.path
    assert story_files(root) == [f"stories/epic-17/{k}.json" for k in EPIC_17] + [
        f"stories/epic-18/{k}.json" for k in EPIC_18
    ]
    assert sorted(p.name for p in (root / CACHE).iterdir()) == [
        "assignments.json",
        "epics.json",
        "index.json",
        "meta.json",
        "stories",
    ]
    lines = out.splitlines()
    assert lines[:3] == [
        "Rally Sync Complete",
        "━" * 47,
        "✅ Epic 17: User Authentication (10 stories)",
    ]
    assert "   ├─ 10 stories ready (Defined, not locked)" in lines
    epic_18 = lines[lines.index("✅ Epic 18: API Integration (8 stories)") :]
    assert epic_18[1:6] == [
        "   ├─ 5 stories ready",
        "   ├─ 2 stories in progress",
        "   │  ├─ US-203: Locked by john.doe@example.com",
        "   │  └─ US-204: Locked by jane.smith@example.com",
        "   └─ 1 story completed",
    ]
    assert any(
        line.startswith("Full sync of all stories in Demo Project: 18 new") for line in lines
    )
    assert lines[-2:] == [
        "Cache updated: .bmad/rally-cache/",
        "Next: Run `pantheon deps` to find parallel work",
    ]
    assert "Added .bmad/ to .gitignore." in lines
    assert ".bmad/" in (root / ".gitignore").read_text().splitlines()

    us120 = cached(root, "epic-17", "US-120")
    assert us120.bmad["title"] == "Create user model"
    assert us120.bmad["epic"] == "F17"
    assert us120.bmad["epic_title"] == "User Authentication"
    assert us120.bmad["acceptance_criteria"][0].startswith("Migration creates table users")
    first_task = us120.bmad["tasks"][0]["name"]
    assert first_task == "Define the User model in src/models/user.py"
    assert len(us120.tasks) == 4
    assert us120.bmad["successors"] == ["US-121"]
    assert cached(root, "epic-17", "US-121").bmad["predecessors"] == ["US-120"]
    assert us120.rally["FormattedID"] == "US120"
    us203 = cached(root, "epic-18", "US-203").bmad
    assert us203["lock"]["holder"] == "john.doe@example.com"
    assert us203["branch"] == "story/US-203-sync-partner-accounts"
    assert us203["owner"] == "john.doe@example.com"
    assert us203["state"] == "In Progress"

    cache = Cache(root)
    meta = raw(cache, "meta.json")
    assert meta["schema"] == 2
    assert (meta["workspace"], meta["project"]) == ("Demo Workspace", "Demo Project")
    assert meta["rally_url"] == os.environ["RALLY_URL"]
    assert meta["last_sync"]
    assert meta["watermarks"]["all"] == us120.rally["LastUpdateDate"]
    assignments = raw(cache, "assignments.json")
    assert sorted(assignments["locks"]) == ["US-203", "US-204"]
    assert assignments["locks"]["US-204"]["holder"] == "jane.smith@example.com"
    epics = raw(cache, "epics.json")
    assert [(e["id"], e["title"], e["stories"]) for e in epics["epics"]] == [
        ("F17", "User Authentication", 10),
        ("F18", "API Integration", 8),
    ]
    assert {s.key.formatted_id for s in cached_stories.load(cache, [EpicRef.parse("18")])} == {
        k.replace("-", "") for k in EPIC_18
    }


def test_json_is_one_document_with_the_same_board(sync_repo: GitRepo, cli: CLI) -> None:
    code, out, err = cli("sync", "--json")
    assert code == 0, err
    doc = json.loads(out)  # the whole of stdout is one document
    assert doc["kind"] == "full"
    assert doc["deletions_checked"] is True
    assert sorted(doc["changes"]["new"]) == sorted(EPIC_17 + EPIC_18)
    epic_18 = next(e for e in doc["epics"] if e["id"] == "F18")
    assert epic_18["number"] == 18
    assert len(epic_18["ready"]) == 5
    assert [(s["key"], s["locked_by"]) for s in epic_18["in_progress"]] == [
        ("US-203", "john.doe@example.com"),
        ("US-204", "jane.smith@example.com"),
    ]
    assert epic_18["completed"] == ["US-206"]
    # a request sent again (a timeout on a loaded machine) is counted, and said apart
    assert doc["requests"] - doc["retries"] <= 6
    assert doc["next"] == "pantheon deps"
    assert err == ""  # no progress lines when stderr is not a terminal


def test_incremental_picks_up_exactly_what_changed(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient
) -> None:
    sync_json(cli)
    root = sync_repo.path
    untouched = root / CACHE / "stories/epic-17/US-121.json"
    inode = untouched.stat().st_ino
    rally_client.wire.update(
        story_ref(rally_client, "US125"), {"Name": "Implement the signup form"}
    )
    rally_client.wire.create(
        "Task", {"Name": "Add a captcha", "WorkProduct": story_ref(rally_client, "US126")}
    )
    rally_client.collection_add(
        story_ref(rally_client, "US127"), "Predecessors", [story_ref(rally_client, "US122")]
    )
    created = rally_client.wire.create(
        STORY,
        {"Name": "Session timeout", "PortfolioItem": _epic_ref(rally_client, "F17")},
        fetch=("FormattedID",),
    )
    new_key = f"US-{created['FormattedID'][2:]}"

    doc = sync_json(cli)
    assert doc["kind"] == "incremental"
    assert doc["requests"] - doc["retries"] <= 3
    assert sorted(doc["changes"]["updated"]) == ["US-122", "US-125", "US-126", "US-127"]
    assert doc["changes"]["new"] == [new_key]
    assert doc["changes"]["removed"] == []
    assert doc["deletions_checked"] is False
    assert cached(root, "epic-17", "US-125").bmad["title"] == "Implement the signup form"
    assert cached(root, "epic-17", "US-126").bmad["tasks"][-1]["name"] == "Add a captcha"
    assert cached(root, "epic-17", "US-127").bmad["predecessors"] == ["US-122"]
    assert cached(root, "epic-17", "US-122").bmad["successors"] == ["US-127"]
    assert cached(root, "epic-17", new_key).bmad["title"] == "Session timeout"
    assert untouched.stat().st_ino == inode  # not rewritten
    ready = next(e for e in doc["epics"] if e["id"] == "F17")["ready"]
    assert new_key in ready
    assert len(ready) == 11

    again = sync_json(cli)
    assert again["changes"]["updated"] == again["changes"]["new"] == []
    _, out, _ = cli("sync")
    assert "only found by a full sync: run `pantheon sync --force`" in out


@pytest.mark.parametrize("touch", ["version", "date"])
def test_a_task_edited_alone_is_picked_up_by_an_incremental_sync(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient, rally_thread: Any, touch: str
) -> None:
    # Whether a task's edit moves its story's VersionId or only its LastUpdateDate is not
    # known (the emulator's task_touch): the task's own VersionId decides either way.
    rally_thread.configure_workspace(task_touch=touch)
    sync_json(cli)
    found = rally_client.wire.query(
        TASK, eq("WorkProduct.FormattedID", "US121"), fetch=("Name", "TaskIndex")
    )
    first = min(found, key=lambda t: t["TaskIndex"])
    rally_client.wire.update(first["_ref"], {"Name": "Hash passwords with argon2"})

    doc = sync_json(cli)
    assert doc["kind"] == "incremental"
    assert doc["changes"]["updated"] == ["US-121"]
    tasks = cached(sync_repo.path, "epic-17", "US-121").bmad["tasks"]
    assert tasks[0]["name"] == "Hash passwords with argon2"


def test_metrics_reads_when_work_began_from_the_synced_cache(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient
) -> None:
    sync_json(cli)
    began = rally_client.wire.query(STORY, eq("FormattedID", "US204"), fetch=("InProgressDate",))
    assert began[0]["InProgressDate"]
    cache = Cache(sync_repo.path)
    entries = {
        str(e.story.key): e
        for e in map(partial(cached_stories.read, cache), cached_stories.paths(cache))
    }
    assert entries["US-204"].rally["InProgressDate"] == began[0]["InProgressDate"]
    started = story_facts(entries["US-204"].story, entries["US-204"].rally).started
    assert started == parse_time(began[0]["InProgressDate"])
    defined = entries["US-125"]
    assert story_facts(defined.story, defined.rally).started is None


def _epic_ref(client: RallyClient, formatted_id: str) -> str:
    found = client.wire.query(client.epic_type, eq("FormattedID", formatted_id), fetch=("Name",))
    return str(found[0]["_ref"])


def test_a_full_sync_removes_vanished_stories_with_a_reason(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient, rally_thread: Any
) -> None:
    sync_json(cli)
    root = sync_repo.path
    rally_client.delete(story_ref(rally_client, "US129"))
    wsapi = Wsapi(rally_thread)
    try:
        other = wsapi.post(
            "project/create",
            {"Project": {"Name": "Other Team", "Workspace": rally_client.scope().workspace_ref}},
        )["CreateResult"]
        assert other["Errors"] == [], other
    finally:
        wsapi.close()
    rally_client.wire.update(story_ref(rally_client, "US128"), {"Project": other["Object"]["_ref"]})
    rally_client.wire.update(
        story_ref(rally_client, "US127"), {"PortfolioItem": _epic_ref(rally_client, "F18")}
    )

    incremental = sync_json(cli)
    assert incremental["changes"]["removed"] == []
    assert (root / CACHE / "stories/epic-17/US-129.json").exists()  # cannot be seen yet
    assert (root / CACHE / "stories/epic-18/US-127.json").exists()  # a move is a change
    assert not (root / CACHE / "stories/epic-17/US-127.json").exists()

    code, out, err = cli("sync", "--force")
    assert code == 0, err
    assert "   Removed US-128: moved out of this sync's scope (now in project Other Team)" in out
    assert "   Removed US-129: deleted in Rally (or in its Recycle Bin)" in out
    assert "only found by a full sync" not in out
    keys = [Path(p).stem for p in story_files(root)]
    assert "US-128" not in keys
    assert "US-129" not in keys
    assert "US-128" not in raw(Cache(root), "index.json")["stories"]


def test_force_rewrites_every_file_to_the_same_content(sync_repo: GitRepo, cli: CLI) -> None:
    sync_json(cli)
    before = snapshot(sync_repo.path, stable=True)
    story = sync_repo.path / CACHE / "stories/epic-17/US-120.json"
    inode = story.stat().st_ino
    doc = sync_json(cli, "--force")
    assert doc["kind"] == "full"
    assert doc["changes"]["unchanged"] == 18
    assert doc["changes"]["updated"] == doc["changes"]["new"] == []
    assert story.stat().st_ino != inode  # written again: --force trusts nothing it has
    assert snapshot(sync_repo.path, stable=True) == before


def test_epic_filter(sync_repo: GitRepo, cli: CLI, rally_client: RallyClient) -> None:
    doc = sync_json(cli, "--epic", "E18")
    assert [e["id"] for e in doc["epics"]] == ["F18"]
    assert doc["selection"] == "epic F18"
    assert story_files(sync_repo.path) == [f"stories/epic-18/{k}.json" for k in EPIC_18]
    # an incremental sync of the epic, then of everything: the rest is read in full
    rally_client.wire.update(story_ref(rally_client, "US201"), {"Name": "Webhooks"})
    again = sync_json(cli, "--epic", "18")
    assert again["kind"] == "incremental"
    assert again["changes"]["updated"] == ["US-201"]
    everything = sync_json(cli)
    assert everything["kind"] == "full"
    assert sorted(everything["changes"]["new"]) == EPIC_17
    assert len(story_files(sync_repo.path)) == 18
    # after a full sync of everything, an epic is incremental from that watermark
    assert sync_json(cli, "--epic", "17")["kind"] == "incremental"


def test_unknown_epic_names_those_that_exist(sync_repo: GitRepo, cli: CLI) -> None:
    code, _, err = cli("sync", "--epic", "99")
    assert code == 2
    assert "no epic 99" in err
    assert "F17 User Authentication, F18 API Integration" in err
    assert "pantheon sync --epic" in err
    assert not (sync_repo.path / CACHE / "meta.json").exists()
    code, _, err = cli("sync", "--epic", "not an epic")
    assert code == 2
    assert "not an epic" in err


def test_an_iteration_in_a_project_without_any_says_so(sync_repo: GitRepo, cli: CLI) -> None:
    code, _, err = cli("sync", "--iteration", "Sprint 1")
    assert code == 2
    assert "no iteration 'Sprint 1'" in err
    assert "which has no iterations" in err
    assert "without --iteration" in err
    assert "one of them" not in err


def test_iteration_filter(sync_repo: GitRepo, cli: CLI, rally_client: RallyClient) -> None:
    sprint = rally_client.wire.create(
        "Iteration",
        {
            "Name": "Sprint 3",
            "StartDate": "2026-01-05T00:00:00.000Z",
            "EndDate": "2026-01-16T00:00:00.000Z",
        },
    )
    for fid in ("US121", "US202"):
        rally_client.wire.update(story_ref(rally_client, fid), {"Iteration": sprint["_ref"]})
    doc = sync_json(cli, "--iteration", "Sprint 3")
    assert sorted(doc["changes"]["new"]) == ["US-121", "US-202"]
    assert [e["id"] for e in doc["epics"]] == ["F17", "F18"]
    assert cached(sync_repo.path, "epic-17", "US-121").bmad["iteration"] == "Sprint 3"
    for _ in range(2):  # before and after a sync of everything (then it is incremental)
        code, _, err = cli("sync", "--iteration", "Sprint 99")
        assert code == 2
        assert "no iteration 'Sprint 99'" in err
        assert "Sprint 3" in err
        sync_json(cli)


def test_project_flag_switches_the_cache(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient, rally_thread: Any
) -> None:
    sync_json(cli)
    wsapi = Wsapi(rally_thread)
    try:
        made = wsapi.post(
            "project/create",
            {"Project": {"Name": "Mobile", "Workspace": rally_client.scope().workspace_ref}},
        )["CreateResult"]["Object"]
    finally:
        wsapi.close()
    mobile = rally_client.with_project("Mobile")
    mobile.wire.create(STORY, {"Name": "Offline mode"})
    before = snapshot(sync_repo.path)
    code, _, err = cli("sync", "--project", "Mobile")
    assert code == 2  # another project replaces the cache only when asked to
    assert "the cache holds Demo Project" in err
    assert "pantheon sync --force" in err
    assert snapshot(sync_repo.path) == before
    doc = sync_json(cli, "--project", "Mobile", "--force")
    assert doc["project"] == "Mobile"
    assert doc["kind"] == "full"
    assert len(doc["changes"]["new"]) == 1
    assert any("The cache held Demo Project" in n for n in doc["notes"])
    assert [Path(p).parent.name for p in story_files(sync_repo.path)] == ["no-epic"]
    assert cache_meta.require(Cache(sync_repo.path)).project_oid == made["ObjectID"]
    back = sync_json(cli, "--force")
    assert back["kind"] == "full"
    assert any("it now holds Demo Project" in n for n in back["notes"])
    assert len(story_files(sync_repo.path)) == 18


def test_rally_down_is_exit_5_with_the_next_step(
    sync_repo: GitRepo, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_json(cli)
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("RALLY_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("PANTHEON_RALLY_DEADLINE", "1")
    code, out, err = cli("sync")
    assert code == 5
    assert out == ""
    assert "RALLY_URL" in err
    assert "`pantheon status` shows the board from the cache" in err
    assert "Traceback" not in err


def test_no_key_is_exit_3(sync_repo: GitRepo, cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RALLY_API_KEY")
    code, _, err = cli("sync")
    assert code == 3
    assert "RALLY_API_KEY" in err
    assert "export RALLY_API_KEY" in err


@pytest.mark.parametrize("victim", ["index.json", "meta.json", "stories/epic-17/US-120.json"])
def test_a_corrupt_cache_file_is_named_and_force_rebuilds(
    sync_repo: GitRepo, cli: CLI, victim: str
) -> None:
    sync_json(cli)
    before = snapshot(sync_repo.path, stable=True)
    path = sync_repo.path / CACHE / victim
    path.write_text('{"schema": 1, "stories": ')
    code, _, err = cli("sync")
    assert code == 3
    assert err.startswith(f"error: {(CACHE / victim).as_posix()} is not JSON")
    assert err.endswith("run `pantheon sync --force` to rebuild it\n")
    doc = sync_json(cli, "--force")
    assert doc["kind"] == "full"
    assert snapshot(sync_repo.path, stable=True) == before


def test_the_api_key_never_reaches_the_cache(
    rally_thread_factory: Callable[..., Any],
    git_repo: GitRepo,
    cli: CLI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = "k3y-Zq81-never-stored"
    server = rally_thread_factory(api_key=key)
    point_at(server, monkeypatch)
    monkeypatch.chdir(git_repo.path)
    sync_json(cli)
    sync_json(cli, "--force")
    found = [
        p for p in (git_repo.path / ".bmad").rglob("*") if p.is_file() and key in p.read_text()
    ]
    assert found == []
    assert cache_meta.require(Cache(git_repo.path)).rally_url == server.url


def test_help_names_every_option(cli: CLI) -> None:
    code, out, _ = cli("sync", "--help")
    assert code == 0
    for option in ("--project", "--epic", "--iteration", "--force", "--json"):
        assert option in out


def test_outside_a_git_repository(
    tmp_path: Path, rally_thread: Any, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_at(rally_thread, monkeypatch)
    monkeypatch.chdir(tmp_path)
    doc = sync_json(cli)
    assert len(doc["changes"]["new"]) == 18
    assert (tmp_path / CACHE / "meta.json").is_file()


def test_stories_without_an_epic_go_to_no_epic(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient
) -> None:
    rally_client.wire.create(STORY, {"Name": "Loose story"})
    code, out, err = cli("sync")
    assert code == 0, err
    assert "📦 No epic (1 story)" in out
    loose = [p for p in story_files(sync_repo.path) if p.startswith("stories/no-epic/")]
    assert len(loose) == 1
    assert raw(Cache(sync_repo.path), "epics.json")["no_epic_stories"] == 1
    assert STORY  # the story type the emulator was asked for
    assert not os.environ.get("PANTHEON_USER")


def test_a_workspace_without_the_custom_fields(
    rally_thread_factory: Callable[..., Any],
    git_repo: GitRepo,
    cli: CLI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = rally_thread_factory(custom_fields={})
    point_at(server, monkeypatch)
    monkeypatch.chdir(git_repo.path)
    doc = sync_json(cli)
    assert len(doc["changes"]["new"]) == 18
    assert doc["notes"] == []
    assert raw(Cache(git_repo.path), "assignments.json")["locks"] == {}
    us203 = cached(git_repo.path, "epic-18", "US-203")
    assert "c_LockedBy" not in us203.rally
    assert us203.bmad["lock"] is None
    assert us203.bmad["state"] == "In Progress"
