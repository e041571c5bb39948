"""The quality benchmark's scoring, checked on a hand example, and the labeled backlog."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pantheon_git.features.deps import analyse

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "deps_quality", ROOT / "benchmarks" / "deps_quality.py"
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["deps_quality"] = module
    spec.loader.exec_module(module)
    return module


def test_scoring_on_a_hand_example(bench: ModuleType) -> None:
    truth = [
        ("functional", "A", "B"),
        ("data", "A", "C"),
        ("api", "B", "D"),
        ("file", "C", "D"),
    ]
    predicted = [
        ("functional", "A", "B"),  # right
        ("functional", "A", "C"),  # right pair, wrong kind: counts overall, not for a kind
        ("functional", "D", "A"),  # wrong
        ("file", "C", "D"),  # right
        ("test", "A", "B"),  # wrong: a conflict is not the edge A -> B
    ]
    s = bench.score(predicted, truth)
    assert list(s) == ["data", "api", "functional", "file", "test", "overall"]
    assert (s["functional"].truth, s["functional"].found, s["functional"].correct) == (1, 3, 1)
    assert s["functional"].precision == pytest.approx(1 / 3)
    assert s["functional"].recall == 1.0
    assert (s["data"].precision, s["data"].recall) == (None, 0.0)  # nothing found of that kind
    assert (s["api"].found, s["api"].recall) == (0, 0.0)
    assert (s["file"].precision, s["file"].recall) == (1.0, 1.0)
    assert (s["test"].precision, s["test"].recall) == (0.0, None)
    overall = s["overall"]
    assert (overall.truth, overall.found, overall.correct) == (4, 5, 3)
    assert overall.precision == pytest.approx(3 / 5)
    assert overall.recall == pytest.approx(3 / 4)


def test_truth_file_conflicts_are_unordered(bench: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "truth.yaml"
    path.write_text(
        "edges:\n  - {from: B, to: A, kind: api}\nconflicts:\n  - {a: D, b: C, kind: file}\n"
    )
    assert bench.load_truth(path) == [("api", "B", "A"), ("file", "C", "D")]


def test_labeled_backlog_meets_the_targets(bench: ModuleType) -> None:
    fixtures = ROOT / "tests" / "fixtures" / "deps"
    stories = bench.load_stories(fixtures / "stories.yaml")
    assert len(stories) >= 40
    assert len({s.epic for s in stories}) >= 3
    s = bench.score(
        bench.predicted_items(analyse(stories)), bench.load_truth(fixtures / "truth.yaml")
    )
    assert s["overall"].precision >= 0.9
    assert s["overall"].recall >= 0.9
