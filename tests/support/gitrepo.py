"""Real git repositories with a bare remote, for tests."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class GitRepo:
    path: Path
    remote: Path

    def git(self, *args: str, check: bool = True, env: Mapping[str, str] | None = None) -> str:
        import os

        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        proc = subprocess.run(
            ["git", *args], cwd=self.path, capture_output=True, text=True, env=full_env, check=False
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout

    def write(self, files: Mapping[str, str]) -> None:
        for name, content in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)

    def commit(self, files: Mapping[str, str], message: str = "change") -> str:
        self.write(files)
        self.git("add", "--", *files)
        self.git("commit", "-q", "--no-verify", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def clone(self, dest: Path) -> GitRepo:
        subprocess.run(["git", "clone", "-q", str(self.remote), str(dest)], check=True)
        return GitRepo(dest, self.remote)


def make_repo(base: Path, name: str = "work") -> GitRepo:
    remote = base / f"{name}-remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    path = base / name
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    repo = GitRepo(path, remote)
    repo.git("remote", "add", "origin", str(remote))
    repo.commit({"README.md": "# demo\n"}, "initial commit")
    repo.git("push", "-q", "-u", "origin", "main")
    repo.git("remote", "set-head", "origin", "main")
    return repo


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    return make_repo(tmp_path)


def pull_request_merge(repo: GitRepo, branch: str, number: int = 2) -> str:
    """Make and push ``refs/pull/<number>/merge`` as GitHub does for an open pull request: the
    test merge of ``branch`` into ``main`` (``GITHUB_SHA`` of a ``pull_request`` run)."""
    tree = repo.git("merge-tree", "--write-tree", "main", branch).split()[0]
    parents = [
        "-p",
        repo.git("rev-parse", "main").strip(),
        "-p",
        repo.git("rev-parse", branch).strip(),
    ]
    merge = repo.git("commit-tree", tree, *parents, "-m", f"Merge {branch} into main").strip()
    repo.git("push", "-q", "origin", f"{merge}:refs/pull/{number}/merge")
    repo.git("push", "-q", "origin", f"{branch}:refs/pull/{number}/head")
    return merge


def actions_checkout(remote: Path, ref: str, dest: Path, *, fetch_depth: int = 1) -> GitRepo:
    """A checkout the way actions/checkout makes one: ``git init``, then a fetch of ``ref``
    (``fetch-depth: 1``: that commit only; ``0``: every branch with full history, then the
    ref), then a detached checkout of it."""

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=dest, check=True, capture_output=True)

    dest.mkdir(parents=True)
    git("init", "-q")
    git("remote", "add", "origin", f"file://{remote}")
    target = f"refs/remotes/{ref.removeprefix('refs/')}"
    if fetch_depth == 0:
        git("fetch", "-q", "--no-tags", "--prune", "origin", "+refs/heads/*:refs/remotes/origin/*")
        git("fetch", "-q", "--no-tags", "origin", f"+{ref}:{target}")
    else:
        git("fetch", "-q", "--no-tags", f"--depth={fetch_depth}", "origin", f"+{ref}:{target}")
    git("checkout", "-q", "--force", "--detach", target)
    return GitRepo(dest, remote)
