"""The team's daily loop, end to end: two developers' clones of one bare origin, their git
hooks, the Rally emulator as a real server, and `pantheon ci` fed GitHub's payloads.

alice checks a story out, commits and pushes; her pull request moves it to Code Review
(the lock is released, as the seed says); she commits and pushes a review fix; bob can
neither check the story out nor commit on its branch; the synchronize event records the fix;
the merge completes the story.
"""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.ci_runner import CiRun, run_ci
from tests.support.ghevents import pr_event
from tests.support.gitrepo import GitRepo, make_repo
from tests.support.hooks import ALICE, BOB, run_git, use_plain_hooks
from tests.support.locks import FAST_TIMING, rally_fields

STORY = "US-121"
CONFIG = """pantheon:
  identities:
    alice-gh: alice@example.com
    bob-gh: bob@example.com
"""


def pantheon(repo: GitRepo, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pantheon", *args],
        cwd=repo.path,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def developer(origin: GitRepo, path: Path, email: str) -> GitRepo:
    repo = origin.clone(path)
    repo.git("config", "user.email", email)
    return use_plain_hooks(repo)


def work(repo: GitRepo, name: str, text: str, message: str, **env: str) -> Any:
    (repo.path / name).parent.mkdir(parents=True, exist_ok=True)
    (repo.path / name).write_text(text)
    repo.git("add", name)
    return run_git(repo, "commit", "-q", "-m", message, env=env)


def ci(origin: GitRepo, tmp: Path, doc: Any, rally: Any) -> CiRun:
    """`pantheon ci` as the Action runs it: in a checkout of the origin with full history."""
    checkout = tmp / "ci"
    subprocess.run(["git", "clone", "-q", str(origin.remote), str(checkout)], check=True)
    return run_ci(checkout, "pull_request", doc, env={**rally.env()}, tmp=tmp)


@pytest.fixture
def team(tmp_path: Path, rally_process: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {**rally_process.env(), **FAST_TIMING}.items():
        monkeypatch.setenv(name, value)
    origin = make_repo(tmp_path, "origin")
    origin.commit({"_bmad/pantheon/config.yaml": CONFIG}, "pantheon config")
    origin.git("push", "-q", "origin", "main")
    alice = developer(origin, tmp_path / "alice", ALICE)
    bob = developer(origin, tmp_path / "bob", BOB)
    return origin, alice, bob, rally_process


def test_checkout_commit_push_review_fix_refusals_synchronize_merge(
    team: Any, tmp_path: Path
) -> None:
    origin, alice, bob, rally = team

    # 1. alice takes the story: locked, In Progress, Owner, branch
    taken = pantheon(alice, "checkout", STORY)
    assert taken.returncode == 0, taken.stderr
    branch = alice.git("symbolic-ref", "--short", "HEAD").strip()
    assert branch.startswith("story/US-121-")

    # 2. commits (the hooks check her lock) and a push (renews it)
    assert work(alice, "src/login.py", "def login(): ...\n", "login endpoint").returncode == 0
    pushed = run_git(alice, "push", "-q", "-u", "origin", branch)
    assert pushed.returncode == 0, pushed.stderr
    assert f"lease on {STORY} renewed" in pushed.stderr
    head = alice.git("rev-parse", "HEAD").strip()

    # 3. the pull request is opened: Code Review, the lock released
    opened = pr_event(branch=branch, author="alice-gh", head_sha=head, number=7)
    run = ci(origin, tmp_path / "opened", opened, rally)
    assert run.code == 0, run.stderr + run.summary
    fields = rally_fields(rally, STORY)
    assert fields["c_PantheonStatus"] == "Code Review"
    assert not fields["c_LockedBy"]

    # 4. a review fix by alice, judged from Rally (her cached lock is not trusted: ttl 0)
    fix = work(alice, "src/login.py", "def login(): return True\n", "review fix",
               PANTHEON_LOCK_CHECK_TTL="0")  # fmt: skip
    assert fix.returncode == 0, fix.stderr
    pushed = run_git(alice, "push", "-q", "origin", branch)
    assert pushed.returncode == 0, pushed.stderr
    assert "review fixes by its owner" in pushed.stderr
    fixed = alice.git("rev-parse", "HEAD").strip()

    # 5. bob is refused: on checkout, and on a commit to the branch
    refused = pantheon(bob, "checkout", STORY)
    assert refused.returncode == 1
    assert "❌ Story In Code Review" in refused.stdout
    assert f"Owner: {ALICE}" in refused.stdout
    bob.git("fetch", "-q", "origin")
    bob.git("checkout", "-q", "-b", branch, f"origin/{branch}")
    mine = work(bob, "src/login.py", "def login(): return False\n", "bob's idea")
    assert mine.returncode != 0
    assert "only its owner (alice@example.com) commits review fixes" in mine.stderr
    assert not rally_fields(rally, STORY)["c_LockedBy"]

    # 6. synchronize records the fix
    sync = pr_event("synchronize", branch=branch, author="alice-gh", head_sha=fixed, number=7,
                    at=datetime.now(UTC) + timedelta(seconds=1))  # fmt: skip
    run = ci(origin, tmp_path / "sync", sync, rally)
    assert run.code == 0, run.stderr + run.summary
    fields = rally_fields(rally, STORY, ("c_CommitSHA", "c_PantheonStatus", "FormattedID"))
    assert (fields["c_CommitSHA"], fields["c_PantheonStatus"]) == (fixed, "Code Review")

    # 7. the merge (done on GitHub: here in a clone without hooks) completes the story
    merger = origin.clone(tmp_path / "merger")
    merger.git("merge", "-q", "--no-ff", "--no-edit", f"origin/{branch}")
    merger.git("push", "-q", "origin", "main")
    merge_sha = merger.git("rev-parse", "HEAD").strip()
    merged = pr_event("closed", merged=True, branch=branch, author="alice-gh", head_sha=fixed,
                      merge_sha=merge_sha, number=7,
                      at=datetime.now(UTC) + timedelta(seconds=2))  # fmt: skip
    run = ci(origin, tmp_path / "merged", merged, rally)
    assert run.code == 0, run.stderr + run.summary
    fields = rally_fields(
        rally, STORY, ("ScheduleState", "c_CommitSHA", "c_LockedBy", "FormattedID")
    )
    assert fields["ScheduleState"] == "Completed"
    assert fields["c_CommitSHA"] == merge_sha
    assert not fields["c_LockedBy"]
