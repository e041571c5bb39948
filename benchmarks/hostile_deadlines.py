"""Benchmark: how long each command waits on a Rally that does not answer, with the default
settings, against the limit the docs promise.

Rallys (real sockets on 127.0.0.1, ``tests/support/hostile.py``): a silent server (accepts,
reads, never answers), a trickling one (headers, then a byte every second), a refused port.
Each command runs as its own process in a repository synced from the emulator (so it gets as
far as Rally), all of one Rally at once; printed: wall time to exit, exit code, the promise
(``lock_deadline`` 15 s for checkout/release/renew, 10 s for doctor, ``rally_deadline`` 120 s
for one request of sync/complete, ``hook_budget`` 10 s for the hooks) and the ratio.

Usage: python benchmarks/hostile_deadlines.py [--only silent|trickle|refused]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchgit import ENV, git

from pantheon_git.rally.emulator.server import start
from tests.support.hostile import HostileServer, refused_url

# (name, argv, the limit the docs promise, in seconds)
COMMANDS = (
    ("checkout", ["checkout", "US-122"], 15.0),
    ("release", ["release", "US-121"], 15.0),
    ("renew", ["renew", "US-121"], 15.0),
    ("doctor", ["doctor"], 10.0),
    ("sync", ["sync"], 120.0),
    ("complete", ["complete", "US-121"], 120.0),
    ("pre-commit hook", ["hook", "pre-commit"], 10.0),
    ("pre-push hook", ["hook", "pre-push"], 10.0),
)


def pantheon(repo: Path, args: list[str], env: dict[str, str], stdin: str = "") -> float:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pantheon_git", *args],
        cwd=repo,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    took = time.monotonic() - started
    return took if proc.returncode != 70 else -took


def prepare(base: Path) -> tuple[Path, dict[str, str]]:
    repo = base / "work"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "init")
    env = {**ENV, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    with start(seed="demo") as rally:
        fast = {"PANTHEON_LOCK_WRITE_BOUND": "1", "PANTHEON_LOCK_SETTLE_DELAY": "1.5"}
        real = {**env, **rally.env(), **fast}
        for args in (["sync"], ["checkout", "US-121"]):
            proc = subprocess.run(
                [sys.executable, "-m", "pantheon_git", *args],
                cwd=repo,
                env=real,
                capture_output=True,
                check=False,
            )
            if proc.returncode:
                raise SystemExit(f"setup {args} failed: {proc.stderr.decode()[-400:]}")
    env.update(RALLY_API_KEY="_" + "k" * 40, PANTHEON_LOCK_CHECK_TTL="0")
    env.update(RALLY_WORKSPACE="Demo Workspace", RALLY_PROJECT="Demo Project")
    return repo, env


def measure(repo: Path, env: dict[str, str], url: str) -> dict[str, float]:
    sha = git(repo, "rev-parse", "HEAD").strip()
    push = f"refs/heads/story/US-121 {sha} refs/heads/story/US-121 {'0' * 40}\n"
    results: dict[str, float] = {}

    def one(name: str, args: list[str]) -> None:
        stdin = push if name == "pre-push hook" else ""
        results[name] = pantheon(repo, args, {**env, "RALLY_URL": url}, stdin)

    threads = [threading.Thread(target=one, args=(n, a)) for n, a, _ in COMMANDS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["silent", "trickle", "refused"])
    options = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="hostile-deadlines-"))
    try:
        repo, env = prepare(base)
        print(f"load average {os.getloadavg()[0]:.1f}")
        print(f"{'command':<16} {'Rally':<8} {'seconds':>8} {'promise':>8} {'ratio':>6}")
        for kind in ("silent", "trickle", "refused"):
            if options.only and kind != options.only:
                continue
            if kind == "refused":
                results = measure(repo, env, refused_url())
            else:
                with HostileServer(kind, interval=1.0) as server:
                    results = measure(repo, env, server.url)
            for name, _, promise in COMMANDS:
                took = results[name]
                flag = "  exit 70!" if took < 0 else ""
                print(
                    f"{name:<16} {kind:<8} {abs(took):>8.1f} {promise:>8.0f} "
                    f"{abs(took) / promise:>6.2f}{flag}"
                )
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
