"""Every stage through the real pre-commit framework, with this repository as the hook repo.

pre-commit installs a ``language: python`` hook repo at a commit, so the session first commits
a copy of this work tree (what ``pre-commit try-repo`` does on every call; here once) and
points the configuration at it. pre-commit then builds its own environment with ``pip install``
of that copy, once per test session: ``PRE_COMMIT_HOME`` is shared by the session's workers.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.gitrepo import GitRepo, make_repo
from tests.support.hooks import ALICE, BOB, PROJECT, lock_in_rally, rally_env, run_git, seed_lock

pytestmark = pytest.mark.slow

SHIPPED = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "hooks", "pantheon_git")
# pip reads its index settings from the user's config; the tests' HOME is a fresh folder.
_PIP_CONFIG = os.environ.get("PIP_CONFIG_FILE") or str(Path.home() / ".config/pip/pip.conf")
REAL_PIP_CONFIG = _PIP_CONFIG if Path(_PIP_CONFIG).is_file() else None
PLAIN_GIT = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def _shared_root(factory: pytest.TempPathFactory, worker_id: str) -> Path:
    base = factory.getbasetemp()
    return base if worker_id == "master" else base.parent


def _snapshot(dest: Path) -> str:
    """Commit the shipped files of this work tree (tracked and new) into ``dest``."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z", "--", *SHIPPED],
        cwd=PROJECT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = PROJECT / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | PLAIN_GIT
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run(["git", *args], cwd=dest, env=env, check=True, capture_output=True)
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=dest, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> tuple[Path, str, Path]:
    """(hook repo, its commit, PRE_COMMIT_HOME), shared by the session's workers."""
    root = _shared_root(tmp_path_factory, worker_id)
    with (root / "pantheon-hook-repo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        repo = root / "pantheon-hook-repo"
        done = root / "pantheon-hook-repo.rev"
        if not done.exists():
            if repo.exists():
                shutil.rmtree(repo)
            repo.mkdir()
            done.write_text(_snapshot(repo))
        return repo, done.read_text(), root / "pre-commit-home"


@pytest.fixture
def framework_repo(
    tmp_path: Path, hook_repo: tuple[Path, str, Path], monkeypatch: pytest.MonkeyPatch
) -> GitRepo:
    """A repository with pantheon's hooks installed through pre-commit."""
    repo_path, rev, home = hook_repo
    monkeypatch.setenv("PRE_COMMIT_HOME", str(home))
    if REAL_PIP_CONFIG:
        monkeypatch.setenv("PIP_CONFIG_FILE", REAL_PIP_CONFIG)
    repo = make_repo(tmp_path)
    base = {f"src/m{i}.py": "".join(f"line {j}\n" for j in range(1, 21)) for i in range(2)}
    repo.commit(base, "base files")
    proc = subprocess.run(
        [
            "pantheon", "hooks", "install", "--framework", "pre-commit",
            "--repo", str(repo_path), "--rev", rev, "--json",
        ],
        cwd=repo.path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    repo.git("add", ".pre-commit-config.yaml")
    repo.git("commit", "-q", "--no-verify", "-m", "pre-commit config")
    repo.git("push", "-q", "--no-verify", "origin", "main")
    # Build pre-commit's environment for the hook repo now (once per session, minutes at most).
    built = subprocess.run(
        ["pre-commit", "install-hooks"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return repo


@pytest.fixture
def rally(rally_thread: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in rally_env(rally_thread).items():
        monkeypatch.setenv(name, value)
    return rally_thread


def test_the_manifest_is_valid() -> None:
    proc = subprocess.run(
        ["pre-commit", "validate-manifest", str(PROJECT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_commit_stages_through_pre_commit(framework_repo: GitRepo) -> None:
    repo = framework_repo
    switched = run_git(repo, "checkout", "-b", "story/US-121-login")
    assert switched.returncode == 0, switched.stderr
    assert "US-121 is not in the local Rally cache" in switched.stdout + switched.stderr
    seed_lock(repo.path, "US-121", BOB)
    (repo.path / "work.txt").write_text("one\n")
    repo.git("add", "work.txt")
    refused = run_git(repo, "commit", "-q", "-m", "add the form")
    assert refused.returncode != 0
    assert "pantheon story lock" in refused.stdout + refused.stderr
    assert f"US-121 is locked by {BOB}" in refused.stdout + refused.stderr
    seed_lock(repo.path, "US-121", ALICE)
    done = run_git(repo, "commit", "-q", "-m", "add the form")
    assert done.returncode == 0, done.stdout + done.stderr
    assert repo.git("log", "-1", "--format=%s").strip() == "US-121: add the form"
    seed_lock(repo.path, "US-121", BOB)
    run_git(repo, "checkout", "-q", "main")
    back = run_git(repo, "checkout", "story/US-121-login")
    assert f"US-121 is locked by {BOB}" in back.stdout + back.stderr


def test_pre_push_through_pre_commit(framework_repo: GitRepo, rally: Any) -> None:
    repo = framework_repo
    lock_in_rally(rally, "US-121", ALICE)
    lock_in_rally(rally, "US-122", BOB)
    repo.git("checkout", "-q", "-b", "story/US-122-signup")
    repo.write({"src/m1.py": "bob\n" + (repo.path / "src/m1.py").read_text()})
    repo.git("commit", "-qam", "bob's work", "--no-verify")
    repo.git("push", "-q", "--no-verify", "origin", "story/US-122-signup")
    repo.git("checkout", "-q", "-b", "story/US-121-login", "main")
    repo.write({"src/m1.py": (repo.path / "src/m1.py").read_text() + "alice\n"})
    repo.git("commit", "-qam", "alice's work", "--no-verify")
    pushed = run_git(repo, "push", "-q", "origin", "story/US-121-login")
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    output = pushed.stdout + pushed.stderr
    assert "pantheon: US-121 overlaps 1 story:" in output
    assert "US-122" in output
    lock_in_rally(rally, "US-121", BOB)
    repo.write({"src/m0.py": "more\n"})
    repo.git("commit", "-qam", "more", "--no-verify")
    refused = run_git(repo, "push", "-q", "origin", "story/US-121-login")
    assert refused.returncode != 0
    assert f"push blocked: US-121 is locked by {BOB}" in refused.stdout + refused.stderr
