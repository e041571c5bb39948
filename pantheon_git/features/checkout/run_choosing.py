"""What checkout chooses from: an epic's stories fresh from Rally, their dependencies from
the graph ``pantheon deps`` saved and Rally's Predecessors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pantheon_git.cache import dependencies as cached_graph
from pantheon_git.core import fields as lockfields
from pantheon_git.core import states
from pantheon_git.core.keys import StoryKey
from pantheon_git.features.checkout.choice import Candidate, Dependencies, is_available
from pantheon_git.rally.mapping import MapSettings, summary_values
from pantheon_git.rally.query import eq, is_in

if TYPE_CHECKING:
    from datetime import datetime

    from pantheon_git.cache.store import Cache
    from pantheon_git.rally.client import RallyClient

STORY = "HierarchicalRequirement"
LISTING_LIMIT = 2000
"""Stories read for a project-wide choice (a story without an epic)."""
BASE_FIELDS = (
    "FormattedID", "Name", "ScheduleState", "PlanEstimate", "DragAndDropRank", "Tasks",
    "Predecessors", "PortfolioItem",
)  # fmt: skip


def listing_fetch(settings: MapSettings) -> list[str]:
    n = settings.names
    return [*BASE_FIELDS, n.pantheon_status, n.locked_by, n.locked_at, n.lock_expiry, n.branch]


def state_of(raw: Mapping[str, Any], settings: MapSettings) -> str:
    return states.workflow_state(
        _text(raw.get("ScheduleState")),
        _text(raw.get(settings.names.pantheon_status)),
        settings.state_map,
    )


def epic_of(raw: Mapping[str, Any]) -> tuple[str | None, str | None]:
    parent = raw.get("PortfolioItem")
    if isinstance(parent, Mapping) and parent.get("FormattedID"):
        name = parent.get("Name") or parent.get("_refObjectName")
        return str(parent["FormattedID"]), str(name) if name else None
    return None, None


def candidate(raw: Mapping[str, Any], settings: MapSettings) -> Candidate:
    tasks = raw.get("Tasks")
    count = tasks.get("Count", 0) if isinstance(tasks, Mapping) else len(tasks or ())
    estimate = raw.get("PlanEstimate")
    return Candidate(
        key=StoryKey.parse(str(raw["FormattedID"])),
        title=str(raw.get("Name") or ""),
        state=state_of(raw, settings),
        lock=lockfields.from_fields(raw, settings.default_lock_hours, settings.names.lock),
        epic=epic_of(raw)[0],
        task_count=int(count or 0),
        estimate=float(estimate) if isinstance(estimate, int | float) else None,
        rank=_text(raw.get("DragAndDropRank")),
    )


def epic_stories(
    client: RallyClient, epic: str | None, settings: MapSettings
) -> list[dict[str, Any]]:
    """The stories of an epic (FormattedID), or the project's Defined stories without one."""

    if epic:
        where = eq("PortfolioItem.FormattedID", epic)
        return client.query(STORY, where, fetch=listing_fetch(settings), order=("DragAndDropRank",))
    where = eq("ScheduleState", settings.state_map[states.DEFINED]["ScheduleState"])
    return client.query(
        STORY, where, fetch=listing_fetch(settings), order=("DragAndDropRank",), limit=LISTING_LIMIT
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
    cache: Cache,
    listing: Sequence[Mapping[str, Any]],
    settings: MapSettings,
    me: str,
    now: datetime,
) -> Context:
    """Edges of the saved dependency graph (if any) plus Rally's Predecessors of the stories
    one could take, and the states of the predecessors that are not in ``listing``. A graph
    this version did not write stops the checkout before anything is locked (exit 3)."""
    deps = Dependencies()
    graph = cached_graph.read(cache)
    if graph is not None:
        deps = Dependencies(
            frozenset((e.source, e.target) for e in graph.edges),
            frozenset(frozenset((c.a, c.b)) for c in graph.conflicts if c.a != c.b),
            from_analysis=True,
        )
    in_listing = {}
    for raw in listing:
        story = candidate(raw, settings)
        in_listing[story.key] = (story, raw)
    known: dict[StoryKey, str] = {}
    edges: list[tuple[StoryKey, StoryKey]] = []
    waiting = [
        (key, str(raw["_ref"]))
        for key, (story, raw) in in_listing.items()
        if is_available(story, me, now) and _count(raw.get("Predecessors"))
    ]
    for key, preds in _predecessors(client, waiting, settings):
        for pred in preds:
            pred_key = StoryKey.try_parse(str(pred.get("FormattedID") or ""))
            if pred_key is not None:
                edges.append((pred_key, key))
                known[pred_key] = state_of(pred, settings)
    deps = deps.with_edges(edges)
    wanted = {a for a, b in deps.edges if b in in_listing} - set(in_listing) - set(known)
    known.update(_states(client, sorted(wanted), settings))
    return Context(deps, known)


def _predecessors(
    client: RallyClient, stories: Sequence[tuple[StoryKey, str]], settings: MapSettings
) -> list[tuple[StoryKey, list[dict[str, Any]]]]:
    """Rally's Predecessors of each story, fetched a few at a time (the client caps how many
    requests are in flight)."""

    fetch = ("FormattedID", "ScheduleState", settings.names.pantheon_status)
    if not stories:
        return []
    workers = min(len(stories), client.max_concurrency)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rally-preds") as pool:
        futures = [
            (key, pool.submit(client.collection, ref, "Predecessors", fetch=fetch))
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
        for raw in client.query(STORY, where, fetch=fetch, whole_workspace=True):
            key = StoryKey.try_parse(str(raw.get("FormattedID") or ""))
            if key is not None:
                found[key] = state_of(raw, settings)
    return found


def _count(collection: Any) -> int:
    if isinstance(collection, Mapping):
        count = collection.get("Count")
        if isinstance(count, int):
            return count
        return len(summary_values(collection, "FormattedID"))
    return len(collection or ())


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
