"""``pantheon demo`` end to end, as a user runs it: a separate process, real hooks, real
emulator; what it leaves behind (nothing, or a usable sandbox with --keep)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pantheon_git.features.doctor.report import find_secrets
from tests.support.rally import RallyProcess

DEMO_TIMEOUT = 180


def demo(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    tmp.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmp))
    return subprocess.run(
        [sys.executable, "-m", "pantheon_git", "demo", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=DEMO_TIMEOUT,
        check=False,
    )


def sections(output: str) -> dict[int, str]:
    """Step number -> that step's output."""
    parts = re.split(r"^━━━ Step (\d+)/\d+ · ", output, flags=re.MULTILINE)
    return {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_the_whole_story_runs_and_leaves_nothing_behind(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    proc = demo(tmp)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    out = proc.stdout
    steps = sections(out)
    assert sorted(steps) == list(range(1, 15))
    titles = [line.split("\n", 1)[0] for _, line in sorted(steps.items())]
    for word in ("Set up", "Sync", "Doctor", "Dependencies", "Plan", "Checkout", "Commit"):
        assert any(t.startswith(word) for t in titles), word

    assert "All 10 checks passed." in steps[3]
    assert "Wave 1 (Foundation - MUST GO FIRST)" in steps[4]
    assert "graph TD" in steps[4]
    assert "Lane 0: CRITICAL PATH" in steps[5]

    race = steps[6]
    assert race.count("Story Checkout Successful") == 1
    assert race.count("Story Already Locked") == 1
    assert "Checkout alternative story:" in race
    winner = re.search(r"→ (alice|bob) won; (alice|bob) was refused", race)
    assert winner is not None
    assert winner.group(1) != winner.group(2)

    assert re.search(r"\] US-120: Create the user model", steps[7])  # key put in by the hook
    blocked = steps[8]
    assert "git commit -am 'A quick fix of my own'" in blocked
    assert "(exit code 1)" in blocked
    assert "US-120" in blocked
    assert re.search(r"overlaps 1 story:\n\s+US-120 .*src/models/user.py", steps[9])

    assert "In Progress → **Code Review**" in steps[10]
    assert "c_PantheonStatus Code Review" in steps[10]
    assert re.search(r"c_Coverage \d+\.\d", steps[10])
    review = steps[11]
    assert "review fixes by its owner, no lock to renew" in review
    assert "❌ Story In Code Review" in review
    assert "c_PantheonStatus Code Review" in review
    assert "Code Review → **Completed**" in steps[12]
    assert "ScheduleState Completed" in steps[12]
    assert "Done (1): US-120" in steps[13]
    metrics = steps[14]
    assert "Success Metrics" in metrics
    for name in ("Story conflict rate", "Merge conflict rate", "Lock expiry rate"):
        assert name in metrics
    assert re.search(r"Done in \d+\.\d+s", out)
    assert "Everything the demo made has been removed." in out

    assert list(tmp.iterdir()) == []  # the sandbox is gone
    assert "Traceback" not in out + proc.stderr


def test_keep_leaves_a_sandbox_that_works_again(
    tmp_path: Path, rally_process_factory: Callable[..., RallyProcess]
) -> None:
    kept = tmp_path / "tour"
    proc = demo(tmp_path / "tmp", "--keep", str(kept), "--json", "--developers", "4")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    doc = json.loads(proc.stdout)  # one JSON document, nothing else
    assert len(doc["steps"]) == 14
    fixed = doc["rally"]["after_review_fix"]
    assert fixed["c_CommitSHA"] != doc["rally"]["after_pr_opened"]["c_CommitSHA"]
    assert {doc["winner"], doc["loser"]} == {"alice", "bob"}
    assert doc["rally"]["after_merge"]["ScheduleState"] == "Completed"
    assert doc["kept"] == str(kept.resolve())
    plan = next(s for s in doc["steps"] if s["title"].startswith("Plan"))
    assert "4 developers" in plan["commands"][0]["output"]

    for name in ("alice/.git", "bob/.git", "origin.git", "rally.sqlite"):
        assert (kept / name).exists(), name
    # the emulator starts again on the kept data, and the clones talk to it
    server = rally_process_factory(seed="demo", data=kept / "rally.sqlite")
    env = dict(os.environ, **server.env())
    run = subprocess.run(
        [sys.executable, "-m", "pantheon_git", "sync", "--json"],
        cwd=kept / "alice",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    status = subprocess.run(
        [sys.executable, "-m", "pantheon_git", "status"],
        cwd=kept / "alice",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Done (1): US-120" in status.stdout
    log = subprocess.run(
        ["git", "log", "--format=%s", "origin/main"],
        cwd=kept / "alice",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert log.startswith("Merge pull request #1 from acme/story/US-120-")
    config = (kept / "alice/_bmad/pantheon/config.yaml").read_text()
    assert find_secrets(config, None) == []  # the key went to the processes' environment only
    assert not re.search(r"^\s*[\w_]*key\s*:", config, re.MULTILINE | re.IGNORECASE)

    again = demo(tmp_path / "tmp", "--keep", str(kept))
    assert again.returncode == 2
    assert "not empty" in again.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupted_demo_cleans_up(tmp_path: Path, sig: signal.Signals) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pantheon_git", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, TMPDIR=str(tmp)),
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + DEMO_TIMEOUT
    for line in proc.stdout:
        if "Step 3/" in line or time.monotonic() > deadline:
            break
    assert len(list(tmp.iterdir())) == 1  # the sandbox, while it runs
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted" in err
    assert list(tmp.iterdir()) == []


def test_bad_options() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pantheon_git", "demo", "--developers", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
