"""Benchmark: how long the GitHub Action takes to install pantheon, cold and from its cache.

Runs action.yml's own install step (the `run:` of "Install pantheon (pinned, hashes
checked)", read from the file) the way a runner would, in a fresh venv each time, with pip
seeing only PyPI (this machine's extra indexes switched off) and an empty pip cache:

- cold: nothing cached; every file of requirements/action.txt downloaded from PyPI and checked
  against its hash, then installed;
- cached: the downloads folder restored (what actions/cache/restore gives back), the package
  index unreachable: the install must not touch the network;
- baseline, in the same run: what the action did before the lock, `pip install <action>` with
  unpinned ranges, resolved and downloaded on every run.

Prints the median of --runs for each, and each as a ratio to the baseline.

Usage: python benchmarks/action_install.py [--runs 3] [--python PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]
STEP = "Install pantheon (pinned, hashes checked)"


def install_script() -> str:
    doc = yaml.safe_load((PROJECT / "action.yml").read_text(encoding="utf-8"))
    step = next(s for s in doc["runs"]["steps"] if s.get("name") == STEP)
    return str(step["run"])


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/simple"


def pip_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "GITHUB_", "RUNNER_"))}
    cache = Path(tempfile.mkdtemp(dir=tmp, prefix="pip-cache-"))
    env.update({"PIP_CONFIG_FILE": os.devnull, "PIP_CACHE_DIR": str(cache)})
    env.update(extra)
    return env


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"{argv[:3]} failed:\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}")
    return elapsed


def action_install(python: str, tmp: Path, wheels: Path, *, cached: bool) -> float:
    temp = Path(tempfile.mkdtemp(dir=tmp, prefix="runner-temp-"))
    script = temp / "install.sh"
    script.write_text(install_script(), encoding="utf-8")
    extra = {
        "GITHUB_ACTION_PATH": str(PROJECT),
        "RUNNER_TEMP": str(temp),
        "PANTHEON_PYTHON": python,
        "PANTHEON_WHEELS": str(wheels),
        "PANTHEON_CACHED": "true" if cached else "",
    }
    if cached:
        extra["PIP_INDEX_URL"] = closed_port()  # offline: nothing may come from an index
    argv = ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)]
    return timed(argv, pip_env(tmp, **extra), temp)


def unpinned_install(python: str, tmp: Path) -> float:
    temp = Path(tempfile.mkdtemp(dir=tmp, prefix="before-"))
    script = (
        f'"{python}" -m venv venv && venv/bin/python -m pip --disable-pip-version-check '
        f'--quiet install "{PROJECT}"'
    )
    return timed(["bash", "-eo", "pipefail", "-c", script], pip_env(tmp), temp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python", default=sys.executable, help="the runner's Python")
    args = parser.parse_args()
    figures: dict[str, list[float]] = {"baseline": [], "cold": [], "cached": []}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for _ in range(args.runs):
            figures["baseline"].append(unpinned_install(args.python, tmp))
            wheels = Path(tempfile.mkdtemp(dir=tmp, prefix="wheels-"))
            shutil.rmtree(wheels)
            figures["cold"].append(action_install(args.python, tmp, wheels, cached=False))
            figures["cached"].append(action_install(args.python, tmp, wheels, cached=True))
        size = sum(f.stat().st_size for f in wheels.iterdir()) / 1e6
        count = len(list(wheels.iterdir()))
    base = statistics.median(figures["baseline"])
    print(f"action install, median of {args.runs} (load average {os.getloadavg()[0]:.1f})")
    print(f"  cache: {count} files, {size:.1f} MB")
    labels = {
        "baseline": "before: pip install <action>, unpinned",
        "cold": "cold: download, check hashes, install",
        "cached": "cached: install offline from the cache",
    }
    for key, label in labels.items():
        value = statistics.median(figures[key])
        print(f"  {label:42} {value:6.1f} s  ratio {value / base:4.2f}")


if __name__ == "__main__":
    main()
