"""Planner quality and speed on the Standard Task Graph Set (Kasahara lab), against proven optima.

Every instance goes through ``pantheon plan --from-json``'s own code path (``run_plan`` with
a JSON file, in process: validation, search, checker, report), next to CP/MISF list
scheduling measured in the same run. STG's dummy entry and exit tasks (0 hours) are dropped;
a task whose only predecessor is the entry gets no dependency. Gaps are against
``verified_bounds.csv``: the proven optimum where there is one, else the proven lower bound
(open pairs are also shown against their best known schedule). Then a generated
10,000-story plan is timed.

    python benchmarks/plan_stg.py            # full run: 1,452 plans (~10 min on 2 cores)
    python benchmarks/plan_stg.py --quick    # every 9th random graph + the applications

The STG folder is found next to the repository (``../shared/benchmarks/stg``, or further up);
override with ``--stg DIR`` or ``PANTHEON_STG_DIR``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pantheon_git.app import App  # noqa: E402
from pantheon_git.config import Config  # noqa: E402
from pantheon_git.features.plan.listsched import cp_misf  # noqa: E402
from pantheon_git.features.plan.model import build_problem  # noqa: E402
from pantheon_git.features.plan.run import PlanRequest, load_json_stories, run_plan  # noqa: E402
from pantheon_git.features.plan.sgs import makespan_of  # noqa: E402

LANES = (2, 4, 8, 16)
TARGET_MEAN, TARGET_WORST, TARGET_SECONDS, TARGET_BIG = 0.3, 3.0, 1.0, 10.0


def find_stg(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    if os.environ.get("PANTHEON_STG_DIR"):
        return Path(os.environ["PANTHEON_STG_DIR"])
    for folder in REPO.parents:
        candidate = folder / "shared" / "benchmarks" / "stg"
        if candidate.is_dir():
            return candidate
    return None


def stg_document(path: Path) -> dict[str, Any]:
    """The --from-json document of one .stg file (dummy entry/exit tasks left out)."""
    numbers: list[int] = []
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            break
        numbers.extend(int(x) for x in line.split())
    n, pos, stories = numbers[0], 1, []
    for _ in range(n + 2):
        tid, hours, k = numbers[pos : pos + 3]
        preds = numbers[pos + 3 : pos + 3 + k]
        pos += 3 + k
        if 0 < tid <= n:
            depends = [f"T{p}" for p in preds if 0 < p <= n]
            stories.append({"key": f"T{tid}", "hours": hours, "depends_on": depends})
    return {"stories": stories}


@dataclass
class Row:
    instance: str
    lanes: int
    reference: float
    proven: bool
    best_known: float
    recorded_cp_misf: float | None
    ours: float = 0.0
    seconds: float = 0.0
    cpu: float = 0.0
    baseline: float = 0.0
    baseline_seconds: float = 0.0


@dataclass
class Group:
    rows: list[Row] = field(default_factory=list)

    def line(self, label: str) -> str:
        proven = [r for r in self.rows if r.proven]
        gaps = [100 * (r.ours / r.reference - 1) for r in proven]
        base = [100 * (r.baseline / r.reference - 1) for r in proven]
        hits = sum(1 for r in proven if r.ours <= r.reference)
        base_hits = sum(1 for r in proven if r.baseline <= r.reference)
        return (
            f"{label:<14}{len(self.rows):>5}{len(proven):>7}  "
            f"{_mean(gaps):>7.3f}% {_max(gaps):>6.2f}% {hits:>4}/{len(proven):<4}"
            f"{_mean([r.seconds for r in self.rows]) * 1000:>7.0f}ms"
            f"{max((r.seconds for r in self.rows), default=0) * 1000:>7.0f}ms"
            f"{max((r.cpu for r in self.rows), default=0) * 1000:>7.0f}ms   "
            f"{_mean(base):>7.3f}% {_max(base):>6.2f}% {base_hits:>4}/{len(proven):<4}"
            f"{_mean([r.baseline_seconds for r in self.rows]) * 1000:>6.1f}ms"
        )


def _mean(values: Iterable[float]) -> float:
    data = list(values)
    return statistics.fmean(data) if data else 0.0


def _max(values: Iterable[float]) -> float:
    return max(values, default=0.0)


def load_bounds(stg: Path) -> dict[tuple[str, int], dict[str, str]]:
    with (stg / "verified_bounds.csv").open(newline="") as handle:
        return {(r["instance"], int(r["processors"])): r for r in csv.DictReader(handle)}


def instances(stg: Path, *, quick: bool) -> list[str]:
    names: list[str] = []
    for group in ("50", "100"):
        files = sorted((stg / group).glob("*.stg"))
        names += [f"{group}/{f.name}" for f in (files[::9] if quick else files)]
    names += [f"app/{f.name}" for f in sorted((stg / "app").glob("*.stg"))]
    return names


def run_instance(app: App, source: Path, row: Row) -> None:
    begin, begin_cpu = time.perf_counter(), time.process_time()
    outcome = run_plan(app, PlanRequest(developers=str(row.lanes), from_json=source))
    row.seconds = time.perf_counter() - begin
    row.cpu = time.process_time() - begin_cpu
    row.ours = outcome.plan.makespan
    begin = time.perf_counter()
    problem = build_problem(load_json_stories(source))
    row.baseline = problem.hours(makespan_of(problem, cp_misf(problem, row.lanes)))
    row.baseline_seconds = time.perf_counter() - begin


def stg_benchmark(stg: Path, app: App, workdir: Path, *, quick: bool) -> bool:
    bounds = load_bounds(stg)
    groups: dict[str, Group] = {}
    total = Group()
    names = instances(stg, quick=quick)
    print(f"STG: {stg}  ({len(names)} graphs x {len(LANES)} lane counts)")
    for number, name in enumerate(names, start=1):
        source = workdir / (name.replace("/", "_") + ".json")
        source.write_text(json.dumps(stg_document(stg / name)))
        for lanes in LANES:
            b = bounds[(name, lanes)]
            proven = b["optimal"] == "yes"
            row = Row(
                instance=name,
                lanes=lanes,
                reference=float(b["ub_proven"] if proven else b["lb_proven"]),
                proven=proven,
                best_known=float(b["ub_proven"]),
                recorded_cp_misf=float(b["cpmisf_makespan"]) if b["cpmisf_makespan"] else None,
            )
            run_instance(app, source, row)
            key = f"{name.split('/')[0]}/m={lanes}"
            groups.setdefault(key, Group()).rows.append(row)
            total.rows.append(row)
        if sys.stderr.isatty():
            print(f"  {number}/{len(names)} {name}", end="\r", file=sys.stderr, flush=True)
    header = (
        f"{'group':<14}{'pairs':>5}{'proven':>7}  {'--- planner (run_plan) ---':^49}"
        f"   {'--- CP/MISF, same run ---':^37}\n"
        f"{'':<26}  {'mean gap':>8} {'worst':>7} {'optimum':>9}{'mean t':>7}{'max t':>9}"
        f"{'max cpu':>8}  {'mean gap':>9} {'worst':>7} {'optimum':>9}{'mean t':>8}"
    )
    print(header)
    for key in sorted(groups, key=lambda k: (k.split("/")[0] != "app", k)):
        print(groups[key].line(key))
    print(total.line("all"))
    agree = sum(1 for r in total.rows if r.recorded_cp_misf == r.baseline)
    recorded = sum(1 for r in total.rows if r.recorded_cp_misf is not None)
    print(f"CP/MISF here vs verified_bounds.csv's cpmisf_makespan: {agree}/{recorded} equal")
    open_rows = [r for r in total.rows if not r.proven]
    if open_rows:
        print("Open pairs (no proven optimum): makespan vs [proven lower bound, best known]:")
        for r in open_rows:
            mark = (
                "better than best known"
                if r.ours < r.best_known
                else ("= best known" if r.ours == r.best_known else "worse than best known")
            )
            print(
                f"  {r.instance} m={r.lanes}: {r.ours:g} in [{r.reference:g}, "
                f"{r.best_known:g}] ({mark})"
            )
    proven = [r for r in total.rows if r.proven]
    mean_gap = _mean(100 * (r.ours / r.reference - 1) for r in proven)
    worst_gap = _max(100 * (r.ours / r.reference - 1) for r in proven)
    mean_seconds = _mean(r.seconds for r in total.rows)
    max_cpu = max(r.cpu for r in total.rows)
    ok = mean_gap <= TARGET_MEAN and worst_gap <= TARGET_WORST and max_cpu <= TARGET_SECONDS
    print(
        f"Targets (proven pairs): mean gap {mean_gap:.3f}% <= {TARGET_MEAN}%, worst "
        f"{worst_gap:.2f}% <= {TARGET_WORST}%; time per instance {mean_seconds:.2f}s mean, "
        f"{max_cpu:.2f}s CPU at most <= {TARGET_SECONDS}s: {'met' if ok else 'NOT met'}"
    )
    return ok


def big_document(stories: int, *, window: int, conflicts: int, seed: int = 7) -> dict[str, Any]:
    """A generated backlog: each story depends on up to 3 of the ``window`` before it."""
    rng = random.Random(seed)
    docs: list[dict[str, Any]] = []
    for i in range(stories):
        picks = (
            {rng.randrange(max(0, i - window), i) for _ in range(rng.randint(0, 3))} if i else ()
        )
        docs.append(
            {
                "key": f"S{i}",
                "hours": rng.choice((2, 3, 5, 5, 5, 8, 8, 13)),
                "depends_on": [f"S{p}" for p in sorted(picks)],
            }
        )
    for _ in range(conflicts):
        a, b = rng.sample(range(stories), 2)
        docs[a].setdefault("conflicts_with", []).append(f"S{b}")
    return {"stories": docs}


BIG_CASES = (
    # (developers, dependency window, conflict pairs)
    (12, 400, 2000),
    (40, 10, 2000),
    (80, 8, 3000),
)


def copies_document(stg: Path, copies: int) -> dict[str, Any]:
    """``copies`` independent copies of one hard STG graph: CP/MISF misses the bound, so the
    search spends its whole budget (the slow case for a large plan)."""
    base = stg_document(stg / HARD_GRAPH)["stories"]
    return {
        "stories": [
            {
                "key": f"C{c}-{s['key']}",
                "hours": s["hours"],
                "depends_on": [f"C{c}-{d}" for d in s["depends_on"]],
            }
            for c in range(copies)
            for s in base
        ]
    }


HARD_GRAPH = "100/rand0160.stg"  # m=2: CP/MISF 416, optimum 408


def big_benchmark(app: App, workdir: Path, stories: int, stg: Path | None) -> bool:
    ok = True
    cases: list[tuple[str, int, dict[str, Any]]] = [
        (
            f"{stories:,} stories, {developers} developers, {conflicts} conflicts",
            developers,
            big_document(stories, window=window, conflicts=conflicts),
        )
        for developers, window, conflicts in BIG_CASES
    ]
    if stg is not None and (stg / HARD_GRAPH).is_file():
        copies = max(1, stories // 100)
        cases.append(
            (
                f"{copies * 100:,} stories ({copies} copies of {HARD_GRAPH}), "
                f"{2 * copies} developers",
                2 * copies,
                copies_document(stg, copies),
            )
        )
    for label, developers, doc in cases:
        source = workdir / "big.json"
        source.write_text(json.dumps(doc))
        begin, begin_cpu = time.perf_counter(), time.process_time()
        outcome = run_plan(app, PlanRequest(developers=str(developers), from_json=source))
        seconds, cpu = time.perf_counter() - begin, time.process_time() - begin_cpu
        begin = time.perf_counter()
        problem = build_problem(load_json_stories(source))
        baseline = problem.hours(makespan_of(problem, cp_misf(problem, developers)))
        baseline_seconds = time.perf_counter() - begin
        plan = outcome.plan
        print(
            f"{label}: plan {seconds:.2f}s ({cpu:.2f}s CPU; target < {TARGET_BIG:g}s), makespan "
            f"{plan.makespan:g}h, lower bound {plan.lower_bound:g}h, CP/MISF {baseline:g}h "
            f"(validate + CP/MISF alone {baseline_seconds:.2f}s), {plan.method}"
        )
        ok = ok and cpu < TARGET_BIG
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stg", help="STG folder (default: ../shared/benchmarks/stg)")
    parser.add_argument("--quick", action="store_true", help="every 9th random graph only")
    parser.add_argument("--stories", type=int, default=10_000, help="size of the big plan")
    args = parser.parse_args(argv)
    app = App(config=Config(), root=Path(tempfile.gettempdir()))  # --from-json saves nothing
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        stg = find_stg(args.stg)
        if stg is None or not (stg / "verified_bounds.csv").is_file():
            looked = stg or "../shared/benchmarks/stg"
            print(
                f"STG benchmark skipped: no STG folder found (looked for {looked}); "
                "pass --stg DIR or set PANTHEON_STG_DIR"
            )
        else:
            stg_benchmark(stg, app, workdir, quick=args.quick)
        big_benchmark(app, workdir, args.stories, stg if stg and stg.is_dir() else None)
    if args.quick:
        print("Full run: python benchmarks/plan_stg.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
