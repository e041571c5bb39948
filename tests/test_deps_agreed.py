"""The agreed labels: which pairs two readers dispute, how a third reader's decisions are
checked and merged, and the decision files in the fixtures (put the pairs the readers still
dispute, decide each one, name only the set's stories)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from tests.support.benchmarks import load


@pytest.fixture(scope="module")
def agreed() -> ModuleType:
    return load("deps_agreed")


def _truth(agreed: ModuleType, text: str) -> object:
    dq = sys.modules["deps_quality"]
    doc = yaml.safe_load(text)
    items = [(e["kind"], e["from"], e["to"]) for e in doc.get("edges") or ()]
    items += [(c["kind"], *sorted((c["a"], c["b"]))) for c in doc.get("conflicts") or ()]
    ambiguous = frozenset((r["from"], r["to"]) for r in doc.get("ambiguous") or ())
    stated = frozenset((r["from"], r["to"]) for r in doc.get("stated_only") or ())
    return dq.Truth(items, ambiguous, stated)


FIRST = """
edges:
  - {from: A, to: B, kind: data}
  - {from: A, to: C, kind: api}
  - {from: E, to: F, kind: functional}
conflicts:
  - {a: X, b: Y, kind: file}
stated_only:
  - {from: G, to: H}
"""
SECOND = """
edges:
  - {from: A, to: B, kind: functional}
  - {from: C, to: A, kind: data}
  - {from: B, to: D, kind: api}
  - {from: G, to: H, kind: data}
conflicts:
  - {a: Y, b: X, kind: file}
  - {a: Z, b: W, kind: test}
ambiguous:
  - {from: E, to: F}
"""


def test_disputed_pairs(agreed: ModuleType) -> None:
    d = agreed.disputes(_truth(agreed, FIRST), _truth(agreed, SECOND))
    # A>C against C>A is a dispute on one pair; B>D is the second reader's alone; E>F and G>H
    # are unscored (ambiguous to one reader, stated only to the other), A>B is agreed
    # whatever its kind
    assert d.edges == (("A", "C"), ("B", "D"))
    assert d.conflicts == (("W", "Z"),)


def test_agreed_labels_are_the_common_pairs_and_the_decisions(agreed: ModuleType) -> None:
    third = _truth(
        agreed,
        """
edges:
  - {from: C, to: A, kind: data}
conflicts:
  - {a: W, b: Z, kind: test}
ambiguous:
  - {from: B, to: D}
""",
    )
    truth = agreed.agreed(_truth(agreed, FIRST), _truth(agreed, SECOND), third)
    assert sorted(truth.items) == sorted(
        [("data", "A", "B"), ("file", "X", "Y"), ("data", "C", "A"), ("test", "W", "Z")]
    )
    assert truth.ambiguous == {("E", "F"), ("B", "D")}
    assert truth.stated_only == {("G", "H")}


def test_every_put_pair_is_decided_once(agreed: ModuleType) -> None:
    d = agreed.Disputes(edges=(("A", "C"), ("B", "D")), conflicts=(("W", "Z"),))
    good = {
        "edges": [{"from": "C", "to": "A", "kind": "data"}],
        "no_edge": [["D", "B"]],
        "no_conflict": [["Z", "W"]],
    }
    assert agreed.decided(d, good) == []
    both_ways = dict(good, edges=[*good["edges"], {"from": "A", "to": "C", "kind": "api"}])
    assert agreed.decided(d, both_ways) == []
    assert agreed.decided(d, dict(good, no_edge=[])) == ["B/D: edge pair not decided"]
    assert agreed.decided(d, dict(good, no_edge=[["B", "D"], ["B", "E"]])) == [
        "B/E: not a disputed edge pair"
    ]
    assert agreed.decided(d, dict(good, no_edge=[["B", "D"], ["D", "B"]])) == [
        "B/D: edge pair decided more than once"
    ]
    assert agreed.decided(d, dict(good, no_conflict=[])) == ["W/Z: conflict pair not decided"]


def test_decision_files_decide_what_the_readers_dispute(agreed: ModuleType) -> None:
    dq = sys.modules["deps_quality"]
    decided = [s for s in dq.SETS if agreed.adjudicated_file(s.name).exists()]
    assert decided, "no set has a third reader's decisions"
    for labelled in decided:
        path: Path = agreed.adjudicated_file(labelled.name)
        first, second = (
            dq.read_truth(labelled.truth),
            dq.read_truth(agreed.second_file(labelled.name)),
        )
        # the readers' labels have not changed since the pairs were put
        assert agreed.put(path) == agreed.disputes(first, second), labelled.name
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert agreed.decided(agreed.put(path), doc) == [], labelled.name
        keys = {str(s.key) for s in dq.load_stories(labelled.stories)}
        truth = agreed.agreed_truth(labelled)
        named = {k for _kind, a, b in truth.items for k in (a, b)}
        assert named <= keys, f"{labelled.name}: unknown stories {named - keys}"


@pytest.fixture(scope="module")
def control() -> ModuleType:
    return load("deps_control")


def test_a_control_sheet_mixes_its_pools_and_is_scored_per_pool(control: ModuleType) -> None:
    dq = sys.modules["deps_quality"]
    minigames = next(s for s in dq.SETS if s.name == "minigames")
    pools = control.pools(minigames)
    first = dq.read_truth(minigames.truth)
    second = dq.read_truth(sys.modules["deps_agreed"].second_file("minigames"))
    linked = control._linked(first) | control._linked(second)
    assert pools["disputed"]
    assert set(pools["agreed"]) <= control._linked(first) & control._linked(second)
    assert not set(pools["found"]) & linked  # neither reader links what the finders found
    assert not set(pools["other"]) & (linked | control._found(minigames))
    listed = yaml.safe_load(control.sheet(pools, "minigames"))["edges"]
    assert sorted(map(tuple, listed)) == sorted({p for pool in pools.values() for p in pool})
    a, b = pools["other"][0]
    decisions = {"edges": [{"from": b, "to": a, "kind": "data"}], "no_edge": [pools["other"][1]]}
    scored = control.score(pools, decisions)
    assert scored["other"]["linked"] == 1
    assert scored["other"]["none"] == 1
    assert scored["agreed"] == {"linked": 0, "ambiguous": 0, "none": 0}


def test_control_files_decide_each_pair_of_their_sheet(control: ModuleType) -> None:
    dq = sys.modules["deps_quality"]
    files = [s for s in dq.SETS if control.control_file(s.name).exists()]
    assert files, "no control reader's decisions"
    for labelled in files:
        pools = control.recorded(control.control_file(labelled.name))
        assert pools["agreed"], labelled.name
        assert pools["other"], labelled.name
        # the disputed pool is the pairs the third reader was put, as they stand
        asked = sys.modules["deps_agreed"].put(
            sys.modules["deps_agreed"].adjudicated_file(labelled.name)
        )
        assert pools["disputed"] == list(asked.edges), labelled.name
        put = sys.modules["deps_agreed"].Disputes(
            tuple(sorted({p for pool in pools.values() for p in pool})), ()
        )
        doc = yaml.safe_load(control.control_file(labelled.name).read_text(encoding="utf-8"))
        assert sys.modules["deps_agreed"].decided(put, doc) == [], labelled.name


def test_change_files_cover_their_sets_agreed_conflicts(agreed: ModuleType) -> None:
    dq = sys.modules["deps_quality"]
    files = [s for s in dq.SETS if agreed.changes_file(s.name).exists()]
    assert files, "no reader's verdicts on what stories do to shared files"
    for labelled in files:
        truth = agreed.agreed_truth(labelled)
        conflicts = {(a, b) for kind, a, b in truth.items if kind in dq.CONFLICT_KINDS}
        verdicts = agreed.changed_by_both(agreed.changes_file(labelled.name))
        assert set(verdicts) == conflicts, labelled.name
