"""Waves, cycles and independence scores from the edges and conflicts.

* Waves are the topological generations of the stories that have at least one dependency
  edge: wave 1 waits on nothing, wave n waits only on waves before it.
* A story with no dependency edge is independent: it can run in any wave (its conflicts still
  keep it apart from its partners, which the planner honours).
* Rally's order wins: an inferred edge B -> A is left out (and listed apart) when Rally's
  predecessors already put A before B, directly or through other predecessors. A team that
  stated its order (a migrated epics file's prerequisites, accepted edges) plans on it.
* A cycle (stories that wait on each other) is reported with its stories and edges, and so is
  every story downstream of it: they get no wave. No other edge is dropped to make the rest fit.
* Independence score, in (0, 1]:  ``1 / (1 + p + s/2 + c/2)`` with ``p`` the stories it
  waits on (Rally predecessors outside the analysed stories included), ``s`` the stories
  waiting on it and ``c`` the stories it conflicts with. Waiting counts fully because it
  delays the start; being waited on and conflicts only constrain the schedule, so they count
  half. 1.0 means no edge and no conflict.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import networkx as nx

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps.model import Conflict, Cycle, Edge, key_order


def independence(waits_on: int, waited_on_by: int, conflicts: int) -> float:
    return round(1.0 / (1.0 + waits_on + waited_on_by / 2 + conflicts / 2), 3)


def dependency_graph(keys: Iterable[StoryKey], edges: Iterable[Edge]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(keys)
    graph.add_edges_from((e.source, e.target) for e in edges)
    return graph


def against_rally(edges: Sequence[Edge], explicit: Sequence[Edge]) -> tuple[list[Edge], list[Edge]]:
    """``edges`` split into those kept and the inferred ones that Rally's predecessors
    (``explicit``) order the other way: the target comes, through them alone, before the
    source."""
    stated = nx.DiGraph()
    stated.add_edges_from((e.source, e.target) for e in explicit)
    after = reach_sets(stated)
    kept: list[Edge] = []
    overruled: list[Edge] = []
    for edge in edges:
        if edge.kind != "explicit" and reaches(after, edge.target, edge.source):
            overruled.append(edge)
        else:
            kept.append(edge)
    return kept, overruled


def reach_sets(graph: nx.DiGraph) -> dict[StoryKey, tuple[int, int]]:
    """Each story -> (the stories it reaches, as a bit set of components; its component's bit
    number). One pass over the components in reverse topological order: a set of 10,000
    stories is 1.25 KB, so a long chain of predecessors costs milliseconds, not a walk per
    edge."""
    if not graph:
        return {}
    dag = nx.condensation(graph)
    reach: dict[int, int] = {}
    for component in reversed(list(nx.topological_sort(dag))):
        bits = 1 << component
        for successor in dag.successors(component):
            bits |= reach[successor]
        reach[component] = bits
    return {node: (reach[c], c) for node, c in dag.graph["mapping"].items()}


def reaches(sets: dict[StoryKey, tuple[int, int]], a: StoryKey, b: StoryKey) -> bool:
    """Whether ``a`` comes before ``b`` through the edges ``sets`` was made of (``reach_sets``;
    a story in a cycle reaches the others of its cycle)."""
    first, second = sets.get(a), sets.get(b)
    return bool(first and second and first[0] >> second[1] & 1)


def find_cycles(graph: nx.DiGraph, edges: Sequence[Edge]) -> list[Cycle]:
    """Each group of stories that wait on each other, with the stories it blocks."""
    if nx.is_directed_acyclic_graph(graph):  # the usual case, and cheaper to ask first
        return []
    by_pair = {(e.source, e.target): e for e in edges}
    cycles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        loop = tuple(u for u, _v in nx.find_cycle(graph.subgraph(component)))
        inside = sorted(
            (e for (u, v), e in by_pair.items() if u in component and v in component),
            key=lambda e: (e.source, e.target),
        )
        blocks = tuple(sorted(_reachable(graph, component) - set(component)))
        cycles.append(Cycle(tuple(sorted(component)), tuple(inside), blocks, loop))
    return sorted(cycles, key=lambda c: min(c.stories))


def waves_of(
    graph: nx.DiGraph, cycles: Sequence[Cycle]
) -> tuple[list[list[StoryKey]], list[StoryKey]]:
    """``(waves, independent)``; stories in or behind a cycle are in neither."""
    stuck: set[StoryKey] = set()
    for cycle in cycles:
        stuck.update(cycle.stories)
        stuck.update(cycle.blocks)
    degree = dict(graph.degree())
    independent = sorted((n for n, d in degree.items() if d == 0), key=key_order)
    if stuck:
        linked = nx.DiGraph()  # a real graph, not a subgraph view: views are slow to walk
        linked.add_nodes_from(n for n, d in degree.items() if d > 0 and n not in stuck)
        linked.add_edges_from((u, v) for u, v in graph.edges if u in linked and v in linked)
        generations = list(nx.topological_generations(linked))
    else:  # stories without edges sit in the first generation only: leave them out
        generations = [[n for n in gen if degree[n]] for gen in nx.topological_generations(graph)]
    return [sorted(gen, key=key_order) for gen in generations if gen], independent


def conflict_partners(conflicts: Iterable[Conflict]) -> dict[StoryKey, set[StoryKey]]:
    partners: dict[StoryKey, set[StoryKey]] = defaultdict(set)
    for c in conflicts:
        partners[c.a].add(c.b)
        partners[c.b].add(c.a)
    return partners


def _reachable(graph: nx.DiGraph, sources: Iterable[StoryKey]) -> set[StoryKey]:
    """Every node reachable from ``sources`` (one search for all of them)."""
    seen = set(sources)
    todo = list(seen)
    while todo:
        for nxt in graph.successors(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
