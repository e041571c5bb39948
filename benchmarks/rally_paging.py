"""Paging speed of RallyClient against the emulator with network-like latency.

Runs ``pantheon rally serve`` as a subprocess with ``--latency-ms``, seeds N stories, then
reads them all three ways and prints wall time and request count for each, with the speed-up
over the baseline measured in the same run (one request in flight, 200 per page, as a naive
client pages).

    .venv/bin/python benchmarks/rally_paging.py [--stories 5000] [--latency-ms 40]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pantheon_git.rally.client import RallyClient
from pantheon_git.rally.records import STORY
from tests.support.rally import spawn_rally


def run(url: str, info: dict[str, str], *, concurrency: int, pagesize: int) -> tuple[float, int]:
    with RallyClient(
        url=url,
        api_key="demo",
        workspace=info["workspace"],
        project=info["project"],
        max_concurrency=concurrency,
    ) as client:
        client.scope()
        before = client.request_count
        started = time.perf_counter()
        stories = client.wire.query(
            STORY, fetch=["FormattedID", "Name", "ScheduleState"], pagesize=pagesize
        )
        elapsed = time.perf_counter() - started
        assert len(stories) == client.count(STORY)
        return elapsed, client.request_count - before - 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=5000)
    parser.add_argument("--latency-ms", type=float, default=40.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as logs:
        server = spawn_rally(Path(logs), seed=None, latency_ms=args.latency_ms)
        try:
            server.control("POST", "seed", {"stories": args.stories}, timeout=600)
            info = server.control("GET", "info")
            print(f"{args.stories} stories, {args.latency_ms:.0f} ms latency per request")
            rows = [
                ("baseline: 1 in flight, pagesize 200", 1, 200),
                ("8 in flight, pagesize 200", 8, 200),
                ("8 in flight, pagesize 2000", 8, 2000),
            ]
            base = None
            for label, concurrency, pagesize in rows:
                elapsed, requests = run(
                    server.url, info, concurrency=concurrency, pagesize=pagesize
                )
                base = base or elapsed
                print(f"{label:40} {elapsed:7.2f} s  {requests:3d} requests  x{base / elapsed:.1f}")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
