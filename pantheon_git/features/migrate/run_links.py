"""Story-to-story references ("depends on Story 1.2", "blocked by US-123", an epics file's
"Prerequisites: Epic 1" and an epic's own "Dependencies: Epic 1") -> Rally Predecessors, once
every story of the run exists in Rally."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from pantheon_git.cache.journal import Journal
from pantheon_git.core.keys import StoryKey
from pantheon_git.errors import RallyNotFound, RallyValidationError
from pantheon_git.features.migrate.candidates import Candidate
from pantheon_git.features.migrate.links import plan_links
from pantheon_git.features.migrate.report import StoryOutcome
from pantheon_git.rally import records

if TYPE_CHECKING:
    from pantheon_git.rally.client import RallyClient


def link_predecessors(
    client: RallyClient,
    journal: Journal,
    stories: Sequence[Candidate],
    outcomes: list[StoryOutcome],
    *,
    known: Sequence[Candidate] = (),
    progress: Callable[[str], None] | None = None,
) -> tuple[list[StoryOutcome], list[str]]:
    """``known``: every story of the epics files read, also those of other BMAD epics; one
    with a Rally line (migrated by an earlier run) can be a predecessor too."""
    keys = [outcome.key for outcome in outcomes]
    planned, notes = plan_links(stories, keys, known)
    result = list(outcomes)
    for index, (outcome, wanted) in enumerate(zip(outcomes, planned, strict=True)):
        if not outcome.key or not wanted:
            continue
        if progress:
            progress(f"linking predecessors of {outcome.key}")
        linked, problems = _link(client, journal, outcome.key, list(wanted))
        notes += [f"{outcome.key}: {p}" for p in problems]
        result[index] = replace(outcome, predecessors=tuple(linked))
    return result, notes


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
