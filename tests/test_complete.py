"""`pantheon complete` from a developer's repository against the emulator as a real server."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pantheon_git.rally.users import users_by_email
from tests.support.ci_runner import pantheon_exe
from tests.support.gitrepo import GitRepo
from tests.support.locks import client_for
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


def own(rally: RallyProcess, story: Story, email: str) -> None:
    """Make ``email`` the story's Rally Owner, as checkout does."""
    with client_for(rally) as client:
        (user,) = users_by_email(client, email)
    story.update(Owner=user.ref)


def test_complete_current_branch(git_repo: GitRepo, rally: RallyProcess, tmp_path: Path) -> None:
    story = Story(rally, "US121")
    story.lock(ALICE)
    own(rally, story, ALICE)
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
    on_story_branch(git_repo, "story/US-203-sync-partner-accounts")
    proc = complete(git_repo, rally, "US-203")
    assert proc.returncode == 1
    assert "john.doe@example.com" in proc.stdout
    assert Story(rally, "US203").fields()["c_LockedBy"] == "john.doe@example.com"


def test_a_story_nobody_took_is_not_sent_to_review(git_repo: GitRepo, rally: RallyProcess) -> None:
    story = Story(rally, "US125")
    before = story.fields()
    on_story_branch(git_repo, "story/US-125-signup-form")
    proc = complete(git_repo, rally, "US-125")
    assert proc.returncode == 1
    assert "US-125 is not locked by alice@example.com (it is Defined and nobody holds it)" in (
        proc.stdout
    )
    assert story.fields() == before
    assert story.posts() == []


def test_a_branch_without_commits_of_its_own_records_nothing(
    git_repo: GitRepo, rally: RallyProcess
) -> None:
    story = Story(rally, "US121")
    story.lock(ALICE)
    before = story.fields()
    git_repo.git("checkout", "-q", "-b", "story/US-121-add-login-endpoint")
    proc = complete(git_repo, rally)
    assert proc.returncode == 1
    assert "has no commits of its own" in proc.stderr
    assert "already on main" in proc.stderr
    # nor another story's branch
    on_story_branch(git_repo, "story/US-122-registration")
    other = complete(git_repo, rally, "US-121")
    assert other.returncode == 1
    assert "not on a branch of US-121" in other.stderr
    assert story.fields() == before
    assert story.posts() == []


def test_the_owner_records_a_review_fix_and_nobody_else_does(
    git_repo: GitRepo, rally: RallyProcess
) -> None:
    story = Story(rally, "US121")
    story.lock(ALICE)
    own(rally, story, ALICE)
    on_story_branch(git_repo, "story/US-121-add-login-endpoint")
    assert complete(git_repo, rally).returncode == 0  # Code Review, lock released
    fix = git_repo.commit({"src/login.py": "def login():\n    return 1\n"}, "review fix")
    again = complete(git_repo, rally, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["written"] == ["c_CommitSHA"]
    assert story.fields()["c_CommitSHA"] == fix
    git_repo.git("config", "user.email", "bob@example.com")
    git_repo.commit({"src/login.py": "def login():\n    return 2\n"}, "bob's fix")
    refused = complete(git_repo, rally, "--json")
    assert refused.returncode == 1
    assert (
        "it is in Code Review, owned by alice@example.com" in json.loads(refused.stdout)["message"]
    )
    assert story.fields()["c_CommitSHA"] == fix


def test_complete_needs_a_story(git_repo: GitRepo, rally: RallyProcess) -> None:
    proc = complete(git_repo, rally)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: main is not a story branch\n")
    # complete records HEAD's commit: naming a story from main is refused too, so the
    # next step is the switch to the story's branch
    assert "Switch to the story's branch (`git switch story/US-123-...`;" in proc.stderr
    assert complete(git_repo, rally, "US-121").returncode == 1
    story = Story(rally, "US121")
    story.lock(ALICE)
    own(rally, story, ALICE)
    on_story_branch(git_repo, "story/US-121-add-login-endpoint")
    assert complete(git_repo, rally).returncode == 0


def test_auto_sync_refreshes_the_cache_after_completion(
    git_repo: GitRepo, rally: RallyProcess
) -> None:
    story = Story(rally, "US121")
    story.lock(ALICE)
    own(rally, story, ALICE)
    on_story_branch(git_repo, "story/US-121-add-login-endpoint")
    assert complete(git_repo, rally).returncode == 0
    entry = json.loads(
        (git_repo.path / ".bmad/rally-cache/stories/epic-17/US-121.json").read_text()
    )
    assert entry["bmad"]["state"] == "Code Review"
    assert git_repo.git("status", "--porcelain") == ""  # the cache stays out of git's way
    assert not (git_repo.path / ".gitignore").exists()


def test_a_story_rally_does_not_have_is_bad_input(git_repo: GitRepo, rally: RallyProcess) -> None:
    on_story_branch(git_repo, "story/US-999-nothing")
    proc = complete(git_repo, rally)
    assert proc.returncode == 2
    assert "US-999 is not in Rally" in proc.stdout


def test_a_commit_not_pushed_yet_is_named_with_the_push_that_shows_it_to_reviewers(
    git_repo: GitRepo, rally: RallyProcess
) -> None:
    story = Story(rally, "US121")
    story.lock(ALICE)
    own(rally, story, ALICE)
    branch = "story/US-121-add-login-endpoint"
    sha = on_story_branch(git_repo, branch)
    proc = complete(git_repo, rally)
    assert proc.returncode == 0, proc.stderr
    assert story.fields()["c_CommitSHA"] == sha  # recorded all the same: the push follows
    assert f"⚠️  {sha[:7]} is not on origin yet" in proc.stdout
    assert f"Next: `git push -u origin {branch}`" in proc.stdout
    git_repo.git("push", "-q", "-u", "origin", branch)
    again = complete(git_repo, rally, "--json")
    assert json.loads(again.stdout)["pushed"] is True
    shown = complete(git_repo, rally)
    assert "not on origin" not in shown.stdout
    assert f"Next: open a pull request for {branch}" in shown.stdout


def test_naming_another_story_says_which_branch_to_switch_to_or_that_there_is_none(
    git_repo: GitRepo, rally: RallyProcess
) -> None:
    on_story_branch(git_repo, "story/US-121-add-login-endpoint")
    git_repo.git("push", "-q", "origin", "story/US-121-add-login-endpoint")
    git_repo.git("checkout", "-q", "-b", "story/US-122-signup", "main")
    git_repo.git("branch", "-q", "-D", "story/US-121-add-login-endpoint")
    remote = complete(git_repo, rally, "US-121")
    assert remote.returncode == 1
    # git switch story/... creates the local branch that tracks origin's
    assert "(`git switch story/US-121-add-login-endpoint`)" in remote.stderr
    typo = complete(git_repo, rally, "US-129")
    assert typo.returncode == 1
    assert "This clone has no branch of US-129: check the story key" in typo.stderr
    assert "git switch" not in typo.stderr
