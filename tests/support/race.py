"""Many ``pantheon checkout`` processes released together on one story: the race harness the
lock tests and ``benchmarks/lock_race.py`` share.

Each racer is its own process (a different PANTHEON_USER, its own folder, ``--no-branch``)
that loads everything, says "ready" and waits at a barrier (a file), so that the race is
between Rally requests, not between Python start-ups. Each racer is made a Rally user first:
checkout makes the winner the story's Owner, and Rally has no Owner it does not know.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.locks import rally_env

# A racer: import everything, say "ready", wait for "go", then run the real entry point.
RACER = """
import os, sys, time
from pathlib import Path
import httpx, click
import pantheon_git.cli, pantheon_git.cli.checkout_cmd, pantheon_git.features.checkout.run
from pantheon_git.main import main
Path(sys.argv[1]).write_text("ready")
go = Path(sys.argv[2])
deadline = time.monotonic() + 120
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.002)
raise SystemExit(main(sys.argv[3:]))
"""


@dataclass
class Racer:
    user: str
    code: int
    out: str
    err: str

    def doc(self) -> dict[str, Any]:
        parsed = json.loads(self.out)
        assert isinstance(parsed, dict)
        return parsed


def race(server: Any, key: str, base: Path, *, n: int, timing: dict[str, str]) -> list[Racer]:
    """Start ``n`` racers for ``key``, release them together, collect their results."""
    base.mkdir(parents=True)
    go = base / "go"
    procs: list[tuple[str, Path, subprocess.Popen[str]]] = []
    for i in range(n):
        user = f"dev{i:02d}@example.com"
        server.control("POST", "users", {"email": user})
        folder = base / f"dev{i:02d}"
        folder.mkdir()
        env = {**os.environ, **rally_env(server, user), **timing}
        argv = [sys.executable, "-c", RACER, str(folder / "ready"), str(go)]
        argv += ["checkout", key, "--no-branch", "--json"]
        proc = subprocess.Popen(
            argv, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        procs.append((user, folder, proc))
    deadline = time.monotonic() + 90
    while not all((f / "ready").exists() for _, f, _ in procs):
        if time.monotonic() > deadline:
            raise AssertionError("racers did not start")
        if any(p.poll() is not None for _, _, p in procs):
            raise AssertionError("a racer died before the start")
        time.sleep(0.02)
    go.write_text("go")
    results = []
    for user, _, proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append(Racer(user, proc.returncode, out, err))
    return results
