"""A story whose Name holds terminal escapes, a line break and GitHub workflow commands is
shown safely by every command that prints it (checkout, status, deps, plan, with and without
--json), and written as plain text into the story file.

The runner's parsers: a line is a workflow command when it starts with ``::`` once leading
white space is trimmed (``ActionCommand.TryParseV2``), or holds ``##[`` anywhere
(``ActionCommand.TryParse``), in actions/runner ``src/Runner.Common/ActionCommand.cs``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.gitrepo import GitRepo
from tests.support.locks import rally_env, set_rally_fields
from tests.support.sync import pantheon_process

HOSTILE = (
    "Login \x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \x1b[2J\x9b31m"
    "\n::error title=pwned::owned\r\n  ::add-mask::x ##[set-output name=a]b \u202egnp.exe"
)


def _run(repo: GitRepo, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    proc = pantheon_process(list(args), repo.path, env)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def _assert_safe(text: str, where: str) -> None:
    for bad in ("\x1b", "\x07", "\x9b", "\r", "\u202e", "##["):
        assert bad not in text, f"{where}: {bad!r} in {text!r}"
    for line in text.splitlines():
        assert not line.lstrip().startswith("::"), f"{where}: workflow command {line!r}"


@pytest.fixture
def hostile_repo(git_repo: GitRepo, rally_thread: Any) -> tuple[GitRepo, dict[str, str]]:
    set_rally_fields(rally_thread, "US-121", {"Name": HOSTILE})
    env = rally_env(rally_thread)
    code, _, err = _run(git_repo, env, "sync")
    assert code == 0, err
    return git_repo, env


def test_every_report_shows_the_name_safely(hostile_repo: tuple[GitRepo, dict[str, str]]) -> None:
    repo, env = hostile_repo
    shown = ""
    for args in (
        ("checkout", "US-121"),
        ("status",),
        ("deps", "--epic", "17"),
        ("plan", "--epic", "17", "--developers", "2"),
        ("status", "--json"),
        ("deps", "--epic", "17", "--format", "mermaid"),
    ):
        code, out, err = _run(repo, env, *args)
        assert code in (0, 1), err
        _assert_safe(out, " ".join(args))
        _assert_safe(err, " ".join(args))
        if "--json" in args:
            json.loads(out)  # still one valid document
        shown += out
    assert "\\x1b]8;;https://evil.example" in shown  # shown as an escape, not dropped


def test_the_story_file_is_plain_text(hostile_repo: tuple[GitRepo, dict[str, str]]) -> None:
    repo, env = hostile_repo
    code, _, err = _run(repo, env, "checkout", "US-121")
    assert code == 0, err
    text = (Path(repo.path) / "docs" / "stories" / "US-121.md").read_text()
    for bad in ("\x1b", "\r", "\u202e"):
        assert bad not in text
    title = text.splitlines()[0]
    assert title.startswith("# Story US-121: Login")
    assert "::error" in title  # the line break became a space
