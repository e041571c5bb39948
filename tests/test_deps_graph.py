"""Waves, independent stories, cycles and the independence score."""

from __future__ import annotations

import pytest

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps import analyse
from pantheon_git.features.deps.document import document
from pantheon_git.features.deps.graph import independence
from pantheon_git.features.deps.report import render_text
from pantheon_git.features.deps.review import proposals
from tests.support.deps import story


def keys(*names: str) -> tuple[StoryKey, ...]:
    return tuple(StoryKey.parse(n) for n in names)


def chain(*pairs: tuple[str, str], alone: tuple[str, ...] = ()) -> list:  # type: ignore[type-arg]
    preds: dict[str, list[str]] = {}
    names: list[str] = []
    for a, b in pairs:
        preds.setdefault(b, []).append(a)
        names += [n for n in (a, b) if n not in names]
    names += list(alone)
    return [story(n, f"Story {n}", predecessors=preds.get(n, [])) for n in names]


def test_waves_are_topological_generations_and_independent_stories_stand_apart() -> None:
    a = analyse(
        chain(
            ("US-1", "US-2"), ("US-1", "US-3"), ("US-2", "US-4"), ("US-3", "US-4"), alone=("US-9",)
        )
    )
    assert a.waves == (keys("US-1"), keys("US-2", "US-3"), keys("US-4"))
    assert a.independent == keys("US-9")
    assert a.stories[StoryKey.parse("US-4")].wave == 3
    assert a.stories[StoryKey.parse("US-9")].wave == 1
    assert a.stories[StoryKey.parse("US-9")].independent
    assert not a.stories[StoryKey.parse("US-1")].independent


def test_a_wave_holds_only_stories_whose_predecessors_are_in_earlier_waves() -> None:
    pairs = [
        ("US-1", "US-5"),
        ("US-2", "US-5"),
        ("US-5", "US-6"),
        ("US-1", "US-6"),
        ("US-3", "US-7"),
    ]
    a = analyse(chain(*pairs))
    wave_of = {str(k): r.wave for k, r in a.stories.items()}
    for source, target in pairs:
        assert wave_of[source] < wave_of[target]  # type: ignore[operator]
    assert wave_of == {"US-1": 1, "US-2": 1, "US-3": 1, "US-5": 2, "US-6": 3, "US-7": 2}


def test_a_cycle_is_reported_with_its_edges_and_blocks_what_is_behind_it() -> None:
    stories = [
        story("US-1", "A", predecessors=["US-3"]),
        story("US-2", "B", predecessors=["US-1"]),
        story("US-3", "C", predecessors=["US-2"]),
        story("US-4", "D", predecessors=["US-3"]),
        story("US-5", "E", predecessors=["US-4"]),
        story("US-6", "F", successors=["US-7"]),
        story("US-7", "G"),
        story("US-8", "H"),
    ]
    a = analyse(stories)
    (cycle,) = a.cycles
    assert cycle.stories == keys("US-1", "US-2", "US-3")
    assert sorted(cycle.loop) == list(keys("US-1", "US-2", "US-3"))
    assert {(str(e.source), str(e.target)) for e in cycle.edges} == {
        ("US-3", "US-1"),
        ("US-1", "US-2"),
        ("US-2", "US-3"),
    }
    assert cycle.blocks == keys("US-4", "US-5")
    # Nothing silently dropped: the rest is still planned, the stuck stories get no wave.
    assert a.waves == (keys("US-6"), keys("US-7"))
    assert a.independent == keys("US-8")
    assert [a.stories[k].wave for k in keys("US-1", "US-4", "US-5")] == [None, None, None]
    assert len(a.edges) == 6


def test_two_stories_naming_each_other_are_a_cycle_not_a_crash() -> None:
    a = analyse(
        [
            story("US-1", "Invoices", "Create the invoices table with a FK to payments."),
            story("US-2", "Payments", "Create the payments table with a FK to invoices."),
        ]
    )
    (cycle,) = a.cycles
    assert cycle.stories == keys("US-1", "US-2")
    assert a.waves == ()
    assert a.independent == ()


@pytest.mark.parametrize(
    ("waits", "waited", "conflicts", "expected"),
    [
        (0, 0, 0, 1.0),
        (1, 0, 0, 0.5),
        (0, 2, 0, 0.5),
        (0, 0, 2, 0.5),
        (0, 3, 0, 0.4),
        (1, 2, 1, 0.286),
        (2, 2, 2, 0.2),
    ],
)
def test_independence_formula(waits: int, waited: int, conflicts: int, expected: float) -> None:
    assert independence(waits, waited, conflicts) == expected


def test_independence_scores_in_an_analysis() -> None:
    stories = chain(("US-1", "US-2"), ("US-1", "US-3"), ("US-1", "US-4"), alone=("US-5",))
    stories.append(story("US-6", "F", "Edit src/a.py"))
    stories.append(story("US-7", "G", "Edit src/a.py"))
    a = analyse(stories)
    score = {str(k): r.independence for k, r in a.stories.items()}
    assert score["US-5"] == 1.0  # no edge, no conflict
    assert score["US-1"] == 0.4  # waited on by three
    assert score["US-2"] == 0.5  # waits on one
    assert score["US-6"] == score["US-7"] == round(1 / 1.5, 3)  # one conflict
    assert all(0.0 < s <= 1.0 for s in score.values())
    # A story with only a conflict can run in any wave, apart from its partner.
    assert StoryKey.parse("US-6") in a.independent


def test_predecessors_outside_the_analysis_are_named_not_dropped_silently() -> None:
    from pantheon_git.features.deps.report import render_text

    stories = [story("US-5", "Partner sync", predecessors=["US-3"])]
    a = analyse(stories)
    assert a.stories[StoryKey.parse("US-5")].outside == keys("US-3")
    assert a.stories[StoryKey.parse("US-5")].independence == 0.5
    assert "  - US-5 (Partner sync) waits on US-3" in render_text(a, stories)


def _orders_backlog(stated: bool) -> list:  # type: ignore[type-arg]
    """US-1 reads the orders table US-3 creates; the team put US-3 last (US-1 -> US-2 -> US-3)."""
    return [
        story("US-1", "Order history page", "The page lists rows of the orders table."),
        story("US-2", "Checkout form", predecessors=["US-1"] if stated else []),
        story(
            "US-3",
            "Orders schema",
            "Create the orders table (id, customer_id, total).",
            predecessors=["US-2"] if stated else [],
        ),
        story("US-4", "Order export", "Export rows of the orders table as CSV."),
    ]


def test_an_inferred_edge_rally_orders_the_other_way_is_left_out_not_a_cycle() -> None:
    free = analyse(_orders_backlog(stated=False))
    assert ("US-3", "US-1") in {(str(e.source), str(e.target)) for e in free.edges}

    a = analyse(_orders_backlog(stated=True))
    pairs = {(str(e.source), str(e.target)): e for e in a.edges}
    assert ("US-3", "US-1") not in pairs
    assert [(str(e.source), str(e.target), e.kind) for e in a.overruled] == [
        ("US-3", "US-1", "data")
    ]
    assert a.cycles == ()
    assert pairs[("US-3", "US-4")].kind == "data"  # an edge Rally does not contradict stays
    assert a.waves == (keys("US-1"), keys("US-2"), keys("US-3"), keys("US-4"))


def test_the_left_out_edges_are_reported_and_never_proposed() -> None:
    stories = _orders_backlog(stated=True)
    a = analyse(stories)
    assert [(e.source, e.target) for e in proposals(a, "hint")] == [keys("US-3", "US-4")]
    text = render_text(a, stories)
    assert "Left out (Rally's predecessors order these stories the other way):" in text
    assert "  - US-3 (Orders schema) → US-1: " in text
    doc = document(a, stories)
    assert [(d["from"], d["to"], d["kind"]) for d in doc["overruled"]] == [("US-3", "US-1", "data")]
    assert "Left out" not in render_text(analyse(_orders_backlog(stated=False)), stories)


def test_rally_s_order_is_read_through_every_predecessor_and_across_a_loop() -> None:
    from pantheon_git.features.deps.graph import against_rally
    from pantheon_git.features.deps.model import Edge

    def edge(a: str, b: str, kind: str = "explicit") -> Edge:
        level = "explicit" if kind == "explicit" else "low"
        return Edge(StoryKey.parse(a), StoryKey.parse(b), kind, "", (), level)

    stated = [
        edge("US-1", "US-2"),
        edge("US-2", "US-3"),
        edge("US-5", "US-6"),
        edge("US-6", "US-5"),
    ]
    inferred = [
        edge("US-3", "US-1", "data"),  # against US-1 -> US-2 -> US-3: left out
        edge("US-1", "US-3", "data"),  # along it: kept
        edge("US-3", "US-4", "data"),  # US-4 has no predecessor: kept
        edge("US-6", "US-5", "data"),  # inside a loop of predecessors: left out
    ]
    kept, overruled = against_rally([*stated, *inferred], stated)
    assert kept == [*stated, inferred[1], inferred[2]]
    assert overruled == [inferred[0], inferred[3]]
