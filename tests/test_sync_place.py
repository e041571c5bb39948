"""A sync that reaches the cache's Rally by another URL spelling keeps what only the cache
holds (the checkout log, dependencies, workstreams); a sync of another workspace or project
replaces the cache only with ``--force``, and keeps those files aside first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.cache.store import Cache
from tests.support.gitrepo import GitRepo
from tests.support.locks import FAST_TIMING
from tests.support.sync import CLI, point_at

LOCAL_ONLY = ("events.jsonl", "dependencies.json", "workstreams.json")


@pytest.fixture
def worked_in(
    git_repo: GitRepo, rally_thread: Any, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A cache with a checkout in its log, a dependency graph and a plan."""
    point_at(rally_thread, monkeypatch)
    for name, value in {**FAST_TIMING, "PANTHEON_USER": "alice@example.com"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(git_repo.path)
    for args in (("sync",), ("checkout", "US-121", "--no-branch"), ("deps",), ("plan",)):
        code, _, err = cli(*args)
        assert code == 0, err
    cache = Cache(git_repo.path).dir
    for name in LOCAL_ONLY:
        assert (cache / name).is_file(), name
    return cache


def _local(cache: Path) -> dict[str, bytes]:
    return {name: (cache / name).read_bytes() for name in LOCAL_ONLY}


def test_another_spelling_of_the_same_rally_keeps_the_local_files(
    worked_in: Path, rally_thread: Any, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _local(worked_in)
    monkeypatch.setenv("RALLY_URL", rally_thread.url.replace("127.0.0.1", "localhost"))
    code, out, err = cli("sync", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["kind"] == "full"  # read again from the new address
    assert any("Rally is now reached at http://localhost" in n for n in doc["notes"])
    assert _local(worked_in) == before


def test_another_project_needs_force_and_keeps_a_backup(
    worked_in: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _local(worked_in)
    monkeypatch.delenv("RALLY_PROJECT")  # the whole workspace: another place
    code, _, err = cli("sync")
    assert code == 2
    assert "pantheon sync --force" in err
    assert _local(worked_in) == before
    code, out, err = cli("sync", "--force", "--json")
    assert code == 0, err
    note = next(n for n in json.loads(out)["notes"] if "it now holds" in n)
    kept = worked_in.parent / note.split("kept in ")[1].rstrip("/.").split(".bmad/", 1)[1]
    assert {name: (kept / name).read_bytes() for name in LOCAL_ONLY} == before
    assert not (worked_in / "events.jsonl").exists()
