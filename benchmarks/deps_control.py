"""How far the third reader leans: a control reader decides the disputed pairs mixed, blind,
with pairs the two readers agree on.

    .venv/bin/python benchmarks/deps_control.py --sheet NAME     # the mixed pairs, shuffled
    .venv/bin/python benchmarks/deps_control.py --score NAME FILE   # its decisions, per pool

The third reader of ``deps_agreed.py`` is only asked about pairs one of two readers linked, so
a reader who links whatever is put to it would pass every disputed pair. The control puts the
same question, in the same form, about four pools of pairs of one set, shuffled together:

* ``disputed``: the pairs the third reader decided (does a second look decide them alike?);
* ``agreed``: up to six pairs both readers link (a careful reader links these);
* ``found``: pairs neither reader links that the analysis, a prompt reader or the source's
  prerequisite lines do link (the hardest negatives; what the figures count as wrong);
* ``other``: four pairs of one epic neither reader nor anything else links.

Its decisions on ``agreed`` and ``other`` show its lean; on ``found``, how often a third careful
reader would call a finder's "wrong" link right. They are a measurement only: the agreed labels
never take a pair from the ``found`` pool. A control file (``control/NAME.yaml``) keeps the pools
its sheet was made from (``pools:``), since the finders that make ``found`` change.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import deps_agreed as da
import deps_quality as dq
import deps_reading

from pantheon_git.features.deps import analyse

Pair = da.Pair
POOLS = ("disputed", "agreed", "found", "other")


def _linked(truth: dq.Truth) -> set[Pair]:
    out = {da._sorted(a, b) for kind, a, b in truth.items if kind not in dq.CONFLICT_KINDS}
    return out | {da._sorted(a, b) for a, b in truth.ambiguous | truth.stated_only}


def _found(labelled: dq.LabelledSet) -> set[Pair]:
    """What the analysis, the prompt reader's links and the source's prerequisites link."""
    stories = dq.load_stories(labelled.stories)
    out = {da._sorted(str(e.source), str(e.target)) for e in analyse(stories).edges}
    path = deps_reading.links_file(labelled.name, "read2")
    links = deps_reading.read_links(path) if path.exists() else {}
    links = deps_reading.with_prerequisites(labelled.name, links) or links
    return out | {da._sorted(a, b) for b, befores in links.items() for a in befores}


def pools(labelled: dq.LabelledSet, seed: int = 1) -> dict[str, list[Pair]]:
    first = dq.read_truth(labelled.truth)
    second = dq.read_truth(da.second_file(labelled.name))
    disputed = list(da.disputes(first, second).edges)
    one, two = _linked(first), _linked(second)
    rng = random.Random(f"{labelled.name}-{seed}")
    agreed = sorted((one & two) - set(disputed))
    stories = dq.load_stories(labelled.stories)
    found = _found(labelled)
    unlinked = sorted(found - one - two)
    epics: dict[str, list[str]] = {}
    for s in stories:
        epics.setdefault(s.epic, []).append(str(s.key))
    quiet = sorted(
        da._sorted(a, b)
        for keys in epics.values()
        for i, a in enumerate(keys)
        for b in keys[i + 1 :]
        if da._sorted(a, b) not in one | two | found
    )
    return {
        "disputed": disputed,
        "agreed": sorted(rng.sample(agreed, min(6, len(agreed)))),
        "found": sorted(rng.sample(unlinked, min(8, len(unlinked)))),
        "other": sorted(rng.sample(quiet, min(4, len(quiet)))),
    }


def recorded(path: Path) -> dict[str, list[Pair]]:
    """The pools a control file was made from (``pools:``): the finders change, so the sheet a
    reader decided is kept beside its decisions rather than made again."""
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    kept = doc.get("pools") or {}
    return {pool: [da._sorted(a, b) for a, b in kept.get(pool) or ()] for pool in POOLS}


def sheet(by_pool: dict[str, list[Pair]], name: str) -> str:
    pairs = sorted({p for pool in by_pool.values() for p in pool})
    random.Random(name).shuffle(pairs)
    return da.sheet(da.Disputes(tuple(pairs), ()))


def score(by_pool: dict[str, list[Pair]], decisions: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per pool: how many pairs the control linked (either way), left ambiguous or unlinked."""
    said: dict[Pair, str] = {}
    for key, verdict in (("edges", "linked"), ("ambiguous", "ambiguous")):
        for row in decisions.get(key) or ():
            said[da._sorted(row["from"], row["to"])] = verdict
    for a, b in decisions.get("no_edge") or ():
        said[da._sorted(a, b)] = "none"
    return {
        pool: {v: sum(said.get(p) == v for p in pairs) for v in ("linked", "ambiguous", "none")}
        for pool, pairs in by_pool.items()
    }


def same_as_third(labelled: dq.LabelledSet, decisions: dict[str, Any]) -> tuple[int, int]:
    """(alike, put): the disputed pairs the control decided as the third reader did."""
    third = yaml.safe_load(da.adjudicated_file(labelled.name).read_text(encoding="utf-8"))
    asked = da.put(da.adjudicated_file(labelled.name)).edges
    return sum(_verdict(third, p) == _verdict(decisions, p) for p in asked), len(asked)


def _verdict(decisions: dict[str, Any], pair: Pair) -> tuple[str, ...]:
    ways = sorted(
        f"{r['from']}>{r['to']}"
        for r in decisions.get("edges") or ()
        if da._sorted(r["from"], r["to"]) == pair
    )
    if ways:
        return tuple(ways)
    if any(da._sorted(r["from"], r["to"]) == pair for r in decisions.get("ambiguous") or ()):
        return ("ambiguous",)
    return ("none",)


def print_scores(rows: Iterable[tuple[str, dict[str, dict[str, int]], tuple[int, int]]]) -> None:
    print(f"{'set':10} " + "  ".join(f"{p + ' l/a/n':>16}" for p in POOLS) + "  same as third")
    total: dict[str, dict[str, int]] = {p: {} for p in POOLS}
    alike = [0, 0]
    for name, by_pool, same in rows:
        cells = []
        for p in POOLS:
            c = by_pool.get(p, {})
            for k, v in c.items():
                total[p][k] = total[p].get(k, 0) + v
            cells.append(f"{c.get('linked', 0)}/{c.get('ambiguous', 0)}/{c.get('none', 0)}")
        alike = [alike[0] + same[0], alike[1] + same[1]]
        print(f"{name:10} " + "  ".join(f"{c:>16}" for c in cells) + f"  {same[0]}/{same[1]}")
    cells = [
        f"{total[p].get('linked', 0)}/{total[p].get('ambiguous', 0)}/{total[p].get('none', 0)}"
        for p in POOLS
    ]
    print(f"{'pooled':10} " + "  ".join(f"{c:>16}" for c in cells) + f"  {alike[0]}/{alike[1]}")


def control_file(name: str) -> Path:
    return dq.BMAD / "control" / f"{name}.yaml"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sheet", metavar="NAME", help="Print the mixed pairs of set NAME.")
    parser.add_argument("--score", nargs=2, metavar=("NAME", "FILE"), help="Score one file.")
    args = parser.parse_args()
    by_name = {s.name: s for s in dq.SETS if da.adjudicated_file(s.name).exists()}
    name = args.sheet or (args.score[0] if args.score else None)
    if name is not None and name not in by_name:
        print(f"no set {name!r} with a third reader's decisions", file=sys.stderr)
        return 2
    if args.sheet:
        print(sheet(pools(by_name[name]), name), end="")
        return 0
    files = {name: Path(args.score[1])} if args.score else {}
    files = files or {n: control_file(n) for n in by_name if control_file(n).exists()}
    if not files:
        print("no control reader's decisions (tests/fixtures/deps/bmad/control/)", file=sys.stderr)
        return 2
    rows = []
    for n, path in files.items():
        decisions = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        by_pool = recorded(path) if "pools" in decisions else pools(by_name[n])
        rows.append((n, score(by_pool, decisions), same_as_third(by_name[n], decisions)))
    print_scores(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
