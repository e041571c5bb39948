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
