"""Fixtures for `pantheon sync` and `pantheon status` tests: a git repository whose environment
points at a running emulator, a way to run the CLI in-process or as a real process, a Rally
client to change the backlog behind the cache's back, and cache snapshots.

    def test_x(sync_repo, cli, rally_client):
        code, out, err = cli("sync", "--json")
        rally_client.wire.update(...)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.cli import main
from pantheon_git.rally.client import RallyClient
from pantheon_git.rally.query import eq
from pantheon_git.rally.records import STORY
from tests.support.gitrepo import GitRepo

CACHE = Path(".bmad") / "rally-cache"
CLI = Callable[..., tuple[int, str, str]]
VOLATILE = {
    "meta.json": ("last_sync", "last_full_sync", "fetch_seconds", "last_sync_kind"),
    "assignments.json": ("updated",),
    "epics.json": ("updated",),
}


def point_at(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """RALLY_URL, RALLY_API_KEY, RALLY_WORKSPACE, RALLY_PROJECT for ``server``."""
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def sync_repo(git_repo: GitRepo, rally_thread: Any, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """A git repository (cwd) whose environment reaches the demo backlog."""
    point_at(rally_thread, monkeypatch)
    monkeypatch.chdir(git_repo.path)
    return git_repo


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> CLI:
    """Run ``pantheon ...`` in this process: (exit code, stdout, stderr)."""

    def invoke(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def rally_in_env(rally_thread: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The emulator, named by the ``RALLY_*`` variables as a user's shell would name Rally."""
    monkeypatch.setenv("RALLY_URL", rally_thread.url)
    monkeypatch.setenv("RALLY_API_KEY", rally_thread.api_key)
    monkeypatch.setenv("RALLY_WORKSPACE", rally_thread.workspace)
    monkeypatch.setenv("RALLY_PROJECT", rally_thread.project)
    return rally_thread


@pytest.fixture
def rally_client(rally_thread: Any) -> Iterator[RallyClient]:
    """A client of the same emulator, to change Rally behind the cache's back."""
    with RallyClient(
        url=rally_thread.url,
        api_key=rally_thread.api_key,
        workspace=rally_thread.workspace,
        project=rally_thread.project,
    ) as client:
        yield client


def story_ref(client: RallyClient, formatted_id: str) -> str:
    found = client.wire.query(STORY, eq("FormattedID", formatted_id), fetch=("FormattedID",))
    assert found, formatted_id
    return str(found[0]["_ref"])


def pantheon_process(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, **popen: Any
) -> subprocess.Popen[str]:
    """``pantheon ARGS`` as a real process, running this checkout's package."""
    import pantheon_git

    full = dict(os.environ)
    full["PYTHONPATH"] = str(Path(pantheon_git.__file__).parents[1])
    full.update(env or {})
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(
        [sys.executable, "-m", "pantheon_git", *args], cwd=cwd, env=full, text=True, **popen
    )


def snapshot(root: Path, *, stable: bool = False) -> dict[str, Any]:
    """Every cache file by relative path: parsed JSON (``stable``: without the fields that
    hold the local time of the run), or raw text when it is not JSON. Read the way every
    reader reads the cache (``Cache.dir``)."""
    from pantheon_git.cache.store import Cache

    base = Cache(root).dir
    out: dict[str, Any] = {}
    for path in sorted(base.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(base).as_posix()
        text = path.read_text(encoding="utf-8")
        try:
            doc = json.loads(text)
        except ValueError:
            out[rel] = text
            continue
        if stable and isinstance(doc, dict):
            for key in VOLATILE.get(rel, ()):
                doc.pop(key, None)
        out[rel] = doc
    return out


@dataclass
class Story:
    """A cached story file, for assertions."""

    rally: dict[str, Any]
    tasks: list[dict[str, Any]]
    bmad: dict[str, Any]


def cached(root: Path, epic_dir: str, key: str) -> Story:
    doc = json.loads((root / CACHE / "stories" / epic_dir / f"{key}.json").read_text())
    return Story(doc["rally"], doc["tasks"], doc["bmad"])
