"""`pantheon sync` against the emulator with network-like latency, next to a naive client.

Runs ``pantheon rally serve --latency-ms 50`` as a subprocess and seeds 10,000 stories in 20
epics (2 tasks and up to 2 predecessors each, last updated over the past 30 days). Then, in
one run, it measures:

- baseline: a sequential paged client (pagesize 200, one request at a time) reading the same
  data as a sync (scope, epics, stories with the same fields, tasks), and nothing more;
- a full sync into an empty cache (reading, mapping, writing 10,000 story files);
- an incremental sync after 50 stories changed in Rally;
- where the machine has tmpfs, the full sync again with the repository in memory, so the
  disk's cost per created file (one per story, the seed's layout) is shown apart.

The disk can weigh more than the code: on an ext4 file system without a journal, creating files
is several times slower for up to six minutes after many files were deleted nearby (the inode
allocator skips every recently freed inode, ``recently_deleted`` in ``fs/ext4/ialloc.c``; a
test run or an earlier run of this script is enough). So after the syncs on disk, and before
their folder is deleted, the script times creating as many files next to it: that line tells
in which state the disk was. Run it after a quiet spell for the figure of the code itself.

It prints wall time and Rally requests for each (the emulator's own count beside the
client's), the CPU seconds the client and the emulator spent (both share this machine's
cores, so the emulator's work is a floor under the client's wall time that a remote Rally
would not impose), and the full sync's speed-up over the baseline. Targets: full sync >= 4x faster
than the baseline and <= 20 requests; incremental <= 3 requests.

    .venv/bin/python benchmarks/sync.py [--stories 10000] [--epics 20] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pantheon_git.app import App
from pantheon_git.core.fields import FieldNames
from pantheon_git.features.sync.run import SyncOptions, run
from pantheon_git.features.sync.run_fetch import EPIC_FETCH, TASK_FETCH, story_fields
from pantheon_git.rally.client import RallyClient
from pantheon_git.rally.records import STORY, TASK
from tests.support.rally import control_call, spawn_rally


def client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds of another process so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds spent by this process and by the emulator between ``start`` and ``stop``."""

    def __init__(self, emulator_pid: int) -> None:
        self.pid = emulator_pid
        self.mine = self.theirs = 0.0

    def __enter__(self) -> CpuMeter:
        self.mine, self.theirs = client_cpu(), process_cpu(self.pid)
        return self

    def __exit__(self, *exc: object) -> None:
        self.mine = client_cpu() - self.mine
        self.theirs = process_cpu(self.pid) - self.theirs

    def __str__(self) -> str:
        return f"CPU: client {self.mine:.2f} s, emulator {self.theirs:.2f} s"


def client(url: str, info: dict[str, Any], **options: Any) -> RallyClient:
    return RallyClient(
        url=url, api_key="demo", workspace=info["workspace"], project=info["project"], **options
    )


def baseline(url: str, info: dict[str, Any]) -> tuple[float, int, int]:
    """The same reads as a sync, one request at a time, 200 per page."""
    with client(url, info, max_concurrency=1) as rally:
        started = time.perf_counter()
        rally.scope()
        rally.wire.query(rally.epic_type, fetch=EPIC_FETCH, pagesize=200)
        stories = rally.wire.query(STORY, fetch=story_fields(FieldNames()), pagesize=200)
        rally.wire.query(TASK, fetch=TASK_FETCH, pagesize=200)
        return time.perf_counter() - started, rally.request_count, len(stories)


def sync(url: str, root: Path) -> tuple[float, int, dict[str, Any], int]:
    control_call(url, "POST", "stats/reset")
    started = time.perf_counter()
    app = App.load(cwd=root)
    try:
        outcome = run(app, SyncOptions())
    finally:
        app.close()
    elapsed = time.perf_counter() - started
    served = control_call(url, "GET", "stats")["total"]
    return elapsed, outcome.summary.requests, outcome.to_dict(), served


def change(url: str, info: dict[str, Any], count: int) -> None:
    with client(url, info) as rally:
        stories = rally.wire.query(STORY, fetch=("Name",))
        for story in random.Random(7).sample(stories, count):
            rally.wire.update(story["_ref"], {"Name": f"{story['Name']} (edited)"})


TMPFS = Path("/dev/shm")


def file_creation(root: Path, count: int) -> float:
    """Seconds this machine takes to create ``count`` small files: the floor under a full sync,
    which writes one file per story."""
    folder = root / "calibration"
    folder.mkdir()
    data = b"x" * 3000
    started = time.perf_counter()
    for index in range(count):
        fd = os.open(folder / f"{index}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, data)
        os.close(fd)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--epics", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=2, help="tasks per story")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--changes", type=int, default=50)
    args = parser.parse_args()
    logs = tempfile.TemporaryDirectory()
    calibration = tempfile.TemporaryDirectory()
    server = spawn_rally(Path(logs.name), seed=None, latency_ms=args.latency_ms)
    proc, url = server.proc, server.url
    try:
        seeded = server.control(
            "POST",
            "seed",
            {
                "stories": args.stories,
                "epics": args.epics,
                "tasks_per_story": args.tasks,
                "predecessors": 2,
                "age_days": 30,
            },
            timeout=600,
        )
        info = {"workspace": server.workspace, "project": server.project}
        os.environ.update(server.env())
        print(
            f"{seeded['stories']:,} stories in {seeded['epics']} epics, {seeded['tasks']:,} "
            f"tasks; {args.latency_ms:.0f} ms latency per request; {os.cpu_count()} CPUs"
        )
        with CpuMeter(proc.pid) as base_cpu:
            base_s, base_n, count = baseline(url, info)
        assert count == seeded["stories"]
        print(
            f"{'baseline: sequential, pagesize 200':44} {base_s:7.2f} s  {base_n:4d} requests  "
            f"{base_cpu}"
        )
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            subprocess.run(["git", "init", "-q", str(root)], check=True)
            with CpuMeter(proc.pid) as full_cpu:
                full_s, full_n, doc, served = sync(url, root)
            assert len(doc["changes"]["new"]) == seeded["stories"], doc["changes"]
            print(
                f"{'full sync (read, map, write the cache)':44} {full_s:7.2f} s  {full_n:4d} "
                f"requests ({served} served)  x{base_s / full_s:.1f} vs baseline  {full_cpu}"
            )
            change(url, info, args.changes)
            inc_s, inc_n, doc, served = sync(url, root)
            changed = len(doc["changes"]["updated"]) + len(doc["changes"]["new"])
            print(
                f"{f'incremental sync after {args.changes} changes':44} {inc_s:7.2f} s  "
                f"{inc_n:4d} requests ({served} served)  {changed} stories rewritten"
            )
            # Before the sync's folder is deleted (that would slow file creation down).
            create_s = file_creation(Path(calibration.name), seeded["stories"])
        label = f"creating {seeded['stories']:,} files of 3 KB here"
        print(f"{label:44} {create_s:7.2f} s  (the disk's share of the full sync above)")
        if TMPFS.is_dir():
            # The same full sync with the repository in memory: what is left when this
            # machine's disk (one file per story) is taken out of the measurement.
            with tempfile.TemporaryDirectory(dir=TMPFS) as tmp:
                root = Path(tmp)
                subprocess.run(["git", "init", "-q", str(root)], check=True)
                with CpuMeter(proc.pid) as mem_cpu:
                    mem_s, mem_n, _, _ = sync(url, root)
            label = f"full sync, repository on tmpfs ({TMPFS})"
            print(
                f"{label:44} {mem_s:7.2f} s  {mem_n:4d} requests  x{base_s / mem_s:.1f} vs baseline"
                f"  {mem_cpu}"
            )
        again_s, _, _ = baseline(url, info)
        print(f"{'baseline again (load check)':44} {again_s:7.2f} s")
        cpus = os.cpu_count() or 1
        floor = (full_cpu.mine + full_cpu.theirs) / cpus
        print(
            f"{'CPU floor of the full sync here':44} {floor:7.2f} s  (client + emulator CPU over "
            f"{cpus} CPUs: at best x{base_s / floor:.1f} vs baseline on this machine)"
        )
        print("targets: full sync >= 4x baseline and <= 20 requests; incremental <= 3 requests")
    finally:
        server.stop()
        logs.cleanup()
        calibration.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
