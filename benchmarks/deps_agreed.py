"""The agreed labels of a backlog: where two careful readers disagree, a third reader decides.

    .venv/bin/python benchmarks/deps_agreed.py                 # every set: agreed, disputed
    .venv/bin/python benchmarks/deps_agreed.py --sheet NAME    # the pairs to put to a third reader
    .venv/bin/python benchmarks/deps_agreed.py --write NAME DECISIONS  # -> NAME-adjudicated.yaml
    .venv/bin/python benchmarks/deps_agreed.py --changes   # the conflicts both stories change

One reader's labels are one careful person's view: two readers of the same backlog agree on
about nine pairs in ten (``deps_agreement.py``), so a figure scored against one of them cannot
tell a finder's error from a labeller's. The agreed labels of a set with two readers
(``NAME-truth.yaml``, ``NAME-reader2.yaml``) are:

* every pair both readers label alike: the same edges between two stories (none counts as
  alike only when both say none, so such pairs are not labels at all), or a conflict both name;
* every disputed pair as a third reader decided it (``NAME-adjudicated.yaml``).

A pair either reader marks ``ambiguous``, the first reader's ``stated_only`` pairs and the
third reader's ``ambiguous`` count neither way, as in ``deps_quality.py``. The third reader is
given the stories file (anonymised, as the second reader had it), READERS.md's guide with the
adjudication note below, and the disputed pairs without saying which reader linked what, nor
what the rules or any prompt reader find; it decides each pair: an edge (which way), a conflict,
no dependency, or ambiguous.

A conflict is two stories that name one file. ``--changes`` splits the agreed conflicts by what a
reader (``changes/NAME.yaml``: READERS.md's conflict note) found each story does to the file it
shares with the other: both change it (the conflicts a planner must keep apart), or one or
neither does (it reads, runs or only mentions it); and how many of each the analysis finds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import deps_quality as dq

Pair = tuple[str, str]
"""Two story keys, sorted: the unordered pair a question is about."""


@dataclass(frozen=True)
class Disputes:
    edges: tuple[Pair, ...]
    """Pairs the readers link differently (one links, the other not, or the other way)."""
    conflicts: tuple[Pair, ...]
    """Pairs only one reader gives a conflict."""


def adjudicated_file(name: str) -> Path:
    return dq.BMAD / f"{name}-adjudicated.yaml"


def second_file(name: str) -> Path:
    return dq.BMAD / f"{name}-reader2.yaml"


def _unscored(*truths: dq.Truth) -> frozenset[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for t in truths:
        out |= t.ambiguous | t.stated_only
    return frozenset(out)


def _edges_by_pair(
    truth: dq.Truth, unscored: frozenset[tuple[str, str]]
) -> dict[Pair, dict[tuple[str, str], str]]:
    """The scored edges of ``truth`` by unordered pair: {(a, b) sorted: {(from, to): kind}}."""
    out: dict[Pair, dict[tuple[str, str], str]] = {}
    for kind, a, b in truth.items:
        if kind in dq.CONFLICT_KINDS or (a, b) in unscored:
            continue
        out.setdefault(_sorted(a, b), {})[(a, b)] = kind
    return out


def _conflicts(truth: dq.Truth) -> dict[Pair, str]:
    return {(a, b): kind for kind, a, b in truth.items if kind in dq.CONFLICT_KINDS}


def _sorted(a: str, b: str) -> Pair:
    return (a, b) if a <= b else (b, a)


def disputes(first: dq.Truth, second: dq.Truth) -> Disputes:
    unscored = _unscored(first, second)
    one, two = _edges_by_pair(first, unscored), _edges_by_pair(second, unscored)
    edges = sorted(p for p in {*one, *two} if set(one.get(p, {})) != set(two.get(p, {})))
    c1, c2 = _conflicts(first), _conflicts(second)
    return Disputes(tuple(edges), tuple(sorted(set(c1) ^ set(c2))))


def agreed(first: dq.Truth, second: dq.Truth, third: dq.Truth) -> dq.Truth:
    """The pairs both readers label alike (with the first reader's kinds), and the third
    reader's decisions on the rest."""
    unscored = _unscored(first, second)
    one, two = _edges_by_pair(first, unscored), _edges_by_pair(second, unscored)
    items: list[dq.Item] = [
        (kind, a, b)
        for pair, edges in one.items()
        if set(edges) == set(two.get(pair, {}))
        for (a, b), kind in edges.items()
    ]
    c1, c2 = _conflicts(first), _conflicts(second)
    items += [(kind, a, b) for (a, b), kind in c1.items() if (a, b) in c2]
    items += third.items
    return dq.Truth(
        items,
        ambiguous=first.ambiguous | second.ambiguous | third.ambiguous,
        stated_only=first.stated_only,
    )


def agreed_truth(labelled: dq.LabelledSet) -> dq.Truth | None:
    """The set's agreed labels, or None while it has no third reader's decisions."""
    path = adjudicated_file(labelled.name)
    if not path.exists():
        return None
    first, second = dq.read_truth(labelled.truth), dq.read_truth(second_file(labelled.name))
    return agreed(first, second, dq.read_truth(path))


def put(path: Path) -> Disputes:
    """The pairs the third reader was asked about, as its file records them."""
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    asked = doc.get("put") or {}
    return Disputes(
        tuple(_sorted(*p) for p in asked.get("edges") or ()),
        tuple(_sorted(*p) for p in asked.get("conflicts") or ()),
    )


def sheet(d: Disputes) -> str:
    """The pairs to decide, in the order of their keys, as YAML for the third reader."""
    lines = ["# The pairs to decide. Write each one in your decisions file (see the note)."]
    lines.append("edges:  # is there a dependency between these two stories, and which way?")
    lines += [f"  - [{a}, {b}]" for a, b in d.edges] or ["  []"]
    lines.append("conflicts:  # do both stories name the same file or shared test fixture?")
    lines += [f"  - [{a}, {b}]" for a, b in d.conflicts] or ["  []"]
    return "\n".join(lines) + "\n"


def decided(d: Disputes, decisions: dict[str, Any]) -> list[str]:
    """What is wrong with a decisions file: each disputed edge pair is in ``edges`` (once, or
    once each way), ``ambiguous`` or ``no_edge``; each disputed conflict pair in ``conflicts``
    or ``no_conflict``; no other pair is."""
    linked = [(r["from"], r["to"]) for r in decisions.get("edges") or ()]
    edge_rows = [*linked, *((r["from"], r["to"]) for r in decisions.get("ambiguous") or ())]
    edge_rows += [(a, b) for a, b in decisions.get("no_edge") or ()]
    conflict_rows = [(r["a"], r["b"]) for r in decisions.get("conflicts") or ()]
    conflict_rows += [(a, b) for a, b in decisions.get("no_conflict") or ()]
    both_ways = {_sorted(a, b) for a, b in linked if (b, a) in linked}
    errors = []
    for what, rows, asked in (
        ("edge", edge_rows, d.edges),
        ("conflict", conflict_rows, d.conflicts),
    ):
        pairs = [_sorted(a, b) for a, b in rows]
        extra = sorted(set(pairs) - set(asked))
        errors += [f"{a}/{b}: not a disputed {what} pair" for a, b in extra]
        errors += [f"{a}/{b}: {what} pair not decided" for a, b in asked if (a, b) not in pairs]
        twice = {p for p in pairs if pairs.count(p) > (2 if p in both_ways else 1)}
        errors += [f"{a}/{b}: {what} pair decided more than once" for a, b in sorted(twice)]
    return errors


def write(name: str, d: Disputes, decisions: str, header: Iterable[str]) -> Path:
    """The third reader's decisions file, its reasons kept, as ``NAME-adjudicated.yaml``
    under the pairs it was put."""
    put = {
        "put": {"edges": [list(p) for p in d.edges], "conflicts": [list(p) for p in d.conflicts]}
    }
    body = [line for line in decisions.splitlines(keepends=True) if not line.startswith("#")]
    path = adjudicated_file(name)
    path.write_text(
        "".join(f"# {line}\n" for line in header)
        + yaml.safe_dump(put, sort_keys=False, default_flow_style=None, width=100)
        + "".join(body),
        encoding="utf-8",
    )
    return path


def changes_file(name: str) -> Path:
    return dq.BMAD / "changes" / f"{name}.yaml"


def changed_by_both(path: Path) -> dict[Pair, bool]:
    """Each agreed conflict -> whether both stories change the file they share."""
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        _sorted(row["a"], row["b"]): row.get("a_does") == row.get("b_does") == "changes"
        for row in doc.get("pairs") or ()
    }


def print_changes(sets: Iterable[dq.LabelledSet]) -> None:
    """Per set: agreed conflicts both stories change and the others, and how many of each the
    analysis finds."""
    from pantheon_git.features.deps import analyse

    print(f"{'set':10} {'both change':>12} {'found':>6} {'one or none':>12} {'found':>6}")
    total = [0, 0, 0, 0]
    for labelled in sets:
        both = changed_by_both(changes_file(labelled.name))
        stories = dq.load_stories(labelled.stories)
        found = {_sorted(str(c.a), str(c.b)) for c in analyse(stories).conflicts}
        row = [
            sum(both.values()),
            sum(v and p in found for p, v in both.items()),
            sum(not v for v in both.values()),
            sum(not v and p in found for p, v in both.items()),
        ]
        total = [t + r for t, r in zip(total, row, strict=True)]
        print(f"{labelled.name:10} {row[0]:>12} {row[1]:>6} {row[2]:>12} {row[3]:>6}")
    print(f"{'pooled':10} {total[0]:>12} {total[1]:>6} {total[2]:>12} {total[3]:>6}")


def _one(labelled: dq.LabelledSet, sheet_only: bool, decisions_path: Path | None) -> int:
    """``--sheet``: print the set's disputed pairs; ``--write``: check and keep a decisions file."""
    name = labelled.name
    d = disputes(dq.read_truth(labelled.truth), dq.read_truth(second_file(name)))
    if sheet_only or decisions_path is None:
        print(sheet(d), end="")
        return 0
    text = decisions_path.read_text(encoding="utf-8")
    decisions = yaml.safe_load(text) or {}
    errors = ["a decisions file has no 'put' of its own"] if "put" in decisions else []
    if errors := errors or decided(d, decisions):
        print("\n".join(errors), file=sys.stderr)
        return 1
    header = [
        f"A third reader's decisions on the pairs the two readers of {name} label",
        "differently (deps_agreed.py): the stories file and READERS.md's guide only.",
    ]
    print(write(name, d, text, header))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sheet", metavar="NAME", help="Print the disputed pairs of set NAME.")
    parser.add_argument("--write", nargs=2, metavar=("NAME", "DECISIONS"), help=argparse.SUPPRESS)
    parser.add_argument("--changes", action="store_true", help="Agreed conflicts both change.")
    args = parser.parse_args()
    by_name = {s.name: s for s in dq.SETS if second_file(s.name).exists()}
    if args.changes:
        print_changes(s for s in by_name.values() if changes_file(s.name).exists())
        return 0
    name = args.sheet or (args.write[0] if args.write else None)
    if name is not None and name not in by_name:
        print(f"no set {name!r} with a second reader's labels", file=sys.stderr)
        return 2
    if name is not None:
        written = Path(args.write[1]) if args.write else None
        return _one(by_name[name], args.sheet is not None, written)
    print(f"{'set':10} {'agreed':>6} {'disputed':>8}")
    for labelled in by_name.values():
        d = disputes(dq.read_truth(labelled.truth), dq.read_truth(second_file(labelled.name)))
        truth = agreed_truth(labelled)
        count = "-" if truth is None else str(len(truth.items))
        print(f"{labelled.name:10} {count:>6} {len(d.edges) + len(d.conflicts):>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
