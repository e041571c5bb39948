"""An epic's own dependency line (``**Dependencies:** Epic 1 (Foundation)`` under ``## Epic 2``)
read from the real epics files of tests/fixtures/bmad-epics (PROVENANCE.md there), and the
story-to-story order it makes: the stories that start the epic wait on those that end each
epic named, hedged lines are noted and not linked, loops with the stories' own prerequisites
are left out."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from pantheon_git.bmad.blocks import Line
from pantheon_git.bmad.epic_needs import EpicNeeds, read_needs
from pantheon_git.bmad.epic_order import Loop, epic_order
from pantheon_git.bmad.epics import EpicStory, epics_ends, expand_epics, parse_epics

CORPUS = Path(__file__).parent / "fixtures" / "bmad-epics"


@cache
def found(name: str) -> tuple[EpicStory, ...]:
    out: list[EpicStory] = []
    for path in sorted((CORPUS / name).glob("*.md")):
        parsed = parse_epics(path.read_text(encoding="utf-8"), path.name)
        assert parsed is not None
        out += parsed.stories
    return tuple(out)


def needs_of(name: str, epic: str) -> tuple[EpicNeeds, ...]:
    return next(s.epic.needs for s in found(name) if s.epic and s.epic.number == epic)


def the_line(name: str, path: str, number: int) -> str:
    return (CORPUS / name / path).read_text(encoding="utf-8").split("\n")[number - 1]


@pytest.mark.parametrize(
    ("where", "refs", "held", "hedge"),
    [
        (("posture", "epics.md", 62), (), (), ""),  # None (foundation epic)
        (("posture", "epics.md", 75), ("epic:1",), (), ""),  # Epic 1 (Foundation)
        # Epic 2 (SocketIO events), Epic 3 (Alert events), Epic 4 (Stats API)
        (("posture", "epics.md", 6225), ("epic:2", "epic:3", "epic:4"), (), ""),
        (("vdash", "epics-phase2.md", 91), (), (), ""),  # None (first epic, quick win)
        # Epic 1 (recommended to ship together)
        (("vdash", "epics-phase2.md", 187), (), ("epic:1",), "recommended to ship together"),
        # Epic 2 (can be parallelized with Epic 2 stories 3-5)
        (
            ("vdash", "epics-phase2.md", 335),
            (),
            ("epic:2",),
            "can be parallelized with Epic 2 stories 3-5",
        ),
        # Epics 1-3 (ship last as experimental): an order, not a hedge
        (("vdash", "epics-phase2.md", 583), ("epic:1", "epic:2", "epic:3"), (), ""),
        (("lending", "epics.md", 1166), ("epic:2",), (), ""),  # Epic 2 (ServicingView must exist)
        (("stock", "epics.md", 159), (), (), ""),  # None (foundation module)
        (("stock", "epics.md", 581), ("epic:1",), (), ""),  # Epic 1 (Settings)
        (("stock", "epics.md", 1251), ("epic:1", "epic:2"), (), ""),  # Epic 1 (...), Epic 2 (...)
        (("stock", "epics.md", 2446), ("epic:1", "epic:2", "epic:3"), (), ""),  # Epic 1-3
    ],
)
def test_the_real_lines(
    where: tuple[str, str, int], refs: tuple[str, ...], held: tuple[str, ...], hedge: str
) -> None:
    name, path, line = where
    text = the_line(name, path, line)
    assert text.startswith("**Dependencies:** ")
    [read] = read_needs([Line(line, text)])
    assert read == EpicNeeds(line, text.removeprefix("**Dependencies:** "), refs, held, hedge)


@pytest.mark.parametrize(
    ("name", "epic", "lines"),
    [
        # Epics 2-5 state theirs only in the "## Epic Structure" summaries; Epic 6 twice.
        ("posture", "2", [75]),
        ("posture", "6", [125, 5215]),
        ("vdash", "4", [583]),
        ("lending", "7", [1166]),
        ("stock", "5", [2446]),
    ],
)
def test_each_epic_has_its_lines_its_summary_first(name: str, epic: str, lines: list[int]) -> None:
    assert [n.line for n in needs_of(name, epic)] == lines


def test_what_is_not_an_epic_dependency_line_is_not_read() -> None:
    # warebot's "**Independence:** This epic is INDEPENDENT of Epics 1-6" names epics but is
    # no dependency; sandbox's "## Prerequisites" section is a checklist of things to verify.
    assert all(not s.epic.needs for s in found("warebot") if s.epic)
    assert all(not s.epic.needs for s in found("sandbox") if s.epic)
    # posture's Epics 7-9 have dependency lines but no Story headings in the file: no epics.
    assert {s.epic.number for s in found("posture") if s.epic} == {"1", "2", "3", "4", "5", "6"}


def test_hedged_lines_are_said_on_the_epics_first_story() -> None:
    notes = {s.story.story_id: [n for n in s.story.notes if n.line] for s in found("vdash")}
    assert [(n.line, n.message) for n in notes["2.1"]] == [
        (
            187,
            'Epic 2\'s dependencies name Epic 1 but say "recommended to ship together", so '
            "no order is linked; if Epic 1 must come first, link it in Rally by hand",
        )
    ]
    assert [(n.line, n.message) for n in notes["3.1"]] == [
        (
            335,
            "Epic 3's dependencies name Epic 2 but say \"can be parallelized with Epic 2 "
            'stories 3-5", so no order is linked; if Epic 2 must come first, link it in Rally '
            "by hand",
        )
    ]
    assert notes["4.1"] == []  # "ship last as experimental" links


@pytest.mark.parametrize(
    ("text", "refs", "held"),
    [
        ("Epic 1 (Settings), Epic 2 (optional)", ("epic:1",), ("epic:2",)),
        ("Epic 2 (can be parallelized with Story 2.2)", (), ("epic:2",)),
        ("Epic 1, Epic 2; both can run in parallel", (), ("epic:1", "epic:2")),
        ("Epics 4 and 5", ("epic:4", "epic:5"), ()),
        ("Epic 1 (Story 1.1 config, Story 1.5 logging)", ("1.1", "1.5"), ()),
        ("Stories 1.1, 1.2", ("1.1", "1.2"), ()),
        ("None", (), ()),
    ],
)
def test_line_forms(text: str, refs: tuple[str, ...], held: tuple[str, ...]) -> None:
    [read] = read_needs([Line(9, f"**Dependencies:** {text}")])
    assert (read.refs, read.held) == (refs, held)


def test_a_list_under_the_label_and_other_labels() -> None:
    lines = [
        Line(1, "**Goal:** Checkout"),
        Line(2, "**Depends on:**"),
        Line(3, "- Epic 1 (accounts)"),
        Line(4, "- Epic 2 (catalogue)"),
        Line(5, ""),
        Line(6, "**Prerequisites:** Epic 4 complete"),
    ]
    assert [(n.line, n.text, n.refs) for n in read_needs(lines)] == [
        (2, "Epic 1 (accounts), Epic 2 (catalogue)", ("epic:1", "epic:2")),
        (6, "Epic 4 complete", ("epic:4",)),
    ]


def resolved(name: str, *, held: bool = False) -> dict[str, set[str]]:
    """Story id -> the story ids its epic's lines make it wait on."""
    items = [(s.epic, s.story) for s in found(name)]
    ends = epics_ends(items)
    order = epic_order(items, held=held)
    return {k: set(expand_epics(v, ends, k)) for k, v in order.waits.items()}


def test_the_stories_that_start_an_epic_wait_on_those_that_end_the_one_named() -> None:
    # posture: Epic 2's summary says "Epic 1 (Foundation)"; Story 2.1 alone starts Epic 2 (the
    # others name 2.x stories), and 1.7 ends Epic 1. Epic 5 starts with 5.1 and 5.4.
    assert resolved("posture") == {
        "2.1": {"1.7"},
        "3.1": {"2.7"},
        "4.1": {"3.6"},
        "5.1": {"4.5", "4.6"},
        "5.4": {"4.5", "4.6"},
        "6.1": {"5.3", "5.4"},
        "6.6": {"5.3", "5.4"},
    }
    # lending's Epic 7 states no prerequisites among its stories: every one of them starts it.
    assert resolved("lending") == {f"7.{n}": {"2.1", "2.2", "2.3", "2.4"} for n in range(1, 5)}


def test_hedged_epics_are_not_linked_and_epics_1_3_is_read_whole() -> None:
    # Epic 2's and Epic 3's lines are hedged; "Epics 1-3 (ship last ...)" links all three,
    # nothing orders 1, 2 and 3 among themselves.
    assert resolved("vdash") == {"4.1": {"1.2", "1.3", "2.5", "3.7"}}
    # Linking the hedged lines too, Epic 3 comes after 2 and 2 after 1: "Epics 1-3" is Epic 3.
    assert resolved("vdash", held=True) == {
        "2.1": {"1.2", "1.3"},
        "3.1": {"2.5"},
        "4.1": {"3.7"},
    }


def test_a_link_that_would_make_a_loop_with_the_stories_own_prerequisites_is_left_out() -> None:
    # stock's stories put 2.18 after Epic 5 ("Prerequisites: Epic 5 (LP Genealogy)") and Epic 5
    # after Epic 3's stories, so "Epic 3: Dependencies: Epic 1, Epic 2" can hold for Epic 1 only,
    # and "Epic 5: Epic 1-3" too; Epic 4's "Epic 3" loops through 5.23.
    items = [(s.epic, s.story) for s in found("stock")]
    order = epic_order(items)
    assert order.loops == (
        Loop("3", "epic:2", "3.1", "2.21"),
        Loop("4", "epic:3", "4.1", "3.9"),
        Loop("5", "epic:2", "5.1", "2.21"),
        Loop("5", "epic:3", "5.1", "3.9"),
    )
    assert set(order.waits.values()) == {("epic:1",)}
    assert sorted(order.waits, key=lambda i: tuple(map(int, i.split(".")))) == [
        "2.1", "2.5", "2.15", "2.18", "2.19", "2.22",
        "3.1", "3.5", "3.6", "3.10", "3.15", "3.17", "3.22",
        "5.1", "5.8", "5.31",
    ]  # fmt: skip


SHOP = """# Shop

## Epic 1: Accounts

### Story 1.1: User model

As a developer, I want a user table, so that accounts persist.

### Story 1.2: Login

As a user, I want to sign in, so that I see my orders.

**Prerequisites:** Story 1.1

## Epic 2: Catalogue

**Dependencies:** Epic 1

### Story 2.1: Products

As a shopper, I want products, so that I can choose.

## Epic 3: Checkout

**Dependencies:** Epics 1 and 2, Epic 9 (Billing), Story 3.1

### Story 3.1: Cart

As a shopper, I want a cart, so that I can buy.

**Prerequisites:** Story 1.2

### Story 3.2: Payment

As a shopper, I want to pay, so that my order ships.

**Prerequisites:** Story 3.1
"""


def test_the_fewest_links_an_unknown_epic_kept_own_stories_dropped() -> None:
    parsed = parse_epics(SHOP, "shop.md")
    assert parsed is not None
    items = [(s.epic, s.story) for s in parsed.stories]
    # Epic 1 comes before Epic 2 already: Epic 3 waits on 2 alone; Epic 9 is in no file given
    # and stays "epic:9" (the run names it); its own Story 3.1 is no dependency of it.
    assert epic_order(items).waits == {"2.1": ("epic:1",), "3.1": ("epic:2", "epic:9")}
    # 3.1's own "Story 1.2" stays its own; the epic adds 2.1 (which ends Epic 2).
    ends = epics_ends(items)
    story = parsed.stories[3].story
    assert expand_epics((*story.dependencies, "epic:2"), ends, "3.1") == ("1.2", "2.1")
