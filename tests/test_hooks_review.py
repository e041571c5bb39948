"""The hooks after Code Review, and whom they judge: review fixes by the story's owner (from
the cache and from Rally, at commit and at push), the identity git records for the commit,
``git commit -v``'s scissors, a cherry-pick being resolved, and pushes to protected branches.
Real git, the plain hooks, the emulator in a thread."""

from __future__ import annotations

import stat
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.gitrepo import GitRepo, make_repo
from tests.support.hooks import (
    ALICE,
    BOB,
    assign_in_rally,
    lock_in_rally,
    rally_env,
    run_git,
    seed_lock,
    use_plain_hooks,
)

STORY = "story/US-121-add-login"
IN_REVIEW = {"ScheduleState": "In-Progress", "c_PantheonStatus": "Code Review"}


@pytest.fixture
def rally(rally_thread: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in rally_env(rally_thread).items():
        monkeypatch.setenv(name, value)
    return rally_thread


def on_story(repo: GitRepo, branch: str = STORY) -> GitRepo:
    repo.git("checkout", "-q", "-b", branch)
    return repo


def commit(repo: GitRepo, message: str, *args: str, env: dict[str, str] | None = None) -> Any:
    (repo.path / "work.txt").write_text(f"{message}\n{time.time_ns()}\n")
    repo.git("add", "work.txt")
    return run_git(repo, "commit", "-q", *args, "-m", message, env=env)


def subject(repo: GitRepo) -> str:
    return repo.git("log", "-1", "--format=%s").strip()


# --- review fixes ---------------------------------------------------------------------------


def test_the_owner_commits_review_fixes_judged_from_the_cache(hooked_repo: GitRepo) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", None, state="Code Review", owner=ALICE)
    assert commit(repo, "review fix").returncode == 0
    repo.git("config", "user.email", BOB)
    refused = commit(repo, "bob's fix")
    assert refused.returncode != 0
    assert f"US-121 is in Code Review: only its owner ({ALICE}) commits review fixes" in (
        refused.stderr
    )


def test_the_owner_commits_review_fixes_judged_from_rally(hooked_repo: GitRepo, rally: Any) -> None:
    repo = on_story(hooked_repo)
    # The cache is an hour old: it still shows alice's lock from before the pull request.
    seed_lock(repo.path, "US-121", ALICE, age=3600)
    assign_in_rally(rally, "US-121", ALICE, **IN_REVIEW)
    lock_in_rally(rally, "US-121", None)  # the pull request released it
    proc = commit(repo, "review fix")
    assert proc.returncode == 0, proc.stderr
    repo.git("config", "user.email", BOB)
    seed_lock(repo.path, "US-121", ALICE, age=3600)
    refused = commit(repo, "bob's fix")
    assert refused.returncode != 0
    assert "is in Code Review: only its owner" in refused.stderr


def test_a_story_in_review_locked_by_someone_else_is_theirs(hooked_repo: GitRepo) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", BOB, state="Code Review", owner=ALICE)
    refused = commit(repo, "review fix")
    assert refused.returncode != 0
    assert f"locked by {BOB}" in refused.stderr


@pytest.fixture
def origin(tmp_path: Path) -> GitRepo:
    return make_repo(tmp_path, "origin-work")


def developer(origin: GitRepo, path: Path, email: str) -> GitRepo:
    repo = origin.clone(path)
    repo.git("config", "user.email", email)
    return use_plain_hooks(repo)


def test_the_owner_pushes_review_fixes_and_nobody_else(
    origin: GitRepo, rally: Any, tmp_path: Path
) -> None:
    assign_in_rally(rally, "US-121", ALICE, **IN_REVIEW)
    alice = developer(origin, tmp_path / "alice", ALICE)
    alice.git("checkout", "-q", "-b", STORY)
    alice.commit({"fix.txt": "1\n"}, "review fix")
    pushed = run_git(alice, "push", "-q", "origin", STORY)
    assert pushed.returncode == 0, pushed.stderr
    assert "US-121 is in Code Review: review fixes by its owner, no lock to renew" in (
        pushed.stderr
    )
    bob = developer(origin, tmp_path / "bob", BOB)
    bob.git("checkout", "-q", "-b", STORY, f"origin/{STORY}")
    bob.commit({"fix.txt": "2\n"}, "bob's fix")
    refused = run_git(bob, "push", "-q", "origin", STORY)
    assert refused.returncode != 0
    assert "push blocked: US-121 is in Code Review: only its owner" in refused.stderr


# --- identity as git records it -------------------------------------------------------------


def test_a_command_line_identity_is_the_one_judged(hooked_repo: GitRepo) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", ALICE)
    as_bob = run_git(repo, "-c", f"user.email={BOB}", "commit", "-q", "--allow-empty", "-m", "x")
    assert as_bob.returncode != 0
    assert f"you ({BOB}) do not hold it" in as_bob.stderr


@pytest.mark.parametrize(
    ("env", "config", "allowed"),
    [
        ({"GIT_COMMITTER_EMAIL": BOB}, ALICE, False),  # git records bob as the committer
        ({"GIT_COMMITTER_EMAIL": ALICE}, BOB, True),
        ({"GIT_AUTHOR_EMAIL": BOB}, ALICE, True),  # the committer is still alice
        ({"EMAIL": ALICE}, None, True),  # git's last resort, as git uses it
    ],
)
def test_the_committer_git_records_is_the_one_judged(
    hooked_repo: GitRepo, env: dict[str, str], config: str | None, allowed: bool
) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", ALICE)
    if config is None:
        repo.git("config", "--global", "--unset", "user.email")
    else:
        repo.git("config", "user.email", config)
    proc = commit(repo, "work", env=env)
    assert (proc.returncode == 0) is allowed, proc.stderr
    if allowed:
        assert repo.git("log", "-1", "--format=%ce").strip() == ALICE


def test_identities_map_the_recorded_committer(hooked_repo: GitRepo) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", ALICE)
    config = repo.path / "_bmad" / "pantheon" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(f"pantheon:\n  identities:\n    alice@home.example: {ALICE}\n")
    proc = commit(repo, "work", env={"GIT_COMMITTER_EMAIL": "alice@home.example"})
    assert proc.returncode == 0, proc.stderr


# --- commit-msg edges -----------------------------------------------------------------------


def editor(tmp_path: Path, text: str) -> str:
    """A GIT_EDITOR that puts ``text`` above what git wrote (the scissors and the diff)."""
    script = tmp_path / "editor.sh"
    script.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "{text}" | cat - "$1" > "$1.new" && mv "$1.new" "$1"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_the_diff_below_the_scissors_is_no_mention_of_the_story(
    hooked_repo: GitRepo, tmp_path: Path
) -> None:
    repo = on_story(hooked_repo)
    seed_lock(repo.path, "US-121", ALICE)
    (repo.path / "notes.txt").write_text("see US-121 for the design\n")  # in the diff
    repo.git("add", "notes.txt")
    proc = run_git(repo, "commit", "-q", "-v", env={"GIT_EDITOR": editor(tmp_path, "add notes")})
    assert proc.returncode == 0, proc.stderr
    assert subject(repo) == "US-121: add notes"


def test_a_cherry_pick_being_resolved_keeps_its_message(hooked_repo: GitRepo) -> None:
    repo = hooked_repo
    repo.commit({"a.txt": "base\n"}, "base")
    repo.git("checkout", "-q", "-b", "other")
    picked = repo.commit({"a.txt": "other\n"}, "change a on other")
    repo.git("checkout", "-q", "main")
    on_story(repo)
    seed_lock(repo.path, "US-121", ALICE)
    repo.commit({"a.txt": "story\n"}, "US-121: change a on the story")
    conflict = run_git(repo, "cherry-pick", picked)
    assert conflict.returncode != 0  # a conflict to resolve
    (repo.path / "a.txt").write_text("resolved\n")
    repo.git("add", "a.txt")
    done = run_git(repo, "-c", "core.editor=true", "cherry-pick", "--continue")
    assert done.returncode == 0, done.stderr
    assert subject(repo) == "change a on other"


# --- pushes to protected branches -----------------------------------------------------------


def test_commits_made_on_a_protected_branch_are_not_pushed(
    origin: GitRepo, rally: Any, tmp_path: Path
) -> None:
    alice = developer(origin, tmp_path / "alice", ALICE)
    alice.commit({"hotfix.txt": "x\n"}, "quick fix on main")  # --no-verify
    refused = run_git(alice, "push", "-q", "origin", "main")
    assert refused.returncode != 0
    assert "push blocked: the push brings 1 commit(s) made directly on main" in refused.stderr
    assert "rule: protected_branches, pattern 'main'" in refused.stderr
    # a release branch cut from what origin has brings no commit of its own: it goes
    alice.git("branch", "release/1.0", "origin/main")
    assert run_git(alice, "push", "-q", "origin", "release/1.0").returncode == 0
    # the team's policy may allow it
    config = alice.path / "_bmad" / "pantheon" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("pantheon:\n  protected_branches: []\n")
    allowed = run_git(alice, "push", "-q", "origin", "main")
    assert allowed.returncode == 0, allowed.stderr


def test_a_merge_of_a_story_branch_is_pushed(origin: GitRepo, rally: Any, tmp_path: Path) -> None:
    lock_in_rally(rally, "US-121", ALICE)
    alice = developer(origin, tmp_path / "alice", ALICE)
    alice.git("checkout", "-q", "-b", STORY)
    alice.commit({"login.txt": "x\n"}, "US-121: login")
    assert run_git(alice, "push", "-q", "origin", STORY).returncode == 0
    alice.git("checkout", "-q", "main")
    alice.git("merge", "-q", "--no-ff", "--no-edit", STORY)
    pushed = run_git(alice, "push", "-q", "origin", "main")
    assert pushed.returncode == 0, pushed.stderr


# --- post-checkout after Code Review ----------------------------------------------------------


def test_switching_to_a_story_in_review_names_its_owner_not_a_checkout_that_would_refuse(
    hooked_repo: GitRepo,
) -> None:
    repo = hooked_repo
    repo.git("branch", STORY)
    repo.git("branch", "story/US-122-signup")
    seed_lock(repo.path, "US-121", None, state="Code Review", owner=BOB)
    seed_lock(repo.path, "US-122", None, state="Completed", owner=BOB)
    other = run_git(repo, "checkout", STORY)
    assert other.returncode == 0
    lines = [line for line in other.stderr.splitlines() if line.startswith("pantheon:")]
    assert lines == [
        f"pantheon: US-121 is in Code Review: only its owner ({BOB}) commits review fixes on "
        f"its branch, not you ({ALICE})"
    ]
    done = run_git(repo, "checkout", "story/US-122-signup")
    assert "pantheon checkout US-122" not in done.stderr
    assert "US-122 is Completed" in done.stderr
    repo.git("config", "user.email", BOB)
    owner = run_git(repo, "checkout", STORY)
    assert "pantheon" not in owner.stderr  # the owner's review fixes go through: nothing to say
