"""Stated preconditions ("Given the monorepo structure exists, ...") name what an earlier story
built, in words its title uses; and a title that opens with a class's name makes it."""

from __future__ import annotations

from pantheon_git.core.story import Story
from pantheon_git.features.deps import Analysis, analyse
from pantheon_git.features.deps.facts import story_facts
from pantheon_git.features.deps.preconditions import precondition_edges, preconditions
from pantheon_git.features.deps.tokens import tokenise
from tests.support.deps import story


def linked(analysis: Analysis) -> set[tuple[str, str]]:
    return {(str(e.source), str(e.target)) for e in analysis.edges}


def test_the_things_a_given_clause_says_are_there() -> None:
    def things(text: str) -> list[set[str]]:
        return [set(forms[0]) for forms in preconditions(tokenise(text))]

    assert things("Given the monorepo foundation exists, packages/core/ exists") == [{"monorepo"}]
    assert things("Given the build tools are set up, `pnpm build` runs the build") == [
        {"build", "tool"}
    ]
    assert things("Given EventEmitter and the types exist, BaseGame.ts exists") == [
        {"eventemitter"},
        {"type"},
    ]
    assert things("Given a signed-in user, the list shows my documents") == []
    assert things("Given a habit exists, when I archive it, it leaves the list") == []
    assert things("Given the user exists, the page shows the account") == []
    assert things("The conversation repository exists") == []  # no Given: a description


def stated(stories: list[Story]) -> set[tuple[str, str]]:
    """The links the precondition rule alone finds."""
    facts = [story_facts(s, position=n) for n, s in enumerate(stories)]
    return {(str(e.source), str(e.target)) for e in precondition_edges(facts)}


def test_a_precondition_links_the_earlier_story_whose_title_has_its_words() -> None:
    found = stated(
        [
            story("US-1", "Monorepo initialization", "pnpm-workspace.yaml defines packages/*."),
            story("US-2", "Snake game package setup", "packages/snake/ with its own files."),
            story("US-3", "Snake game implementation", "The snake moves on a grid."),
            story("US-4", "Event emitter implementation", "Listeners per event."),
            story(
                "US-5",
                "Pong game package and implementation",
                acceptance_criteria=(
                    "Given the Snake game is complete, packages/pong/ holds the paddles",
                    "Given the monorepo foundation exists, the package builds",
                    "Given EventEmitter and the score exist, the paddles move",
                ),
            ),
            story(
                "US-6",
                "Docs",
                acceptance_criteria=("Given the release pipeline is configured, docs ship",),
            ),
        ]
    )
    # "the Snake game" is the title with no other words than those (not US-2's setup)
    assert found == {("US-3", "US-5"), ("US-1", "US-5"), ("US-4", "US-5")}


def test_a_precondition_never_points_forward() -> None:
    found = stated(
        [
            story("US-1", "Pong", acceptance_criteria=("Given the Snake game is complete, go",)),
            story("US-2", "Snake game implementation", "The snake moves on a grid."),
        ]
    )
    assert found == set()


def test_a_title_that_opens_with_a_class_name_makes_it_over_a_sentence_that_does() -> None:
    a = analyse(
        [
            story("US-1", "BaseGame abstract class", "A uniform API for every game."),
            story(
                "US-2",
                "GameConfig implementation",
                acceptance_criteria=("The BaseGame constructor accepts Partial<GameConfig>",),
            ),
            story("US-3", "Snake", acceptance_criteria=("SnakeGame extends BaseGame",)),
            story("US-4", "TypeScript type definitions", "The core types."),
            story("US-5", "Emitter", acceptance_criteria=("TypeScript refuses invalid events",)),
            story("US-6", "Docs", acceptance_criteria=("TypeScript and JavaScript examples",)),
        ]
    )
    assert ("US-1", "US-3") in linked(a)
    assert ("US-2", "US-3") not in linked(a)
    # a title that opens with a tool's name and ends in something else makes no tool
    assert ("US-4", "US-6") not in linked(a)
    assert ("US-5", "US-6") not in linked(a)
