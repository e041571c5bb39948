"""Dependency analysis quality on the labelled backlogs: precision and recall per set and kind.

    .venv/bin/python benchmarks/deps_quality.py                # every set but the held-out one
    .venv/bin/python benchmarks/deps_quality.py --held-out     # ... and the held-out set too
    .venv/bin/python benchmarks/deps_quality.py --set docmind --show
    .venv/bin/python benchmarks/deps_quality.py STORIES.yaml TRUTH.yaml
    .venv/bin/python benchmarks/deps_quality.py --record-before benchmarks/deps_quality_before.json

The sets and how they were labelled: ``tests/fixtures/deps/README.md`` and
``tests/fixtures/deps/bmad/README.md``. Per kind, an edge or conflict counts as found when the
analysis links the same pair with that kind as its strongest reason; overall, when it links the
same pair at all (edges ordered, conflicts unordered). Pairs a truth file marks ``ambiguous``
count neither way, and so do ``stated_only`` pairs (orderings the source states and no text
shows: linking one is no error, missing one no miss); how many of those are linked is printed
apart. After the table: the precision of each confidence level, hints included.

Each "before" column pair comes from a file written with ``--record-before`` by the rules as
they were at the start of a round of generalisation (its commit is in the file):
``deps_quality_before.json`` (round 1), ``deps_quality_before2.json`` (round 2),
``deps_quality_before3.json`` (round 3, which made the rules stricter),
``deps_quality_before4.json`` (round 4), ``deps_quality_before5.json`` (round 5) and
``deps_quality_before6.json`` (round 6); "after"
is the code being run. Targets: precision >= 0.95 and recall >= 0.8 on every new set. The held-out
set of the current round is left out unless asked for (``--held-out`` or ``--set``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story, Task
from pantheon_git.features.deps import Analysis, Declared, analyse

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "tests" / "fixtures" / "deps"
BEFORES = (
    ("round 1", Path(__file__).resolve().with_name("deps_quality_before.json")),
    ("round 2", Path(__file__).resolve().with_name("deps_quality_before2.json")),
    ("round 3", Path(__file__).resolve().with_name("deps_quality_before3.json")),
    ("round 4", Path(__file__).resolve().with_name("deps_quality_before4.json")),
    ("round 5", Path(__file__).resolve().with_name("deps_quality_before5.json")),
    ("round 6", Path(__file__).resolve().with_name("deps_quality_before6.json")),
)
EDGE_KINDS = ("explicit", "data", "api", "functional")
CONFLICT_KINDS = ("file", "test")
TARGET_PRECISION, TARGET_RECALL = 0.95, 0.8
LEVELS = ("explicit", "high", "medium", "low", "hint")
"""Confidence levels, surest first (as the analysis has them; older rules had none)."""

Item = tuple[str, str, str]
"""(kind, a, b): an edge a -> b, or a conflict between a < b."""


@dataclass(frozen=True)
class LabelledSet:
    name: str
    stories: Path
    truth: Path
    new: bool = False
    """Written for the generalisation (the targets apply to these)."""
    held_out: bool = False
    """Kept aside in the current round: not analysed unless asked for."""


BMAD = HERE / "bmad"


def _bmad(name: str, held_out: bool = False) -> LabelledSet:
    return LabelledSet(name, BMAD / f"{name}.yaml", BMAD / f"{name}-truth.yaml", True, held_out)


SETS = (
    LabelledSet("stories", HERE / "stories.yaml", HERE / "truth.yaml"),
    LabelledSet("holdout", HERE / "holdout.yaml", HERE / "holdout-truth.yaml"),
    LabelledSet("third", HERE / "third.yaml", HERE / "third-truth.yaml"),
    _bmad("docmind"),
    _bmad("lending"),
    _bmad("habits"),
    _bmad("water"),  # held out in round 1, then used for development
    _bmad("convert"),  # held out in round 1 (second), used for development in round 2
    _bmad("vdash"),
    _bmad("clippy"),
    _bmad("autolmk"),  # held out in round 2, run once, then used for development
    _bmad("minigames"),  # held out in round 3, run once at 144a8d3, then used for development
    _bmad("docvet"),  # held out in round 4, run once at c67152c, then used for development
    _bmad("rumble"),  # held out in round 5, run once at f20c27d, then used for development
    _bmad("warebot"),  # held out in round 6, run once (rules of dfe33ca), then used for development
    _bmad("intake"),  # held out in round 7, run once (rules of 515d18e), then used for development
    _bmad("stock"),  # held out in round 8, run once (rules of c6809b4), then used for development
    _bmad("naming"),  # held out in round 9, run once (rules of a9890dd), then used for development
    _bmad("inbox"),  # held out in round 10, run once (rules of 5cf5770), then used for development
    _bmad("tickets"),  # held out in round 11, run once (rules of 5cf5770), then for development
    _bmad("posture"),  # held out in round 12, run once (rules of 5cf5770), then for development
    _bmad("autofill"),  # held out in round 13, run once (rules of 2c64c44), then for development
    _bmad("sandbox"),  # held out in round 14, run once (rules of a34ad7d), then for development
    _bmad("mortgage"),  # held out in round 15, run once (rules of 07a03ff), then for development
    _bmad("meeting"),  # held out in round 16, run once (rules of a8bc5d2), then for development
    _bmad("budget"),  # held out in round 17, run once (rules of b4e6b5a), then for development
    _bmad("fleet"),  # held out in round 18, run once (rules of e6f8fca), then for development
    _bmad("choir"),  # held out in round 19, run once (rules of 7e3b55f), then for development
    _bmad("ledger"),  # held out in round 20, run once (rules of dcb778b), then for development
    _bmad("press"),  # held out in round 21, run once (rules of 5ad7b54), then for development
    _bmad("braille"),  # held out in round 22, run once (rules of 13bdbb8), then for development
    _bmad("rego"),  # held out in round 23, run once (rules of 8477d31), then for development
    _bmad("dex"),  # held out in round 24, run once (rules of 8477d31), then for development
    _bmad("swarm"),  # held out in round 25, run once (rules of 82df4ca), then for development
    _bmad("robot"),  # held out in round 26, run once (rules of 0302923), then for development
    _bmad("sudoku"),  # held out in round 27, run once (rules of 0302923), then for development
    _bmad("salon"),  # held out in round 28, run once (rules of 0bf1da1), then for development
    _bmad("flare"),  # held out in round 29, run once (rules of fddbadc), then for development
    _bmad("lessons"),  # held out in round 30, run once (rules of fddbadc), then for development
    _bmad("calorie"),  # held out in round 31, run once (rules of fddbadc), then for development
    _bmad("racer"),  # held out in round 32, run once (rules of 0e83663), then for development
    _bmad("mermaid"),  # held out in round 33, run once (rules of 26a749b), then for development
    _bmad("jukebox"),  # held out in round 34, run once (rules of 26a749b), then for development
)


@dataclass(frozen=True)
class Score:
    truth: int
    found: int
    correct: int
    """Found items that are right (precision's numerator)."""
    reached: int | None = None
    """True items found (recall's numerator), where that is not ``correct``: the order view."""

    @property
    def hits(self) -> int:
        return self.correct if self.reached is None else self.reached

    @property
    def precision(self) -> float | None:
        return self.correct / self.found if self.found else None

    @property
    def recall(self) -> float | None:
        return self.hits / self.truth if self.truth else None

    def __add__(self, other: Score) -> Score:
        both_plain = self.reached is None and other.reached is None
        reached = None if both_plain else self.hits + other.hits
        truth, found = self.truth + other.truth, self.found + other.found
        return Score(truth, found, self.correct + other.correct, reached)


@dataclass(frozen=True)
class Truth:
    items: list[Item]
    ambiguous: frozenset[tuple[str, str]] = frozenset()
    stated_only: frozenset[tuple[str, str]] = frozenset()


def score(
    predicted: Iterable[Item],
    truth: Iterable[Item],
    ignore: Iterable[tuple[str, str]] = (),
    stated: Set[tuple[str, str]] = frozenset(),
) -> dict[str, Score]:
    """Per kind, ``overall`` (pairs only, any kind), ``edges`` and ``conflicts`` (the pairs of
    each), and ``order``, ``order edges`` and ``order conflicts`` (``order_scores``), from
    predicted and true items.
    Edges between an ``ignore`` pair (ordered) are left out of both sides; ``stated``:
    orderings the source states and no text shows (``stated_only``)."""
    skip = set(ignore)
    pred = {i for i in predicted if not _ignored(i, skip)}
    true = {i for i in truth if not _ignored(i, skip)}
    out = {}
    for kind in sorted({k for k, _, _ in pred | true}, key=_kind_order):
        p = {i for i in pred if i[0] == kind}
        t = {i for i in true if i[0] == kind}
        out[kind] = Score(len(t), len(p), len(p & t))
    p_pairs, t_pairs = {_pair(i) for i in pred}, {_pair(i) for i in true}
    p_edges = {p for p in p_pairs if p[0] == "edge"}
    t_edges = {p for p in t_pairs if p[0] == "edge"}
    out["edges"] = Score(len(t_edges), len(p_edges), len(p_edges & t_edges))
    out["overall"] = Score(len(t_pairs), len(p_pairs), len(p_pairs & t_pairs))
    p_conflicts, t_conflicts = p_pairs - p_edges, t_pairs - t_edges
    out["conflicts"] = Score(len(t_conflicts), len(p_conflicts), len(p_conflicts & t_conflicts))
    out["order edges"], out["order conflicts"] = order_scores(p_pairs, t_pairs, stated)
    out["order"] = out["order edges"] + out["order conflicts"]
    return out


def score_truth(predicted: Iterable[Item], truth: Truth) -> dict[str, Score]:
    """``score`` against a truth file: its ambiguous and stated-only pairs are not scored."""
    return score(predicted, truth.items, truth.ambiguous | truth.stated_only, truth.stated_only)


def order_scores(
    predicted: Set[tuple[str, str, str]],
    truth: Set[tuple[str, str, str]],
    stated: Set[tuple[str, str]] = frozenset(),
) -> tuple[Score, Score]:
    """The edges' and the conflicts' pairs (``_pair``) as a plan uses them. A plan (its waves,
    lanes and handoffs) depends only on the order the edges impose and on which stories must
    not run at the same time:

    * an edge is right when the true edges order its two stories, directly or through a chain
      (A -> C where the truth has A -> B -> C blocks nothing the truth does not), and a true
      edge is found when the right edges order its stories;
    * a conflict is right when the truth has it or its stories are ordered by the true edges
      (two stories one of which waits for the other never run at the same time), and a true
      conflict is found when it is found or the right edges order its stories.

    ``stated`` (orderings the source states and no text shows) are not scored when linked
    directly, and neither is a pair that only a chain through one of them orders; ambiguous
    pairs make no chain."""
    edges = {(a, b) for kind, a, b in predicted if kind == "edge"}
    true = {(a, b) for kind, a, b in truth if kind == "edge"}
    ordered, with_stated = _after(true), _after(true | stated)
    right = {(a, b) for a, b in edges if _ordered(ordered, a, b)}
    unscored = {(a, b) for a, b in edges - right if _ordered(with_stated, a, b)}
    reached = _after(right)
    found = {(a, b) for a, b in true if _ordered(reached, a, b)}
    edge = Score(len(true), len(edges) - len(unscored), len(right), len(found))
    apart = {(a, b) for kind, a, b in predicted if kind != "edge"}
    true_apart = {(a, b) for kind, a, b in truth if kind != "edge"}
    kept = {p for p in apart if p in true_apart or _ordered(ordered, *p, either=True)}
    dropped = {p for p in apart - kept if _ordered(with_stated, *p, either=True)}
    held = {p for p in true_apart if p in apart or _ordered(reached, *p, either=True)}
    conflict = Score(len(true_apart), len(apart) - len(dropped), len(kept), len(held))
    return edge, conflict


def _ordered(after: Mapping[str, Set[str]], a: str, b: str, *, either: bool = False) -> bool:
    """Whether ``after`` (``_after``) puts ``b`` after ``a`` (or, ``either``, one after the
    other)."""
    return b in after.get(a, ()) or (either and a in after.get(b, ()))


def _after(edges: Set[tuple[str, str]]) -> dict[str, set[str]]:
    """Every story a chain of ``edges`` leads to, by the story it starts from."""
    graph = nx.DiGraph(list(edges))
    return {start: nx.descendants(graph, start) for start in graph}


def _ignored(item: Item, skip: set[tuple[str, str]]) -> bool:
    return item[0] not in CONFLICT_KINDS and (item[1], item[2]) in skip


def _pair(item: Item) -> tuple[str, str, str]:
    kind, a, b = item
    return ("conflict" if kind in CONFLICT_KINDS else "edge", a, b)


def _kind_order(kind: str) -> int:
    order = (*EDGE_KINDS, *CONFLICT_KINDS)
    return order.index(kind) if kind in order else len(order)


def predicted_items(analysis: Analysis) -> list[Item]:
    items = [(e.kind, str(e.source), str(e.target)) for e in analysis.edges]
    items += [(c.kind, str(c.a), str(c.b)) for c in analysis.conflicts]
    return items


def load_stories(path: Path) -> list[Story]:
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    stories = []
    for epic in doc["epics"]:
        for s in epic["stories"]:
            stories.append(
                Story(
                    key=StoryKey.parse(s["key"]),
                    title=s["title"],
                    epic=epic["formatted_id"],
                    epic_title=epic["name"],
                    description=s.get("description", ""),
                    acceptance_criteria=_texts(path, s, "acceptance_criteria"),
                    tasks=tuple(Task(t) for t in _texts(path, s, "tasks")),
                    predecessors=tuple(StoryKey.parse(k) for k in s.get("predecessors", ())),
                )
            )
    return stories


def _texts(path: Path, story: dict[str, Any], field: str) -> tuple[str, ...]:
    """A story's list of lines; a line YAML read as a mapping ("Given: ...") is an error in the
    file, not a line to drop."""
    lines = tuple(story.get(field) or ())
    for line in lines:
        if not isinstance(line, str):
            raise ValueError(f"{path.name}: {story['key']} {field}: not a line of text: {line!r}")
    return lines


def load_truth(path: Path) -> list[Item]:
    return read_truth(path).items


def read_truth(path: Path) -> Truth:
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    items: list[Item] = [(e["kind"], e["from"], e["to"]) for e in doc.get("edges") or ()]
    items += [(c["kind"], *sorted((c["a"], c["b"]))) for c in doc.get("conflicts") or ()]  # type: ignore[misc]
    return Truth(items, _pairs(doc.get("ambiguous")), _pairs(doc.get("stated_only")))


def _pairs(rows: Sequence[dict[str, str]] | None) -> frozenset[tuple[str, str]]:
    return frozenset((r["from"], r["to"]) for r in rows or ())


@dataclass(frozen=True)
class Result:
    name: str
    stories: int
    scores: dict[str, Score]
    stated_linked: int
    stated_total: int
    wrong: list[tuple[Item, str]]
    missed: list[Item]
    levels: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Confidence level -> (correct, found): the edges of that level, hints included, on
    pairs that are scored."""
    hinted: tuple[int, int] = (0, 0)
    """(found, truth) when the hints count too: what planning on them would find."""


def run_set(stories_path: Path, truth_path: Path, name: str) -> Result:
    return score_stories(load_stories(stories_path), read_truth(truth_path), name)


def score_stories(
    stories: Sequence[Story],
    truth: Truth,
    name: str,
    *,
    inferred: bool = True,
    dismissed: Set[tuple[StoryKey, StoryKey]] = frozenset(),
    declared: Sequence[Declared] = (),
) -> Result:
    """The analysis of ``stories`` scored against ``truth``; ``inferred=False`` as under
    ``deps_inferred: false`` (Rally's predecessors and the conflicts); ``dismissed`` as
    ``deps --dismiss`` leaves pairs out; ``declared`` as ``deps --conflict`` adds conflicts."""
    analysis = analyse(stories, inferred=inferred, dismissed=dismissed, declared=declared)
    predicted = predicted_items(analysis)
    unscored = truth.ambiguous | truth.stated_only
    scores = score_truth(predicted, truth)
    evidence = {(e.kind, str(e.source), str(e.target)): e.evidence for e in analysis.edges}
    evidence |= {(c.kind, str(c.a), str(c.b)): c.evidence for c in analysis.conflicts}
    pred = {i for i in predicted if not _ignored(i, set(unscored))}
    true = {i for i in truth.items if not _ignored(i, set(unscored))}
    linked = {(a, b) for k, a, b in predicted if k not in CONFLICT_KINDS}
    true_pairs = {(a, b) for k, a, b in true if k not in CONFLICT_KINDS}
    levels: dict[str, tuple[int, int]] = {}
    hints = getattr(analysis, "hints", ())  # the rules of round 1 had no hints
    for edge in (*analysis.edges, *hints):
        pair = (str(edge.source), str(edge.target))
        if pair in unscored:
            continue
        level = getattr(edge, "confidence", "")
        right, found = levels.get(level, (0, 0))
        levels[level] = (right + (pair in true_pairs), found + 1)
    with_hints = {(str(e.source), str(e.target)) for e in (*analysis.edges, *hints)}
    return Result(
        name=name,
        stories=len(stories),
        scores=scores,
        stated_linked=len(truth.stated_only & linked),
        stated_total=len(truth.stated_only),
        wrong=[(i, evidence[i]) for i in sorted(pred - true)],
        missed=sorted(true - pred),
        levels=levels,
        hinted=(len(with_hints & true_pairs), len(true_pairs)),
    )


def by_pair(result: Result) -> tuple[list[Item], list[tuple[Item, str]]]:
    """The misses and the wrong links as the overall figure counts them, by pair: a link whose
    kind is not its label's is neither."""
    wrong = {_pair(item) for item, _ in result.wrong}
    missed = {_pair(item) for item in result.missed}
    return (
        [item for item in result.missed if _pair(item) not in wrong],
        [(item, why) for item, why in result.wrong if _pair(item) not in missed],
    )


def _fmt(value: float | None) -> str:
    return "    -" if value is None else f"{value:5.2f}"


def _pr(s: dict[str, int] | Score | None) -> tuple[str, str]:
    if s is None:
        return "    ?", "    ?"
    if isinstance(s, dict):
        s = Score(s["truth"], s["found"], s["correct"], s.get("reached"))
    return _fmt(s.precision), _fmt(s.recall)


def print_table(results: Sequence[Result], befores: Sequence[tuple[str, dict[str, Any]]]) -> None:
    heads = "".join(f"  {label:>8} P {'R':>5}" for label, _ in befores)
    header = f"{'set':<14}{'kind':<11}{'truth':>6}{heads}  {'after P':>9} {'R':>5}"
    print(header)
    print("-" * len(header))
    for r in results:
        olds = [doc.get("sets", {}).get(r.name) for _, doc in befores]
        order = (*EDGE_KINDS, "edges", *CONFLICT_KINDS, "overall", "order")
        kinds = [k for k in order if k in r.scores]
        for i, kind in enumerate(kinds):
            s = r.scores[kind]
            name = f"{r.name} ({r.stories})" if i == 0 else ""
            cells = ""
            for old in olds:
                bp, br = _pr(old.get(kind) if old else None)
                cells += f"  {bp:>10} {br:>5}"
            ap, ar = _pr(s)
            print(f"{name:<14}{kind:<11}{s.truth:>6}{cells}  {ap:>9} {ar:>5}")
        if r.stated_total:
            print(
                f"{'':<14}{'stated only':<11}{r.stated_total:>6}  linked now: "
                f"{r.stated_linked} of {r.stated_total} (not scored)"
            )
        print()


def print_levels(results: Sequence[Result]) -> None:
    """Precision of each confidence level over the sets shown (hints are not reported)."""
    print("By confidence (edges on scored pairs, all sets shown):")
    for level in LEVELS:
        right = sum(r.levels.get(level, (0, 0))[0] for r in results)
        found = sum(r.levels.get(level, (0, 0))[1] for r in results)
        if found:
            note = "  (not reported: --review --min-confidence hint)" if level == "hint" else ""
            print(
                f"  {level:<9} {right:>4} of {found:<4} right  precision {right / found:5.2f}{note}"
            )
    print()


def record_before(results: Sequence[Result], path: Path, commit: str) -> None:
    doc = {
        "commit": commit,
        "sets": {
            r.name: {
                kind: {"truth": s.truth, "found": s.found, "correct": s.correct}
                | ({} if s.reached is None else {"reached": s.reached})
                for kind, s in r.scores.items()
            }
            for r in results
        },
    }
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("stories", nargs="?", type=Path, help="A stories file of your own.")
    parser.add_argument("truth", nargs="?", type=Path, help="Its truth file.")
    parser.add_argument("--set", dest="sets", action="append", help="Only this set (repeat).")
    parser.add_argument("--held-out", action="store_true", help="Include the held-out set.")
    parser.add_argument("--show", action="store_true", help="List every miss and false link.")
    parser.add_argument("--record-before", type=Path, metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--commit", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stories and args.truth:
        chosen = [LabelledSet(args.stories.stem, args.stories, args.truth)]
    else:
        chosen = [
            s
            for s in SETS
            if (args.sets is None or s.name in args.sets)
            and (not s.held_out or args.held_out or s.name in (args.sets or ()))
        ]
    results = [run_set(s.stories, s.truth, s.name) for s in chosen]
    if args.record_before:
        record_before(results, args.record_before, args.commit)
        print(f"recorded {len(results)} sets in {args.record_before}")
        return 0
    befores = [
        (label, json.loads(path.read_text(encoding="utf-8")))
        for label, path in BEFORES
        if path.exists()
    ]
    print_table(results, befores)
    print_levels(results)
    for label, doc in befores:
        if doc.get("commit"):
            print(f"{label}: the rules at commit {doc['commit']}")
    print("after: this checkout")
    for r in results:
        if args.show or len(results) == 1:
            for item in r.missed:
                print(f"{r.name} missed: {item[0]} {item[1]} -> {item[2]}")
            for item, why in r.wrong:
                print(f"{r.name} not in truth: {item[0]} {item[1]} -> {item[2]}: {why}")
    new = [r for r, s in zip(results, chosen, strict=True) if s.new]
    for r in new:
        o = r.scores["overall"]
        ok = (o.precision or 0) >= TARGET_PRECISION and (o.recall or 0) >= TARGET_RECALL
        print(
            f"{r.name}: precision >= {TARGET_PRECISION} and recall >= {TARGET_RECALL}: "
            f"{'met' if ok else 'NOT met'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
