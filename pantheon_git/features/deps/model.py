"""The records the dependency analysis produces."""

from __future__ import annotations

from dataclasses import dataclass, field

from pantheon_git.core.keys import StoryKey


def key_order(key: StoryKey) -> tuple[str, int]:
    """Sort key for story keys (much cheaper than comparing the dataclasses)."""
    return (key.prefix, key.number)


# Strongest first: when several rules link the same pair, the first kind names the edge.
EDGE_KINDS = ("explicit", "data", "api", "functional")
CONFLICT_KINDS = ("file", "test")
# How sure an edge is, surest first: a Rally predecessor; an endpoint, a table, a foreign key or
# a column; a file or a code name one story makes and the other changes or uses; a mention in
# words (a thing, a quoted name, an outcome).
CONFIDENCE = ("explicit", "high", "medium", "low", "hint")
_BY_KIND = {"explicit": "explicit", "data": "high", "api": "high", "functional": "low"}


def confidence_rank(level: str) -> int:
    """0 for the surest level; unknown levels rank last."""
    return CONFIDENCE.index(level) if level in CONFIDENCE else len(CONFIDENCE)


@dataclass(frozen=True)
class Link:
    """One rule's reason for an edge or a conflict."""

    kind: str
    evidence: str
    confidence: str = ""


@dataclass(frozen=True)
class Edge:
    """``source`` must be done before ``target`` can start."""

    source: StoryKey
    target: StoryKey
    kind: str
    evidence: str
    also: tuple[Link, ...] = ()
    confidence: str = ""
    """One of ``CONFIDENCE``; by default what the kind implies (functional: low)."""

    def __post_init__(self) -> None:
        if not self.confidence:
            object.__setattr__(self, "confidence", _BY_KIND.get(self.kind, "low"))


@dataclass(frozen=True)
class Conflict:
    """``a`` and ``b`` must not run at the same time (order free). ``a < b``."""

    a: StoryKey
    b: StoryKey
    kind: str
    evidence: str
    paths: tuple[str, ...] = ()
    declared: str = ""
    """Who declared it and why when the team did (``deps --conflict``; ``declared by
    alice@example.com: one compose file``): no rule found it. Empty: a rule did."""


@dataclass(frozen=True)
class Declared:
    """A conflict the team declared (``deps --conflict``): ``a`` and ``b`` change one file the
    texts name in words. ``a < b`` (by ``key_order``); ``path`` the file when the team named
    it (as ``paths.as_path`` reads it), else ``None``; ``note`` who declared it and why, as the
    evidence gives it (``declared by alice@example.com: one compose file``)."""

    a: StoryKey
    b: StoryKey
    path: str | None = None
    note: str = "declared"


@dataclass(frozen=True)
class Cycle:
    """Stories that wait on each other, the edges that close the loop, and who waits on them."""

    stories: tuple[StoryKey, ...]
    edges: tuple[Edge, ...]
    blocks: tuple[StoryKey, ...]
    loop: tuple[StoryKey, ...] = ()
    """One closed path through the cycle, in order (for the report)."""


@dataclass(frozen=True)
class HotPath:
    """A file (or fixture) named by so many stories that pairwise conflicts say nothing."""

    path: str
    stories: tuple[StoryKey, ...]


@dataclass(frozen=True)
class StoryResult:
    key: StoryKey
    wave: int | None
    """1-based wave; independent stories get 1; ``None`` when a cycle blocks the story."""
    independent: bool
    independence: float
    predecessors: tuple[StoryKey, ...] = ()
    successors: tuple[StoryKey, ...] = ()
    conflicts: tuple[StoryKey, ...] = ()
    files: tuple[str, ...] = ()
    outside: tuple[StoryKey, ...] = ()
    """Rally predecessors that are not among the analysed stories (another epic, say)."""


@dataclass(frozen=True)
class Analysis:
    stories: dict[StoryKey, StoryResult]
    edges: tuple[Edge, ...]
    conflicts: tuple[Conflict, ...]
    waves: tuple[tuple[StoryKey, ...], ...]
    independent: tuple[StoryKey, ...]
    cycles: tuple[Cycle, ...] = ()
    hot_paths: tuple[HotPath, ...] = field(default=())
    hints: tuple[Edge, ...] = ()
    """Pairs the texts suggest but not surely enough to plan on (confidence ``hint``): not in
    the graph, listed by ``--review --min-confidence hint``."""
    overruled: tuple[Edge, ...] = ()
    """Inferred edges (hints too) that Rally's predecessors order the other way: not in the
    graph and never proposed for Rally."""
    dismissed: tuple[Edge, ...] = ()
    """Inferred edges (hints too) the team dismissed as wrong (``deps --dismiss``): not in
    the graph and never proposed for Rally."""
    dismissed_conflicts: tuple[Conflict, ...] = ()
    """The conflicts the files the team dismissed (``deps --dismiss-file``) would make, each
    with those files as its ``paths``; a pair that shares another file is in ``conflicts``
    too, on that file."""
