"""Many developers check out the same story at once, round after round, in workspaces that keep
custom DATE fields to the millisecond, the second and the day (research §10.8).

For each precision it starts ``pantheon rally serve --latency-ms 20 --jitter-ms 20
--date-precision P``; each round, ``--racers`` separate ``pantheon checkout STORY --no-branch``
processes are released together on a free story (T = 2 s, D = 2.5 s). It prints, per
precision: racers, rounds, rounds with exactly one winner, rounds with none or two, racers
told they lost or were refused, void attempts (exit 5), the concurrency conflicts Rally
answered, locks left in Rally that no racer won, and the mean wall time of a round. The
target: exactly one winner in every round, and no lock nobody reports.

    .venv/bin/python benchmarks/lock_race.py [--racers 12] [--rounds 5] [--precision day]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pantheon_git.core import fields as lockfields
from pantheon_git.core.keys import StoryKey
from pantheon_git.rally.client import RallyClient
from pantheon_git.rally.emulator.workspace import PRECISIONS
from tests.support.race import race as run_race
from tests.support.rally import RallyProcess, spawn_rally

TIMING = {"PANTHEON_LOCK_WRITE_BOUND": "2.0", "PANTHEON_LOCK_SETTLE_DELAY": "2.5"}
STORIES = [f"US-{n}" for n in (120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 200, 201)]


def race(server: RallyProcess, key: str, base: Path, racers: int) -> list[tuple[str, int, str]]:
    """(user, exit code, stdout) of each racer."""
    return [(r.user, r.code, r.out) for r in run_race(server, key, base, n=racers, timing=TIMING)]


def holder(server: RallyProcess, key: str) -> str | None:
    with RallyClient(
        url=server.url, api_key=server.api_key, workspace=server.workspace, project=server.project
    ) as client:
        fields = client.wire.find_story(StoryKey.parse(key), fetch=("c_LockedBy", "c_LockToken"))
    lock = lockfields.from_fields(fields, 24)
    return lock.holder if lock else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--racers", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--precision", choices=PRECISIONS, action="append")
    args = parser.parse_args()
    precisions = args.precision or list(PRECISIONS)
    print(f"load average {os.getloadavg()[0]:.1f}; {os.cpu_count()} CPUs; T = 2 s, D = 2.5 s")
    print(
        f"{'precision':10} {'racers':>6} {'rounds':>6} {'1 winner':>8} {'0 or 2+':>7} "
        f"{'lost':>5} {'void':>5} {'conflicts':>9} {'orphans':>7} {'s/round':>7}"
    )
    bad = 0
    for precision in precisions:
        with tempfile.TemporaryDirectory() as tmp:
            server = spawn_rally(
                Path(tmp), latency_ms=20, jitter_ms=20,
                extra_args=("--date-precision", precision),
            )  # fmt: skip
            try:
                tally: Counter[str] = Counter()
                started = time.perf_counter()
                for number in range(args.rounds):
                    key = STORIES[number % len(STORIES)]
                    results = race(server, key, Path(tmp) / f"r{number}", args.racers)
                    winners = [u for u, code, _ in results if code == 0]
                    tally["one" if len(winners) == 1 else "bad"] += 1
                    tally["lost"] += sum(1 for _, code, _ in results if code == 1)
                    tally["void"] += sum(1 for _, code, _ in results if code == 5)
                    held = holder(server, key)
                    if held is not None and held not in winners:
                        tally["orphans"] += 1
                    for _, code, out in results:
                        if code == 0:
                            assert json.loads(out)["locked_by"] == held
                per_round = (time.perf_counter() - started) / args.rounds
                conflicts = server.control("GET", "stats")["conflicts"]
            finally:
                server.stop()
        bad += tally["bad"] + tally["orphans"]
        print(
            f"{precision:10} {args.racers:6d} {args.rounds:6d} {tally['one']:8d} "
            f"{tally['bad']:7d} {tally['lost']:5d} {tally['void']:5d} {conflicts:9d} "
            f"{tally['orphans']:7d} {per_round:7.1f}"
        )
    print("target: exactly one winner in every round, no orphan lock")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
