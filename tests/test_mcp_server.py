"""``pantheon mcp`` over stdio, driven by the MCP SDK's own client, against the Rally emulator
running as a real HTTP server: initialize, the listings, every tool once on a synced
repository, a checkout Rally confirms, a refusal, errors as tool errors, prompts, resources.

One server (and one emulator, one repository) per module: starting the server is the cost
the suite would otherwise pay per test. Each test uses its own stories, so the tests do not
depend on each other's order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import mcp_types as types
import pytest
from mcp import MCPError

import pantheon_git
from pantheon_git.cache import epics as cached_epics
from pantheon_git.cache.store import Cache
from pantheon_git.main import main
from pantheon_git.rally.emulator.server import EmulatorHandle, start
from tests.support.gitrepo import GitRepo, make_repo
from tests.support.hermetic import ALICE, pin_environment
from tests.support.locks import lock_as, rally_fields
from tests.support.mcp import McpSession, Progress, server_env

KEY = "k3y-Secret-91f2"
"""The API key: distinctive, so finding it anywhere in a reply is a leak."""
BOB = "bob@example.com"
TOOLS = {
    "sync", "status", "checkout", "release", "renew", "batch", "deps", "deps_review",
    "deps_accept", "deps_link", "deps_dismiss", "deps_conflict", "plan", "conflicts", "complete",
    "metrics", "doctor", "migrate",
}  # fmt: skip
STORY_FILE = """# Story 9.1: User model

## Story
As a developer, I want a user model, so that login has something to check.

## Acceptance Criteria
1. Users have an email

## Tasks / Subtasks
- [ ] Create the table (AC: 1)
"""
EPICS_FILE = """# Shop - Epic Breakdown

## Epic 1: Accounts

### Story 1.1: Sign-up form

As a visitor, I want to sign up, so that I have an account.

**Acceptance Criteria:** the form creates an account

## Epic 2: Checkout

**Dependencies:** Epic 1 (accounts must exist)

### Story 2.1: Cart

As a shopper, I want a cart, so that I can buy several things.

**Acceptance Criteria:** the cart shows what I added

### Story 2.2: Payment

As a shopper, I want to pay, so that my order ships.

**Acceptance Criteria:** card payments work

**Prerequisites:** Story 2.1
"""


@dataclass
class World:
    rally: EmulatorHandle
    repo: GitRepo
    mcp: McpSession
    synced: types.CallToolResult
    progress: Progress


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as mp:
        base = tmp_path_factory.mktemp("mcp-server")
        (base / "home").mkdir()
        pin_environment(mp, base / "home", tmp_path_factory.getbasetemp())
        rally = start(seed="demo", api_key=KEY)
        try:
            repo = make_repo(base)
            repo.write({"backlog/9.1.story.md": STORY_FILE, "plan/epics.md": EPICS_FILE})
            with McpSession.spawn(cwd=repo.path, env=server_env(rally, ALICE)) as session:
                progress = Progress()
                synced = session.call("sync", {}, progress=progress)
                yield World(rally, repo, session, synced, progress)
        finally:
            rally.stop()


def ok(result: types.CallToolResult) -> dict[str, Any]:
    assert not result.is_error, McpSession.text(result)
    assert McpSession.exit_code(result) == 0
    assert isinstance(result.structured_content, dict)
    return result.structured_content


def no_leak(result: types.CallToolResult) -> None:
    dumped = result.model_dump_json()
    assert KEY not in dumped
    assert "Traceback" not in dumped


# --- the handshake and the listings -----------------------------------------------------------


def test_initialize_names_the_server_its_capabilities_and_the_workflow(world: World) -> None:
    session = world.mcp.initialized
    assert session.server_info.name == "pantheon"
    assert session.server_info.version == pantheon_git.__version__
    capabilities = session.server_capabilities
    assert capabilities.tools is not None
    assert capabilities.prompts is not None
    assert capabilities.resources is not None
    assert "checkout" in session.instructions
    assert "complete" in session.instructions


def test_every_tool_is_listed_with_its_schemas(world: World) -> None:
    tools = {tool.name: tool for tool in world.mcp.tools()}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert len(tool.description or "") > 80, tool.name
        assert tool.input_schema["type"] == "object"
        assert tool.input_schema["additionalProperties"] is False
        for name, prop in tool.input_schema["properties"].items():
            assert prop.get("description"), f"{tool.name}.{name} has no description"
        assert tool.output_schema is not None
        assert tool.output_schema["type"] == "object", tool.name
        assert tool.output_schema["required"], tool.name
        assert tool.annotations is not None
    assert tools["status"].annotations.read_only_hint is True
    assert tools["checkout"].annotations.read_only_hint is False
    assert tools["migrate"].input_schema["required"] == ["epic"]


# --- every tool once --------------------------------------------------------------------------


def test_sync_pulls_the_backlog_and_reports_progress(world: World) -> None:
    doc = ok(world.synced)
    assert {e["id"] for e in doc["epics"]} == {"F17", "F18"}
    assert "US-120" in doc["changes"]["new"]
    text = McpSession.text(world.synced)
    assert "F17 User Authentication" in text
    assert "Locked: US-203 (john.doe@example.com)" in text
    steps = world.progress.steps
    assert steps, "no progress notification"
    counts = [step for step, _, _ in steps]
    assert counts == sorted(set(counts)), "progress must rise"
    assert all(message for _, _, message in steps)


def test_status_returns_the_commands_own_document(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = ok(world.mcp.call("status", {"epics": ["17"]}))
    monkeypatch.chdir(world.repo.path)
    assert main(["status", "--epic", "17", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    for volatile in ("age_seconds",):
        doc.pop(volatile)
        printed.pop(volatile)
    assert doc == printed


def test_checkout_locks_in_rally_then_renew_and_release(world: World) -> None:
    result = world.mcp.call("checkout", {"story": "US-121"})
    doc = ok(result)
    assert doc["locked"] is True
    assert doc["locked_by"] == ALICE
    assert doc["branch"] == "story/US-121-add-login-endpoint"
    fields = rally_fields(world.rally, "US-121")
    assert fields["c_LockedBy"] == ALICE  # Rally confirms the lock
    assert fields["ScheduleState"] == "In-Progress"
    current = world.repo.git("symbolic-ref", "--short", "HEAD").strip()
    assert current == doc["branch"]
    assert "Locked US-121 (Add login endpoint)" in McpSession.text(result)

    renewed = ok(world.mcp.call("renew", {"story": "US-121", "hours": 2}))
    assert renewed["action"] == "renewed"
    assert renewed["locked"] is True

    overlaps = ok(world.mcp.call("conflicts", {}))  # the current branch: US-121's
    assert overlaps["story"] == "US-121"

    released = ok(world.mcp.call("release", {"story": "us121"}))
    assert released["action"] == "released"
    assert not rally_fields(world.rally, "US-121")["c_LockedBy"]


def test_a_refusal_is_a_tool_error_with_alternatives(world: World) -> None:
    now = datetime.now(UTC)
    lock_as(world.rally, "US-127", BOB, now, now + timedelta(hours=8))
    result = world.mcp.call("checkout", {"story": "US-127", "branch": False})
    assert result.is_error
    assert McpSession.exit_code(result) == 1
    doc = result.structured_content
    assert doc is not None
    assert doc["outcome"] == "refused"
    assert doc["locked"] is False
    assert doc["locked_by"] == BOB
    assert doc["alternatives"], doc
    first = doc["alternatives"][0]["story"]
    text = McpSession.text(result)
    assert f"is held by {BOB}" in text
    assert f"Next: call checkout with story={first}." in text
    assert rally_fields(world.rally, "US-127")["c_LockedBy"] == BOB


def test_batch_takes_the_free_stories_and_says_why_not_the_others(world: World) -> None:
    result = world.mcp.call("batch", {"stories": ["US-200", "US-203", "US-999"]})
    assert result.is_error  # not every story was taken
    assert McpSession.exit_code(result) == 1
    doc = result.structured_content
    assert doc is not None
    outcomes = {s["story"]: s["outcome"] for s in doc["stories"]}
    assert outcomes == {"US-200": "taken", "US-203": "locked", "US-999": "not_found"}
    assert doc["taken"] == ["US-200"]
    assert rally_fields(world.rally, "US-200")["c_LockedBy"] == ALICE  # Rally confirms
    assert rally_fields(world.rally, "US-203")["c_LockedBy"] == "john.doe@example.com"
    text = McpSession.text(result)
    assert "Took 1 of 3 stories: US-200." in text
    assert "US-203: held by john.doe@example.com" in text
    assert "Next: call checkout with story=US-200" in text
    no_leak(result)

    again = ok(world.mcp.call("batch", {"stories": ["us200"]}))
    assert [s["outcome"] for s in again["stories"]] == ["renewed"]
    ok(world.mcp.call("release", {"story": "US-200"}))


def test_planning_and_reporting_tools(world: World) -> None:
    deps = world.mcp.call("deps", {"epics": ["F17"], "mermaid": True})
    graph = ok(deps)
    assert graph["waves"][0] == ["US-120"]
    assert "graph TD" in McpSession.text(deps)

    plan = ok(world.mcp.call("plan", {"epics": ["17"], "developers": "3"}))
    assert len(plan["lanes"]) == 3
    assert len(ok(world.mcp.call("plan", {"epics": ["17"], "developers": 2}))["lanes"]) == 2
    assert plan["lanes"][0]["critical_path"] is True

    everything = ok(world.mcp.call("conflicts", {"all": True}))
    assert "pairs" in everything

    metrics = ok(world.mcp.call("metrics", {}))
    assert len(metrics["metrics"]) == 6

    doctor = world.mcp.call("doctor", {})
    checks = {c["name"]: c for c in doctor.structured_content["checks"]}  # type: ignore[index]
    assert checks["rally"]["passed"] is True
    assert doctor.is_error is (not doctor.structured_content["ok"])  # type: ignore[index]

    preview = ok(world.mcp.call("migrate", {"epic": "F17", "paths": ["backlog"]}))
    assert preview["dry_run"] is True
    assert [s["action"] for s in preview["stories"]] == ["would create"]
    assert "call migrate again with apply: true" in McpSession.text(
        world.mcp.call("migrate", {"epic": "F17", "paths": ["backlog"]})
    )


def test_an_epics_file_is_migrated_one_bmad_epic_at_a_time(world: World) -> None:
    several = world.mcp.call("migrate", {"epic": "F17", "paths": ["plan/epics.md"]})
    assert several.is_error
    assert "holds 2 BMAD epics (1: Accounts, 2: Checkout)" in McpSession.text(several)
    # the hint repeats the project, as the command's does (else it would go to another one)
    other = {"epic": "F17", "paths": ["plan/epics.md"], "project": "Mobile Team"}
    assert "--project 'Mobile Team'" in McpSession.text(world.mcp.call("migrate", other))
    preview = ok(
        world.mcp.call("migrate", {"epic": "F18", "paths": ["plan/epics.md"], "bmad_epic": "2"})
    )
    assert preview["dry_run"] is True
    assert [(s["bmad_id"], s["action"], s["predecessors"]) for s in preview["stories"]] == [
        ("2.1", "would create", []),
        ("2.2", "would create", ["Story 2.1"]),
    ]
    # Epic 2's own "Dependencies: Epic 1" waits on Story 1.1, which this call leaves out.
    assert preview["notes"] == [
        "plan/epics.md (Epic 2): depends on Epic 1, whose Story 1.1 is not in Rally yet; "
        "migrate it, then run this migration again to link it"
    ]
    whole = ok(
        world.mcp.call("migrate", {"epic": "F18", "paths": ["plan/epics.md"], "bmad_epic": "all"})
    )
    assert {s["bmad_id"]: s["predecessors"] for s in whole["stories"]} == {
        "1.1": [],
        "2.1": ["Story 1.1"],
        "2.2": ["Story 2.1"],
    }


def test_inferred_dependencies_are_reviewed_and_written_to_rally(world: World) -> None:
    review = ok(world.mcp.call("deps_review", {"epics": ["F17"], "min_confidence": "high"}))
    pairs = {(p["from"], p["to"]): p for p in review["proposed"]}
    assert pairs[("US-121", "US-124")]["confidence"] == "high"
    assert pairs[("US-121", "US-124")]["evidence"]
    assert "Next: deps_accept" in McpSession.text(world.mcp.call("deps_review", {}))

    dry = ok(world.mcp.call("deps_accept", {"pairs": ["US-121:US-124"], "dry_run": True}))
    assert [w["status"] for w in dry["predecessors"]] == ["would add"]
    done = world.mcp.call("deps_accept", {"pairs": ["US-121:US-124"]})
    written = ok(done)
    assert [w["status"] for w in written["predecessors"]] == ["added"]
    assert written["cache_updated"] is True
    assert "The local cache has them" in McpSession.text(done)
    again = ok(world.mcp.call("deps_review", {"epics": ["F17"]}))
    assert ("US-121", "US-124") not in {(p["from"], p["to"]) for p in again["proposed"]}
    twice = ok(world.mcp.call("deps_accept", {"pairs": ["US-121:US-124"]}))
    assert [w["status"] for w in twice["predecessors"]] == ["already in Rally"]


def test_a_reader_reads_the_backlog_and_links_what_it_read(world: World) -> None:
    prompt = world.mcp.prompt("rally-read-deps", {"epic": "18"})
    guide, backlog = (m.content for m in prompt.messages)
    assert isinstance(guide, types.TextContent)
    assert isinstance(backlog, types.TextContent)
    assert "Story B depends on story A when B's text refers to something A creates" in guide.text
    assert "hold each against every story before it" in guide.text
    # the calls name the prompt's epics, so the tool analyses those, not every cached story
    assert (
        '`deps_link` {"pairs": ["BEFORE:AFTER", "..."], "dry_run": true, "epics": ["18"]}'
        in guide.text
    )
    assert backlog.text.startswith("# The stories (8, in backlog order)")
    assert "## US-200: Create API client library (epic F18: API Integration)" in backlog.text
    assert "- Token bucket in src/integrations/client.py" in backlog.text  # a task's name
    assert "- US-200:US-201 functional, low" in backlog.text  # known: found by the analysis
    assert "US-207:US-205" not in backlog.text

    dry = world.mcp.call("deps_link", {"pairs": ["US-207:US-205"], "dry_run": True})
    doc = ok(dry)
    assert doc["predecessors"] == [
        {"from": "US-207", "to": "US-205", "status": "would add", "kind": "explicit",
         "confidence": "explicit", "read": True}
    ]  # fmt: skip
    assert "Next: the same deps_link call without dry_run" in McpSession.text(dry)
    done = world.mcp.call("deps_link", {"pairs": ["US-207:US-205"], "epics": ["18"]})
    assert [w["status"] for w in ok(done)["predecessors"]] == ["added"]
    assert "Next: deps shows the waves" in McpSession.text(done)
    graph = ok(world.mcp.call("deps", {"epics": ["18"]}))
    edges = {(e["from"], e["to"]): e["kind"] for e in graph["edges"]}
    assert edges[("US-207", "US-205")] == "explicit"

    # the next reading has it among Rally's predecessors
    again = world.mcp.prompt("rally-read-deps", {"epic": "18"}).messages[1].content
    rally = again.text.split("Rally's predecessors (explicit):")[1]  # type: ignore[union-attr]
    assert rally.splitlines()[1] == "- US-207:US-205"

    cycle = world.mcp.call("deps_link", {"pairs": ["US-205:US-207"]})
    assert cycle.is_error
    assert McpSession.exit_code(cycle) == 2
    assert "US-207 already comes before US-205 (US-207 -> US-205 in Rally)" in McpSession.text(
        cycle
    )
    # an edge of the analysis the reader did not read in the texts: dismissed, as step 6 says
    assert (
        '`deps_dismiss` {"pairs": ["BEFORE:AFTER", "..."], "why": "not in the stories\' texts", '
        '"dry_run": true, "epics": ["18"]}' in guide.text
    )
    why = {"why": "not in the stories' texts", "epics": ["18"]}
    gone = world.mcp.call("deps_dismiss", {"pairs": ["US-200:US-201"], **why})
    assert [p["status"] for p in ok(gone)["pairs"]] == ["dismissed"]
    after = world.mcp.prompt("rally-read-deps", {"epic": "18"}).messages[1].content
    assert "US-200:US-201" not in after.text  # type: ignore[union-attr]
    back = world.mcp.call("deps_dismiss", {"pairs": ["US-200:US-201"], "undo": True})
    assert [p["status"] for p in ok(back)["pairs"]] == ["undismissed"]
    pantheon = world.repo.path / "_bmad" / "pantheon"  # the world is shared: as it was
    (pantheon / "dismissed-deps.yaml").unlink()
    (pantheon / ".gitattributes").unlink()
    with pytest.raises(MCPError, match=r"epic 99"):
        world.mcp.prompt("rally-read-deps", {"epic": "99"})


def test_a_wrong_inferred_dependency_is_dismissed_for_the_team_and_taken_back(
    world: World,
) -> None:
    pair = ("US-200", "US-201")  # functional, low: the webhook receiver "uses" the client
    assert pair in {(e["from"], e["to"]) for e in ok(world.mcp.call("deps", {}))["edges"]}
    dry = world.mcp.call("deps_dismiss", {"pairs": ["US-200:US-201"], "dry_run": True})
    doc = ok(dry)
    assert doc["pairs"] == [
        {"from": "US-200", "to": "US-201", "status": "would dismiss", "inferred": True,
         "kind": "functional", "confidence": "low", "by": ALICE, "date": ANY}
    ]  # fmt: skip
    assert doc["written"] is False
    assert "Next: the same deps_dismiss call without dry_run" in McpSession.text(dry)
    path = world.repo.path / "_bmad" / "pantheon" / "dismissed-deps.yaml"
    assert not path.exists()

    done = world.mcp.call(
        "deps_dismiss", {"pairs": ["US-200:US-201"], "why": "a stub", "epics": ["18"]}
    )
    assert [p["status"] for p in ok(done)["pairs"]] == ["dismissed"]
    assert ok(done)["file"] == "_bmad/pantheon/dismissed-deps.yaml"
    assert "Next: commit _bmad/pantheon/dismissed-deps.yaml" in McpSession.text(done)
    assert 'why: "a stub"' in path.read_text()
    graph = ok(world.mcp.call("deps", {}))
    assert pair not in {(e["from"], e["to"]) for e in graph["edges"]}
    assert [(e["from"], e["to"]) for e in graph["dismissed"]] == [pair]
    review = world.mcp.call("deps_review", {"epics": ["18"]})
    assert [(p["from"], p["to"], p["why"]) for p in ok(review)["dismissed"]] == [
        ("US-200", "US-201", "a stub")
    ]
    assert "Left out: 1 pair the team dismissed as wrong" in McpSession.text(review)

    back = ok(world.mcp.call("deps_dismiss", {"pairs": ["US-200:US-201"], "undo": True}))
    assert [p["status"] for p in back["pairs"]] == ["undismissed"]
    graph = ok(world.mcp.call("deps", {}))
    assert pair in {(e["from"], e["to"]) for e in graph["edges"]}
    path.unlink()
    (path.parent / ".gitattributes").unlink()


def test_a_file_that_is_no_conflict_is_dismissed_with_files_alone_and_taken_back(
    world: World,
) -> None:
    shared = "src/integrations/client.py"  # US-200 and US-202 both name it
    pair = ["US-200", "US-202"]

    def apart(doc: dict[str, Any]) -> list[list[str]]:
        return [[c["a"], c["b"]] for c in doc["conflicts"]]

    assert pair in apart(ok(world.mcp.call("deps", {})))
    done = world.mcp.call("deps_dismiss", {"files": [shared], "why": "a stub"})
    doc = ok(done)
    assert doc["pairs"] == []
    assert doc["files"] == [
        {"path": shared, "status": "dismissed", "conflicts": [pair], "by": ALICE,
         "date": ANY, "why": "a stub"}
    ]  # fmt: skip
    assert f"In _bmad/pantheon/dismissed-deps.yaml: dismissed {shared}." in McpSession.text(done)
    path = world.repo.path / "_bmad" / "pantheon" / "dismissed-deps.yaml"
    assert f'path: "{shared}"' in path.read_text()
    graph = ok(world.mcp.call("deps", {}))
    assert pair not in apart(graph)
    assert [[c["a"], c["b"]] for c in graph["dismissed_conflicts"]] == [pair]
    review = world.mcp.call("deps_review", {})
    assert [(f["path"], f["why"]) for f in ok(review)["dismissed_files"]] == [(shared, "a stub")]
    assert f"Not conflicts: {shared} (files the team dismissed)." in McpSession.text(review)

    both = ok(
        world.mcp.call("deps_dismiss", {"files": ["tools/run.py"], "pairs": ["US-200:US-201"]})
    )
    assert [p["status"] for p in both["pairs"]] == ["dismissed"]
    assert [(f["path"], f["conflicts"]) for f in both["files"]] == [("tools/run.py", [])]
    back = world.mcp.call(
        "deps_dismiss",
        {"files": [shared, "tools/run.py"], "pairs": ["US-200:US-201"], "undo": True},
    )
    assert [f["status"] for f in ok(back)["files"]] == ["undismissed", "undismissed"]
    assert pair in apart(ok(world.mcp.call("deps", {})))
    path.unlink()
    (path.parent / ".gitattributes").unlink()


def test_a_conflict_the_texts_name_in_words_is_declared_and_taken_back(world: World) -> None:
    pair = ["US-126", "US-127"]  # no shared file named: side by side

    def apart(doc: dict[str, Any]) -> dict[tuple[str, str], bool]:
        return {(c["a"], c["b"]): c["declared"] for c in doc["conflicts"]}

    assert tuple(pair) not in apart(ok(world.mcp.call("deps", {})))
    dry = world.mcp.call("deps_conflict", {"pairs": ["US-127:US-126"], "dry_run": True})
    assert ok(dry)["conflicts"] == [
        {"a": "US-126", "b": "US-127", "file": None, "status": "would declare", "found": False,
         "found_files": [], "by": ALICE, "date": ANY}
    ]  # fmt: skip
    assert "Next: the same deps_conflict call without dry_run" in McpSession.text(dry)
    path = world.repo.path / "_bmad" / "pantheon" / "dismissed-deps.yaml"
    assert not path.exists()

    done = world.mcp.call(
        "deps_conflict",
        {"pairs": ["US-127:US-126"], "file": "docker-compose.yml", "why": "one compose file"},
    )
    assert [(c["status"], c["file"]) for c in ok(done)["conflicts"]] == [
        ("declared", "docker-compose.yml")
    ]
    assert (
        "In _bmad/pantheon/dismissed-deps.yaml: declared US-126:US-127 (docker-compose.yml)."
        in McpSession.text(done)
    )
    assert 'pair: "US-126:US-127", file: "docker-compose.yml"' in path.read_text()
    graph = ok(world.mcp.call("deps", {}))
    assert apart(graph)[("US-126", "US-127")] is True
    review = world.mcp.call("deps_review", {})
    assert [(c["a"], c["why"]) for c in ok(review)["declared_conflicts"]] == [
        ("US-126", "one compose file")
    ]
    assert "Declared conflicts: US-126:US-127" in McpSession.text(review)

    back = ok(world.mcp.call("deps_conflict", {"pairs": ["US-126:US-127"], "undo": True}))
    assert [c["status"] for c in back["conflicts"]] == ["undeclared"]
    assert ("US-126", "US-127") not in apart(ok(world.mcp.call("deps", {})))
    path.unlink()
    (path.parent / ".gitattributes").unlink()


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "arguments", "code", "says"),
    [
        ("checkout", {"stroy": "US-121"}, 2, "unknown argument: stroy"),
        ("checkout", {"story": "US-121", "lock_hours": "two"}, 2, "lock_hours: expected a number"),
        ("checkout", {"story": "US-121", "lock_hours": 0}, 2, "greater than 0"),
        ("checkout", {}, 2, "give either a story or --epic"),
        ("batch", {}, 2, "give either stories or --epic"),
        ("batch", {"epics": ["17"], "count": 0}, 2, "greater than 0"),
        ("migrate", {}, 2, "missing argument: epic"),
        ("checkout", {"story": KEY}, 2, "***"),
        ("checkout", {"story": "US-999", "branch": False}, 2, "story US-999 not found in Rally"),
        ("status", {"epics": ["99"]}, 2, "99"),
        ("launch", {}, 2, "no tool 'launch'"),
        ("deps_accept", {}, 2, "name the pairs, or set all"),
        ("deps_accept", {"pairs": ["US-126:US-127"]}, 2, "no inferred edge US-126 -> US-127"),
        ("deps_accept", {"pairs": ["US-1:US-2"], "all": True}, 2, "one of the two"),
        ("deps_review", {"min_confidence": "sure"}, 2, "expected one of high"),
        ("deps_link", {}, 2, "missing argument: pairs"),
        ("deps_link", {"pairs": []}, 2, "name the pairs to link"),
        ("deps_link", {"pairs": ["US-999:US-124"]}, 2, "US-999 is not among the analysed"),
        ("deps_link", {"pairs": ["US-124:US-124"]}, 2, "links US-124 to itself"),
        ("deps_dismiss", {}, 2, "name the pairs or the files to dismiss"),
        ("deps_dismiss", {"pairs": [], "files": []}, 2, "name the pairs or the files to dismiss"),
        ("deps_dismiss", {"files": ["/etc/passwd"]}, 2, "files: '/etc/passwd' is not a file path"),
        ("deps_dismiss", {"pairs": ["US-999:US-124"]}, 2, "US-999 is not among the analysed"),
        ("deps_dismiss", {"pairs": ["US-1:US-2"], "undo": True, "why": "x"}, 2, "not with undo"),
        ("deps_conflict", {}, 2, "missing argument: pairs"),
        ("deps_conflict", {"pairs": []}, 2, "name the pairs that must not run at the same time"),
        ("deps_conflict", {"pairs": ["US-124:US-124"]}, 2, "links US-124 to itself"),
        ("deps_conflict", {"pairs": ["US-999:US-124"]}, 2, "US-999 is not among the analysed"),
        ("deps_conflict", {"pairs": ["US-1:US-2"], "file": "/etc/x"}, 2, "file: '/etc/x' is not"),
        ("deps_conflict", {"pairs": ["US-1:US-2"], "undo": True, "why": "x"}, 2, "not with undo"),
    ],
)
def test_failures_are_tool_errors_and_the_server_keeps_serving(
    world: World, tool: str, arguments: dict[str, Any], code: int, says: str
) -> None:
    result = world.mcp.call(tool, arguments)
    assert result.is_error
    assert McpSession.exit_code(result) == code
    text = McpSession.text(result)
    assert text.startswith("error: ")
    assert says in text
    assert result.structured_content == {
        "error": {"message": text.splitlines()[0][len("error: ") :], "hint": ANY, "exit_code": code}
    }
    no_leak(result)
    assert not world.mcp.call("status", {}).is_error  # still serving


# --- prompts and resources --------------------------------------------------------------------


def test_the_seeds_workflows_are_prompts(world: World) -> None:
    names = {p.name for p in world.mcp.prompts()}
    assert names >= {
        "rally-sync",
        "rally-checkout",
        "rally-analyze-deps",
        "rally-read-deps",
        "rally-plan-workstreams",
        "story-pipeline",
    }
    rendered = world.mcp.prompt("story-pipeline", {"story": "US-122", "coverage": "cov.xml"})
    first = rendered.messages[0].content
    assert isinstance(first, types.TextContent)
    assert '`renew` {"story": "US-122"}' in first.text  # phase 0
    assert '`complete` {"story": "US-122", "coverage": "cov.xml"}' in first.text  # phase 6
    assert "Phase 7 REFLECT" in first.text
    embedded = rendered.messages[1].content
    assert isinstance(embedded, types.EmbeddedResource)
    assert embedded.resource.text.startswith("# Story US-122: Add registration endpoint")  # type: ignore[union-attr]

    checkout = world.mcp.prompt("rally-checkout", {"epic": "17"})
    assert '`checkout` {"epic": "17"}' in checkout.messages[0].content.text  # type: ignore[union-attr]
    with pytest.raises(MCPError, match="story-pipeline needs story"):
        world.mcp.prompt("story-pipeline", {})


def test_the_cache_documents_are_resources(world: World) -> None:
    uris = {str(r.uri) for r in world.mcp.resources()}
    assert uris == {
        "pantheon://epics",
        "pantheon://assignments",
        "pantheon://dependencies",
        "pantheon://workstreams",
    }
    assert [t.uri_template for t in world.mcp.templates()] == ["pantheon://stories/{key}"]

    epics = world.mcp.read("pantheon://epics").contents
    expected = cached_epics.read(Cache(world.repo.path))
    assert expected is not None
    assert json.loads(epics[0].text) == json.loads(json.dumps(expected.to_dict()))  # type: ignore[union-attr]

    story = world.mcp.read("pantheon://stories/US-125").contents
    assert [c.mime_type for c in story] == ["application/json", "text/markdown"]
    assert json.loads(story[0].text)["bmad"]["key"] == "US-125"  # type: ignore[union-attr]
    assert story[1].text.startswith("# Story US-125: Implement signup form")  # type: ignore[union-attr]

    with pytest.raises(MCPError, match=r"US-999 is not in the cache.*`sync`"):
        world.mcp.read("pantheon://stories/US-999")
    with pytest.raises(MCPError, match="no resource pantheon://nothing"):
        world.mcp.read("pantheon://nothing")


def test_a_missing_document_names_the_tool_that_makes_it(tmp_path: Path) -> None:
    with McpSession.spawn(cwd=tmp_path, env={"HOME": str(tmp_path)}) as session:
        with pytest.raises(MCPError, match=r"not in the cache yet.*`deps`"):
            session.read("pantheon://dependencies")
        result = session.call("status", {})
        assert result.is_error
        assert "pantheon sync" in McpSession.text(result)
        assert "(As MCP tools: `sync`.)" in McpSession.text(result)


# --- a bug in a tool (in-process server, the same SDK client) ---------------------------------


def test_a_bug_is_an_internal_error_and_the_server_keeps_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcp import Client

    from pantheon_git.features.mcp import run, run_server, summary

    def broken(call: Any) -> Any:
        raise ValueError(f"boom with {KEY}")

    monkeypatch.setenv("RALLY_API_KEY", KEY)
    monkeypatch.setitem(run.USE_CASES, "status", broken)
    monkeypatch.setitem(summary.WRITERS, "metrics", broken)
    empty = {"metrics": [], "on_target": 0, "missed": 0, "unknown": 0}
    monkeypatch.setitem(run.USE_CASES, "metrics", lambda call: run.Outcome(empty))

    async def calls() -> tuple[types.CallToolResult, types.CallToolResult]:
        server = run_server.build(run_server.Served(root=tmp_path))
        async with Client(server) as client:
            bug = await client.call_tool("status", {})
            after = await client.call_tool("metrics", {})
        return bug, after

    import anyio

    bug, after = anyio.run(calls)
    assert bug.is_error
    assert McpSession.exit_code(bug) == 70
    assert McpSession.text(bug).startswith("error: internal error: ValueError: boom with ***")
    no_leak(bug)
    assert not after.is_error  # a summary that fails still returns the document
    assert after.structured_content == empty
    assert "the document is the structured content" in McpSession.text(after)
    logged = capsys.readouterr().err
    assert "pantheon mcp: status: internal error: ValueError: boom with ***" in logged
