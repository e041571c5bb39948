"""Shallow checkouts (actions/checkout's default `fetch-depth: 1`): `pantheon ci` fetches the
history the overlap report needs, or says (a warning annotation and a summary line) that the
overlaps were not checked and why; `--fail-on conflict` then fails and says it could not check.
Never a silent empty report.

The checkouts are made the way actions/checkout makes them (`tests/support/gitrepo.py`), of
the `refs/pull/N/merge` commit GitHub builds for a pull request. No Rally key: the overlap
report runs without one, and nothing else is asked of Rally.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.ci_runner import CiRun, run_ci
from tests.support.ghevents import pr_event
from tests.support.gitrepo import GitRepo, actions_checkout, pull_request_merge

MINE = "story/US-121-add-login"
THEIRS = "story/US-122-add-registration"


@pytest.fixture
def origin(git_repo: GitRepo) -> GitRepo:
    """main, and two story branches that both change src/users.py."""
    git_repo.commit({"src/users.py": "users = []\n"}, "users")
    git_repo.git("push", "-q", "origin", "main")
    for branch, text in ((THEIRS, "theirs"), (MINE, "mine")):
        git_repo.git("checkout", "-q", "-b", branch, "main")
        git_repo.commit({"src/users.py": f"users = ['{text}']\n"}, f"{branch} work")
        git_repo.git("push", "-q", "origin", branch)
    return git_repo


def run(origin: GitRepo, checkout: GitRepo, tmp: Path, *args: str) -> CiRun:
    head = origin.git("rev-parse", MINE).strip()
    doc = pr_event(branch=MINE, head_sha=head)
    env = {"RALLY_API_KEY": "", "RALLY_WORKSPACE": "W"}
    return run_ci(checkout.path, "pull_request", doc, env=env, tmp=tmp, args=args)


def test_a_shallow_checkout_is_deepened_and_the_overlap_found(
    origin: GitRepo, tmp_path: Path
) -> None:
    pull_request_merge(origin, MINE)
    checkout = actions_checkout(origin.remote, "refs/pull/2/merge", tmp_path / "ws")
    assert checkout.git("rev-parse", "--is-shallow-repository").strip() == "true"
    result = run(origin, checkout, tmp_path / "t", "--fail-on", "conflict")
    assert result.code == 1, result.stderr
    assert THEIRS in result.summary
    assert any("overlap" in a and "src/users.py" in a for a in result.annotations)
    assert checkout.git("rev-parse", "--is-shallow-repository").strip() == "false"


def test_full_history_finds_the_overlap_without_fetching(origin: GitRepo, tmp_path: Path) -> None:
    pull_request_merge(origin, MINE)
    checkout = actions_checkout(origin.remote, "refs/pull/2/merge", tmp_path / "ws", fetch_depth=0)
    result = run(origin, checkout, tmp_path / "t", "--fail-on", "conflict")
    assert result.code == 1, result.stderr
    assert THEIRS in result.summary


def test_no_history_to_fetch_is_said_and_fail_on_conflict_fails(
    origin: GitRepo, tmp_path: Path
) -> None:
    pull_request_merge(origin, MINE)
    checkout = actions_checkout(origin.remote, "refs/pull/2/merge", tmp_path / "ws")
    subprocess.run(
        ["git", "-C", str(checkout.path), "remote", "set-url", "origin", str(tmp_path / "gone")],
        check=True,
    )
    soft = run(origin, checkout, tmp_path / "soft")
    assert soft.code == 0, soft.stderr
    assert "Overlaps not checked" in soft.summary
    assert "shallow" in soft.summary
    assert "fetch-depth: 0" in soft.summary
    assert any(a.startswith("::warning") and "not checked" in a for a in soft.annotations)
    strict = run(origin, checkout, tmp_path / "strict", "--fail-on", "conflict")
    assert strict.code == 1
    assert "could not check" in strict.summary + strict.stderr
