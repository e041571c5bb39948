"""Forks and identity, as an attacker would try them: `pantheon ci` as a process against the
Rally emulator, with GitHub's payload shapes (octokit examples, edited copies).

Identity comes only from what GitHub asserts (the PR's user, the workflow run's actor) mapped
through `identities`; a commit's author email is never one. Events whose head is a fork write
only what `ci_forks` allows: nothing by default.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.ci_runner import CiRun, run_ci
from tests.support.ghevents import pr_event, workflow_run_event
from tests.support.gitrepo import GitRepo
from tests.support.rally import RallyProcess, Wsapi

BOB = "bob@example.com"
ALICE = "alice@example.com"


@pytest.fixture
def rally(rally_process_factory: Callable[..., RallyProcess]) -> RallyProcess:
    return rally_process_factory(seed="demo")


def configure(repo: GitRepo, extra: str = "") -> None:
    config = repo.path / "_bmad" / "pantheon" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        "pantheon:\n  identities:\n    bob-gh: bob@example.com\n    alice-gh: alice@example.com\n"
        + extra
    )


def fields(rally: RallyProcess, fid: str) -> dict[str, Any]:
    api = Wsapi(rally)
    try:
        reply = api.get(
            "hierarchicalrequirement",
            query=f'(FormattedID = "{fid}")',
            fetch="ObjectID,ScheduleState,VersionId,c_PantheonStatus,c_CommitSHA,c_Branch,c_LockedBy",
            workspace="null",
        )
        item: dict[str, Any] = reply["QueryResult"]["Results"][0]
        oid = item["ObjectID"]
        posts = api.get(f"hierarchicalrequirement/{oid}/Discussion", fetch="Text")
        item["posts"] = posts["QueryResult"]["Results"]
        return item
    finally:
        api.close()


def lock(rally: RallyProcess, fid: str, holder: str) -> None:
    api = Wsapi(rally)
    try:
        oid = fields(rally, fid)["ObjectID"]
        reply = api.post(
            f"hierarchicalrequirement/{oid}",
            {
                "HierarchicalRequirement": {
                    "ScheduleState": "In-Progress",
                    "c_PantheonStatus": "In Progress",
                    "c_LockedBy": holder,
                    "c_LockedAt": "2026-01-05T09:00:00.000Z",
                    "c_LockExpiry": "2099-01-01T00:00:00.000Z",
                    "c_Branch": f"story/{fid}-work",
                }
            },
        )
        assert reply["OperationResult"]["Errors"] == [], reply
    finally:
        api.close()


def ci(repo: GitRepo, rally: RallyProcess, tmp: Path, name: str, doc: Any, **env: str) -> CiRun:
    return run_ci(repo.path, name, doc, env={**rally.env(), **env}, tmp=tmp)


def unchanged(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert after["VersionId"] == before["VersionId"]
    assert after["posts"] == before["posts"]


def test_workflow_run_from_a_fork_cannot_move_bobs_story(
    git_repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    """A fork branch pointing at bob's pushed commit, run by a login nobody mapped: the
    commit's author email (bob's) must not stand in for the fork user."""
    configure(git_repo)
    git_repo.git("checkout", "-q", "-b", "story/US-121-login")
    git_repo.write({"login.py": "bob's work\n"})
    git_repo.git("add", "login.py")
    git_repo.git("commit", "-q", "--no-verify", "-m", "US-121 login", "--author", f"Bob <{BOB}>")
    sha = git_repo.git("rev-parse", "HEAD").strip()
    git_repo.git("push", "-q", "origin", "story/US-121-login")
    git_repo.git("checkout", "-q", "main")
    lock(rally, "US121", BOB)
    before = fields(rally, "US121")
    doc = workflow_run_event("story/US-121-login", head_sha=sha, actor="mallory")
    for env in ({}, {"PANTHEON_CI_FORKS": "author-lock"}):
        run = ci(git_repo, rally, tmp_path / str(len(env)), "workflow_run", doc, **env)
        assert run.code == 0, run.stderr
        unchanged(before, fields(rally, "US121"))
        assert fields(rally, "US121")["c_LockedBy"] == BOB
        assert any(a.startswith(("::notice", "::warning")) for a in run.annotations)
        assert "Rally not updated" in run.summary


def test_pull_request_target_from_a_fork_writes_nothing_by_default(
    git_repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    """A fork PR titled "US-127 tweak" on `patch-1`, opened by a mapped user: the fork rules'
    default writes nothing, not even for a free story."""
    configure(git_repo)
    before = fields(rally, "US127")
    doc = pr_event(branch="patch-1", title="US-127 tweak", author="alice-gh", fork=True)
    run = ci(git_repo, rally, tmp_path, "pull_request_target", doc)
    assert run.code == 0, run.stderr
    unchanged(before, fields(rally, "US127"))
    assert fields(rally, "US127")["ScheduleState"] == "Defined"
    assert "forker/Hello-World" in run.summary
    assert "ci\\_forks: none" in run.summary
    assert any(a.startswith("::notice") and "fork" in a for a in run.annotations)


def test_author_lock_lets_a_fork_move_only_its_authors_locked_story(
    git_repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    configure(git_repo, "  ci_forks: author-lock\n")
    free = fields(rally, "US127")
    doc = pr_event(branch="patch-1", title="US-127 tweak", author="alice-gh", fork=True)
    run = ci(git_repo, rally, tmp_path / "free", "pull_request_target", doc)
    assert run.code == 0, run.stderr
    unchanged(free, fields(rally, "US127"))
    assert "not locked by alice@example.com" in run.summary
    lock(rally, "US127", ALICE)
    run = ci(git_repo, rally, tmp_path / "mine", "pull_request_target", doc)
    assert run.code == 0, run.stderr
    after = fields(rally, "US127")
    assert after["c_PantheonStatus"] == "Code Review"
    assert not after["c_LockedBy"]
    merged = pr_event("closed", merged=True, branch="patch-1", title="US-127", fork=True)
    done = ci(git_repo, rally, tmp_path / "merged", "pull_request_target", merged)
    assert done.code == 0
    assert fields(rally, "US127")["ScheduleState"] != "Completed"
    assert "push to the default branch" in done.summary


def test_identity_never_comes_from_the_commit_author(
    git_repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    """Same repository, login not mapped, head commit authored as alice (whose lock it is):
    nothing is written, the summary says which login to map, and `fail-on: lock` fails."""
    configure(git_repo)
    lock(rally, "US121", ALICE)
    alice = git_repo.commit({"a.txt": "a"}, "alice's work")  # git_repo's identity is alice's
    assert git_repo.git("log", "-1", "--format=%ae").strip() == ALICE
    before = fields(rally, "US121")
    doc = pr_event(branch="story/US-121-x", author="someone-gh", head_sha=alice)
    soft = ci(git_repo, rally, tmp_path / "1", "pull_request", doc)
    assert soft.code == 0, soft.stderr
    strict = ci(git_repo, rally, tmp_path / "2", "pull_request", doc, PANTHEON_CI_FAIL_ON="lock")
    assert strict.code == 1
    unchanged(before, fields(rally, "US121"))
    assert "someone-gh" in soft.summary
    assert "identities" in soft.summary
    assert any(a.startswith("::warning") and "someone-gh" in a for a in soft.annotations)
    mapped = pr_event(branch="story/US-121-x", author="alice-gh", head_sha=alice)
    ok = ci(git_repo, rally, tmp_path / "3", "pull_request", mapped, PANTHEON_CI_FAIL_ON="lock")
    assert ok.code == 0, ok.stderr
    assert fields(rally, "US121")["c_PantheonStatus"] == "Code Review"


def test_same_repository_workflow_run_moves_the_actors_locked_story(
    git_repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    configure(git_repo)
    doc = workflow_run_event("story/US-201-x", actor="alice-gh", fork=False)
    free = ci(
        git_repo,
        rally,
        tmp_path / "1",
        "workflow_run",
        workflow_run_event("story/US-200-x", actor="alice-gh", fork=False),
    )
    assert free.code == 0
    assert fields(rally, "US200")["ScheduleState"] == "Defined"
    lock(rally, "US201", ALICE)
    run = ci(git_repo, rally, tmp_path / "2", "workflow_run", doc)
    assert run.code == 0, run.stderr
    assert fields(rally, "US201")["c_PantheonStatus"] == "Code Review"
