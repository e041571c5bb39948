"""The analysis as a JSON document (what `pantheon deps --json` prints and the cache keeps:
``cache/dependencies.py`` adds its schema version and scope, and checks it).

Shape (other keys may be added, these stay)::

    {"stories": [{"key", "title", "epic", "independence", "wave", ...}],
     "edges": [{"from", "to", "kind", "confidence", "evidence"}],  # "to" waits for "from"
     "conflicts": [{"a", "b", "kind", "evidence", "files", "fixtures", "declared"}],
     # never at the same time; declared: the team declared it (deps --conflict)
     "waves": [["US-120"], ["US-121", "US-122"]],
     "independent": ["US-126"],
     "cycles": [{"stories", "edges", "blocks"}],
     "hints": [{"from", "to", "kind", "confidence", "evidence"}],  # not in the graph
     "overruled": [{"from", "to", ...}],  # inferred; Rally's predecessors order them the other way
     "dismissed": [{"from", "to", ...}],  # inferred; the team dismissed them (deps --dismiss)
     "dismissed_conflicts": [{"a", "b", "kind", "evidence", "files", "still_conflicts"}]}
     # what the files the team dismissed (deps --dismiss-file) would make; still_conflicts:
     # the pair shares another file, so it is in "conflicts" too
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pantheon_git.core.story import Story
from pantheon_git.features.deps.model import Analysis, Conflict, Edge


def document(analysis: Analysis, stories: Sequence[Story]) -> dict[str, Any]:
    by_key = {s.key: s for s in stories}
    apart = {(c.a, c.b) for c in analysis.conflicts}
    rows = []
    for key, result in analysis.stories.items():
        story = by_key[key]
        rows.append(
            {
                "key": str(key),
                "title": story.title,
                "epic": story.epic,
                "epic_title": story.epic_title,
                "independence": result.independence,
                "wave": result.wave,
                "independent": result.independent,
                "depends_on": [str(k) for k in result.predecessors],
                "blocks": [str(k) for k in result.successors],
                "conflicts_with": [str(k) for k in result.conflicts],
                "waits_outside": [str(k) for k in result.outside],
                "files": list(result.files),
                "tasks": story.task_count,
                "plan_estimate": story.plan_estimate,
                "state": story.state,
            }
        )
    return {
        "stories": rows,
        "edges": [edge_doc(e) for e in analysis.edges],
        "conflicts": [conflict_doc(c) for c in analysis.conflicts],
        "waves": [[str(k) for k in wave] for wave in analysis.waves],
        "independent": [str(k) for k in analysis.independent],
        "cycles": [
            {
                "stories": [str(k) for k in cycle.stories],
                "loop": [str(k) for k in cycle.loop],
                "edges": [edge_doc(e) for e in cycle.edges],
                "blocks": [str(k) for k in cycle.blocks],
            }
            for cycle in analysis.cycles
        ],
        "hot_files": [
            {"path": hot.path, "stories": [str(k) for k in hot.stories]}
            for hot in analysis.hot_paths
        ],
        "hints": [edge_doc(e) for e in analysis.hints],
        "overruled": [edge_doc(e) for e in analysis.overruled],
        "dismissed": [edge_doc(e) for e in analysis.dismissed],
        "dismissed_conflicts": [
            {**conflict_doc(c), "still_conflicts": (c.a, c.b) in apart}
            for c in analysis.dismissed_conflicts
        ],
    }


def edge_doc(edge: Edge) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "from": str(edge.source),
        "to": str(edge.target),
        "kind": edge.kind,
        "confidence": edge.confidence,
        "evidence": edge.evidence,
    }
    if edge.also:
        doc["also"] = [
            {"kind": link.kind, "confidence": link.confidence, "evidence": link.evidence}
            for link in edge.also
        ]
    return doc


def conflict_doc(conflict: Conflict) -> dict[str, Any]:
    return {
        "a": str(conflict.a),
        "b": str(conflict.b),
        "kind": conflict.kind,
        "evidence": conflict.evidence,
        "files": [p for p in conflict.paths if not p.startswith("fixture:")],
        "fixtures": [
            p.removeprefix("fixture:") for p in conflict.paths if p.startswith("fixture:")
        ],
        "declared": bool(conflict.declared),
    }
