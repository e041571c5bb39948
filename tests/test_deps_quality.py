"""The quality benchmark's scoring, checked on a hand example, and the labeled backlog."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from pantheon_git.features.deps import analyse
from tests.support.benchmarks import load

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load("deps_quality")


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
    assert list(s)[:7] == ["data", "api", "functional", "file", "test", "edges", "overall"]
    assert (s["functional"].truth, s["functional"].found, s["functional"].correct) == (1, 3, 1)
    assert s["functional"].precision == pytest.approx(1 / 3)
    assert s["functional"].recall == 1.0
    assert (s["data"].precision, s["data"].recall) == (None, 0.0)  # nothing found of that kind
    assert (s["api"].found, s["api"].recall) == (0, 0.0)
    assert (s["file"].precision, s["file"].recall) == (1.0, 1.0)
    assert (s["test"].precision, s["test"].recall) == (0.0, None)
    assert (s["edges"].truth, s["edges"].found, s["edges"].correct) == (3, 3, 2)
    overall = s["overall"]
    assert (overall.truth, overall.found, overall.correct) == (4, 5, 3)
    assert overall.precision == pytest.approx(3 / 5)
    assert overall.recall == pytest.approx(3 / 4)


def test_the_order_view_counts_what_a_chain_of_true_edges_implies(bench: ModuleType) -> None:
    truth = [
        ("functional", "A", "B"),
        ("data", "B", "C"),
        ("api", "C", "D"),
        ("functional", "X", "Z"),
        ("file", "A", "D"),
    ]
    predicted = [
        ("functional", "A", "B"),  # right
        ("functional", "A", "C"),  # implied by A -> B -> C: right in the order view
        ("functional", "C", "D"),  # right
        ("functional", "D", "A"),  # wrong either way
        ("functional", "X", "Y"),  # wrong: X -> Y -> Z is no true chain
        ("functional", "Y", "Z"),  # wrong
        ("file", "A", "D"),  # right
    ]
    s = bench.score(predicted, truth)
    pairs, order = s["overall"], s["order"]
    assert (pairs.truth, pairs.found, pairs.correct, pairs.hits) == (5, 7, 3, 3)
    # B -> C is missed (no right chain leads from B to C), and so is X -> Z: a chain of wrong
    # edges (X -> Y -> Z) does not count
    assert (order.truth, order.found, order.correct, order.hits) == (5, 7, 4, 3)
    assert order.precision == pytest.approx(4 / 7)
    assert order.recall == pytest.approx(3 / 5)
    edges, conflicts = s["order edges"], s["order conflicts"]
    assert (edges.truth, edges.found, edges.correct, edges.hits) == (4, 6, 3, 2)
    assert (conflicts.truth, conflicts.found, conflicts.correct, conflicts.hits) == (1, 1, 1, 1)
    assert order == edges + conflicts
    # a true edge that right edges imply is found: A -> C given A -> B and B -> C predicted
    chain = bench.score([("data", "A", "B"), ("data", "B", "C")], [("api", "A", "C")])
    assert (chain["overall"].recall, chain["order"].recall) == (0.0, 0.0)  # A -> B not true
    chain = bench.score(
        [("data", "A", "B"), ("data", "B", "C")],
        [("api", "A", "B"), ("api", "B", "C"), ("api", "A", "C")],
    )
    assert (chain["overall"].hits, chain["order"].hits) == (2, 3)
    assert chain["order"].precision == 1.0
    # pooling keeps each view's numerators
    total = chain["order"] + s["order"]
    assert (total.truth, total.found, total.correct, total.hits) == (8, 9, 6, 6)
    assert (chain["overall"] + s["overall"]).reached is None


def test_the_order_view_keeps_apart_what_an_order_keeps_apart(bench: ModuleType) -> None:
    """Two stories one of which waits for the other never run at the same time: a conflict
    between them is kept, by the truth's order or the right edges' order."""
    truth = [("data", "A", "B"), ("file", "A", "B"), ("file", "C", "D"), ("api", "B", "E")]
    predicted = [
        ("data", "A", "B"),  # right; it also keeps the true conflict A, B apart
        ("file", "A", "E"),  # not a true conflict, but A -> B -> E orders them: right
        ("file", "C", "E"),  # wrong: nothing orders C and E
        ("functional", "E", "D"),  # wrong, and it keeps nothing apart
    ]
    s = bench.score(predicted, truth)
    assert (s["conflicts"].found, s["conflicts"].correct, s["conflicts"].truth) == (2, 0, 2)
    conflicts = s["order conflicts"]
    assert (conflicts.truth, conflicts.found, conflicts.correct, conflicts.hits) == (2, 2, 1, 1)


def test_a_chain_through_a_stated_ordering_is_not_scored(bench: ModuleType) -> None:
    """An ordering the source states and no text shows is not scored when linked, and neither
    is an edge or a conflict that only a chain through it orders."""
    truth = [("data", "B", "C")]
    predicted = [("data", "A", "C"), ("file", "A", "C"), ("data", "C", "A")]
    s = bench.score(predicted, truth, ignore={("A", "B")}, stated={("A", "B")})
    edges, conflicts = s["order edges"], s["order conflicts"]
    assert (edges.found, edges.correct, edges.hits) == (1, 0, 0)  # C -> A stays wrong
    assert (conflicts.found, conflicts.correct) == (0, 0)
    assert (s["overall"].found, s["overall"].correct) == (3, 0)


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


def test_ambiguous_pairs_count_neither_way(bench: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "truth.yaml"
    path.write_text(
        "edges:\n  - {from: A, to: B, kind: data}\n  - {from: A, to: C, kind: api}\n"
        "ambiguous:\n  - {from: A, to: C}\n  - {from: D, to: A}\n"
        "stated_only:\n  - {from: C, to: D}\n"
    )
    truth = bench.read_truth(path)
    assert truth.stated_only == {("C", "D")}
    predicted = [("data", "A", "B"), ("functional", "D", "A")]
    s = bench.score(predicted, truth.items, truth.ambiguous)
    # A -> C (missed) and D -> A (not labelled) are both ambiguous: neither counts.
    assert (s["overall"].truth, s["overall"].found, s["overall"].correct) == (1, 1, 1)


def test_every_new_set_has_twenty_stories_and_provenance(bench: ModuleType) -> None:
    provenance = (ROOT / "tests" / "fixtures" / "deps" / "bmad" / "PROVENANCE.md").read_text()
    new = [s for s in bench.SETS if s.new]
    assert len(new) >= 3
    # each round's held-out set is written and labelled before any rule of its round changes,
    # and analysed once after they are frozen; then it is used like the others
    assert [s.name for s in bench.SETS if s.held_out] == []
    for labelled in new:
        stories = bench.load_stories(labelled.stories)
        assert len(stories) >= 20, labelled.name
        for s in stories:  # YAML reads "a: b" in a list item as a mapping: quote such items
            texts = [s.title, s.description, *s.acceptance_criteria, *(t.name for t in s.tasks)]
            assert all(isinstance(t, str) for t in texts), (labelled.name, s.key)
        assert f"`{labelled.name}`" in provenance
        keys = {str(s.key) for s in stories}
        truth = bench.read_truth(labelled.truth)
        named = {k for _kind, a, b in truth.items for k in (a, b)}
        named |= {k for pair in truth.ambiguous | truth.stated_only for k in pair}
        assert named <= keys, f"{labelled.name}: truth names unknown stories {named - keys}"


@pytest.fixture(scope="module")
def stated_bench(bench: ModuleType) -> ModuleType:
    return load("deps_stated")


def test_a_sources_prerequisites_become_predecessors_of_the_backlogs_keys(
    stated_bench: ModuleType,
) -> None:
    # vdash's source: "**Prerequisites:** Story 1.1" on Story 1.2, "Story 4.1, Story 4.2" ...
    own = stated_bench.stated("vdash", epic_lines=False)
    assert own.named == 21
    assert own.dropped == 0
    assert own.predecessors["US-2102"] == ("US-2101",)
    assert own.predecessors["US-2401"] == ()
    # ... and its Epic 4's "**Dependencies:** Epics 1-3 (ship last as experimental)": 4.1
    # starts Epic 4, and 1.2, 1.3, 2.5 and 3.7 end Epics 1 to 3
    vdash = stated_bench.stated("vdash")
    assert vdash.named == 25
    assert vdash.predecessors["US-2401"] == ("US-2102", "US-2103", "US-2205", "US-2307")
    assert {k: v for k, v in vdash.predecessors.items() if k != "US-2401"} == {
        k: v for k, v in own.predecessors.items() if k != "US-2401"
    }
    # stock keeps 29 of the source's stories: prerequisites on the others are dropped, not kept
    stock = stated_bench.stated("stock")
    assert 0 < stock.dropped < stock.named
    keys = set(stock.predecessors)
    assert all(p in keys for preds in stock.predecessors.values() for p in preds)
