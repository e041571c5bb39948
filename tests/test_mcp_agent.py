"""The agent's whole path through MCP, in a fresh repository: ``pantheon init --agents``, then
only MCP calls (and git for the commit): sync, checkout of the next story of an epic (Rally
confirms the lock), a commit the real hooks check, and ``complete`` with coverage (Rally gets
Code Review, the SHA and the coverage; the lock is released).

The server is started exactly as ``.mcp.json`` says, with the client's environment expanded
into it the way Claude Code expands ``${VAR:-default}``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.gitrepo import GitRepo
from tests.support.hermetic import ALICE
from tests.support.locks import rally_env, rally_fields
from tests.support.mcp import McpSession, stdio

COVERAGE = (
    '<?xml version="1.0"?><coverage line-rate="0.875" branch-rate="0" version="1">'
    '<packages><package name="p"><classes><class name="c" filename="user.py"><lines>'
    '<line number="1" hits="1"/></lines></class></classes></package></packages></coverage>'
)


def expand(value: str) -> str:
    """``${VAR}`` and ``${VAR:-default}`` from this process's environment (a client's job)."""

    def one(match: re.Match[str]) -> str:
        return os.environ.get(match.group(1)) or (match.group(3) or "")

    return re.sub(r"\$\{(\w+)(:-([^}]*))?\}", one, value)


def started_as_configured(repo: GitRepo) -> McpSession:
    config = json.loads((repo.path / ".mcp.json").read_text())
    entry = config["mcpServers"]["pantheon"]
    assert entry["type"] == "stdio"
    env = {name: expand(value) for name, value in entry["env"].items()}
    env = {name: value for name, value in env.items() if value}
    # what the client itself runs with (hermetic HOME, PATH with this venv's `pantheon`)
    for name in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "PANTHEON_LOCK_WRITE_BOUND",
                 "PANTHEON_LOCK_SETTLE_DELAY"):  # fmt: skip
        env[name] = os.environ[name]
    argv = [entry["command"], *(expand(a) for a in entry["args"])]
    return McpSession(stdio(repo.path, env, argv))


def test_from_init_to_a_completed_story_with_mcp_only(
    git_repo: GitRepo, rally_thread: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in rally_env(rally_thread, ALICE).items():
        monkeypatch.setenv(name, value)
    repo = git_repo
    init = subprocess.run(
        ["pantheon", "init", "--agents"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert init.returncode == 0, init.stderr
    assert "✅ .mcp.json written" in init.stdout
    assert "✅ Git hooks installed" in init.stdout
    # a maintainer commits the setup to main (the hooks protect main from everyone else)
    repo.git("add", ".mcp.json", ".gitignore", "_bmad")
    repo.git("commit", "-q", "--no-verify", "-m", "Set up pantheon for agents")

    mcp = started_as_configured(repo)
    try:
        synced = mcp.call("sync", {})
        assert not synced.is_error, mcp.text(synced)

        taken = mcp.call("checkout", {"epic": "17"})
        assert not taken.is_error, mcp.text(taken)
        story = taken.structured_content
        assert story is not None
        key, branch = story["story"], story["branch"]
        assert rally_fields(rally_thread, key)["c_LockedBy"] == ALICE  # Rally confirms

        (repo.path / "src").mkdir()
        (repo.path / "src" / "user.py").write_text("class User:\n    email: str\n")
        repo.git("add", "src/user.py")
        commit = subprocess.run(
            ["git", "commit", "-m", "Add the user model"],
            cwd=repo.path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert commit.returncode == 0, commit.stderr
        message = repo.git("log", "-1", "--format=%s")
        assert message.startswith(f"{key}: "), message  # commit-msg ran and checked the lock
        assert repo.git("symbolic-ref", "--short", "HEAD").strip() == branch
        sha = repo.git("rev-parse", "HEAD").strip()

        (repo.path / "coverage.xml").write_text(COVERAGE)
        done = mcp.call("complete", {"coverage": "coverage.xml"})
        assert not done.is_error, mcp.text(done)
        doc = done.structured_content
        assert doc is not None
        assert (doc["story"], doc["after"], doc["sha"]) == (key, "Code Review", sha)
        assert f"{key} ({story['title']}): In Progress → Code Review" in mcp.text(done)
    finally:
        mcp.close()

    fields = rally_fields(rally_thread, key, ("c_PantheonStatus", "c_CommitSHA", "c_Coverage",
                                              "c_LockedBy"))  # fmt: skip
    assert fields["c_PantheonStatus"] == "Code Review"
    assert fields["c_CommitSHA"] == sha
    assert float(fields["c_Coverage"]) == 87.5
    assert not fields["c_LockedBy"]


def test_a_commit_on_a_story_the_agent_does_not_hold_is_blocked(
    git_repo: GitRepo, rally_thread: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The hooks init --agents installs are the agent's guard rail: no lock, no commit."""
    for name, value in rally_env(rally_thread, ALICE).items():
        monkeypatch.setenv(name, value)
    repo = git_repo
    init = subprocess.run(
        ["pantheon", "init", "--agents"], cwd=repo.path, capture_output=True, check=False
    )
    assert init.returncode == 0
    mcp = started_as_configured(repo)
    try:
        assert not mcp.call("sync", {}).is_error
    finally:
        mcp.close()
    repo.git("checkout", "-q", "-b", "story/US-203-sync-partner-accounts")  # john's story
    repo.write({"sync.py": "x = 1\n"})
    repo.git("add", "sync.py")
    blocked = subprocess.run(
        ["git", "commit", "-m", "Sync partners"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert blocked.returncode != 0
    assert "john.doe@example.com" in blocked.stderr
