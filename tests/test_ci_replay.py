"""Replays: a re-run job replays its original payload. `c_CommitSHA` only moves forward along
the branch's history (or, where the checkout has no history, by event time); a re-run of an
older event writes nothing at all. `pantheon ci` as a process, the emulator as Rally, real git
repositories, GitHub's payload shapes."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.features.ci import replay
from tests.support.ci_runner import CiRun, run_ci
from tests.support.ghevents import pr_event
from tests.support.gitrepo import GitRepo
from tests.support.rally import RallyProcess, Wsapi

BRANCH = "story/US-121-add-login"
ALICE = "alice@example.com"


@pytest.fixture
def rally(rally_process_factory: Callable[..., RallyProcess]) -> RallyProcess:
    server = rally_process_factory(seed="demo")
    api = Wsapi(server)
    try:
        reply = api.get(
            "hierarchicalrequirement",
            query='(FormattedID = "US121")',
            fetch="ObjectID",
            workspace="null",
        )
        oid = reply["QueryResult"]["Results"][0]["ObjectID"]
        api.post(
            f"hierarchicalrequirement/{oid}",
            {
                "HierarchicalRequirement": {
                    "ScheduleState": "In-Progress",
                    "c_PantheonStatus": "In Progress",
                    "c_LockedBy": ALICE,
                    "c_LockedAt": "2026-01-05T09:00:00.000Z",
                    "c_LockExpiry": "2099-01-01T00:00:00.000Z",
                }
            },
        )
    finally:
        api.close()
    return server


def story(rally: RallyProcess) -> dict[str, Any]:
    api = Wsapi(rally)
    try:
        reply = api.get(
            "hierarchicalrequirement",
            query='(FormattedID = "US121")',
            fetch="c_CommitSHA,VersionId,c_PantheonStatus,ScheduleState",
            workspace="null",
        )
        item: dict[str, Any] = reply["QueryResult"]["Results"][0]
        return item
    finally:
        api.close()


def configure(repo: GitRepo) -> None:
    config = repo.path / "_bmad" / "pantheon" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("pantheon:\n  identities:\n    Codertocat: alice@example.com\n")


def commit_at(repo: GitRepo, name: str, when: str) -> str:
    repo.write({name: name})
    repo.git("add", name)
    stamp = {"GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": when}
    repo.git("commit", "-q", "--no-verify", "-m", f"US-121 {name}", env=stamp)
    return repo.git("rev-parse", "HEAD").strip()


def event(action: str, sha: str, at: datetime | None = None) -> dict[str, Any]:
    doc = pr_event(action, branch=BRANCH, head_sha=sha)
    if at is not None:
        doc["pull_request"]["updated_at"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return doc


def ci(where: Path, rally: RallyProcess, tmp: Path, doc: Any) -> CiRun:
    run = run_ci(where, "pull_request", doc, env=rally.env(), tmp=tmp)
    assert run.code == 0, run.stderr
    return run


def test_rerun_of_opened_after_synchronize_keeps_the_newer_sha(
    git_repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    configure(git_repo)
    git_repo.git("checkout", "-q", "-b", BRANCH)
    a = commit_at(git_repo, "a.py", "2026-01-05T10:00:00Z")
    b = commit_at(git_repo, "b.py", "2026-01-05T11:00:00Z")
    git_repo.git("push", "-q", "origin", BRANCH)
    ci(git_repo.path, rally, tmp_path / "opened", event("opened", a))
    assert story(rally)["c_CommitSHA"] == a
    ci(git_repo.path, rally, tmp_path / "sync", event("synchronize", b))
    after_sync = story(rally)
    assert after_sync["c_CommitSHA"] == b
    rerun = ci(git_repo.path, rally, tmp_path / "rerun", event("opened", a))
    final = story(rally)
    assert final["c_CommitSHA"] == b
    assert final["VersionId"] == after_sync["VersionId"]  # nothing written at all
    assert f"{a[:7]} is an ancestor of {b[:7]}" in rerun.summary
    assert "holds a newer commit" in rerun.summary


def test_a_rebase_moves_forward_and_a_rerun_from_before_it_does_not(
    git_repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    configure(git_repo)
    git_repo.git("checkout", "-q", "-b", BRANCH)
    a = commit_at(git_repo, "a.py", "2026-01-05T10:00:00Z")
    git_repo.git("checkout", "-q", "main")
    git_repo.git("checkout", "-q", "-b", "rebased")
    commit_at(git_repo, "base.py", "2026-01-05T10:30:00Z")
    c = commit_at(git_repo, "a.py", "2026-01-05T11:00:00Z")  # a rebased: not a descendant of a
    ci(git_repo.path, rally, tmp_path / "opened", event("opened", a))
    ci(git_repo.path, rally, tmp_path / "forced", event("synchronize", c))
    assert story(rally)["c_CommitSHA"] == c
    rerun = ci(git_repo.path, rally, tmp_path / "rerun", event("opened", a))
    assert story(rally)["c_CommitSHA"] == c
    assert "committed before" in rerun.summary


def test_without_history_the_event_time_decides(
    git_repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    """A shallow clone whose origin is gone: the commits cannot be fetched, so the event's
    time (GitHub's `updated_at`) is compared with the story's last change in Rally."""
    configure(git_repo)
    git_repo.git("add", "_bmad")
    git_repo.git("commit", "-q", "--no-verify", "-m", "config")
    git_repo.git("push", "-q", "origin", "main")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{git_repo.remote}", str(clone)],
        check=True,
    )
    subprocess.run(
        ["git", "-C", str(clone), "remote", "set-url", "origin", str(tmp_path / "gone")], check=True
    )
    a, b = "a" * 40, "b" * 40  # neither is in the clone, nor anywhere
    opened_at = datetime.now(UTC) - timedelta(minutes=5)
    ci(clone, rally, tmp_path / "opened", event("opened", a, opened_at))
    assert story(rally)["c_CommitSHA"] == a
    # stamped after the first run's write (GitHub's stamps have whole seconds)
    synced_at = datetime.now(UTC) + timedelta(seconds=1)
    ci(clone, rally, tmp_path / "sync", event("synchronize", b, synced_at))
    after_sync = story(rally)
    assert after_sync["c_CommitSHA"] == b
    rerun = ci(clone, rally, tmp_path / "rerun", event("opened", a, opened_at))
    assert story(rally)["c_CommitSHA"] == b
    assert story(rally)["VersionId"] == after_sync["VersionId"]
    assert "older than the story's last change in Rally" in rerun.stdout


def test_ordering_rules_as_pure_decisions() -> None:
    a, b = "a" * 40, "b" * 40
    assert replay.by_commit_time(b, a, 200, 100).older
    assert not replay.by_commit_time(b, a, 100, 200).older
    assert not replay.by_commit_time(b, a, 100, 100).older  # a tie keeps the event's
    assert replay.by_commit_time(b, a, None, 100).verdict == replay.UNKNOWN
    old, new = "2026-01-05T10:00:00Z", "2026-01-05T11:00:00.000Z"
    assert replay.by_event_time(b, a, old, new).older
    assert not replay.by_event_time(b, a, new, old).older
    assert replay.by_event_time(b, a, None, new).verdict == replay.UNKNOWN
    assert replay.by_event_time(b, a, "yesterday", new).verdict == replay.UNKNOWN


def test_time_alone_keeps_the_commit_but_lets_the_merge_complete(
    git_repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    """Time is a weaker witness than history: a merge event stamped before the story's last
    change (someone edited the story in Rally meanwhile) still completes it; only the SHA,
    branch and coverage keep what Rally holds."""
    configure(git_repo)
    a = "a" * 40
    ci(git_repo.path, rally, tmp_path / "opened", event("opened", a, datetime.now(UTC)))
    merged = pr_event("closed", merged=True, branch=BRANCH)  # GitHub's 2019 stamps
    run = ci(git_repo.path, rally, tmp_path / "merged", merged)
    after = story(rally)
    assert after["ScheduleState"] == "Completed"
    assert run.outputs["state"] == "Completed"
    assert after["c_CommitSHA"] == a
    assert "keeps its commit" in run.stdout
