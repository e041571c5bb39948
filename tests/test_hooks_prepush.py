"""The pre-push hook as git runs it (plain hooks, every pushed ref on stdin): a fresh lock
check against the emulator, the Completed warning, and overlaps between two developers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.gitrepo import GitRepo, make_repo
from tests.support.hooks import (
    ALICE,
    BOB,
    lock_in_rally,
    now,
    rally_env,
    run_git,
    use_plain_hooks,
)
from tests.support.locks import rally_lock

BASE = {f"src/m{i}.py": "".join(f"line {j}\n" for j in range(1, 21)) for i in range(3)}


@pytest.fixture
def rally(rally_thread: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in rally_env(rally_thread).items():
        monkeypatch.setenv(name, value)
    lock_in_rally(rally_thread, "US-121", ALICE)
    lock_in_rally(rally_thread, "US-122", BOB)
    return rally_thread


@pytest.fixture
def origin(tmp_path: Path) -> GitRepo:
    repo = make_repo(tmp_path, "origin-work")
    repo.commit(BASE, "base files")
    repo.git("push", "-q", "origin", "main")
    return repo


def developer(origin: GitRepo, path: Path, email: str) -> GitRepo:
    repo = origin.clone(path)
    repo.git("config", "user.email", email)
    return use_plain_hooks(repo)


def edit_line(repo: GitRepo, path: str, line: int, text: str) -> None:
    lines = (repo.path / path).read_text().splitlines(keepends=True)
    lines[line - 1] = text + "\n"
    (repo.path / path).write_text("".join(lines))
    repo.git("add", path)


def story_commit(repo: GitRepo, branch: str, path: str, line: int, *, verify: bool = True) -> None:
    if repo.git("branch", "--list", branch).strip() == "":
        repo.git("checkout", "-q", "-b", branch, "origin/main")
    edit_line(repo, path, line, f"{branch} {line}")
    args = ["commit", "-q", "-m", f"edit line {line}"] + ([] if verify else ["--no-verify"])
    proc = run_git(repo, *args)
    assert proc.returncode == 0, proc.stderr


def remote_branches(origin: GitRepo) -> set[str]:
    out = origin.git("ls-remote", "--heads", str(origin.remote))
    return {line.split("refs/heads/")[1] for line in out.splitlines()}


def pantheon_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.lstrip().startswith(("pantheon", "US-"))]


def test_two_developers_see_each_others_overlap_at_push(
    origin: GitRepo, rally: Any, tmp_path: Path
) -> None:
    alice = developer(origin, tmp_path / "alice", ALICE)
    bob = developer(origin, tmp_path / "bob", BOB)
    story_commit(alice, "story/US-121-login", "src/m1.py", 3)
    first = run_git(alice, "push", "-q", "origin", "story/US-121-login")
    assert first.returncode == 0, first.stderr
    assert "overlaps" not in first.stderr

    story_commit(bob, "story/US-122-signup", "src/m1.py", 15)
    bob.git("fetch", "-q", "origin")
    pushed = run_git(bob, "push", "-q", "origin", "story/US-122-signup")
    assert pushed.returncode == 0, pushed.stderr
    lines = pantheon_lines(pushed.stderr)
    assert "pantheon: US-122 overlaps 1 story:" in lines
    assert any(line.strip().startswith("US-121") and "src/m1.py" in line for line in lines), (
        pushed.stderr
    )

    alice.git("fetch", "-q", "origin")
    story_commit(alice, "story/US-121-login", "src/m1.py", 5)
    again = run_git(alice, "push", "-q", "origin", "story/US-121-login")
    assert again.returncode == 0, again.stderr
    assert "pantheon: US-121 overlaps 1 story:" in pantheon_lines(again.stderr)
    assert "US-122" in again.stderr


def test_conflicts_block_stops_an_overlapping_push(
    origin: GitRepo, rally: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = developer(origin, tmp_path / "alice", ALICE)
    bob = developer(origin, tmp_path / "bob", BOB)
    story_commit(alice, "story/US-121-login", "src/m1.py", 3)
    assert run_git(alice, "push", "-q", "origin", "story/US-121-login").returncode == 0
    story_commit(bob, "story/US-122-signup", "src/m1.py", 15)
    bob.git("fetch", "-q", "origin")
    monkeypatch.setenv("PANTHEON_CONFLICTS", "block")
    refused = run_git(bob, "push", "-q", "origin", "story/US-122-signup")
    assert refused.returncode != 0
    assert "push blocked: US-122 changes files that US-121 also change" in refused.stderr
    assert "story/US-122-signup" not in remote_branches(origin)


def test_a_story_locked_by_someone_else_is_not_pushed(
    origin: GitRepo, rally: Any, tmp_path: Path
) -> None:
    alice = developer(origin, tmp_path / "alice", ALICE)
    story_commit(alice, "story/US-122-signup", "src/m2.py", 2, verify=False)
    refused = run_git(alice, "push", "-q", "origin", "story/US-122-signup")
    assert refused.returncode != 0
    assert f"pantheon: push blocked: US-122 is locked by {BOB}" in refused.stderr
    assert "story/US-122-signup" not in remote_branches(origin)


def test_every_pushed_ref_is_checked_and_one_refusal_stops_the_push(
    origin: GitRepo, rally: Any, tmp_path: Path
) -> None:
    alice = developer(origin, tmp_path / "alice", ALICE)
    story_commit(alice, "story/US-121-login", "src/m0.py", 1)
    story_commit(alice, "story/US-122-signup", "src/m2.py", 2, verify=False)
    refused = run_git(
        alice, "push", "-q", "origin", "story/US-121-login", "story/US-122-signup", "main"
    )
    assert refused.returncode != 0
    assert "US-122 is locked by" in refused.stderr
    assert "US-121 is locked" not in refused.stderr
    assert remote_branches(origin) == {"main"}


def test_deleting_a_story_branch_is_never_checked(
    origin: GitRepo, rally: Any, tmp_path: Path
) -> None:
    alice = developer(origin, tmp_path / "alice", ALICE)
    story_commit(alice, "story/US-121-login", "src/m0.py", 1)
    assert run_git(alice, "push", "-q", "origin", "story/US-121-login").returncode == 0
    lock_in_rally(rally, "US-121", BOB)
    deleted = run_git(alice, "push", "-q", "origin", ":story/US-121-login")
    assert deleted.returncode == 0, deleted.stderr
    assert "story/US-121-login" not in remote_branches(origin)


def test_pushing_your_story_renews_the_lease(origin: GitRepo, rally: Any, tmp_path: Path) -> None:
    lock_in_rally(rally, "US-121", ALICE, expires=now() + timedelta(hours=1))
    alice = developer(origin, tmp_path / "alice", ALICE)
    story_commit(alice, "story/US-121-login", "src/m0.py", 1)
    pushed = run_git(alice, "push", "-q", "origin", "story/US-121-login")
    assert pushed.returncode == 0, pushed.stderr
    assert "pantheon: lease on US-121 renewed until" in pushed.stderr
    lock = rally_lock(rally, "US-121")
    assert lock is not None
    assert lock.expires > now() + timedelta(hours=20)  # rally_lock_hours (24) from now


def test_a_lapsed_lease_nobody_took_is_taken_again_at_push(
    origin: GitRepo, rally: Any, tmp_path: Path
) -> None:
    lock_in_rally(rally, "US-121", ALICE, expires=now() - timedelta(minutes=5))
    alice = developer(origin, tmp_path / "alice", ALICE)
    story_commit(alice, "story/US-121-login", "src/m0.py", 1, verify=False)
    pushed = run_git(alice, "push", "-q", "origin", "story/US-121-login")
    assert pushed.returncode == 0, pushed.stderr
    assert "your lapsed lock on US-121 was taken again" in pushed.stderr
    lock = rally_lock(rally, "US-121")
    assert lock is not None
    assert lock.holder == ALICE
    assert lock.expires > now() + timedelta(hours=20)


def test_pushing_a_completed_story_warns(origin: GitRepo, rally: Any, tmp_path: Path) -> None:
    lock_in_rally(rally, "US-206", ALICE)  # Completed in the demo backlog
    alice = developer(origin, tmp_path / "alice", ALICE)
    story_commit(alice, "story/US-206-docs", "src/m0.py", 4)
    pushed = run_git(alice, "push", "-q", "origin", "story/US-206-docs")
    assert pushed.returncode == 0, pushed.stderr
    assert "pantheon: warning: US-206 is Completed in Rally" in pushed.stderr


def test_non_story_branches_push_silently(origin: GitRepo, rally: Any, tmp_path: Path) -> None:
    alice = developer(origin, tmp_path / "alice", ALICE)
    alice.git("checkout", "-q", "-b", "feature/tools")
    alice.commit({"tools.txt": "x\n"}, "tools")
    pushed = run_git(alice, "push", "-q", "origin", "feature/tools")
    assert pushed.returncode == 0
    assert "pantheon" not in pushed.stderr


@pytest.mark.parametrize(("policy", "blocked"), [("warn", False), ("block", True)])
def test_rally_down_at_push(
    origin: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: str, blocked: bool
) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("RALLY_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("RALLY_API_KEY", "k-down")
    monkeypatch.setenv("PANTHEON_HOOK_TIMEOUT", "1")
    monkeypatch.setenv("PANTHEON_OFFLINE", policy)
    alice = developer(origin, tmp_path / "alice", ALICE)
    story_commit(alice, "story/US-121-login", "src/m0.py", 1, verify=False)
    proc = run_git(alice, "push", "-q", "origin", "story/US-121-login")
    assert (proc.returncode != 0) == blocked, proc.stderr
    if blocked:
        assert "policy offline: block" in proc.stderr
    else:
        assert "the lock on US-121 was not checked" in proc.stderr
    assert "k-down" not in proc.stderr


def test_a_push_never_waits_longer_than_its_budget(
    origin: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as hole:  # accepts connections, never answers
        hole.bind(("127.0.0.1", 0))
        hole.listen(16)
        monkeypatch.setenv("RALLY_URL", f"http://127.0.0.1:{hole.getsockname()[1]}")
        monkeypatch.setenv("RALLY_API_KEY", "k-slow")
        monkeypatch.setenv("PANTHEON_HOOK_TIMEOUT", "60")
        monkeypatch.setenv("PANTHEON_HOOK_BUDGET", "1")
        alice = developer(origin, tmp_path / "alice", ALICE)
        story_commit(alice, "story/US-121-login", "src/m0.py", 1, verify=False)
        proc = run_git(alice, "push", "-q", "origin", "story/US-121-login")  # times out at 120 s
    assert proc.returncode == 0, proc.stderr
    assert "Rally could not be asked" in proc.stderr
    assert "conflict check not run: the hook's time budget was used up" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "story/US-121-login" in remote_branches(origin)
