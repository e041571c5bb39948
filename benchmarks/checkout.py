"""What one `pantheon checkout` costs at the default lock timing (T = 3 s, D = 4 s): wall time
and Rally requests, against the emulator with network-like latency.

Runs ``pantheon rally serve --seed demo --latency-ms 50`` as a subprocess, then in one run:

- baseline: the Rally calls a checkout cannot do without, one after another: find the story,
  read it, write the lock, read it again (no wait), write the state and branch, read the tasks;
- ``pantheon checkout STORY --no-branch`` in this process, on free stories (won) and on a story
  someone else holds (refused, with alternatives);
- the same as a separate process, as a developer's terminal runs it (Python's start included).

The protocol's wait D is most of a checkout's time by design (docs/locks.md): the figure to
read is the wall time minus D against the baseline, and the requests.

    .venv/bin/python benchmarks/checkout.py [--latency-ms 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pantheon_git.config import Config
from pantheon_git.core import fields as lockfields
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock
from pantheon_git.main import main as pantheon
from pantheon_git.rally.client import RallyClient
from tests.support.rally import RallyProcess, spawn_rally

FREE = ["US-121", "US-122", "US-123", "US-124", "US-125", "US-126", "US-127"]


def client(server: RallyProcess) -> RallyClient:
    return RallyClient(
        url=server.url, api_key=server.api_key, workspace=server.workspace, project=server.project
    )


def baseline(server: RallyProcess, key: str) -> tuple[float, int]:
    with client(server) as rally:
        rally.scope()
        before = rally.request_count
        started = time.perf_counter()
        found = rally.wire.find_story(StoryKey.parse(key), fetch=("FormattedID", "c_LockedBy"))
        rally.wire.get(found["_ref"], fetch=("c_LockedBy", "c_LockToken"))
        lock = Lock("bench@example.com", datetime.now(UTC), datetime.now(UTC), None, "b")
        rally.wire.update(found["_ref"], lockfields.to_fields(lock), fetch=("ObjectID",))
        rally.wire.get(found["_ref"], fetch=("c_LockedBy", "c_LockToken"))
        rally.wire.update(found["_ref"], {"ScheduleState": "In-Progress"}, fetch=("ObjectID",))
        rally.wire.collection(found["_ref"], "Tasks", fetch=("Name",))
        return time.perf_counter() - started, rally.request_count - before


def in_process(server: RallyProcess, root: Path, key: str, user: str) -> tuple[float, int, int]:
    server.control("POST", "stats/reset")
    os.environ["PANTHEON_USER"] = user
    started = time.perf_counter()
    with redirect_stdout(StringIO()):
        code = pantheon(["checkout", key, "--no-branch", "--json"])
    elapsed = time.perf_counter() - started
    return elapsed, server.control("GET", "stats")["total"], code


def separate(server: RallyProcess, root: Path, key: str, user: str) -> tuple[float, int, int]:
    server.control("POST", "stats/reset")
    env = {**os.environ, "PANTHEON_USER": user}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pantheon_git", "checkout", key, "--no-branch", "--json"],
        cwd=root, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    return elapsed, server.control("GET", "stats")["total"], done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    defaults = Config()
    t, d = defaults.lock_write_bound, defaults.lock_settle_delay
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        server = spawn_rally(Path(tmp), latency_ms=args.latency_ms)
        try:
            os.environ.update(server.env())
            os.environ.pop("PANTHEON_LOCK_WRITE_BOUND", None)
            os.environ.pop("PANTHEON_LOCK_SETTLE_DELAY", None)
            os.chdir(root)
            print(
                f"load average {os.getloadavg()[0]:.1f}; {os.cpu_count()} CPUs; "
                f"{args.latency_ms:.0f} ms latency per request; T = {t:g} s, D = {d:g} s"
            )
            base_s, base_n = baseline(server, "US-129")
            label = "baseline: the calls one after another"
            print(f"{label:44} {base_s:6.2f} s  {base_n:3d} requests")
            stories = iter(FREE)
            for label, run in (("checkout, in this process", in_process),
                               ("checkout, its own process", separate)):  # fmt: skip
                for _ in range(args.runs):
                    key = next(stories, None)
                    if key is None:
                        break
                    elapsed, served, code = run(server, root, key, "alice@example.com")
                    assert code == 0, (label, key, code)
                    print(
                        f"{label + ' (won)':44} {elapsed:6.2f} s  {served:3d} requests  "
                        f"{elapsed - d:5.2f} s without D  x{(elapsed - d) / base_s:.1f} baseline"
                    )
            until = datetime.now(UTC) + timedelta(hours=8)
            with client(server) as rally:
                held = Lock("bob@example.com", datetime.now(UTC) - timedelta(hours=1), until,
                            None, "bob")  # fmt: skip
                ref = rally.wire.find_story(StoryKey.parse("US-128"), fetch=("FormattedID",))
                rally.wire.update(ref["_ref"], lockfields.to_fields(held), fetch=("ObjectID",))
            elapsed, served, code = in_process(server, root, "US-128", "alice@example.com")
            assert code == 1, code
            label = "checkout of a held story (refused)"
            print(f"{label:44} {elapsed:6.2f} s  {served:3d} requests")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
