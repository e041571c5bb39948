"""`pantheon sync` as real processes against the emulator as a real process: killed with
SIGKILL at many points, run twice at once, run under injected faults, run on a terminal."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.cache import meta as cache_meta
from pantheon_git.cache import stories as story_files
from pantheon_git.cache.index import load_index
from pantheon_git.cache.store import Cache
from pantheon_git.rally.client import RallyClient
from pantheon_git.rally.query import where
from pantheon_git.rally.records import STORY
from tests.support.gitrepo import GitRepo, make_repo
from tests.support.rally import RallyProcess
from tests.support.sync import CACHE, pantheon_process, snapshot

Spawn = Callable[..., RallyProcess]
BMAD = Path(".bmad")


def sync_in(repo: Path, server: RallyProcess, *args: str, **env: str) -> dict[str, Any]:
    proc = pantheon_process(["sync", "--json", *args], repo, {**server.env(), **env})
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def rename_some(server: RallyProcess, suffix: str) -> None:
    with RallyClient(
        url=server.url, api_key=server.api_key, workspace=server.workspace, project=server.project
    ) as client:
        for story in client.wire.query(STORY, where("FormattedID", "<", "US210"), fetch=("Name",)):
            client.wire.update(story["_ref"], {"Name": f"{story['Name']} {suffix}"})


def readable(root: Path) -> dict[str, Any]:
    """The cache as readers see it, checked to be whole: meta, index and every story load."""
    cache = Cache(root)
    meta = cache_meta.require(cache)
    stories = story_files.load(cache)
    index = load_index(cache)
    assert sorted(index) == sorted(s.key for s in stories)
    assert meta.stories == len(stories)
    return snapshot(root, stable=True)


def wait_for(proc: subprocess.Popen[str], ready: Callable[[], bool], limit: float = 120) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        if ready():
            return True
        time.sleep(0.001)
    return False


@pytest.fixture
def slow_rally(rally_process_factory: Spawn) -> RallyProcess:
    """A backlog big enough (demo + 1,500 stories with tasks) and a server slow enough that a
    sync takes a few seconds."""
    server = rally_process_factory(latency_ms=40)
    server.control("POST", "seed", {"stories": 1500, "epics": 3, "tasks_per_story": 2})
    return server


def _staged(root: Path, count: int) -> Callable[[], bool]:
    folder = root / BMAD / "rally-cache.next" / "stories"

    def ready() -> bool:
        if count == 0:
            return folder.parent.exists()
        try:
            return sum(len(os.listdir(d)) for d in folder.iterdir()) >= count
        except OSError:
            return False

    return ready


def _exists(path: Path) -> Callable[[], bool]:
    return path.exists


def test_a_sync_killed_anywhere_leaves_a_whole_cache(
    slow_rally: RallyProcess, tmp_path: Path
) -> None:
    root = make_repo(tmp_path).path
    sync_in(root, slow_rally)
    points: list[tuple[str, Callable[[], bool]]] = [
        ("the next generation is started", _staged(root, 0)),
        ("stories are being written", _staged(root, 300)),
        ("most stories are written", _staged(root, 1400)),
        ("the index is written", _exists(root / BMAD / "rally-cache.next" / "index.json")),
        ("the swap has begun", _exists(root / BMAD / "rally-cache.prev")),
    ]
    structural = len(points) - 1  # all but the swap, which may be too quick to see
    points += [(f"{delay}s in", _after(delay)) for delay in (0.2, 0.5, 0.9, 1.4)]
    outcomes = []
    for round_, (label, ready) in enumerate(points):
        before = readable(root)
        suffix = f"(v{round_})"
        rename_some(slow_rally, suffix)  # so the generation being written differs
        proc = pantheon_process(["sync", "--force"], root, slow_rally.env())
        hit = wait_for(proc, ready)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        state = readable(root)
        kept = state == before
        assert kept or _renamed(state, suffix), label
        outcomes.append((label, hit, kept))
    assert all(hit for _, hit, _ in outcomes[:structural]), outcomes
    assert sum(kept for _, _, kept in outcomes) >= 4  # killed before the swap: the old one
    assert not all(kept for _, _, kept in outcomes)  # killed after it: the new one, whole
    doc = sync_in(root, slow_rally)
    assert _renamed(readable(root), f"(v{len(points) - 1})")
    assert doc["changes"]["removed"] == []
    assert not (root / BMAD / "rally-cache.next").exists()
    assert not (root / BMAD / "rally-cache.prev").exists()


def _after(delay: float) -> Callable[[], bool]:
    started: list[float] = []

    def ready() -> bool:
        if not started:
            started.append(time.monotonic())
        return time.monotonic() - started[0] >= delay

    return ready


def _renamed(state: dict[str, Any], suffix: str) -> bool:
    """A generation written after the rename: every renamed story carries the suffix."""
    stories = {k: v for k, v in state.items() if k.startswith("stories/")}
    low = [v for v in stories.values() if int(v["bmad"]["key"].split("-")[1]) < 210]
    return bool(low) and all(v["bmad"]["title"].endswith(suffix) for v in low)


def test_two_syncs_at_once(slow_rally: RallyProcess, tmp_path: Path) -> None:
    root = make_repo(tmp_path).path
    first = pantheon_process(["sync", "--json"], root, slow_rally.env())
    assert wait_for(first, _staged(root, 0))
    slow_rally.control("POST", "config", {"latency_ms": 400})  # the first one holds the lock
    impatient = pantheon_process(
        ["sync"], root, {**slow_rally.env(), "PANTHEON_SYNC_LOCK_WAIT": "0.2"}
    )
    _, err = impatient.communicate(timeout=60)
    assert impatient.returncode == 1
    assert "another pantheon sync is updating" in err
    assert "Wait for it to finish" in err
    patient = pantheon_process(["sync", "--json"], root, slow_rally.env())
    assert first.poll() is None  # so the patient one starts while the first holds the lock
    slow_rally.control("POST", "config", {"latency_ms": 40})
    out_first, err_first = first.communicate(timeout=300)
    out_patient, err_patient = patient.communicate(timeout=300)
    assert first.returncode == 0, err_first
    assert patient.returncode == 0, err_patient
    assert json.loads(out_first)["kind"] == "full"
    second = json.loads(out_patient)
    assert second["kind"] == "incremental"  # it waited for the first, then built on it
    assert second["changes"]["new"] == []
    state = readable(root)
    assert len([k for k in state if k.startswith("stories/")]) == 1518


def test_faults_end_in_the_same_cache_as_no_faults(
    rally_process_factory: Spawn, tmp_path: Path
) -> None:
    server = rally_process_factory()
    server.control(
        "POST", "seed", {"stories": 2500, "epics": 4, "tasks_per_story": 1, "predecessors": 2}
    )
    clean = make_repo(tmp_path, "clean").path
    sync_in(clean, server)
    expected = readable(clean)
    server.control("POST", "config", {"fault_rate": 0.2, "fault_seed": 11})
    server.control("POST", "stats/reset")
    faulty = make_repo(tmp_path, "faulty").path
    env = {"PANTHEON_RALLY_DEADLINE": "300"}
    doc = sync_in(faulty, server, **env)
    stats = server.control("GET", "stats")
    assert sum(stats["faults"].values()) > 0
    assert doc["requests"] > stats["total"] - sum(stats["faults"].values()) - 1
    assert doc["retries"] > 0  # the faults were sent again, and the report says how often
    got = readable(faulty)
    assert sorted(got) == sorted(expected)
    for name, content in expected.items():
        assert got[name] == content, name
    # and an incremental sync under faults changes nothing
    again = sync_in(faulty, server, **env)
    assert again["kind"] == "incremental"
    assert readable(faulty) == expected


def test_progress_goes_to_stderr_on_a_terminal(
    rally_process: RallyProcess, git_repo: GitRepo
) -> None:
    leader, follower = pty.openpty()
    proc = pantheon_process(["sync"], git_repo.path, rally_process.env(), stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    out, _ = proc.communicate(timeout=60)
    os.close(leader)
    assert proc.returncode == 0
    progress = b"".join(chunks).decode()
    assert "Rally: stories 18/18" in progress
    assert "Writing the cache" in progress
    assert "Rally: stories" not in out
    assert out.startswith("Rally Sync Complete")
    assert (git_repo.path / CACHE / "meta.json").is_file()
