"""A title's short phrase that later stories write: "Global state management" makes the global
state that "take the transactions from the global state" reads. The sentences are from the
budget backlog (a personal budget tracker; see tests/fixtures/deps/bmad/PROVENANCE.md)."""

from __future__ import annotations

import pytest

from pantheon_git.features.deps import Analysis, analyse
from pantheon_git.features.deps.titlephrases import USERS_LIMIT, title_phrases
from pantheon_git.features.deps.tokens import tokenise
from tests.support.deps import story


def linked(analysis: Analysis) -> dict[tuple[str, str], str]:
    return {(str(e.source), str(e.target)): e.confidence for e in analysis.edges}


@pytest.mark.parametrize(
    ("title", "phrases"),
    [
        ("Global state management", [("global", "state")]),
        ("Set Up Global State Management", [("global", "state")]),
        ("Period selector", [("period", "selector")]),
        ("Predefined categories", [("predefined", "category")]),
        ("Income and expenses trend chart", [("expense", "trend", "chart")]),
        ("Transaction list with sorting", []),  # one word between the fillers
        ("LocalStorage service", []),
        ("Implement the data models and TypeScript interfaces", [("typescript", "interface")]),
        ("Nightly bank statement import scheduler", []),  # five words: more than a name
        ("Complete the network of five machines", []),  # fleet: a count is no name
    ],
)
def test_a_titles_phrases(title: str, phrases: list[tuple[str, ...]]) -> None:
    assert title_phrases(tokenise(title).norms) == phrases


STATE = story("US-204", "Global state management", "Components read the transactions anywhere.")


def test_a_later_story_writing_the_phrase_waits_on_the_title() -> None:
    stories = [
        STATE,
        story("US-302", "Transaction list", "Take the transactions from the global state."),
    ]
    edges = {(str(e.source), str(e.target)): e for e in analyse(stories).edges}
    edge = edges[("US-204", "US-302")]
    assert edge.confidence == "low"
    assert "global state" in edge.evidence
    assert "US-204's title" in edge.evidence


def test_a_phrase_an_earlier_story_writes_was_there_before() -> None:
    stories = [
        story("US-101", "Project setup", "The framework keeps the global state of its views."),
        STATE,
        story("US-302", "Transaction list", "Take the transactions from the global state."),
    ]
    assert ("US-204", "US-302") not in linked(analyse(stories))


def test_a_phrase_much_of_the_backlog_writes_is_the_domains() -> None:
    users = [
        story(f"US-3{n:02d}", f"Screen number {n}", "It reads the global state.")
        for n in range(USERS_LIMIT + 1)
    ]
    assert not any(a == "US-204" for a, _ in linked(analyse([STATE, *users])))
    few = users[:USERS_LIMIT]
    assert all(("US-204", str(u.key)) in linked(analyse([STATE, *few])) for u in few)


def test_two_titles_with_the_phrase_make_it_neither() -> None:
    stories = [
        STATE,
        story("US-205", "Global state setup", "One provider at the root."),
        story("US-302", "Transaction list", "Take the transactions from the global state."),
    ]
    found = linked(analyse(stories))
    assert ("US-204", "US-302") not in found
    assert ("US-205", "US-302") not in found


def test_another_things_phrase_after_a_possessive() -> None:
    # warebot: "the JointTrajectoryController, through its action interface" is the
    # controller's, not the action interfaces a story defines
    stories = [
        story("US-102", "Define all the action interfaces", "MoveJoint.action and others."),
        story(
            "US-204",
            "Move the joints",
            "Drive the JointTrajectoryController through its action interface.",
        ),
    ]
    assert ("US-102", "US-204") not in linked(analyse(stories))


def test_a_screen_of_a_phrase_shows_it_and_a_longer_phrase_is_another_kind() -> None:
    stories = [
        story("US-1", "Verification status screen", "Drivers see where their papers are."),
        story("US-2", "Documents", "Each shows its upload date, verification status, a name."),
        story("US-3", "Rate limits on the public API"),
        story("US-4", "Mail", "The per-recipient rate limit applies."),
        story("US-5", "Digest", "A rate limit of its own applies."),
    ]
    assert linked(analyse(stories)) == {}
