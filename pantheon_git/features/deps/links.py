"""Dependencies a reader states: the pairs ``pantheon deps --link`` makes Rally predecessors,
whether or not the texts' rules inferred them.

Every pair is checked before anything is written: both stories analysed (as ``--accept``
checks them), and no pair closing a cycle with Rally's order (the predecessors between the
cached stories) and the call's other pairs; the refusal names the path that is already there:
``US-124 already comes before US-121 (US-124 -> US-130 -> US-121 in Rally)``. An inferred edge
never blocks a link: Rally's order wins over the texts (``graph.against_rally``), so a link may
overrule inferred edges, and ``RallyOrder.overruled_by`` names them for the report.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby, pairwise

import networkx as nx

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story
from pantheon_git.errors import UsageError
from pantheon_git.features.deps.graph import against_rally
from pantheon_git.features.deps.implied import arrow
from pantheon_git.features.deps.model import Analysis, Edge
from pantheon_git.features.deps.review import Choice, check_known
from pantheon_git.features.deps.rules import explicit_edges

Pair = tuple[StoryKey, StoryKey]
"""(before, after): ``after`` waits for ``before``."""


@dataclass(frozen=True)
class RallyOrder:
    """Rally's order as the cache holds it, and the inferred edges it may overrule."""

    links: frozenset[Pair]
    """Rally's predecessor links between the cached stories."""
    inferred: tuple[Edge, ...]
    """The analysis's inferred edges and hints (those Rally does not overrule yet)."""
    inferred_pairs: frozenset[Pair]
    """Every pair the rules found, Rally's own links with an inferred reason included."""

    def overruled_by(self, added: Iterable[Pair]) -> list[Edge]:
        """The inferred edges that ``added`` links, on top of Rally's, order the other way."""
        new = {pair for pair in added if pair not in self.links}
        if not new:
            return []
        _, before = against_rally(self.inferred, _stated(self.links))
        _, after = against_rally(self.inferred, _stated(self.links | new))
        already = {(e.source, e.target) for e in before}
        return [e for e in after if (e.source, e.target) not in already]


def rally_order(analysis: Analysis, cached: Sequence[Story]) -> RallyOrder:
    """``cached``: every story whose predecessors count (all the cached ones, when the
    analysis read only some epics: a loop may pass through another epic)."""
    inferred = tuple(e for e in (*analysis.edges, *analysis.hints) if e.kind != "explicit")
    also = {(e.source, e.target) for e in analysis.edges if e.kind == "explicit" and e.also}
    return RallyOrder(
        links=frozenset((e.source, e.target) for e in explicit_edges(cached)),
        inferred=inferred,
        inferred_pairs=frozenset({*((e.source, e.target) for e in inferred), *also}),
    )


def choose_links(analysis: Analysis, pairs: Sequence[Pair], order: RallyOrder) -> list[Choice]:
    """What to write for the pairs a reader states; ``UsageError`` when one names a story not
    analysed or closes a cycle."""
    check_known(analysis, pairs)
    check_loops(pairs, order.links)
    by_pair = {(e.source, e.target): e for e in order.inferred}
    return [
        Choice(
            source,
            target,
            by_pair.get((source, target)),
            in_rally=(source, target) in order.links,
            read=(source, target) not in order.inferred_pairs,
        )
        for source, target in pairs
    ]


def check_loops(pairs: Sequence[Pair], rally: Collection[Pair]) -> None:
    """Refuses the first pair whose later story already comes, through Rally's links and the
    other pairs, before its earlier one."""
    graph = nx.DiGraph()
    graph.add_edges_from(rally)
    graph.add_edges_from(pairs)
    component = {
        key: number
        for number, keys in enumerate(nx.strongly_connected_components(graph))
        for key in keys
    }
    for source, target in pairs:
        if (source, target) in rally or component[source] != component[target]:
            continue
        path = nx.shortest_path(graph, target, source)  # never through the pair itself
        raise UsageError(
            f"{source}:{target} would close a cycle: {target} already comes before {source} "
            f"({route(path, rally)})",
            hint="Leave the pair out; if the order already there is wrong, take that "
            "predecessor out of Rally first.",
        )


def route(path: Sequence[StoryKey], rally: Collection[Pair]) -> str:
    """``US-124 -> US-130 -> US-121 in Rally``, or a part in Rally and a part in this call."""
    steps = list(pairwise(path))
    parts = []
    for in_rally, run in groupby(steps, key=lambda step: step in rally):
        hops = list(run)
        keys = [hops[0][0], *(after for _, after in hops)]
        where = "in Rally" if in_rally else "asked in this call"
        parts.append(f"{arrow(keys)} {where}")
    return ", ".join(parts)


def _stated(pairs: Iterable[Pair]) -> list[Edge]:
    return [Edge(before, after, "explicit", "") for before, after in pairs]
