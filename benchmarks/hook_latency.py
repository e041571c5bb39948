"""Benchmark: what the commit hook costs, against ``python -c pass`` in the same run.

Measures whole processes, alternating each candidate with the baseline, median of ``--runs``:

1. ``pantheon hook pre-commit`` on a story branch whose lock is fresh in the cache (the hook's
   common case), as a ratio to ``python -c pass`` (target <= 4x, about 50 ms on a quiet machine);
2. ``git commit`` with no hooks, with the plain hooks (pre-commit + commit-msg), and with the
   same two hooks run by the pre-commit framework: the framework's own share is the difference
   between the last two (the research measured ~200 ms per hook event).

The development venv installs pantheon_git in editable mode, whose import finder costs every
start-up a few milliseconds that a normal install does not have. So by default, when the
running install is editable, the benchmark builds a normal (non-editable) install of this
work tree in a temporary venv and measures that; ``--python`` measures another interpreter's
install, ``--as-is`` the running one. The report says which was used.

Usage: python benchmarks/hook_latency.py [--runs 20] [--python PATH | --as-is] [--no-framework]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchgit import ENV, git

PROJECT = Path(__file__).resolve().parents[1]


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env or ENV, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr.decode()[-800:]}")
    return elapsed


# --- which installation -------------------------------------------------------------------------


def editable_install() -> bool:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        text = distribution("pantheon-git").read_text("direct_url.json") or "{}"
    except PackageNotFoundError:
        return False
    return bool(json.loads(text).get("dir_info", {}).get("editable"))


def plain_install(where: Path) -> Path:
    """A venv holding a normal install of this work tree; its other packages are this
    interpreter's (a path in a .pth file, so their own .pth hooks do not run)."""
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "zz-benchmark-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    print("building a normal install of this work tree (pip install --no-deps .) ...")
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", str(PROJECT)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return python


# --- the repository -----------------------------------------------------------------------------


def make_repo(base: Path) -> Path:
    repo = base / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=ENV)
    (repo / "README.md").write_text("# bench\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "init")
    git(repo, "checkout", "-q", "-b", "story/US-123-login-form")
    return repo


def seed_cache(python: Path, repo: Path) -> None:
    """A fresh cached lock held by the benchmark's user, as a sync or checkout writes it."""
    now = datetime.now(UTC)
    code = (
        "import sys; from pathlib import Path; from datetime import datetime;"
        "from pantheon_git.cache.store import Cache;"
        "from pantheon_git.cache import assignments, stories;"
        "from pantheon_git.core.story import Lock, Story;"
        "from pantheon_git.core.keys import StoryKey;"
        "c = Cache(Path(sys.argv[1])); now = datetime.fromisoformat(sys.argv[2]);"
        "lock = Lock('bench@example.com', now, datetime.fromisoformat(sys.argv[3]));"
        "stories.put(c, Story(StoryKey.parse('US-123'), 'Login form', epic='F17', lock=lock), {});"
        "assignments.write(c, assignments.Assignments.of(stories.load(c), now))"
    )
    expires = now + timedelta(hours=8)
    subprocess.run(
        [python, "-c", code, str(repo), now.isoformat(), expires.isoformat()],
        check=True,
        env=ENV,
    )


def touch_cache(repo: Path) -> None:
    """Keep the cached entry younger than lock_check_ttl for the whole run."""
    for path in (repo / ".bmad" / "rally-cache" / "stories").rglob("US-123.json"):
        os.utime(path)


# --- measuring ---------------------------------------------------------------------------------


def alternate(pairs: dict[str, list[str]], baseline: list[str], repo: Path, runs: int) -> dict:
    """Median seconds of each command, each run right after a baseline run."""
    times: dict[str, list[float]] = {name: [] for name in pairs}
    base: list[float] = []
    ratios: dict[str, list[float]] = {name: [] for name in pairs}
    for argv in pairs.values():  # warm-up: page cache, settings cache
        run(argv, repo)
        run(baseline, repo)
    for _ in range(runs):
        touch_cache(repo)
        for name, argv in pairs.items():
            b = run(baseline, repo)
            t = run(argv, repo)
            base.append(b)
            times[name].append(t)
            ratios[name].append(t / b)
    return {"baseline": base, "times": times, "ratios": ratios}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:6.1f} ms"


def hook_figures(python: Path, repo: Path, runs: int) -> None:
    pantheon = str(python.parent / "pantheon")
    baseline = [str(python), "-c", "pass"]
    result = alternate({"hook": [pantheon, "hook", "pre-commit"]}, baseline, repo, runs)
    base = statistics.median(result["baseline"])
    hook = statistics.median(result["times"]["hook"])
    paired = statistics.median(result["ratios"]["hook"])
    low, high = min(result["times"]["hook"]), max(result["times"]["hook"])
    print(f"\n1. pantheon hook pre-commit, fresh cached lock (median of {runs}, alternated)")
    print(f"   python -c pass                 {ms(base)}")
    print(f"   pantheon hook pre-commit       {ms(hook)}   (min {ms(low)}, max {ms(high)})")
    print(f"   ratio of medians               {hook / base:5.2f}x   (target <= 4x)")
    print(f"   median of paired ratios        {paired:5.2f}x")
    imports = subprocess.run(
        [str(python), "-X", "importtime", pantheon, "hook", "pre-commit"],
        cwd=repo,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    ).stderr.splitlines()
    names = {line.split("|")[-1].strip() for line in imports if line.startswith("import time:")}
    heavy = [
        m for m in ("click", "httpx", "networkx", "pygit2", "yaml", "dataclasses") if m in names
    ]
    print(f"   heavy modules imported         {', '.join(heavy) or 'none'}")


def framework_figures(python: Path, repo: Path, runs: int) -> None:
    pantheon = str(python.parent / "pantheon")
    hooks = repo / ".git" / "hooks"
    commit = ["git", "commit", "-q", "--allow-empty", "-m", "bench"]

    def plain() -> None:
        for stage in ("pre-commit", "commit-msg"):
            (hooks / stage).write_text(f'#!/bin/sh\nexec {pantheon} hook {stage} "$@"\n')
            (hooks / stage).chmod(0o755)

    def framework() -> None:
        config = (
            "repos:\n  - repo: local\n    hooks:\n"
            f"      - {{id: lock, name: lock, entry: {pantheon} hook pre-commit, "
            "language: system, stages: [pre-commit], pass_filenames: false, always_run: true}\n"
            f"      - {{id: msg, name: msg, entry: {pantheon} hook commit-msg, "
            "language: system, stages: [commit-msg]}\n"
        )
        (repo / ".pre-commit-config.yaml").write_text(config)
        git(repo, "add", ".pre-commit-config.yaml")
        git(repo, "commit", "-q", "--no-verify", "-m", "pre-commit config")
        for stage in ("pre-commit", "commit-msg"):
            (hooks / stage).unlink(missing_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pre_commit", "install", "-t", "pre-commit", "-t", "commit-msg"],
            cwd=repo,
            env=ENV,
            check=True,
            capture_output=True,
        )

    none_argv = [*commit, "--no-verify"]
    plain()
    with_plain = alternate({"plain": commit}, none_argv, repo, runs)
    framework()
    with_framework = alternate({"framework": commit}, none_argv, repo, runs)
    bare = statistics.median(with_plain["baseline"] + with_framework["baseline"])
    p = statistics.median(with_plain["times"]["plain"])
    f = statistics.median(with_framework["times"]["framework"])
    print(f"\n2. git commit (median of {runs}; pre-commit + commit-msg hooks)")
    print(f"   no hooks (--no-verify)         {ms(bare)}")
    print(f"   plain hooks (hooks/)           {ms(p)}   pantheon's two hooks: {ms(p - bare)}")
    print(f"   through pre-commit             {ms(f)}   framework's own share: {ms(f - p)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--python", help="interpreter of the installation to measure")
    parser.add_argument("--as-is", action="store_true", help="measure the running install")
    parser.add_argument("--no-framework", action="store_true", help="skip the git commit part")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hook-latency-") as tmp:
        base = Path(tmp)
        if args.python:
            python, which = Path(args.python), f"the install of {args.python}"
        elif args.as_is or not editable_install():
            python = Path(sys.executable)
            which = "the running install" + (" (editable)" if editable_install() else "")
        else:
            python, which = plain_install(base), "a normal install of this work tree (temp venv)"
        repo = make_repo(base)
        seed_cache(python, repo)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"measuring {which}; load average {load:.2f}; {os.cpu_count()} CPUs")
        hook_figures(python, repo, args.runs)
        if not args.no_framework and shutil.which("git"):
            framework_figures(python, repo, args.runs)


if __name__ == "__main__":
    main()
