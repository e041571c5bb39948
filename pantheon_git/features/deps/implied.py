"""Inferred edges Rally's own order already implies.

A plan depends only on the order the edges impose (it works on their transitive reduction):
an inferred ``US-1 -> US-3`` where Rally's predecessors already run ``US-1 -> US-2 -> US-3``
changes nothing. ``--review`` lists such an edge apart, with the chain, and ``--accept-all``
does not write it (it would only clutter Rally's boards with a redundant predecessor).

Only Rally's predecessors between the analysed stories count (the analysis's ``explicit``
edges): a chain through a story the analysis did not read is not seen, and the edge stays a
proposal.

Cost: one pass over the components of Rally's graph tells what each story reaches (bit sets,
``graph.reach_sets``), so most proposals are answered at once; then one breadth-first search
from each source that reaches some of its targets, entering only stories that still reach one
of them, gives the shortest chains.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import networkx as nx

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps.graph import reach_sets, reaches
from pantheon_git.features.deps.model import Analysis, Edge, key_order

Pair = tuple[StoryKey, StoryKey]
Chain = tuple[StoryKey, ...]


@dataclass(frozen=True)
class Implied:
    """An inferred edge and the chain of Rally predecessors that already orders its stories
    (its source first, its target last)."""

    edge: Edge
    chain: Chain


def rally_chains(
    explicit: Iterable[Pair], proposed: Iterable[Pair], known: Collection[StoryKey]
) -> dict[Pair, Chain]:
    """The pairs of ``proposed`` that the ``explicit`` links (before, after) between the
    ``known`` stories order already, each with the shortest such chain; among chains of one
    length, the one through the smallest keys."""
    graph = nx.DiGraph()
    graph.add_edges_from((a, b) for a, b in explicit if a != b and a in known and b in known)
    if not graph:
        return {}
    sets = reach_sets(graph)
    wanted: dict[StoryKey, set[StoryKey]] = defaultdict(set)
    for source, target in proposed:
        if source != target and reaches(sets, source, target):
            wanted[source].add(target)
    if not wanted:
        return {}
    # the searches walk numbers, not keys (a key's hash is a dataclass's, slow in a loop)
    nodes = sorted(graph, key=key_order)
    number = {key: i for i, key in enumerate(nodes)}
    after = [sorted(number[n] for n in graph.successors(key)) for key in nodes]
    reach = [sets[key][0] for key in nodes]
    bit = [sets[key][1] for key in nodes]
    out: dict[Pair, Chain] = {}
    for source, targets in wanted.items():
        found = _shortest(after, reach, bit, number[source], {number[t] for t in targets})
        for end, path in found.items():
            out[(source, nodes[end])] = tuple(nodes[i] for i in path)
    return out


def _shortest(
    after: list[list[int]], reach: list[int], bit: list[int], source: int, targets: set[int]
) -> dict[int, list[int]]:
    """Breadth first from ``source`` (stories numbered in key order, ``after`` sorted): the
    path to each of ``targets``. A story that reaches none of them is not entered."""
    mask = 0
    for target in targets:
        mask |= 1 << bit[target]
    parent = {source: source}
    queue = deque([source])
    left = len(targets)
    while queue and left:
        node = queue.popleft()
        for nxt in after[node]:
            if nxt in parent or not reach[nxt] & mask:
                continue
            parent[nxt] = node
            if nxt in targets:
                left -= 1
            queue.append(nxt)
    found: dict[int, list[int]] = {}
    for target in targets:
        path = [target]
        while path[-1] != source:
            path.append(parent[path[-1]])
        found[target] = path[::-1]
    return found


def split(analysis: Analysis, edges: Sequence[Edge]) -> tuple[list[Edge], list[Implied]]:
    """``edges`` (inferred ones, as ``review.proposals`` gives them) in their order: those left
    to judge, and those Rally's predecessors between the analysed stories already imply."""
    chains = chains_of(analysis, edges)
    left: list[Edge] = []
    implied: list[Implied] = []
    for edge in edges:
        chain = chains.get((edge.source, edge.target))
        if chain:
            implied.append(Implied(edge, chain))
        else:
            left.append(edge)
    return left, implied


def chains_of(analysis: Analysis, edges: Iterable[Edge]) -> dict[Pair, Chain]:
    """``rally_chains`` of ``edges`` over the analysis's explicit edges and stories."""
    explicit = ((e.source, e.target) for e in analysis.edges if e.kind == "explicit")
    return rally_chains(explicit, ((e.source, e.target) for e in edges), analysis.stories)


def arrow(chain: Iterable[StoryKey]) -> str:
    """``US-1 -> US-2 -> US-3``."""
    return " -> ".join(map(str, chain))
