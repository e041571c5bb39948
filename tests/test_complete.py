"""`pantheon complete` from a developer's repository against the emulator as a real server."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.ci_runner import pantheon_exe
from tests.support.gitrepo import GitRepo
from tests.support.rally import RallyProcess
from tests.test_ci_rally import ALICE, COVERAGE, SECRET, Story


@pytest.fixture
def rally(rally_process_factory: Callable[..., RallyProcess]) -> RallyProcess:
    return rally_process_factory(seed="demo", api_key=SECRET)


def complete(repo: GitRepo, rally: RallyProcess, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **rally.env()}
    return subprocess.run(
        [pantheon_exe(), "complete", *args],
        cwd=repo.path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def on_story_branch(repo: GitRepo, branch: str) -> str:
    repo.git("checkout", "-q", "-b", branch)
    return repo.commit({"src/login.py": "def login():\n    return True\n"}, "US-121 login")


def test_complete_current_branch(git_repo: GitRepo, rally: RallyProcess, tmp_path: Path) -> None:
    story = Story(rally, "US121")
    story.lock(ALICE)
    sha = on_story_branch(git_repo, "story/US-121-add-login-endpoint")
    proc = complete(
        git_repo, rally, "--coverage", str(COVERAGE), "--tests-url", "https://ci.example/run/7"
    )
    assert proc.returncode == 0, proc.stderr
    assert "Story Completed" in proc.stdout
    assert "In Progress → Code Review" in proc.stdout
    f = story.fields()
    assert f["c_PantheonStatus"] == "Code Review"
    assert f["c_CommitSHA"] == sha
    assert float(f["c_Coverage"]) == 80.0
    assert not f["c_LockedBy"]
    posts = story.posts()
    assert len(posts) == 1
    assert "https://ci.example/run/7" in posts[0]
    assert sha[:12] in posts[0]
    again = complete(git_repo, rally, "--json")
    assert again.returncode == 0, again.stderr
    doc = json.loads(again.stdout)
    assert doc["verdict"] == "unchanged"
    assert doc["note"] == "already there"
    assert len(story.posts()) == 1
    assert SECRET not in proc.stdout + proc.stderr + again.stdout + again.stderr


def test_complete_named_story_refused_when_locked_by_other(
    git_repo: GitRepo, rally: RallyProcess
) -> None:
    proc = complete(git_repo, rally, "US-203")
    assert proc.returncode == 1
    assert "john.doe@example.com" in proc.stdout
    assert Story(rally, "US203").fields()["c_LockedBy"] == "john.doe@example.com"


def test_complete_needs_a_story(git_repo: GitRepo, rally: RallyProcess) -> None:
    proc = complete(git_repo, rally)
    assert proc.returncode == 2
    assert "pantheon complete US-123" in proc.stderr
