"""Benchmark: `pantheon batch` of N stories against N `pantheon checkout --no-branch` in a row.

The lock protocol waits D (`lock_settle_delay`) before the read that confirms a lock; N
checkouts one after another wait N times, a batch runs the N protocols at once. Both run
in-process against the emulator (on a thread, with added latency per request), as the same
user, on eight of the demo backlog's Epic 17 stories, first rewritten so that the analysis
infers no dependency between them (the batch takes only unblocked stories; a named checkout
does not ask). Setting up
(that rewrite, `pantheon sync`, the dependency analysis) is not timed; `rally_auto_sync` is
off in both, so neither syncs while it is timed. Printed: both wall times and their ratio,
with the load average.

Usage: python benchmarks/batch.py [--stories 8] [--latency-ms 40] [--settle 1.0]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pantheon_git.app import App
from pantheon_git.config import load_config
from pantheon_git.core.keys import EpicRef, StoryKey
from pantheon_git.features.batch.run import BatchRequest, run_batch
from pantheon_git.features.checkout.run import CheckoutRequest, checkout
from pantheon_git.features.deps.run import run_analysis
from pantheon_git.features.sync.run import SyncOptions
from pantheon_git.features.sync.run import run as run_sync
from pantheon_git.rally.client import RallyClient
from pantheon_git.rally.emulator.server import start

STORIES = [f"US-{n}" for n in (120, 121, 122, 123, 126, 127, 128, 129)]
"""Epic 17's stories but US-124 and US-125, whose tasks still call the endpoints US-121 and
US-122 make (the rewrite leaves tasks alone)."""


def app_for(root: Path, server: Any, settle: float) -> App:
    env = {
        **server.env(),
        "PANTHEON_USER": "alice@example.com",
        "PANTHEON_LOCK_WRITE_BOUND": str(settle * 0.8),
        "PANTHEON_LOCK_SETTLE_DELAY": str(settle),
        "PANTHEON_RALLY_AUTO_SYNC": "false",
    }
    return App(config=load_config(cwd=root, environ=env), root=root)


def independent(server: Any) -> None:
    """Rewrite Epic 17's stories so that the analysis finds no dependency between them."""
    client = RallyClient(
        url=server.url, api_key=server.api_key, workspace=server.workspace, project=server.project
    )
    with client:
        for n, key in enumerate(STORIES):
            story = client.wire.find_story(StoryKey.parse(key), fetch=("FormattedID",))
            text = {"Name": f"Chore {n}", "Description": f"<p>Chore {n}.</p>",
                    "c_AcceptanceCriteria": ""}  # fmt: skip
            client.wire.update(story["_ref"], text, fetch=("ObjectID",))


def timed(action: Callable[[], Any]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def measure(name: str, keys: list[str], latency_ms: float, settle: float) -> float:
    server = start(seed="demo", latency_ms=latency_ms)
    try:
        independent(server)
        with tempfile.TemporaryDirectory() as folder:
            app = app_for(Path(folder), server, settle)
            run_sync(app, SyncOptions(epics=("17",), gitignore=False))
            run_analysis(app, [EpicRef.parse("17")])
            results: list[Any] = []
            try:
                if name == "one batch":
                    seconds = timed(lambda: results.append(run_batch(app, BatchRequest(keys))))
                    held = len(results[0].taken)
                else:
                    requests = [CheckoutRequest(story=k, branch=False) for k in keys]
                    seconds = timed(lambda: results.extend(checkout(app, r) for r in requests))
                    held = sum(1 for r in results if getattr(r, "lock", None) and r.branch)
            finally:
                app.close()
            if held != len(keys):
                raise SystemExit(f"{name}: only {held} of {len(keys)} stories were taken")
            return seconds
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stories", type=int, default=len(STORIES), choices=range(1, 9))
    parser.add_argument("--latency-ms", type=float, default=40.0)
    parser.add_argument("--settle", type=float, default=1.0)
    args = parser.parse_args()
    keys = STORIES[: args.stories]
    row = measure("checkouts in a row", keys, args.latency_ms, args.settle)
    batch = measure("one batch", keys, args.latency_ms, args.settle)
    load = os.getloadavg()[0]
    print(f"{len(keys)} stories, D = {args.settle:g} s, latency {args.latency_ms:g} ms")
    print(f"  checkouts in a row: {row:6.2f} s")
    print(f"  one batch:          {batch:6.2f} s   ({row / batch:.1f}x faster)")
    print(f"load average {load:.1f}")


if __name__ == "__main__":
    main()
