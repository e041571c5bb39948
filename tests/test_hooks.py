"""The commit-time hooks as git runs them: plain scripts (``hooks/``) through core.hooksPath,
real repositories with a bare remote, a Rally cache seeded as a sync leaves it, and the
emulator as a real HTTP server when the hook must ask Rally."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.cache import stories
from pantheon_git.cache.store import Cache
from pantheon_git.core.keys import StoryKey
from tests.support.cachefiles import raw
from tests.support.gitrepo import GitRepo
from tests.support.hooks import (
    ALICE,
    BOB,
    hook,
    lock_in_rally,
    now,
    rally_env,
    run_git,
    seed_lock,
)

STORY = "story/US-121-add-login"


def head(repo: GitRepo) -> str:
    return repo.git("rev-parse", "HEAD").strip()


def subject(repo: GitRepo, rev: str = "HEAD") -> str:
    return repo.git("log", "-1", "--format=%s", rev).strip()


def on_story(repo: GitRepo, branch: str = STORY) -> GitRepo:
    repo.git("checkout", "-q", "-b", branch)
    return repo


def commit(repo: GitRepo, message: str, *, env: dict[str, str] | None = None) -> Any:
    (repo.path / "work.txt").write_text(f"{message}\n{time.time_ns()}\n")
    repo.git("add", "work.txt")
    return run_git(repo, "commit", "-q", "-m", message, env=env)


# --- pre-commit: the lock, judged from the cache ---------------------------------------------


def test_your_own_lock_lets_the_commit_through_and_the_key_goes_in_front(
    hooked_repo: GitRepo,
) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", ALICE)
    proc = commit(repo, "add the login form")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert subject(repo) == "US-121: add the login form"


def test_someone_elses_lock_refuses_the_commit_naming_holder_time_and_next_step(
    hooked_repo: GitRepo,
) -> None:
    repo = on_story(hooked_repo)
    expires = now() + timedelta(hours=3)
    seed_lock(repo.path, "US-121", BOB, expires=expires)
    before = head(repo)
    proc = commit(repo, "add the login form")
    assert proc.returncode != 0
    assert head(repo) == before
    assert f"US-121 is locked by {BOB} until {expires:%Y-%m-%d %H:%M} UTC" in proc.stderr
    assert "`pantheon checkout US-121` names free ones" in proc.stderr


def test_identities_map_the_git_email_to_the_rally_user(hooked_repo: GitRepo) -> None:
    repo = on_story(hooked_repo)
    config = repo.path / "_bmad" / "pantheon" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("pantheon:\n  identities:\n    Alice@Example.com: alice.smith@corp.example\n")
    seed_lock(repo.path, "US-121", "alice.smith@corp.example")
    assert commit(repo, "mapped").returncode == 0
    seed_lock(repo.path, "US-121", ALICE)
    assert commit(repo, "not the Rally user").returncode != 0
    assert commit(repo, "as bob", env={"PANTHEON_USER": BOB}).returncode != 0


def test_an_expired_lease_is_refused_and_renew_is_suggested(hooked_repo: GitRepo) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", ALICE, expires=now() - timedelta(minutes=5))
    proc = commit(repo, "late work")
    assert proc.returncode != 0
    assert "your lock on US-121 expired" in proc.stderr
    assert "pantheon renew US-121" in proc.stderr


def test_a_story_nobody_holds_is_refused(hooked_repo: GitRepo) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", None)
    proc = commit(repo, "x")
    assert proc.returncode != 0
    assert "pantheon checkout US-121" in proc.stderr


def test_protected_branches_and_require_story_branch(hooked_repo: GitRepo) -> None:
    repo = hooked_repo
    proc = commit(repo, "on main")
    assert proc.returncode != 0
    assert "rule: protected_branches" in proc.stderr
    repo.git("checkout", "-q", "-b", "feature/tooling")
    assert commit(repo, "tooling").returncode == 0
    assert subject(repo) == "tooling"  # not a story branch: message untouched
    strict = commit(repo, "more", env={"PANTHEON_REQUIRE_STORY_BRANCH": "true"})
    assert strict.returncode != 0
    assert "rule: require_story_branch" in strict.stderr
    repo.git("reset", "-q", "--hard")
    repo.git("checkout", "-q", "main")
    assert commit(repo, "allowed", env={"PANTHEON_PROTECTED_BRANCHES": "release/*"}).returncode == 0


# --- never blocked: merges, reverts, fixups, rebases -------------------------------------------


def test_merge_revert_fixup_and_rebase_are_never_blocked_nor_renamed(
    hooked_repo: GitRepo,
) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", ALICE)
    repo.write({"README.md": "story\n"})
    repo.git("add", "README.md")
    assert run_git(repo, "commit", "-q", "-m", "story edit").returncode == 0
    first = head(repo)
    assert commit(repo, "second").returncode == 0
    # main moves on, in conflict with the story
    repo.git("checkout", "-q", "main")
    repo.write({"README.md": "main\n"})
    repo.git("add", "README.md")
    repo.git("commit", "-q", "--no-verify", "-m", "main edit")
    repo.git("checkout", "-q", STORY)
    seed_lock(repo.path, "US-121", BOB)  # from now on the story is someone else's
    assert commit(repo, "refused").returncode != 0
    repo.git("reset", "-q", "--hard")

    merge = run_git(repo, "merge", "main")
    assert merge.returncode != 0  # conflict
    repo.write({"README.md": "both\n"})
    repo.git("add", "README.md")
    done = run_git(repo, "commit", "-q", "--no-edit")
    assert done.returncode == 0, done.stderr
    assert subject(repo) == "Merge branch 'main' into story/US-121-add-login"

    fixup = run_git(repo, "commit", "-q", "--allow-empty", f"--fixup={first}")
    assert fixup.returncode == 0, fixup.stderr
    assert subject(repo).startswith("fixup! US-121: story edit")

    assert run_git(repo, "revert", "--no-edit", first).returncode != 0  # conflict
    repo.write({"README.md": "reverted\n"})
    repo.git("add", "README.md")
    reverted = run_git(repo, "commit", "-q", "--no-edit")
    assert reverted.returncode == 0, reverted.stderr
    assert subject(repo) == 'Revert "US-121: story edit"'

    assert run_git(repo, "rebase", "main").returncode != 0  # stops on the conflict
    repo.write({"README.md": "rebased\n"})
    repo.git("add", "README.md")
    during = run_git(repo, "commit", "-q", "-m", "resolved during the rebase")
    assert during.returncode == 0, during.stderr
    assert subject(repo) == "resolved during the rebase"
    run_git(repo, "rebase", "--abort")


# --- commit-msg ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "message", "code", "result"),
    [
        ("prepend", "add login", 0, "US-121: add login"),
        ("prepend", "us121 add login", 0, "us121 add login"),
        ("prepend", "add login (US_121)", 0, "add login (US_121)"),
        ("prepend", "add login for US-12", 0, "US-121: add login for US-12"),
        ("require", "add login", 1, None),
        ("require", "US-121 add login", 0, "US-121 add login"),
        ("off", "add login", 0, "add login"),
    ],
)
def test_commit_msg_policies(
    hooked_repo: GitRepo, policy: str, message: str, code: int, result: str | None
) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", ALICE)
    proc = commit(repo, message, env={"PANTHEON_COMMIT_MSG": policy})
    assert (proc.returncode != 0) == bool(code), proc.stderr
    if result is not None:
        assert subject(repo) == result
    else:
        assert "rule: commit_msg: require" in proc.stderr


def test_commit_msg_keeps_the_body_and_comments(hooked_repo: GitRepo) -> None:
    repo = on_story(hooked_repo)
    msg = repo.path / "msg.txt"
    msg.write_text("\n# Please enter the message\nfix the form\n\nbody line\n# trailing\n")
    proc = hook(repo, "commit-msg", "msg.txt")
    assert proc.returncode == 0
    assert (
        msg.read_text()
        == "\n# Please enter the message\nUS-121: fix the form\n\nbody line\n# trailing\n"
    )
    assert hook(repo, "commit-msg").returncode == 2
    assert hook(repo, "commit-msg", "missing.txt").returncode == 2


# --- hostile branch names -------------------------------------------------------------------


@pytest.mark.parametrize(
    "branch",
    [
        "story/US-121-$(touch${IFS}pwned)",
        "story/US-121-`touch${IFS}pwned`",
        'story/US-121-it\'s-"quoted";rm${IFS}-rf${IFS}x|y&z',
        "story/US-121-ünïcødé-登录",
    ],
)
def test_hostile_branch_names_run_nothing(
    hooked_repo: GitRepo, branch: str, tmp_path: Path
) -> None:
    repo = on_story(hooked_repo, branch)
    seed_lock(repo.path, "US-121", ALICE)
    proc = commit(repo, "work")
    assert proc.returncode == 0, proc.stderr
    assert subject(repo) == "US-121: work"
    seed_lock(repo.path, "US-121", BOB)
    refused = commit(repo, "more")
    assert refused.returncode != 0
    assert "US-121 is locked by bob@example.com" in refused.stderr
    repo.git("reset", "-q", "--hard")
    switched = run_git(repo, "checkout", "main")
    back = run_git(repo, "checkout", branch)
    assert switched.returncode == back.returncode == 0
    assert "US-121 is locked by bob@example.com" in back.stderr
    assert not list(tmp_path.rglob("pwned")), "a branch name was executed"
    assert not (Path.cwd() / "pwned").exists()


# --- post-checkout ------------------------------------------------------------------------


def test_post_checkout_says_who_holds_the_story_and_never_blocks(hooked_repo: GitRepo) -> None:
    repo = hooked_repo
    repo.git("branch", "story/US-122-signup")
    repo.git("branch", STORY)
    repo.git("branch", "story/US-123-nothing-cached")
    seed_lock(repo.path, "US-122", BOB, age=7200)
    seed_lock(repo.path, "US-121", ALICE)
    theirs = run_git(repo, "checkout", "story/US-122-signup")
    assert theirs.returncode == 0
    lines = [line for line in theirs.stderr.splitlines() if line.startswith("pantheon:")]
    assert len(lines) == 1
    assert f"US-122 is locked by {BOB}" in lines[0]
    assert "cache, 2 h old" in lines[0]
    mine = run_git(repo, "checkout", STORY)
    assert "pantheon" not in mine.stderr
    unknown = run_git(repo, "checkout", "story/US-123-nothing-cached")
    assert "pantheon sync" in unknown.stderr
    files = run_git(repo, "checkout", "story/US-122-signup", "--", "README.md")
    assert "pantheon" not in files.stderr
    broken = repo.path / "_bmad" / "pantheon" / "config.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text("pantheon: [unclosed\n")
    still = run_git(repo, "checkout", "story/US-122-signup")
    assert still.returncode == 0
    assert "pantheon: post-checkout:" in still.stderr


# --- stale cache: Rally is asked --------------------------------------------------------------


@pytest.fixture
def rally(rally_thread: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in rally_env(rally_thread).items():
        monkeypatch.setenv(name, value)
    return rally_thread


def test_a_stale_cache_is_refreshed_from_rally_and_written_back(
    hooked_repo: GitRepo, rally: Any
) -> None:
    repo = on_story(hooked_repo)
    lock_in_rally(rally, "US-121", ALICE)
    stale = seed_lock(repo.path, "US-121", BOB, age=3600)  # a sync an hour ago said bob
    seeded = stale.stat().st_mtime
    proc = commit(repo, "work")
    assert proc.returncode == 0, proc.stderr
    entry = json.loads(stale.read_text())
    assert entry["bmad"]["lock"]["holder"] == ALICE
    assert stale.stat().st_mtime > seeded  # written again: fresh for the next commit
    assignments = raw(Cache(repo.path), "assignments.json")
    assert assignments["locks"]["US-121"]["holder"] == ALICE
    lock_in_rally(rally, "US-121", BOB)  # bob takes it over; the fresh cache still says alice
    assert commit(repo, "still mine for ten minutes").returncode == 0
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    refused = commit(repo, "now Rally is asked again")
    assert refused.returncode != 0
    assert f"locked by {BOB}" in refused.stderr


def test_a_story_file_another_version_wrote_is_replaced_by_a_fresh_read(
    hooked_repo: GitRepo, rally: Any
) -> None:
    repo = on_story(hooked_repo)
    lock_in_rally(rally, "US-121", ALICE)
    path = seed_lock(repo.path, "US-121", BOB)  # fresh, but not a file this version wrote
    doc = json.loads(path.read_text())
    del doc["schema"]
    path.write_text(json.dumps(doc))
    proc = commit(repo, "work")  # the hook does not trust it: it asks Rally
    assert proc.returncode == 0, proc.stderr
    entry = stories.find(Cache(repo.path), StoryKey.parse("US-121"))
    assert entry is not None
    assert entry.story.lock is not None
    assert entry.story.lock.holder == ALICE
    assert len(entry.story.tasks) == 6  # read whole, as for a story the cache did not have


def test_a_story_missing_from_the_cache_is_read_whole_with_its_tasks(
    hooked_repo: GitRepo, rally: Any
) -> None:
    repo = on_story(hooked_repo)
    lock_in_rally(rally, "US-121", ALICE)
    proc = commit(repo, "work")
    assert proc.returncode == 0, proc.stderr
    story = stories.find_story(Cache(repo.path), StoryKey.parse("US-121"))
    assert story is not None
    assert story.lock is not None
    assert story.lock.holder == ALICE
    assert story.title == "Add login endpoint"
    assert len(story.tasks) == 6
    assert story.epic == "F17"


def test_a_story_rally_does_not_know_is_refused(hooked_repo: GitRepo, rally: Any) -> None:
    repo = on_story(hooked_repo, "story/US-999-ghost")
    proc = commit(repo, "work")
    assert proc.returncode != 0
    assert "US-999 is not in Rally" in proc.stderr


# --- Rally down ---------------------------------------------------------------------------


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A server that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield int(sock.getsockname()[1])


def offline_env(port: int, **extra: str) -> dict[str, str]:
    return {
        "RALLY_URL": f"http://127.0.0.1:{port}",
        "RALLY_API_KEY": "k-offline",
        "PANTHEON_HOOK_TIMEOUT": "1",
        **extra,
    }


def test_rally_down_warn_checks_from_the_cache_and_says_how_old(
    hooked_repo: GitRepo, closed_port: int
) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", ALICE, age=3 * 3600)
    proc = commit(repo, "offline work", env=offline_env(closed_port))
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("pantheon:")]
    assert len(warnings) == 1
    assert "checked from a cache 3 h old" in warnings[0]
    seed_lock(repo.path, "US-121", BOB, age=3 * 3600)
    refused = commit(repo, "theirs", env=offline_env(closed_port))
    assert refused.returncode != 0
    assert "from a cache 3 h old" in refused.stderr
    assert "k-offline" not in refused.stderr + proc.stderr


def test_rally_down_block_refuses(hooked_repo: GitRepo, closed_port: int) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", ALICE, age=3 * 3600)
    proc = commit(repo, "x", env=offline_env(closed_port, PANTHEON_OFFLINE="block"))
    assert proc.returncode != 0
    assert "policy offline: block" in proc.stderr


def test_rally_down_and_nothing_cached_passes_with_a_warning(
    hooked_repo: GitRepo, closed_port: int
) -> None:
    repo = on_story(hooked_repo)
    proc = commit(repo, "x", env=offline_env(closed_port))
    assert proc.returncode == 0, proc.stderr
    assert "US-121 is not in the local cache: lock not checked" in proc.stderr


def test_no_api_key_counts_as_offline(hooked_repo: GitRepo) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", ALICE, age=3 * 3600)
    proc = commit(repo, "x")
    assert proc.returncode == 0, proc.stderr
    assert "RALLY_API_KEY is not set" in proc.stderr


def test_a_rally_that_never_answers_does_not_hang_the_commit(
    hooked_repo: GitRepo, black_hole: int
) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", ALICE, age=3 * 3600)
    proc = commit(repo, "x", env=offline_env(black_hole))  # run_git times out at 120 s
    assert proc.returncode == 0, proc.stderr
    assert "checked from a cache 3 h old" in proc.stderr


def test_ctrl_c_exits_130(hooked_repo: GitRepo) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", ALICE, age=3 * 3600)
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(4)
        hole.settimeout(60)
        env = {**os.environ, **offline_env(hole.getsockname()[1], PANTHEON_HOOK_TIMEOUT="30")}
        proc = subprocess.Popen(
            ["pantheon", "hook", "pre-commit"],
            cwd=repo.path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        conn, _ = hole.accept()  # the hook now waits for Rally's answer
        with conn:
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "interrupted" in err
    assert "Traceback" not in err


# --- the fast path stays light ----------------------------------------------------------------


def test_the_commit_hook_with_a_fresh_cache_imports_nothing_heavy(hooked_repo: GitRepo) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", ALICE)
    assert hook(repo, "pre-commit").returncode == 0  # settings cached from here on
    code = (
        "import sys; before = set(sys.modules); from pantheon_git.main import main;"
        "rc = main(['hook', 'pre-commit']);"
        "heavy = {'click', 'httpx', 'networkx', 'pygit2', 'yaml', 'dataclasses', 'subprocess',"
        " 'pathlib', 'typing', 'inspect', 'pantheon_git.config'};"
        "print(rc, sorted(heavy & (set(sys.modules) - before)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=repo.path, capture_output=True, text=True, check=False
    )
    assert out.stdout.strip() == "0 []", out.stderr
