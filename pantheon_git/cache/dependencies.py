"""``dependencies.json``: the dependency graph ``pantheon deps`` computed (and its copy
``epic-17-dependencies.json`` when one epic was analysed).

Schema 2::

    {"schema": 2,
     "scope": [{"epics": ["F17"], "whole_project": false, "stories": 12, "inferred": true,
                "dismissed": ["US-121:US-124"], "dismissed_files": ["data/app_state.json"],
                "declared": ["US-121:US-130 docker-compose.yml"],
                "computed_at": "2026-03-01T09:00:00.000Z",
                "synced_at": "2026-03-01T08:55:00.000Z"}],
     "generated_at": "...", "epics": ["F17"],      # the newest part's time, every part's epics
     "stories": [{"key": "US-120", "title", "epic", "files": [...], ...}],
     "edges": [{"from": "US-120", "to": "US-121", "kind", "evidence", ...}],   # "to" waits
     "conflicts": [{"a", "b", "kind", "evidence", ...}],                          # not together
     "waves": [[...]], "independent": [...], "cycles": [...], "hot_files": [...]}

``scope`` lists the analyses the graph holds, each with the epics whose stories it read (or
``whole_project``: every story, those without an epic too), when it ran and the sync it read:
a graph older than the cache, or missing an epic, can be told (:meth:`Graph.current_for`).
``inferred``: whether its edges include those the texts suggest (the ``deps_inferred`` setting
it ran under; absent in older files: true), so a graph made under the other setting is
analysed again rather than used. ``dismissed``: the pairs the team had dismissed
(``pantheon deps --dismiss``; absent in older files: none), for the same reason, and so do
``dismissed_files`` (``pantheon deps --dismiss-file``) and ``declared`` (the conflicts the team
declared, ``pantheon deps --conflict``: the pair and, when named, its file).
``pantheon deps --epic 18`` after ``--epic 17`` analyses both epics' stories together into
this file (one part naming both), so it stays the project-wide graph; the one epic's analysis
goes to ``epic-18-dependencies.json``.

Readers get a ``Graph``: the parts they use typed (stories with their files, edges, conflicts)
and the whole document as written (``document``, what ``pantheon deps --json`` prints).
Schema 1 (no ``scope``) is refused: ``pantheon deps`` writes it again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantheon_git.cache import document
from pantheon_git.cache.document import Fields
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.timefmt import format_time

if TYPE_CHECKING:
    from pantheon_git.cache.store import Cache

KIND = document.Kind("dependencies.json", 2, "pantheon deps")


def epic_copy(number: int) -> str:
    """The name of the copy kept for one epic's analysis."""
    return f"epic-{number}-dependencies.json"


@dataclass(frozen=True)
class Part:
    """One analysis the graph holds."""

    epics: tuple[str, ...]
    """FormattedIDs of the epics whose stories it analysed."""
    whole_project: bool
    """It was asked for every story of the cache (stories without an epic too)."""
    stories: int
    computed_at: datetime
    synced_at: datetime | None
    """The last sync of the cache it read."""
    inferred: bool = True
    """Its edges include those the texts suggest (``deps_inferred``), not Rally's alone."""
    dismissed: tuple[str, ...] = ()
    """The pairs (``US-1:US-2``) the team had dismissed, which it left out, sorted."""
    dismissed_files: tuple[str, ...] = ()
    """The paths the team had judged no conflict, sorted."""
    declared: tuple[str, ...] = ()
    """The conflicts the team had declared (``US-1:US-2`` or ``US-1:US-2 compose.yaml``),
    sorted."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "epics": list(self.epics),
            "whole_project": self.whole_project,
            "stories": self.stories,
            "inferred": self.inferred,
            "dismissed": list(self.dismissed),
            "dismissed_files": list(self.dismissed_files),
            "declared": list(self.declared),
            "computed_at": format_time(self.computed_at),
            "synced_at": format_time(self.synced_at) if self.synced_at else None,
        }


@dataclass(frozen=True)
class Row:
    key: StoryKey
    title: str
    epic: str | None
    files: tuple[str, ...]
    """Files the story names or its branch changes."""


@dataclass(frozen=True)
class Edge:
    source: StoryKey
    target: StoryKey
    """Waits for ``source``."""
    kind: str


@dataclass(frozen=True)
class Conflict:
    a: StoryKey
    b: StoryKey
    kind: str


@dataclass(frozen=True)
class Graph:
    scope: tuple[Part, ...]
    stories: tuple[Row, ...]
    edges: tuple[Edge, ...]
    conflicts: tuple[Conflict, ...]
    document: Mapping[str, Any]

    def keys(self) -> frozenset[StoryKey]:
        return frozenset(row.key for row in self.stories)

    def covers(self, keys: Collection[StoryKey]) -> bool:
        return set(keys) <= self.keys()

    def titles(self) -> dict[StoryKey, str]:
        return {row.key: row.title for row in self.stories if row.title}

    def epics(self) -> frozenset[str]:
        """The epics (FormattedIDs) whose stories the graph's analyses read."""
        return frozenset(epic for part in self.scope for epic in part.epics)

    @property
    def whole_project(self) -> bool:
        return any(part.whole_project for part in self.scope)

    @property
    def inferred(self) -> bool:
        """Whether its edges include the texts' (every analysis it holds ran so)."""
        return all(part.inferred for part in self.scope)

    def made_otherwise(
        self,
        inferred: bool,
        dismissed: Sequence[str],
        files: Sequence[str] = (),
        declared: Sequence[str] = (),
    ) -> str:
        """Why the graph cannot stand for an analysis run with ``inferred``, the ``dismissed``
        pairs (sorted ``US-1:US-2``), the dismissed ``files`` (sorted) and the ``declared``
        conflicts (sorted, as ``Part.declared``): it was made with other ones (empty when
        not)."""
        if self.inferred != inferred:
            return f"was made with deps_inferred: {str(self.inferred).lower()}"
        for field, now, what in (
            ("dismissed", dismissed, "dismissed dependencies"),
            ("dismissed_files", files, "dismissed files"),
            ("declared", declared, "declared conflicts"),
        ):
            if any(getattr(part, field) != tuple(now) for part in self.scope):
                return f"was made before the {what} changed"
        return ""

    def current_for(
        self, keys: Collection[StoryKey], epics: Collection[str], last_sync: datetime | None
    ) -> bool:
        """Whether the graph can answer for ``keys`` of ``epics``: it holds every one of them,
        its analyses read those epics (or the whole project), and none read an older cache
        than the last sync."""
        scoped = self.whole_project or set(epics) <= self.epics()
        fresh = last_sync is None or all(
            part.synced_at is not None and part.synced_at >= last_sync for part in self.scope
        )
        return scoped and fresh and self.covers(keys)


def build(analysis: Mapping[str, Any], scope: Sequence[Part]) -> Graph:
    """The graph of an analysis document (``features/deps/document.py``) and its scope: what
    ``write`` saves. A document this module could not read back is a bug (``Bad``)."""
    doc = document.new(
        KIND,
        scope=[part.to_dict() for part in scope],
        generated_at=format_time(max(part.computed_at for part in scope)),
        epics=sorted({epic for part in scope for epic in part.epics}),
        **{k: v for k, v in analysis.items() if k not in ("schema", "scope")},
    )
    return parse(document.checked(doc, KIND))


def write(
    cache: Cache, graph: Graph, *, epic: int | None = None, epic_graph: Graph | None = None
) -> list[Path]:
    """Save the graph (atomic), and, when ``epic`` is given, that epic's own analysis
    (``epic_graph``, else the graph itself) as its copy."""
    saved = [cache.write_json(KIND.name, graph.document)]
    if epic is not None:
        saved.append(cache.write_json(epic_copy(epic), (epic_graph or graph).document))
    return saved


def read(cache: Cache) -> Graph | None:
    return document.read(cache, KIND, parse)


def parse(fields: Fields) -> Graph:
    scope = tuple(
        Part(
            epics=part.texts("epics"),
            whole_project=part.flag("whole_project"),
            stories=part.integer("stories"),
            computed_at=part.time("computed_at"),
            synced_at=part.opt_time("synced_at"),
            inferred=part.flag("inferred", True),
            dismissed=part.texts("dismissed", ()),
            dismissed_files=part.texts("dismissed_files", ()),
            declared=part.texts("declared", ()),
        )
        for part in fields.objs("scope")
    )
    if not scope:
        raise document.Bad("scope: empty")
    rows = tuple(
        Row(row.key("key"), row.text("title", ""), row.opt_text("epic"), row.texts("files", []))
        for row in fields.objs("stories")
    )
    edges = tuple(
        Edge(edge.key("from"), edge.key("to"), edge.text("kind")) for edge in fields.objs("edges")
    )
    conflicts = tuple(
        Conflict(pair.key("a"), pair.key("b"), pair.text("kind"))
        for pair in fields.objs("conflicts")
    )
    for wave in fields.items("waves"):
        if not isinstance(wave, list):
            raise document.Bad(f"waves: expected lists of story keys, found {wave!r}"[:200])
    fields.keys("independent")
    fields.items("cycles")
    fields.items("hot_files", [])
    return Graph(scope, rows, edges, conflicts, fields.doc)
