"""Every test runs with its own HOME, git identity and no Rally or pantheon settings."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ALICE = "alice@example.com"


def pin_environment(monkeypatch: pytest.MonkeyPatch, home: Path, basetemp: Path) -> None:
    """HOME (with Alice's git identity), PATH and the git variables a test runs with; no
    RALLY_*, PANTHEON_*, GIT_*, PRE_COMMIT* or GITHUB_* from the outside. Module-scoped
    fixtures that start processes use it too (``pytest.MonkeyPatch.context()``)."""
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Alice Example\n\temail = alice@example.com\n"
        "[init]\n\tdefaultBranch = main\n"
        "[advice]\n\tdetachedHead = false\n"
        '[protocol "file"]\n\tallow = always\n'
    )
    for name in list(os.environ):
        if name.startswith(("RALLY_", "PANTHEON_", "GIT_", "PRE_COMMIT", "GITHUB_")):
            monkeypatch.delenv(name)
    # Real processes (hooks, pre-commit, `pantheon ...`) must find this environment's console
    # script even when the venv is not activated.
    bindir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", bindir + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-01-05T10:00:00+00:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-05T10:00:00+00:00")
    monkeypatch.setenv("PRE_COMMIT_HOME", str(basetemp / "pre-commit-cache"))


def pytest_configure(config: pytest.Config) -> None:
    """A suite started in the background of a shell (``pytest ... &``) inherits SIGINT
    ignored, and so would every process it starts: the Ctrl-C tests would see their command
    go on. Processes started from here get the default disposition back."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def hermetic_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    pin_environment(monkeypatch, home, tmp_path_factory.getbasetemp())
    # pygit2 (git/mergebases.py) reads the system, global and XDG config through its own
    # search path, not GIT_CONFIG_*: pin them too.
    import pygit2

    search_path = pygit2.settings.search_path
    levels = (
        pygit2.enums.ConfigLevel.SYSTEM,
        pygit2.enums.ConfigLevel.GLOBAL,
        pygit2.enums.ConfigLevel.XDG,
    )
    saved = {level: search_path[level] for level in levels}
    for level in levels:
        search_path[level] = str(home)
    yield home
    for level, value in saved.items():
        search_path[level] = value
