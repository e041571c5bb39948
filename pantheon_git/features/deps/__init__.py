"""Dependency analysis: stories in, dependency graph out (pure; networkx for the graph).

Rules (see ``rules.py``): explicit (Rally predecessors), functional (B mentions a thing A
creates), data (B references a table A creates), api (B calls an endpoint A implements), and
the conflicts file (both name the same file or change it on their branches) and test (both
touch the same shared test fixture). ``graph.py`` turns edges into waves, cycles and scores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from typing import Protocol, TypeVar

import networkx as nx

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.perf import paused_gc
from pantheon_git.core.story import Story
from pantheon_git.features.deps import declared as team_conflicts
from pantheon_git.features.deps import (
    fileedges,
    graph,
    introrule,
    journeys,
    namerules,
    packages,
    preconditions,
    resources,
    rules,
    titlephrases,
)
from pantheon_git.features.deps.facts import Facts, declared_files, story_facts
from pantheon_git.features.deps.model import (
    Analysis,
    Conflict,
    Cycle,
    Declared,
    Edge,
    StoryResult,
    key_order,
)
from pantheon_git.features.deps.order import backlog_positions
from pantheon_git.features.deps.samefiles import full_paths
from pantheon_git.features.deps.tokens import Sentence

__all__ = [
    "Analysis",
    "Beside",
    "Conflict",
    "Cycle",
    "Declared",
    "Edge",
    "StoryResult",
    "analyse",
]

T = TypeVar("T")

TWO_PROCESSES_FROM = 2000
"""Stories from which the analysis hands part of its work to ``beside`` (see ``analyse``)."""


class Beside(Protocol):
    """Runs ``fn`` elsewhere while the caller works: the context yields a function returning
    ``fn()``'s result (``pantheon_git.forked.beside`` runs it in a second process)."""

    def __call__(self, fn: Callable[[], T], /) -> AbstractContextManager[Callable[[], T]]: ...


@contextmanager
def here(fn: Callable[[], T], /) -> Iterator[Callable[[], T]]:
    """Runs ``fn`` in this process, when its result is asked for."""
    yield fn


def analyse(
    stories: Sequence[Story],
    branch_files: Mapping[StoryKey, Set[str]] | None = None,
    *,
    beside: Beside = here,
    inferred: bool = True,
    dismissed: Set[tuple[StoryKey, StoryKey]] = frozenset(),
    dismissed_files: Set[str] = frozenset(),
    declared: Sequence[Declared] = (),
) -> Analysis:
    """The dependency graph of ``stories``.

    ``branch_files`` maps a story to the files its story branch already changes (from git);
    two stories whose files meet conflict even when their texts name no file. From
    ``TWO_PROCESSES_FROM`` stories, part of the work runs through ``beside`` while the rest
    runs here; the result is the same wherever it runs. ``inferred=False`` (the
    ``deps_inferred`` setting): the graph holds Rally's predecessors only, and the edges the
    texts suggest are hints with their confidence (``--review`` lists them); conflicts stay.
    ``dismissed``: ``(before, after)`` pairs the team judged wrong (``deps --dismiss``): an
    edge or hint the texts suggest for such a pair is left out (``Analysis.dismissed``); a
    Rally predecessor never is. ``dismissed_files``: paths the team judged no conflict
    (``deps --dismiss-file``): two stories whose only shared files they are do not conflict
    (``Analysis.dismissed_conflicts`` lists what they would have made); story branches'
    files too, for this graph only. ``declared``: conflicts the team declared
    (``deps --conflict``; ``Declared(a, b, path or None, note)``): each pair of analysed stories
    is a ``file`` conflict (``Conflict.declared``, its ``paths`` the path or empty, its
    evidence the note) unless the analysis finds that pair itself (it keeps its own); a
    dismissed file does not remove a declared conflict.
    """
    unique = list({s.key: s for s in stories}.values())
    if len(unique) < TWO_PROCESSES_FROM:
        beside = here
    with paused_gc():
        judged = (dismissed, dismissed_files, declared)
        return _analyse(unique, branch_files or {}, beside, inferred, judged)


def _analyse(
    unique: list[Story],
    changed: Mapping[StoryKey, Set[str]],
    beside: Beside,
    inferred: bool,
    judged: tuple[Set[tuple[StoryKey, StoryKey]], Set[str], Sequence[Declared]],
) -> Analysis:
    dismissed, dismissed_files, declared = judged
    position = backlog_positions(unique)

    def facts_of(part: Sequence[Story]) -> list[Facts]:
        read: dict[str, Sentence] = {}  # each distinct sentence is read once
        return [story_facts(s, changed.get(s.key, ()), position[s.key], read) for s in part]

    # A story's facts depend on it alone, and each rule's edges on the facts: both split in
    # two. The results keep their order. ``beside`` also sends its facts back: it takes fewer.
    cut = 0 if beside is here else len(unique) * 9 // 20
    with beside(lambda: facts_of(unique[:cut])) as first:
        rest = facts_of(unique[cut:])
        all_facts = [_sets_made_here(f, changed) for f in first()] + rest
    same = full_paths(all_facts)  # one file under two paths
    with beside(lambda: _names_and_intros(all_facts)) as theirs:
        by_words = [
            *rules.explicit_edges(unique),
            *rules.data_edges(all_facts),
            *rules.column_edges(all_facts),
            *rules.api_edges(all_facts),
            *rules.functional_edges(all_facts),
        ]
        by_files = [
            *fileedges.file_edges(all_facts, rules.HOT_PATH_LIMIT, same),
            *namerules.label_edges(all_facts),
            *fileedges.folder_edges(all_facts, rules.HOT_PATH_LIMIT),
            *namerules.entity_edges(all_facts),
            *namerules.outcome_edges(all_facts),
        ]
        by_kinds = [
            *preconditions.precondition_edges(all_facts),
            *journeys.journey_edges(all_facts),
            *packages.package_edges(all_facts),
            *resources.resource_edges(all_facts),
            *titlephrases.title_phrase_edges(all_facts),
        ]
        conflicts, hot, files_out = rules.conflicts(all_facts, same, dismissed_files)
        names, intros = theirs()
    conflicts = team_conflicts.add(conflicts, declared, {s.key for s in unique})
    found = [*by_words, *names, *by_files, *intros, *by_kinds]
    found = [e for e in found if e.source != e.target]  # no rule's evidence makes a self-wait
    edges = rules.merge_edges(e for e in found if e.confidence != "hint")
    sure = {(e.source, e.target) for e in edges}
    hints = rules.merge_edges(
        e for e in found if e.confidence == "hint" and (e.source, e.target) not in sure
    )
    edges, hints, left_out = _dismiss(edges, hints, dismissed)
    explicit = [e for e in edges if e.kind == "explicit"]
    kept, overruled = graph.against_rally([*edges, *hints], explicit)  # one reachability pass
    edges = [e for e in kept if e.confidence != "hint"]
    hints = [e for e in kept if e.confidence == "hint"]
    if not inferred:  # Rally's order only: what the texts suggest is listed, not planned on
        hints = [*(e for e in edges if e.kind != "explicit"), *hints]
        edges = [e for e in edges if e.kind == "explicit"]
    dep_graph = graph.dependency_graph((s.key for s in unique), edges)
    cycles = graph.find_cycles(dep_graph, edges)
    waves, independent = graph.waves_of(dep_graph, cycles)
    known = {s.key for s in unique}
    outside = {s.key: tuple(p for p in s.predecessors if p not in known) for s in unique}
    results = _results(all_facts, dep_graph, conflicts, waves, independent)
    for key, keys in outside.items():
        if keys:  # they still wait: the score counts them with the other predecessors
            r = results[key]
            score = graph.independence(
                len(r.predecessors) + len(keys), len(r.successors), len(r.conflicts)
            )
            results[key] = replace(r, outside=keys, independence=score)
    return Analysis(
        stories=results,
        edges=tuple(edges),
        conflicts=tuple(conflicts),
        waves=tuple(tuple(w) for w in waves),
        independent=tuple(independent),
        cycles=tuple(cycles),
        hot_paths=tuple(hot),
        hints=tuple(hints),
        overruled=tuple(overruled),
        dismissed=tuple(left_out),
        dismissed_conflicts=tuple(files_out),
    )


def _dismiss(
    edges: list[Edge], hints: list[Edge], dismissed: Set[tuple[StoryKey, StoryKey]]
) -> tuple[list[Edge], list[Edge], list[Edge]]:
    """``edges`` and ``hints`` without the inferred ones the team dismissed, and those."""
    if not dismissed:
        return edges, hints, []

    def out(e: Edge) -> bool:
        return e.kind != "explicit" and (e.source, e.target) in dismissed

    left_out = [e for e in (*edges, *hints) if out(e)]
    return [e for e in edges if not out(e)], [e for e in hints if not out(e)], left_out


def _sets_made_here(facts: Facts, changed: Mapping[StoryKey, Set[str]]) -> Facts:
    """``facts`` with its set of branch files made in this process, as in one process: a set
    rebuilt from a pickle holds the same paths but may list them in another order."""
    if not facts.branch_files:
        return facts
    return replace(facts, branch_files=frozenset(changed.get(facts.key, ())))


def _names_and_intros(all_facts: Sequence[Facts]) -> tuple[list[Edge], list[Edge]]:
    names = list(namerules.name_edges(all_facts))
    intros = [*introrule.intro_edges(all_facts), *introrule.code_hints(all_facts)]
    return names, intros


def _results(
    all_facts: Sequence[Facts],
    dep_graph: nx.DiGraph,
    conflicts: Sequence[Conflict],
    waves: Sequence[Sequence[StoryKey]],
    independent: Sequence[StoryKey],
) -> dict[StoryKey, StoryResult]:
    wave_of = {key: i for i, wave in enumerate(waves, 1) for key in wave}
    wave_of.update(dict.fromkeys(independent, 1))
    partners = graph.conflict_partners(conflicts)
    alone = set(independent)
    out = {}
    for facts in sorted(all_facts, key=lambda f: key_order(f.key)):
        preds = tuple(sorted(dep_graph.predecessors(facts.key), key=key_order))
        succs = tuple(sorted(dep_graph.successors(facts.key), key=key_order))
        mates = tuple(sorted(partners.get(facts.key, ()), key=key_order))
        out[facts.key] = StoryResult(
            key=facts.key,
            wave=wave_of.get(facts.key),
            independent=facts.key in alone,
            independence=graph.independence(len(preds), len(succs), len(mates)),
            predecessors=preds,
            successors=succs,
            conflicts=mates,
            files=tuple(declared_files(facts)),
        )
    return out


# `pantheon plan` runs the analysis when the cache has none; the MCP server's `deps` tool runs
# it and can add the Mermaid diagram; its `deps_review`, `deps_accept`, `deps_link`,
# `deps_dismiss` and `deps_conflict` tools are the review, the accept, the link, the dismissal
# and the declaration of `pantheon deps --review/--accept/--link/--dismiss/--conflict`
# (`--dismiss-file` and `--file`: the paths read as `filedismiss` reads them); its prompt
# `rally-read-deps` renders the reading guide and the backlog as a reader reads it.
SHARED = (
    "filedismiss",
    "guide",
    "mermaid",
    "reader",
    "review",
    "run",
    "run_accept",
    "run_declare",
    "run_dismiss",
)
