"""action.yml itself, run as a runner would (tests/support/composite.py): its expressions, each
`run:` step with its shell and env, the GITHUB_* files, the stand-ins for actions/setup-python
and actions/cache, against the Rally emulator, in real git repositories checked out the way
actions/checkout does, with GitHub's payload shapes.

One job after another, as a pull request lives: opened (a cold install: every file downloaded
and checked against requirements/action.txt's hashes, then cached), merged (installed from the
cache with the package index unreachable: offline), and a fork's pull_request_target (writes
nothing). Then the self-test workflow's own inputs and checks.
"""

from __future__ import annotations

import copy
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.composite import ActionRun, Event, Runner, run_action
from tests.support.ghevents import REPO, load, pr_event
from tests.support.gitrepo import GitRepo, actions_checkout, make_repo, pull_request_merge
from tests.support.locks import rally_fields, set_rally_fields
from tests.support.rally import RallyProcess

ROOT = Path(__file__).resolve().parent.parent
COVERAGE = ROOT / "tests" / "fixtures" / "coverage" / "gcovr-cobertura.xml"
BRANCH = "story/US-121-add-login-endpoint"
ALICE = "alice@example.com"
PYPI_ONLY = {"PIP_CONFIG_FILE": "/dev/null", "PIP_FIND_LINKS": "", "PIP_EXTRA_INDEX_URL": ""}
"""What a runner's pip sees: PyPI, none of this machine's extra indexes."""


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/simple"


STORY_FETCH = ("ObjectID", "ScheduleState", "VersionId", "c_PantheonStatus", "c_CommitSHA",
               "c_LockedBy")  # fmt: skip


def story(rally: RallyProcess, fid: str) -> dict[str, Any]:
    return rally_fields(rally, fid, fetch=STORY_FETCH)


def lock(rally: RallyProcess, fid: str, holder: str) -> None:
    set_rally_fields(
        rally,
        fid,
        {
            "ScheduleState": "In-Progress",
            "c_PantheonStatus": "In Progress",
            "c_LockedBy": holder,
            "c_LockedAt": "2026-01-05T09:00:00.000Z",
            "c_LockExpiry": "2099-01-01T00:00:00.000Z",
        },
    )


@pytest.fixture
def origin(tmp_path: Path) -> GitRepo:
    """The base repository: its pantheon config (the payloads' author mapped) and a story
    branch with one commit."""
    repo = make_repo(tmp_path, "origin")
    repo.commit(
        {"_bmad/pantheon/config.yaml": "pantheon:\n  identities:\n    Codertocat: " + ALICE},
        "pantheon config",
    )
    repo.git("push", "-q", "origin", "main")
    repo.git("checkout", "-q", "-b", BRANCH)
    repo.commit({"src/login.py": "def login(): ...\n"}, "US-121 login endpoint")
    repo.git("push", "-q", "origin", BRANCH)
    repo.git("checkout", "-q", "main")
    return repo


def job(tmp: Path, name: str, workspace: Path, cache: Path, **env: str) -> Runner:
    return Runner(
        workspace=workspace,
        temp=tmp / f"{name}-runner-temp",
        python=sys.executable,
        cache_store=cache,
        env={**PYPI_ONLY, **env},
    )


def inputs(rally: RallyProcess, **more: str) -> dict[str, str]:
    return {
        "rally-api-key": rally.api_key,
        "rally-url": rally.url,
        "workspace": rally.workspace,
        "project": rally.project,
        **more,
    }


def ran(run: ActionRun, name: str) -> bool:
    return any(s.name == name and not s.skipped for s in run.steps)


@pytest.mark.slow
def test_the_action_over_a_pull_requests_life(
    origin: GitRepo,
    tmp_path: Path,
    rally_process_factory: Callable[..., RallyProcess],
) -> None:
    rally = rally_process_factory(seed="demo")
    lock(rally, "US121", ALICE)
    cache = tmp_path / "actions-cache"
    head = origin.git("rev-parse", BRANCH).strip()

    # 1. opened: a shallow checkout of refs/pull/2/merge; a cold install, then cached.
    merge_ref = pull_request_merge(origin, BRANCH)
    ws = actions_checkout(origin.remote, "refs/pull/2/merge", tmp_path / "ws-opened").path
    opened = Event(
        "pull_request",
        pr_event(branch=BRANCH, head_sha=head),
        REPO,
        merge_ref,
        "refs/pull/2/merge",
    )
    run = run_action(
        ROOT,
        job(tmp_path, "opened", ws, cache),
        opened,
        inputs(rally, **{"coverage-file": str(COVERAGE), "fail-on": "conflict"}),
    )
    assert run.code == 0, run.log()
    assert run.outputs == {"story": "US-121", "state": "Code Review", "coverage": "80.0"}
    assert ran(run, "Save pantheon's downloads"), run.log()
    assert len(list(cache.iterdir())) == 1
    after = story(rally, "US121")
    assert (after["c_PantheonStatus"], after["c_CommitSHA"]) == ("Code Review", head)
    assert not after["c_LockedBy"]
    assert "| Lock | released (alice@example.com) |" in run.summary

    # 2. merged: main at the merge commit; installed from the cache, the index unreachable.
    origin.git("merge", "-q", "--no-ff", "--no-verify", "-m", "Merge pull request #2", BRANCH)
    merged_sha = origin.git("rev-parse", "HEAD").strip()
    origin.git("push", "-q", "origin", "main")
    ws = actions_checkout(origin.remote, "refs/heads/main", tmp_path / "ws-merged").path
    payload = pr_event("closed", merged=True, branch=BRANCH, head_sha=head, merge_sha=merged_sha)
    merged = Event("pull_request", payload, REPO, merged_sha, "refs/heads/main")
    offline = job(tmp_path, "merged", ws, cache, PIP_INDEX_URL=closed_port())
    run = run_action(ROOT, offline, merged, inputs(rally))
    assert run.code == 0, run.log()
    assert not ran(run, "Save pantheon's downloads")  # restored: nothing to save
    assert run.outputs["state"] == "Completed"
    done = story(rally, "US121")
    assert (done["ScheduleState"], done["c_CommitSHA"]) == ("Completed", merged_sha)

    # 3. a fork's pull_request_target: the base branch checked out; nothing written.
    before = story(rally, "US127")
    fork = pr_event(branch="patch-1", title="US-127 tweak", head_sha=head, fork=True)
    target = Event("pull_request_target", fork, REPO, merged_sha, "refs/heads/main")
    ws = actions_checkout(origin.remote, "refs/heads/main", tmp_path / "ws-fork").path
    run = run_action(ROOT, job(tmp_path, "fork", ws, cache), target, inputs(rally))
    assert run.code == 0, run.log()
    assert run.outputs == {"story": "US-127", "state": "", "coverage": ""}
    assert story(rally, "US127")["VersionId"] == before["VersionId"]
    assert "ci\\_forks: none" in run.summary
    assert "::notice title=pantheon::Rally not updated" in run.steps[-1].stdout


def test_a_windows_runner_is_refused_before_anything_runs(tmp_path: Path) -> None:
    runner = job(tmp_path, "win", tmp_path, tmp_path / "cache")
    runner.os = "Windows"
    event = Event("pull_request", pr_event(branch=BRANCH), REPO, "0" * 40, "refs/pull/2/merge")
    run = run_action(ROOT, runner, event, {"rally-api-key": ""})
    assert run.code == 2
    assert [s.name for s in run.steps if not s.skipped] == ["Check the runner"]
    assert "Linux and macOS" in run.steps[0].stdout


def selftest() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(
        (ROOT / ".github" / "workflows" / "action-selftest.yml").read_text()
    )
    return doc


def test_the_selftest_workflow_runs_this_checkout_and_checks_its_outputs() -> None:
    steps = selftest()["jobs"]["selftest"]["steps"]
    used = [s for s in steps if "uses" in s and s["uses"].startswith("./")]
    assert [s["uses"] for s in used] == ["./", "./"]
    for step in used:
        assert step["with"]["event-path"] == "tests/fixtures/github/pull_request.opened.story.json"
    checks = [s for s in steps if str(s.get("name", "")).startswith("Check the")]
    assert {s["env"]["STATE"] for s in checks} == {
        "${{ steps.sync.outputs.state }}",
        "${{ steps.rerun.outputs.state }}",
    }


@pytest.mark.slow
def test_selftest_workflow_steps_pass_against_the_emulator(
    tmp_path: Path, rally_process_factory: Callable[..., RallyProcess]
) -> None:
    """The self-test workflow's own `with:` inputs and output checks, run locally (the
    emulator is the fixture's, on a free port instead of 8765)."""
    rally = rally_process_factory(seed="demo", api_key="selftest-key")
    steps = selftest()["jobs"]["selftest"]["steps"]
    workspace = make_repo(tmp_path, "selftest").path
    cache = tmp_path / "cache"
    for step_id in ("sync", "rerun"):
        step = next(s for s in steps if s.get("id") == step_id)
        given = {k: str(v) for k, v in step["with"].items()}
        assert given["rally-url"] == "http://127.0.0.1:8765"
        given["rally-url"] = rally.url
        for key in ("event-path", "coverage-file", "config"):
            given[key] = str(ROOT / given[key])
        payload = copy.deepcopy(load("pull_request.opened.story"))
        event = Event("push", payload, REPO, "0" * 40, "refs/heads/main")
        run = run_action(ROOT, job(tmp_path, step_id, workspace, cache), event, given)
        assert run.code == 0, run.log()
        check = next(
            s
            for s in steps
            if str(s.get("name", "")).startswith("Check the")
            and f"steps.{step_id}." in str(s["env"])
        )
        values = {
            name: run.outputs[value.split(".")[-1].rstrip(" }")]
            for name, value in check["env"].items()
        }
        proc = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", str(check["run"])],
            env={**values, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, (values, proc.stderr)
