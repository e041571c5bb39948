"""How far two careful readers agree on a backlog's dependencies, and where the rules stand
between them.

    .venv/bin/python benchmarks/deps_agreement.py              # every set with a second reader
    .venv/bin/python benchmarks/deps_agreement.py --set meeting --show
    .venv/bin/python benchmarks/deps_agreement.py --reading read2   # a prompt reader's links

A labelled set's first reader (``NAME-truth.yaml``) had the backlog's real source beside the
retold stories, its prerequisite lines included. The second reader (``NAME-reader2.yaml``) had
only the stories file, the one input the analysis has, and the labelling guide
(``tests/fixtures/deps/bmad/READERS.md``); it never saw the first labels, the rules or their
output. Pairs either reader marks ``ambiguous``, and the first reader's ``stated_only`` pairs,
count neither way, as in ``deps_quality.py``. Scored on pairs (edges ordered, conflicts
unordered), overall and edges only:

* reader 2 against reader 1: what a person finds from the texts alone, scored as the rules are;
* the rules against reader 1 (the ``deps_quality.py`` figure) and against reader 2;
* the rules against both: precision over the pairs either reader links (a link one careful
  reader makes is no error), recall over the pairs both link (what two readers agree must be
  found).

Cohen's kappa is over every ordered pair of distinct stories (edges only).

``--reading read2`` puts a prompt reader's links (``NAME-read2.yaml``, see ``deps_reading.py``)
where the rules stand: how the links a reader writes from the prompt compare with each careful
reader's labels. The links hold no conflict, so read its "edges only" table.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import deps_quality as dq
import deps_reading

from pantheon_git.features.deps import analyse

Pair = tuple[str, str, str]
"""("edge", a, b) or ("conflict", a, b) with a < b."""


Counts = dq.Score


@dataclass(frozen=True)
class Agreement:
    name: str
    stories: int
    reader1: frozenset[Pair]
    reader2: frozenset[Pair]
    rules: frozenset[Pair]
    kappa: float | None


def pairs(items: Iterable[dq.Item], unscored: frozenset[tuple[str, str]]) -> frozenset[Pair]:
    """The scored pairs of ``items``: an edge between an unscored pair is left out."""
    kept = (i for i in items if not dq._ignored(i, set(unscored)))
    return frozenset(dq._pair(i) for i in kept)


def counts(predicted: frozenset[Pair], truth: frozenset[Pair], edges_only: bool) -> Counts:
    if edges_only:
        predicted = frozenset(p for p in predicted if p[0] == "edge")
        truth = frozenset(p for p in truth if p[0] == "edge")
    return Counts(len(truth), len(predicted), len(predicted & truth))


def against_both(
    rules: frozenset[Pair], a: frozenset[Pair], b: frozenset[Pair], edges_only: bool
) -> Counts:
    """Precision over the union of the readers' pairs, recall over their intersection."""
    union, common = counts(rules, a | b, edges_only), counts(rules, a & b, edges_only)
    wrong = union.found - union.correct
    return Counts(common.truth, common.correct + wrong, common.correct)


def kappa(
    a: frozenset[Pair], b: frozenset[Pair], keys: Sequence[str], unscored: int
) -> float | None:
    """Cohen's kappa of two readers' edges over every scored ordered pair of distinct stories."""
    total = len(keys) * (len(keys) - 1) - unscored
    ea, eb = {p for p in a if p[0] == "edge"}, {p for p in b if p[0] == "edge"}
    if total <= 0:
        return None
    both, only_a, only_b = len(ea & eb), len(ea - eb), len(eb - ea)
    neither = total - both - only_a - only_b
    observed = (both + neither) / total
    pa, pb = (both + only_a) / total, (both + only_b) / total
    expected = pa * pb + (1 - pa) * (1 - pb)
    return (observed - expected) / (1 - expected) if expected < 1 else None


def second_reader(name: str) -> Path:
    return dq.BMAD / f"{name}-reader2.yaml"


def agreement(labelled: dq.LabelledSet, reading: str | None = None) -> Agreement:
    """``reading``: a reader's links (``NAME-READING.yaml``) in place of the rules."""
    stories = dq.load_stories(labelled.stories)
    first, second = dq.read_truth(labelled.truth), dq.read_truth(second_reader(labelled.name))
    unscored = first.ambiguous | first.stated_only | second.ambiguous
    if reading is None:
        predicted = dq.predicted_items(analyse(stories))
    else:
        links = deps_reading.read_links(deps_reading.links_file(labelled.name, reading))
        predicted = [("explicit", a, b) for b, befores in links.items() for a in befores]
    one, two = pairs(first.items, unscored), pairs(second.items, unscored)
    keys = [str(s.key) for s in stories]
    return Agreement(
        name=labelled.name,
        stories=len(stories),
        reader1=one,
        reader2=two,
        rules=pairs(predicted, unscored),
        kappa=kappa(one, two, keys, len({p for p in unscored if p[0] != p[1]})),
    )


def _pr(c: Counts) -> str:
    return f"{dq._fmt(c.precision)} / {dq._fmt(c.recall)}"


def rows(results: Sequence[Agreement], edges_only: bool) -> list[list[str]]:
    out = []
    for r in results:
        out.append(
            [
                r.name,
                str(r.stories),
                f"{len(_only(r.reader1, edges_only))} / {len(_only(r.reader2, edges_only))}",
                _pr(counts(r.reader2, r.reader1, edges_only)),
                _pr(counts(r.rules, r.reader1, edges_only)),
                _pr(counts(r.rules, r.reader2, edges_only)),
                _pr(against_both(r.rules, r.reader1, r.reader2, edges_only)),
                "" if not edges_only or r.kappa is None else f"{r.kappa:.2f}",
            ]
        )
    if len(results) > 1:
        total = [
            _sum(_pooled(r, edges_only, which) for r in results)
            for which in ("reader2", "rules1", "rules2", "both")
        ]
        out.append(["pooled", "", "", *(_pr(c) for c in total), ""])
    return out


def _only(p: frozenset[Pair], edges_only: bool) -> frozenset[Pair]:
    return frozenset(x for x in p if x[0] == "edge") if edges_only else p


def _pooled(r: Agreement, edges_only: bool, which: str) -> Counts:
    return {
        "reader2": lambda: counts(r.reader2, r.reader1, edges_only),
        "rules1": lambda: counts(r.rules, r.reader1, edges_only),
        "rules2": lambda: counts(r.rules, r.reader2, edges_only),
        "both": lambda: against_both(r.rules, r.reader1, r.reader2, edges_only),
    }[which]()


def _sum(all_counts: Iterable[Counts]) -> Counts:
    rows = list(all_counts)
    return Counts(*(sum(getattr(c, f) for c in rows) for f in ("truth", "found", "correct")))


def print_table(results: Sequence[Agreement], who: str = "rules") -> None:
    head = [
        "set",
        "stories",
        "pairs r1 / r2",
        "reader 2 vs 1 P / R",
        f"{who} vs 1",
        f"{who} vs 2",
        f"{who} vs both",
        "kappa",
    ]
    for title, edges_only in (("overall (edges and conflicts)", False), ("edges only", True)):
        print(f"\n{title}")
        table = [head, *rows(results, edges_only)]
        widths = [max(len(row[i]) for row in table) for i in range(len(head))]
        for row in table:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def show(r: Agreement) -> None:
    for label, pairs_ in (
        ("reader 1 only", r.reader1 - r.reader2),
        ("reader 2 only", r.reader2 - r.reader1),
    ):
        for kind, a, b in sorted(pairs_):
            found = "rules link it" if (kind, a, b) in r.rules else "rules do not"
            print(f"{r.name} {label}: {kind} {a} -> {b} ({found})")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--set", dest="sets", action="append", help="Only this set (repeat).")
    parser.add_argument("--show", action="store_true", help="List the pairs the readers differ on.")
    parser.add_argument(
        "--reading", metavar="READER", help="Score NAME-READER.yaml's links in place of the rules."
    )
    args = parser.parse_args()
    chosen = [
        s
        for s in dq.SETS
        if second_reader(s.name).exists()
        and (args.sets is None or s.name in args.sets)
        and (args.reading is None or (dq.BMAD / f"{s.name}-{args.reading}.yaml").exists())
    ]
    if not chosen:
        print("no set with a second reader's labels", file=sys.stderr)
        return 2
    results = [agreement(s, args.reading) for s in chosen]
    print_table(results, "rules" if args.reading is None else args.reading)
    if args.show:
        for r in results:
            show(r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
