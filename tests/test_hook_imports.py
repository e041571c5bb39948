"""Import budgets of the hook path, one per stage: start-up is the hook's cost on every commit.

Each stage runs ``pantheon hook STAGE`` in a fresh interpreter (as git would) and lists what it
imported. Commit-time stages with a warm cache load no third-party library and none of the
standard modules that cost most to import; pre-push asks Rally, so it may load httpx and the
config's YAML, but never networkx or pygit2. A budget that starts failing means a new
import reached the hook path: make it lazy with a reason, or raise the budget knowingly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.support.gitrepo import GitRepo
from tests.support.hooks import ALICE, lock_in_rally, rally_env, seed_lock

BRANCH = "story/US-121-add-login"
HEAVY = ("click", "httpx", "networkx", "pygit2", "yaml", "orjson", "markdown_it", "coverage")
SLOW_STDLIB = ("dataclasses", "subprocess", "pathlib", "typing", "inspect", "asyncio")
COMMIT_TIME_BUDGET = 18
"""pantheon_git modules a warm commit-time stage may load (16 when this was written)."""
PRE_PUSH_BUDGET = 74
"""pantheon_git modules pre-push may load: it reads the config, asks Rally and scans branches
(59 when this was written; 66 with the deadline its Rally waits draw on where there is no
SIGALRM; 67 with ``rally/records.py``, which decodes the story it reads; 72 once replies had
a size cap read over a deadline-bound socket and YAML and URLs their checks; 74 with
``git/gitdir.py``, which asks git for the identity it records, as the commit hooks do)."""


def imports_of(repo: GitRepo, args: list[str], stdin: str = "", env: Any = None) -> list[str]:
    code = (
        "import json, sys; before = set(sys.modules); from pantheon_git.main import main;"
        f"rc = main({args!r}); print(json.dumps([rc, sorted(set(sys.modules) - before)]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=repo.path,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    rc, modules = json.loads(proc.stdout.strip().splitlines()[-1])
    assert rc == 0, proc.stderr
    return list(modules)


def ours(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] == "pantheon_git"]


def roots(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return sorted({m.split(".")[0] for m in modules} & set(names))


@pytest.fixture
def story_repo(hooked_repo: GitRepo) -> GitRepo:
    hooked_repo.git("checkout", "-q", "-b", BRANCH)
    seed_lock(hooked_repo.path, "US-121", ALICE)
    (hooked_repo.path / "msg.txt").write_text("work\n")
    imports_of(hooked_repo, ["hook", "pre-commit"])  # the settings cache is warm from here on
    return hooked_repo


@pytest.mark.parametrize(
    "args",
    [
        ["hook", "pre-commit"],
        ["hook", "commit-msg", "msg.txt"],
        ["hook", "post-checkout", "a", "b", "1"],
    ],
    ids=["pre-commit", "commit-msg", "post-checkout"],
)
def test_a_commit_time_stage_stays_within_its_import_budget(
    story_repo: GitRepo, args: list[str]
) -> None:
    modules = imports_of(story_repo, args)
    assert roots(modules, HEAVY) == []
    assert roots(modules, SLOW_STDLIB) == []
    assert len(ours(modules)) <= COMMIT_TIME_BUDGET, ours(modules)


def test_pre_push_stays_within_its_import_budget(
    story_repo: GitRepo, rally_thread: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = rally_env(rally_thread)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    lock_in_rally(rally_thread, "US-121", ALICE)
    story_repo.git("commit", "-q", "--allow-empty", "--no-verify", "-m", "US-121 work")
    sha = story_repo.git("rev-parse", "HEAD").strip()
    line = f"refs/heads/{BRANCH} {sha} refs/heads/{BRANCH} {'0' * 40}\n"
    modules = imports_of(story_repo, ["hook", "pre-push", "origin", "url"], stdin=line)
    assert "httpx" in roots(modules, HEAVY)  # it did ask Rally
    # click is there only because httpx's package imports its command line (httpx/_main.py).
    assert roots(modules, ("networkx", "pygit2", "markdown_it")) == [], ours(modules)
    assert len(ours(modules)) <= PRE_PUSH_BUDGET, ours(modules)
