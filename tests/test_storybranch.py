"""Story branches in a real work tree: names, start points, uncommitted work, local excludes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pantheon_git.core.keys import StoryKey, story_branch
from pantheon_git.errors import GitError, UsageError
from pantheon_git.git import storybranch
from tests.support.gitrepo import GitRepo


@settings(
    max_examples=60,
    suppress_health_check=[*settings().suppress_health_check, HealthCheck.function_scoped_fixture],
)
@given(st.text(min_size=0, max_size=400))
def test_any_title_gives_a_name_git_accepts(tmp_path: Path, title: str) -> None:
    name = story_branch(StoryKey("US", 123456), title)
    assert storybranch.valid_branch_name(name, cwd=tmp_path)
    assert len(name) <= 70


@pytest.mark.parametrize("title", ["x" * 300, "🚀" * 300, "$(rm -rf /)" * 30, "a..b" * 80])
def test_long_and_odd_titles(tmp_path: Path, title: str) -> None:
    name = story_branch(StoryKey("US", 1), title)
    assert storybranch.require_branch_name(name, cwd=tmp_path) == name


@pytest.mark.parametrize("name", ["", "-n", "HEAD", "story/a..b", "story/x.lock", "a b", "x~1"])
def test_invalid_names_are_refused(tmp_path: Path, name: str) -> None:
    assert not storybranch.valid_branch_name(name, cwd=tmp_path)
    with pytest.raises(UsageError):
        storybranch.require_branch_name(name, cwd=tmp_path)


def test_dirty_paths_sees_staged_unstaged_untracked_and_renames(git_repo: GitRepo) -> None:
    git_repo.commit({"a.txt": "a\n", "b.txt": "b\n"})
    (git_repo.path / "a.txt").write_text("changed\n")
    (git_repo.path / "new dir").mkdir()
    (git_repo.path / "new dir" / "n.txt").write_text("n\n")
    git_repo.git("mv", "b.txt", "c.txt")
    assert storybranch.dirty_paths(git_repo.path) == {"a.txt", "b.txt", "c.txt", "new dir/n.txt"}


def test_a_remote_story_branch_is_continued(git_repo: GitRepo, tmp_path: Path) -> None:
    other = git_repo.clone(tmp_path / "other")
    other.git("switch", "-q", "-c", "story/US-1-x")
    other.commit({"work.txt": "done so far\n"})
    other.git("push", "-q", "origin", "story/US-1-x")
    plan = storybranch.plan_switch(git_repo.path, "story/US-1-x")
    assert (plan.exists, plan.base, plan.track) == (False, "origin/story/US-1-x", True)
    assert storybranch.switch(plan) == "created"
    assert (git_repo.path / "work.txt").read_text() == "done so far\n"


def test_a_repository_without_commits_is_a_git_error(tmp_path: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    with pytest.raises(GitError, match="default branch"):
        storybranch.plan_switch(tmp_path, "story/US-1-x")


def test_exclude_locally_is_idempotent_and_leaves_the_tree_alone(git_repo: GitRepo) -> None:
    (git_repo.path / ".bmad" / "rally-cache").mkdir(parents=True)
    (git_repo.path / ".bmad" / "rally-cache" / "x.json").write_text("{}")
    assert storybranch.exclude_locally(git_repo.path, ".bmad/")
    assert not storybranch.exclude_locally(git_repo.path, ".bmad/")
    assert git_repo.git("status", "--porcelain") == ""
    exclude = (git_repo.path / ".git" / "info" / "exclude").read_text()
    assert exclude.count(".bmad/") == 1
