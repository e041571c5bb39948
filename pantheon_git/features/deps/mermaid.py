"""The dependency graph as a Mermaid flowchart (the seed's ``graph TD`` diagram).

Node ids are the story key reduced to ASCII letters, digits and ``_`` (``US-120`` ->
``US120``); labels are always double-quoted, with the characters that could end or confuse a
label (``"``, ``#``, ``<``, ``>``, ``&``, backtick) written as Mermaid entity codes. Edges are
``-->`` (the target waits for the source), ``==>`` for a Rally predecessor and dashed ``-.->``
for a low-confidence inference (a mention in words); conflicts are dashed undirected links
``-.-``; stories in a cycle get the ``cycle`` class.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story
from pantheon_git.features.deps.model import Analysis

LABEL_MAX = 48
ARROWS = {"explicit": "==>", "high": "-->", "medium": "-->", "low": "-.->"}
_ENTITIES = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;"}
_RESERVED = {"end", "graph", "subgraph", "flowchart", "style", "class", "classdef", "click"}
_RESERVED |= {"linkstyle", "default", "direction"}


def node_id(key: StoryKey) -> str:
    """A Mermaid-safe node id for ``key``: ``US-120`` -> ``US120``."""
    ident = re.sub(r"[^A-Za-z0-9_]", "_", str(key).replace("-", ""))
    if not ident or not ident[0].isalpha() or ident.lower() in _RESERVED:
        ident = f"n_{ident}"
    return ident


def label(text: str) -> str:
    """``text`` as a quoted Mermaid label: one line, shortened, nothing that breaks syntax."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    if len(flat) > LABEL_MAX:
        flat = flat[: LABEL_MAX - 1].rstrip() + "…"
    return '"' + "".join(_ENTITIES.get(ch, ch) for ch in flat) + '"'


def render_mermaid(analysis: Analysis, stories: Sequence[Story]) -> str:
    titles = {s.key: s.title for s in stories}
    declared: set[StoryKey] = set()

    def node(key: StoryKey) -> str:
        if key in declared:
            return node_id(key)
        declared.add(key)
        return f"{node_id(key)}[{label(f'{key}: {titles.get(key, key)}')}]"

    order = {k: i for i, k in enumerate(k for wave in analysis.waves for k in wave)}
    edges = sorted(
        analysis.edges,
        key=lambda e: (order.get(e.source, len(order)), e.source.number, e.target.number),
    )
    lines = ["graph TD"]
    lines += [
        f"    {node(e.source)} {ARROWS.get(e.confidence, '-->')} {node(e.target)}" for e in edges
    ]
    rest = [k for k in sorted(titles) if k not in declared]
    if rest:
        lines.append("")
        lines += [f"    {node(k)}" for k in rest]
    if analysis.conflicts:
        lines.append("")
        lines += [
            f"    {node(c.a)} {'-. declared .-' if c.declared else '-.-'} {node(c.b)}"
            for c in analysis.conflicts
        ]
    in_cycles = sorted({k for cycle in analysis.cycles for k in cycle.stories})
    if in_cycles:
        lines += ["", "    classDef cycle stroke:#c00,stroke-width:3px"]
        lines.append(f"    class {','.join(node_id(k) for k in in_cycles)} cycle")
    return "\n".join(lines)
