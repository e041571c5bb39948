"""Packages of a monorepo: the story that makes ``@scope/name`` comes before the stories that
install it, depend on it or document it. The sentences are from the minigames backlog (see
tests/fixtures/deps/bmad/PROVENANCE.md)."""

from __future__ import annotations

from pantheon_git.features.deps import Analysis, analyse
from tests.support.deps import story


def linked(analysis: Analysis) -> dict[tuple[str, str], str]:
    return {(str(e.source), str(e.target)): e.confidence for e in analysis.edges}


def test_a_package_a_story_names_in_its_package_json_links_the_stories_that_use_it() -> None:
    a = analyse(
        [
            story(
                "US-1",
                "Core package structure",
                acceptance_criteria=(
                    'packages/core/package.json has name "@minigame/core", version "1.0.0"',
                ),
            ),
            story(
                "US-2",
                "Pong game",
                acceptance_criteria=("Every event emitted; published as @minigame/pong",),
            ),
            story(
                "US-3",
                "React wrapper",
                tasks=[
                    'package.json: name "@minigame/react", needs @minigame/core, @minigame/pong'
                ],
            ),
        ]
    )
    assert linked(a) == {("US-1", "US-3"): "low", ("US-2", "US-3"): "low"}
    assert "uses the package @minigame/core, which US-1 makes" in a.edges[0].evidence


def test_a_package_no_story_makes_is_a_library_and_links_nothing() -> None:
    a = analyse(
        [
            story(
                "US-1",
                "Apollo client",
                tasks=["Wrap the app with @apollo/client-integration-nextjs"],
            ),
            story("US-2", "Queries", tasks=["Use useQuery from @apollo/client-integration-nextjs"]),
        ]
    )
    assert linked(a) == {}


def test_a_package_named_before_the_story_that_makes_it_is_a_forward_mention() -> None:
    a = analyse(
        [
            story("US-1", "Docs", tasks=["The README lists @minigame/snake"]),
            story("US-2", "Snake", "As a developer I want the @minigame/snake package structure."),
        ]
    )
    assert linked(a) == {}
