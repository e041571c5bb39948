"""The hooks where the platform is not Linux or macOS, and where `pantheon` is not installed.

- Without ``os.posix_spawnp``, ``os.killpg`` and ``SIGALRM`` (Windows has none of them) the
  hooks still work: git runs through ``subprocess``, and the pre-push hook's budget holds
  through the deadline its Rally waits draw on. The platform is simulated by a
  ``sitecustomize`` that removes those names before pantheon starts; git runs the real hooks.
- Without ``pantheon`` on PATH, a hook says what to install or put on PATH (and how to skip a
  blocking hook once) instead of ``exec: pantheon: not found``.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from pantheon_git.features.hooks.precommit_config import STAGES
from pantheon_git.features.hooks.run_githooks import install_git, script
from tests.support.gitrepo import GitRepo, make_repo
from tests.support.hooks import ALICE, PLAIN_HOOKS, run_git, seed_lock

STORY = "story/US-121-add-login"
NOT_POSIX = """\
import os, signal
for name in ("posix_spawnp", "posix_spawn", "killpg"):
    if hasattr(os, name):
        delattr(os, name)
for name in ("SIGALRM", "setitimer", "getitimer", "ITIMER_REAL"):
    if hasattr(signal, name):
        delattr(signal, name)
"""


@pytest.fixture
def not_posix(tmp_path: Path) -> dict[str, str]:
    """The environment of a Python without posix_spawnp, killpg and SIGALRM."""
    site = tmp_path / "not-posix"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NOT_POSIX)
    return {"PYTHONPATH": str(site)}


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A Rally that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def story_repo(tmp_path: Path, hooks: Path = PLAIN_HOOKS) -> GitRepo:
    repo = make_repo(tmp_path)
    repo.git("config", "core.hooksPath", str(hooks))
    repo.git("checkout", "-q", "-b", STORY)
    return repo


def commit(repo: GitRepo, message: str, env: dict[str, str]) -> object:
    (repo.path / "work.txt").write_text(message)
    repo.git("add", "work.txt")
    return run_git(repo, "commit", "-q", "-m", message, env=env)


def test_the_simulation_removes_what_it_says(not_posix: dict[str, str], tmp_path: Path) -> None:
    import subprocess
    import sys

    code = "import os, signal; print(hasattr(os, 'posix_spawnp'), hasattr(signal, 'SIGALRM'))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **not_posix},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["False", "False"]


def test_commit_hooks_work_without_posix_spawn_and_sigalrm(
    tmp_path: Path, not_posix: dict[str, str]
) -> None:
    repo = story_repo(tmp_path)
    seed_lock(repo.path, "US-121", ALICE)
    proc = commit(repo, "login form", not_posix)
    assert proc.returncode == 0, proc.stderr  # type: ignore[attr-defined]
    assert repo.git("log", "-1", "--format=%s").strip() == "US-121: login form"
    seed_lock(repo.path, "US-121", "bob@example.com")
    refused = commit(repo, "more", not_posix)
    assert refused.returncode == 1  # type: ignore[attr-defined]
    assert "bob@example.com" in refused.stderr  # type: ignore[attr-defined]


def test_pre_push_keeps_its_budget_without_sigalrm(
    tmp_path: Path, not_posix: dict[str, str], black_hole: str
) -> None:
    """No alarm to stop it: the deadline every Rally wait draws on does (budget 1 s, each
    request allowed 60 s); run_git gives the push 120 s before calling it hung."""
    repo = story_repo(tmp_path)
    repo.commit({"src/login.py": "x = 1\n"}, "US-121 login")
    env = {
        **not_posix,
        "RALLY_URL": black_hole,
        "RALLY_API_KEY": "k-portable",
        "PANTHEON_HOOK_TIMEOUT": "60",
        "PANTHEON_HOOK_BUDGET": "1",
    }
    proc = run_git(repo, "push", "-q", "origin", STORY, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "the lock on US-121 was not checked" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "k-portable" not in proc.stderr


@pytest.mark.parametrize("stage", STAGES)
def test_the_shims_are_what_the_installer_writes(stage: str) -> None:
    assert (PLAIN_HOOKS / stage).read_text() == script(stage, None)
    assert os.access(PLAIN_HOOKS / stage, os.X_OK)


def without_pantheon() -> dict[str, str]:
    """A PATH with git and a shell but no pantheon."""
    dirs = {str(Path(shutil.which(tool) or "/usr/bin/x").parent) for tool in ("git", "sh")}
    path = os.pathsep.join(sorted(dirs))
    assert shutil.which("pantheon", path=path) is None
    return {"PATH": path}


def test_a_missing_pantheon_says_what_to_install(tmp_path: Path) -> None:
    repo = story_repo(tmp_path)
    proc = commit(repo, "work", without_pantheon())
    stderr = proc.stderr  # type: ignore[attr-defined]
    assert proc.returncode == 1  # type: ignore[attr-defined]
    assert "the pre-commit hook needs the pantheon command, which is not on PATH" in stderr
    assert "Install pantheon_git" in stderr
    assert "git commit --no-verify" in stderr
    assert "not found" not in stderr
    switched = run_git(repo, "checkout", "-q", "-b", "story/US-122-x", env=without_pantheon())
    assert switched.returncode == 0  # post-checkout says it, but never blocks
    assert "the post-checkout hook needs the pantheon command" in switched.stderr


def test_installed_hooks_fall_back_to_path_then_say_what_to_install(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    repo.git("checkout", "-q", "-b", STORY)
    install_git(repo.path, command=str(tmp_path / "gone" / "bin" / "pantheon"))
    proc = commit(repo, "work", without_pantheon())
    assert proc.returncode == 1  # type: ignore[attr-defined]
    assert "needs the pantheon command" in proc.stderr  # type: ignore[attr-defined]
