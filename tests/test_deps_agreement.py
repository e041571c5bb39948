"""The two-reader agreement benchmark: its scoring on hand examples, and the second readers'
label files (every key known, and the readers' own guide beside them)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.benchmarks import load

ROOT = Path(__file__).resolve().parents[1]
BMAD = ROOT / "tests" / "fixtures" / "deps" / "bmad"


@pytest.fixture(scope="module")
def agree() -> ModuleType:
    return load("deps_agreement")


def _edges(*pairs: str) -> frozenset[tuple[str, str, str]]:
    return frozenset(("edge", *p.split(">")) for p in pairs)  # type: ignore[misc]


def test_rules_against_both_readers(agree: ModuleType) -> None:
    one = _edges("A>B", "A>C", "B>D")
    two = _edges("A>B", "B>D", "C>D")
    rules = _edges("A>B", "C>D", "D>E")
    both = agree.against_both(rules, one, two, True)
    # recall over what both readers link (A>B, B>D): A>B found
    assert (both.truth, both.correct) == (2, 1)
    # precision over what either links: C>D is reader 2's, so only D>E is wrong
    assert both.found == 2
    assert both.precision == 0.5
    # a reader scored against the other, as the rules are
    assert agree.counts(two, one, True) == agree.Counts(3, 3, 2)


def test_kappa(agree: ModuleType) -> None:
    keys = ["A", "B", "C", "D"]  # 12 ordered pairs
    same = _edges("A>B", "B>C")
    assert agree.kappa(same, same, keys, 0) == pytest.approx(1.0)
    # one shared edge, one each alone, 9 neither: observed 10/12, expected 2/12*2/12 + 10/12*10/12
    k = agree.kappa(_edges("A>B", "B>C"), _edges("A>B", "C>D"), keys, 0)
    expected = (2 / 12) ** 2 + (10 / 12) ** 2
    assert k == pytest.approx((10 / 12 - expected) / (1 - expected))
    # two readers who never link the same pair agree less than chance
    assert agree.kappa(_edges("A>B"), _edges("B>A"), keys, 0) < 0


def test_conflicts_count_overall_not_in_edges(agree: ModuleType) -> None:
    one = frozenset({("edge", "A", "B"), ("conflict", "A", "C")})
    two = frozenset({("edge", "A", "B")})
    assert agree.counts(two, one, False) == agree.Counts(2, 1, 1)
    assert agree.counts(two, one, True) == agree.Counts(1, 1, 1)


def test_second_readers_name_only_their_sets_stories(agree: ModuleType) -> None:
    dq = sys.modules["deps_quality"]
    readers = [s for s in dq.SETS if agree.second_reader(s.name).exists()]
    assert readers, "no second reader's labels"
    assert (BMAD / "READERS.md").exists()
    for labelled in readers:
        keys = {str(s.key) for s in dq.load_stories(labelled.stories)}
        second = dq.read_truth(agree.second_reader(labelled.name))
        named = {k for _kind, a, b in second.items for k in (a, b)}
        named |= {k for pair in second.ambiguous for k in pair}
        assert named <= keys, f"{labelled.name}: unknown stories {named - keys}"
        assert second.items, labelled.name
        result = agree.agreement(labelled)
        assert result.reader2
        assert result.reader1


def test_a_prompt_readers_links_stand_where_the_rules_stand(agree: ModuleType) -> None:
    dq = sys.modules["deps_quality"]
    meeting = next(s for s in dq.SETS if s.name == "meeting")
    rules, read = agree.agreement(meeting), agree.agreement(meeting, "read2")
    assert (read.reader1, read.reader2) == (rules.reader1, rules.reader2)
    assert read.rules != rules.rules
    assert {kind for kind, _a, _b in read.rules} == {"edge"}  # links hold no conflict
    written = sys.modules["deps_reading"].read_links(BMAD / "meeting-read2.yaml")
    links = [(a, b) for b, befores in written.items() for a in befores]
    assert read.rules <= {("edge", a, b) for a, b in links}
