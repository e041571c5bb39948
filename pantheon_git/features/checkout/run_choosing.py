"""What checkout chooses from: an epic's stories fresh from Rally, their dependencies from
the graph ``pantheon deps`` saved and Rally's Predecessors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pantheon_git.cache.dependencies import Graph
from pantheon_git.core import states
from pantheon_git.core.keys import StoryKey
from pantheon_git.features.checkout.choice import Candidate, Dependencies, is_available
from pantheon_git.rally.mapping import MapSettings
from pantheon_git.rally.query import eq, is_in
from pantheon_git.rally.records import STORY, StoryRecord

if TYPE_CHECKING:
    from datetime import datetime

    from pantheon_git.rally.client import RallyClient

LISTING_LIMIT = 2000
"""Stories read for a project-wide choice (a story without an epic)."""
BASE_FIELDS = (
    "FormattedID", "Name", "ScheduleState", "PlanEstimate", "DragAndDropRank", "Tasks",
    "Predecessors", "PortfolioItem", "Owner", "EmailAddress", "UserName",
)  # fmt: skip


def listing_fetch(settings: MapSettings) -> list[str]:
    n = settings.names
    locks = (n.locked_by, n.locked_at, n.lock_expiry, n.lock_token, n.branch)
    return [*BASE_FIELDS, n.pantheon_status, *locks]


def epic_of(story: StoryRecord) -> tuple[str | None, str | None]:
    """The story's epic: its FormattedID and title, when Rally names one."""
    epic = story.epic
    if epic is not None and epic.formatted_id:
        return epic.formatted_id, epic.name
    return None, None


def candidate(story: StoryRecord) -> Candidate:
    return Candidate(
        key=story.key or StoryKey.parse(story.formatted_id or ""),
        title=story.name,
        state=story.state,
        lock=story.lock,
        epic=epic_of(story)[0],
        task_count=story.task_count or 0,
        estimate=story.plan_estimate,
        rank=story.rank,
        owner=story.owner,
    )


def epic_stories(client: RallyClient, epic: str | None, settings: MapSettings) -> list[StoryRecord]:
    """The stories of an epic (FormattedID), or, for a story without one, the project's
    stories that could be taken: not started, or started and perhaps given back."""
    decode, fetch = settings.decoder, listing_fetch(settings)
    if epic:
        where = eq("PortfolioItem.FormattedID", epic)
        return client.query(STORY, where, decode=decode, fetch=fetch, order=("DragAndDropRank",))
    open_states = {
        states.schedule_state_of(state, settings.state_map) or state
        for state in (states.DEFINED, states.IN_PROGRESS)
    }
    return client.query(
        STORY,
        is_in("ScheduleState", sorted(open_states)),
        decode=decode,
        fetch=fetch,
        order=("DragAndDropRank",),
        limit=LISTING_LIMIT,
    )


@dataclass(frozen=True)
class Context:
    """Everything ``choose`` needs besides the stories."""

    deps: Dependencies
    known: Mapping[StoryKey, str]
    """Workflow states of predecessors outside the listing."""


def dependencies(
    client: RallyClient,
    *,
    graph: Graph | None,
    listing: Sequence[StoryRecord],
    settings: MapSettings,
    me: str,
    now: datetime,
) -> Context:
    """Edges of the dependency graph (``run_graph.current_graph``) plus Rally's Predecessors
    of the stories one could take, and the states of the predecessors that are not in
    ``listing``."""
    deps = Dependencies()
    if graph is not None:
        deps = Dependencies(
            frozenset((e.source, e.target) for e in graph.edges),
            frozenset(frozenset((c.a, c.b)) for c in graph.conflicts if c.a != c.b),
            from_analysis=True,
        )
    in_listing = {}
    for record in listing:
        story = candidate(record)
        in_listing[story.key] = (story, record)
    known: dict[StoryKey, str] = {}
    edges: list[tuple[StoryKey, StoryKey]] = []
    waiting = [
        (key, record.ref)
        for key, (story, record) in in_listing.items()
        if is_available(story, me, now) and record.predecessor_count
    ]
    for key, preds in _predecessors(client, waiting, settings):
        for pred in preds:
            if pred.key is not None:
                edges.append((pred.key, key))
                known[pred.key] = pred.state
    deps = deps.with_edges(edges)
    wanted = {a for a, b in deps.edges if b in in_listing} - set(in_listing) - set(known)
    known.update(_states(client, sorted(wanted), settings))
    return Context(deps, known)


def _predecessors(
    client: RallyClient, stories: Sequence[tuple[StoryKey, str]], settings: MapSettings
) -> list[tuple[StoryKey, list[StoryRecord]]]:
    """Rally's Predecessors of each story, fetched a few at a time (the client caps how many
    requests are in flight)."""

    fetch = ("FormattedID", "ScheduleState", settings.names.pantheon_status)
    if not stories:
        return []
    workers = min(len(stories), client.max_concurrency)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rally-preds") as pool:
        futures = [
            (
                key,
                pool.submit(
                    client.collection, ref, "Predecessors", decode=settings.decoder, fetch=fetch
                ),
            )
            for key, ref in stories
        ]
        return [(key, future.result()) for key, future in futures]


def _states(
    client: RallyClient, keys: Sequence[StoryKey], settings: MapSettings
) -> dict[StoryKey, str]:

    found: dict[StoryKey, str] = {}
    fetch = ("FormattedID", "ScheduleState", settings.names.pantheon_status)
    for start in range(0, len(keys), 50):
        chunk = [k.formatted_id for k in keys[start : start + 50]]
        where = is_in("FormattedID", chunk)
        decode = settings.decoder
        for story in client.query(STORY, where, decode=decode, fetch=fetch, whole_workspace=True):
            if story.key is not None:
                found[story.key] = story.state
    return found
