"""Dependency analysis quality on a labeled backlog: precision and recall per kind and overall.

    .venv/bin/python benchmarks/deps_quality.py [STORIES.yaml TRUTH.yaml] [--show]

Defaults to ``tests/fixtures/deps/stories.yaml`` and ``truth.yaml`` (see the README there for
how they were written). Per kind, an edge or conflict counts as found when the analysis links
the same pair with that kind as its strongest reason; overall, when it links the same pair at
all (edges ordered, conflicts unordered). Targets: precision and recall >= 0.9 overall.
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

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story, Task
from pantheon_git.features.deps import Analysis, analyse

HERE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "deps"
EDGE_KINDS = ("explicit", "data", "api", "functional")
CONFLICT_KINDS = ("file", "test")

Item = tuple[str, str, str]
"""(kind, a, b): an edge a -> b, or a conflict between a < b."""


@dataclass(frozen=True)
class Score:
    truth: int
    found: int
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.found if self.found else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.truth if self.truth else None


def score(predicted: Iterable[Item], truth: Iterable[Item]) -> dict[str, Score]:
    """Per kind and ``overall`` (pairs only, any kind), from predicted and true items."""
    pred, true = set(predicted), set(truth)
    out = {}
    for kind in sorted({k for k, _, _ in pred | true}, key=_kind_order):
        p = {i for i in pred if i[0] == kind}
        t = {i for i in true if i[0] == kind}
        out[kind] = Score(len(t), len(p), len(p & t))
    p_pairs, t_pairs = {_pair(i) for i in pred}, {_pair(i) for i in true}
    out["overall"] = Score(len(t_pairs), len(p_pairs), len(p_pairs & t_pairs))
    return out


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
                    acceptance_criteria=tuple(s.get("acceptance_criteria", ())),
                    tasks=tuple(Task(t) for t in s.get("tasks", ())),
                    predecessors=tuple(StoryKey.parse(k) for k in s.get("predecessors", ())),
                )
            )
    return stories


def load_truth(path: Path) -> list[Item]:
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = [(e["kind"], e["from"], e["to"]) for e in doc.get("edges") or ()]
    items += [(c["kind"], *sorted((c["a"], c["b"]))) for c in doc.get("conflicts") or ()]
    return items  # type: ignore[return-value]


def _fmt(value: float | None) -> str:
    return "     -" if value is None else f"{value:6.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stories", nargs="?", type=Path, default=HERE / "stories.yaml")
    parser.add_argument("truth", nargs="?", type=Path, default=HERE / "truth.yaml")
    parser.add_argument("--show", action="store_true", help="List every miss and false link.")
    args = parser.parse_args()
    stories = load_stories(args.stories)
    analysis = analyse(stories)
    predicted, truth = predicted_items(analysis), load_truth(args.truth)
    scores = score(predicted, truth)
    epics = len({s.epic for s in stories})
    print(f"{args.stories.name}: {len(stories)} stories in {epics} epics")
    print(f"{'kind':<12}{'truth':>7}{'found':>7}{'correct':>9}{'precision':>11}{'recall':>8}")
    for kind, s in scores.items():
        if kind == "overall":
            print("-" * 54)
        print(
            f"{kind:<12}{s.truth:>7}{s.found:>7}{s.correct:>9}"
            f"{_fmt(s.precision):>11}{_fmt(s.recall):>8}"
        )
    evidence = {(e.kind, str(e.source), str(e.target)): e.evidence for e in analysis.edges}
    evidence |= {(c.kind, str(c.a), str(c.b)): c.evidence for c in analysis.conflicts}
    pred_set, true_set = set(predicted), set(truth)
    wrong = sorted(pred_set - true_set)
    missed = sorted(true_set - pred_set)
    if args.show or wrong or missed:
        for item in missed:
            print(f"missed: {item[0]} {item[1]} -> {item[2]}")
        for item in wrong:
            print(f"not in truth: {item[0]} {item[1]} -> {item[2]}: {evidence[item]}")
    overall = scores["overall"]
    ok = (overall.precision or 0) >= 0.9 and (overall.recall or 0) >= 0.9
    print(f"target precision and recall >= 0.9 overall: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
