"""Benchmark: the conflict scan on 1,000 story branches over a 10,000-file base.

Builds the repository once with ``git fast-import`` (cached; ``--repo`` to choose where), then
prints, each as whole processes measured in this run:

1. the pre-push conflict check for one branch, warm cache (target <= 0.3 s);
2. ``pantheon conflicts --all`` cold, against the naive loop of one
   ``git diff --name-only -z --no-renames main...B`` per branch (target >= 5x faster), with the
   overlapping pairs asserted identical;
3. ``pantheon conflicts --all`` after 10 branches moved (only those recomputed).

Usage: python benchmarks/conflict_scan.py [--repo PATH] [--branches 1000] [--files 10000]
       [--runs 10] [--precise] [--no-commit-graph] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchgit import ENV, git

VERSION = 1
PANTHEON = str(Path(sys.executable).parent / "pantheon")


# --- building the repository -----------------------------------------------------------------


def paths_for(n_files: int) -> list[str]:
    special = ["docs/公共/guide.md", "src/ünïcode/naïve.py", "src/with space/a b.py"]
    paths = [f"pkg{i % 40:02d}/mod{i // 40 % 25:02d}/file{i}.py" for i in range(n_files)]
    return special + paths


def build(repo: Path, n_branches: int, n_files: int, main_commits: int, seed: int = 42) -> None:
    rnd = random.Random(seed)
    t0 = time.perf_counter()
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    files = paths_for(n_files)
    hot = rnd.sample(files, 300)
    base_content = {p: [f"line {j} of {p}\n" for j in range(12)] for p in files}
    versions: dict[str, list[tuple[int, list[str]]]] = {p: [(0, base_content[p])] for p in files}
    out: list[bytes] = []
    stamp = 1_760_000_000

    def commit(ref: str, mark: int, parent: int | None, msg: str, changes: dict[str, str]) -> None:
        nonlocal stamp
        stamp += 60
        message = msg.encode()
        out.append(f"commit {ref}\nmark :{mark}\n".encode())
        out.append(f"committer Bench <bench@example.com> {stamp} +0000\n".encode())
        out.append(f"data {len(message)}\n".encode() + message + b"\n")
        if parent is not None:
            out.append(f"from :{parent}\n".encode())
        for path, text in changes.items():
            data = text.encode()
            out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    def edit(lines: list[str], tag: str) -> list[str]:
        new = list(lines)
        pos = rnd.randint(0, min(3, len(new))) if rnd.random() < 0.3 else rnd.randint(0, len(new))
        new.insert(pos, f"# {tag}\n")
        return new

    commit("refs/heads/main", 1, None, "base", {p: "".join(c) for p, c in base_content.items()})
    for m in range(1, main_commits + 1):
        changes = {}
        for path in rnd.sample(files, rnd.randint(1, 5)):
            lines = edit(versions[path][-1][1], f"main change {m}")
            versions[path].append((m, lines))
            changes[path] = "".join(lines)
        commit("refs/heads/main", m + 1, m, f"main {m}", changes)

    def at(path: str, index: int) -> list[str]:
        return next(lines for i, lines in reversed(versions[path]) if i <= index)

    mark = main_commits + 2
    for b in range(n_branches):
        fork = main_commits - rnd.randint(0, min(300, main_commits))
        touched: set[str] = set()
        while len(touched) < rnd.randint(1, 8):
            touched.add(rnd.choice(hot) if rnd.random() < 0.3 else rnd.choice(files))
        content = {p: at(p, fork) for p in touched}
        parent = fork + 1
        for step in range(rnd.randint(1, 3)):
            picked = sorted(touched) if step == 0 else rnd.sample(sorted(touched), 1)
            for path in picked:
                content[path] = edit(content[path], f"US-{b}: change {step}")
            commit(
                f"refs/heads/story/US-{b}-bench",
                mark,
                parent,
                f"US-{b}: step {step}",
                {p: "".join(content[p]) for p in picked},
            )
            parent = mark
            mark += 1
    git(repo, "fast-import", "--quiet", data=b"".join(out))
    git(repo, "pack-refs", "--all")
    git(repo, "checkout", "-q", "-f", "main")
    (repo / ".git" / "bench-version").write_text(f"{VERSION} {n_branches} {n_files}\n")
    print(
        f"built {repo}: {n_branches} story branches, {len(files)} files, {main_commits} main "
        f"commits in {time.perf_counter() - t0:.1f} s"
    )


def ensure_built(
    repo: Path, n_branches: int, n_files: int, main_commits: int, *, rebuild: bool = False
) -> None:
    """Build the repository unless the one at ``repo`` was built with these sizes."""
    marker = repo / ".git" / "bench-version"
    wanted = f"{VERSION} {n_branches} {n_files}\n"
    if rebuild or not marker.exists() or marker.read_text() != wanted:
        build(repo, n_branches, n_files, main_commits)


# --- measuring -------------------------------------------------------------------------------


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], repo: Path) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    elapsed, _, proc = timed_cpu(argv, repo)
    return elapsed, proc


def timed_cpu(
    argv: list[str], repo: Path
) -> tuple[float, float, subprocess.CompletedProcess[bytes]]:
    """Wall time and CPU time (user + sys of the process and the git processes it waited for)."""
    c0 = children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=repo, capture_output=True, env=ENV, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()}")
    return elapsed, children_cpu() - c0, proc


def drop_cache(repo: Path) -> None:
    for name in ("scan-cache.json", "trial-cache.json"):
        (repo / ".git" / "pantheon" / name).unlink(missing_ok=True)


def naive(repo: Path, branches: list[str]) -> dict[tuple[str, str], list[str]]:
    sets = {}
    for branch in branches:
        out = subprocess.run(
            ["git", "diff", "--name-only", "-z", "--no-renames", f"main...{branch}"],
            cwd=repo,
            capture_output=True,
            env=ENV,
            check=True,
        ).stdout.decode("utf-8", "surrogateescape")
        key = "US-" + branch.split("US-", 1)[1].split("-", 1)[0]
        sets[key] = set(out.split("\0")) - {""}
    index = defaultdict(list)
    for key, paths in sets.items():
        for path in paths:
            index[path].append(key)
    pairs: dict[tuple[str, str], list[str]] = {}
    for path, keys in index.items():
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                lo, hi = sorted((a, b), key=lambda k: int(k[3:]))
                pairs.setdefault((lo, hi), []).append(path)
    return {pair: sorted(paths) for pair, paths in pairs.items()}


PREPUSH = """
import sys, time
t0 = time.perf_counter()
from pantheon_git.features.conflicts.run import prepush_check
from pantheon_git.app import App
result = prepush_check(App.load(), local_ref=sys.argv[1], local_sha=sys.argv[2])
assert result.checked, result.skipped
print(len(result.report.overlaps), round(time.perf_counter() - t0, 4))
"""


def median_runs(argv: list[str], repo: Path, runs: int) -> tuple[float, float, float, bytes]:
    timed(argv, repo)  # warm-up, not counted
    times, last = [], b""
    for _ in range(runs):
        elapsed, proc = timed(argv, repo)
        times.append(elapsed)
        last = proc.stdout
    return statistics.median(times), min(times), max(times), last


def paired_runs(argv: list[str], repo: Path, runs: int) -> tuple[dict[str, float], bytes]:
    """``argv`` alternated with ``python -c pass`` (the yardstick), wall and CPU medians."""
    yardstick = [sys.executable, "-c", "pass"]
    timed(argv, repo)
    timed(yardstick, repo)
    walls, cpus, py_walls, py_cpus, last = [], [], [], [], b""
    for _ in range(runs):
        wall, cpu, proc = timed_cpu(argv, repo)
        walls.append(wall)
        cpus.append(cpu)
        last = proc.stdout
        wall, cpu, _ = timed_cpu(yardstick, repo)
        py_walls.append(wall)
        py_cpus.append(cpu)
    figures = {
        "wall": statistics.median(walls),
        "wall_min": min(walls),
        "wall_max": max(walls),
        "cpu": statistics.median(cpus),
        "py_wall": statistics.median(py_walls),
        "py_cpu": statistics.median(py_cpus),
        "ratio": statistics.median(w / p for w, p in zip(walls, py_walls, strict=True)),
    }
    return figures, last


def _list(times: list[float]) -> str:
    return ", ".join(f"{t:.3f}" for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repo", type=Path, default=Path(tempfile.gettempdir()) / "pantheon-bench-conflicts"
    )
    parser.add_argument("--branches", type=int, default=1000)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--main-commits", type=int, default=300)
    parser.add_argument("--runs", type=int, default=10, help="runs of the warm pre-push check")
    parser.add_argument("--cold-runs", type=int, default=3, help="alternated cold/naive runs")
    parser.add_argument("--precise", action="store_true", help="also time --all --precise")
    parser.add_argument("--no-commit-graph", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    repo: Path = args.repo
    ensure_built(repo, args.branches, args.files, args.main_commits, rebuild=args.rebuild)
    graph = repo / ".git" / "objects" / "info" / "commit-graph"
    if args.no_commit_graph:
        graph.unlink(missing_ok=True)
    elif not graph.exists():
        git(repo, "commit-graph", "write", "--reachable", "--no-progress")
    # An installed package ships compiled modules; this environment may set
    # PYTHONDONTWRITEBYTECODE, which would make every process compile pantheon_git again.
    package = Path(__file__).resolve().parent.parent / "pantheon_git"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    branches = sorted(
        git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/story/").split()
    )
    load = os.getloadavg()[0]
    print(
        f"repository: {repo} ({len(branches)} story branches, "
        f"{len(git(repo, 'ls-tree', '-r', '--name-only', 'main').splitlines())} files, "
        f"commit-graph {'absent' if args.no_commit_graph else 'present'}), load {load:.1f}"
    )

    # 2. cold --all vs the naive loop (alternated, medians)
    ours_t, naive_t, ours_cpu, naive_cpu = [], [], [], []
    doc: dict[str, object] = {}
    expected: dict[tuple[str, str], list[str]] = {}
    for _ in range(args.cold_runs):
        drop_cache(repo)
        elapsed, cpu, proc = timed_cpu([PANTHEON, "conflicts", "--all", "--json"], repo)
        ours_t.append(elapsed)
        ours_cpu.append(cpu)
        doc = json.loads(proc.stdout)
        t0, c0 = time.perf_counter(), children_cpu() + time.process_time()
        expected = naive(repo, branches)
        naive_t.append(time.perf_counter() - t0)
        naive_cpu.append(children_cpu() + time.process_time() - c0)
    got = {(p["a"], p["b"]): sorted(p["files"]) for p in doc["pairs"]}  # type: ignore[index]
    assert got == expected, "overlaps differ from the naive loop"
    stats = doc["stats"]  # type: ignore[index]
    ours, base = statistics.median(ours_t), statistics.median(naive_t)

    # 1. warm pre-push check for one branch (cache left by the run above)
    # the branch with the most overlapping stories: the report it gets is the largest
    counts: dict[str, int] = defaultdict(int)
    for a, b in got:
        counts[a] += 1
        counts[b] += 1
    busiest = max(sorted(counts), key=lambda k: counts[k])
    target = next(b for b in branches if b.startswith(f"story/{busiest}-"))
    sha = git(repo, "rev-parse", target).strip()
    argv = [sys.executable, "-c", PREPUSH, f"refs/heads/{target}", sha]
    pp, pp_out = paired_runs(argv, repo, args.runs)
    n_overlaps, inproc = pp_out.decode().split()

    # 3. warm rerun after 10 branches moved
    warm_med, *_ = median_runs([PANTHEON, "conflicts", "--all", "--json"], repo, 3)
    moved = random.Random(7).sample(branches, 10)
    saved = {b: git(repo, "rev-parse", b).strip() for b in moved}
    try:
        for b in moved:
            tree = git(repo, "rev-parse", f"{b}^{{tree}}").strip()
            new = git(repo, "commit-tree", tree, "-p", saved[b], "-m", "moved", data=b"").strip()
            git(repo, "update-ref", f"refs/heads/{b}", new)
        mv_t, proc = timed([PANTHEON, "conflicts", "--all", "--json"], repo)
        mv_stats = json.loads(proc.stdout)["stats"]
    finally:
        for b, old in saved.items():
            git(repo, "update-ref", f"refs/heads/{b}", old)
    assert mv_stats["diffs_computed"] == 10, mv_stats
    assert mv_stats["merge_bases_computed"] == 10, mv_stats

    print()
    print("1. pre-push conflict check, one branch, warm cache (whole process; target <= 0.3 s)")
    print(f"   {target}: {n_overlaps} overlapping stories")
    print(
        f"   wall median {pp['wall']:.3f} s (min {pp['wall_min']:.3f}, max {pp['wall_max']:.3f}) "
        f"over {args.runs} runs, cpu {pp['cpu']:.3f} s; imports + check {float(inproc):.3f} s"
    )
    print(
        f"   yardstick python -c pass, alternated: wall {pp['py_wall']:.3f} s, cpu "
        f"{pp['py_cpu']:.3f} s; median ratio {pp['ratio']:.1f}x (quiet machine: python -c pass "
        "is 0.013 s)"
    )
    print()
    print("2. pantheon conflicts --all, cold cache (whole process) vs naive loop (same run)")
    print(
        f"   ours:  median {ours:.3f} s of {len(ours_t)} ({_list(ours_t)})"
        f"; {stats['git_processes']} git processes, {stats['merge_bases_computed']} merge bases, "
        f"{stats['diffs_computed']} diffs"
    )
    print(
        f"   naive: median {base:.3f} s of {len(naive_t)} ({_list(naive_t)})"
        f"; {len(branches)} git processes"
    )
    cpu_ratio = statistics.median(naive_cpu) / statistics.median(ours_cpu)
    print(
        f"   speed-up {base / ours:.1f}x wall, {cpu_ratio:.1f}x cpu (cpu medians "
        f"{statistics.median(ours_cpu):.3f} vs {statistics.median(naive_cpu):.3f} s)   "
        f"target >= 5x; overlapping pairs identical: {len(got)} pairs"
    )
    print()
    print("3. pantheon conflicts --all after 10 branches moved (whole process)")
    print(
        f"   {mv_t:.3f} s; recomputed {mv_stats['merge_bases_computed']} merge bases and "
        f"{mv_stats['diffs_computed']} diffs ({mv_stats['git_processes']} git processes); "
        f"nothing moved: {warm_med:.3f} s"
    )
    if args.precise:
        drop_cache(repo)
        timed([PANTHEON, "conflicts", "--all", "--json"], repo)
        pr_t, proc = timed([PANTHEON, "conflicts", "--all", "--precise", "--json"], repo)
        pdoc = json.loads(proc.stdout)
        statuses = defaultdict(int)
        for pair in pdoc["pairs"]:
            if pair.get("trial_merge"):
                statuses[pair["trial_merge"]["status"]] += 1
        drift = sum(1 for v in pdoc["drift"].values() if v["status"] == "conflict")
        print()
        print("4. pantheon conflicts --all --precise, trial merges not cached (whole process)")
        print(
            f"   {pr_t:.3f} s; {len(pdoc['drift'])} stories onto main ({drift} conflict), "
            f"pairs {dict(statuses)}"
        )


if __name__ == "__main__":
    main()
