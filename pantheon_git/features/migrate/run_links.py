"""Story-to-story references ("depends on Story 1.2", "blocked by US-123") -> Rally
Predecessors, once every story of the run exists in Rally."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from pantheon_git.cache.journal import Journal
from pantheon_git.core.keys import StoryKey
from pantheon_git.errors import RallyNotFound, RallyValidationError
from pantheon_git.features.migrate.report import StoryOutcome
from pantheon_git.features.migrate.run_files import Candidate
from pantheon_git.rally import records

if TYPE_CHECKING:
    from pantheon_git.rally.client import RallyClient


def link_predecessors(
    client: RallyClient,
    journal: Journal,
    stories: Sequence[Candidate],
    outcomes: list[StoryOutcome],
    *,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[StoryOutcome], list[str]]:
    by_id: dict[str, list[str]] = {}
    for candidate, outcome in zip(stories, outcomes, strict=True):
        if outcome.key:
            by_id.setdefault(candidate.parsed.story_id, []).append(outcome.key)
    notes: list[str] = []
    result = list(outcomes)
    for index, (candidate, outcome) in enumerate(zip(stories, outcomes, strict=True)):
        if not outcome.key or not candidate.parsed.dependencies:
            continue
        if progress:
            progress(f"linking predecessors of {outcome.key}")
        wanted: list[str] = []
        for ref in candidate.parsed.dependencies:
            key, problem = _resolve(ref, by_id)
            if problem:
                notes.append(f"{outcome.key} ({candidate.rel}): {problem}")
            elif key and key != outcome.key:
                wanted.append(key)
        if wanted:
            linked, problems = _link(client, journal, outcome.key, wanted)
            notes += [f"{outcome.key}: {p}" for p in problems]
            result[index] = replace(outcome, predecessors=tuple(linked))
    return result, notes


def _resolve(ref: str, by_id: dict[str, list[str]]) -> tuple[str | None, str | None]:
    key = StoryKey.try_parse(ref)
    if key:
        return str(key), None
    found = by_id.get(ref, [])
    if len(found) == 1:
        return found[0], None
    if not found:
        return None, (
            f"depends on Story {ref}, which is not in this migration; link it in Rally by hand"
        )
    return None, f"depends on Story {ref}, but {len(found)} files are Story {ref}: not linked"


def _link(
    client: RallyClient, journal: Journal, key: str, wanted: list[str]
) -> tuple[list[str], list[str]]:
    fetch = ("ObjectID", "FormattedID")
    story = client.find_story(key, decode=records.entity, fetch=fetch)
    present = {
        p.formatted_id
        for p in client.collection(story, "Predecessors", decode=records.entity, fetch=fetch)
    }
    linked: list[str] = []
    problems: list[str] = []
    for other in wanted:
        formatted = StoryKey.parse(other).formatted_id
        if formatted in present:
            linked.append(other)
            continue
        try:
            target = client.find_story(other, decode=records.entity, fetch=fetch)
            client.collection_add(story, "Predecessors", [target])
        except (RallyNotFound, RallyValidationError) as exc:
            problems.append(f"predecessor {other} not linked: {exc.message}")
            continue
        journal.linked(story.ref, "Predecessors", target.ref)
        linked.append(other)
    return linked, problems
