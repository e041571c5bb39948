"""YAML from files a user (or anyone with commit access) wrote, read with limits.

``yaml.safe_load`` builds no objects, but it trusts the shape: a few hundred bytes of nested
aliases ("billion laughs") make a document whose expanded size is astronomical (every later
walk over it, even ``str()``, takes gigabytes), and deep nesting overflows the recursive
composer. Here the text is checked first: its size, then its nesting depth and alias count from
the parser's events (the parser keeps its own stack, so depth costs nothing), then the size of
the composed document with every alias expanded, counted without expanding it.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_BYTES = 1 << 20
MAX_DEPTH = 64
MAX_NODES = 100_000


class YamlLimit(ValueError):
    """The text is beyond one of the limits; the message says which."""


def load(
    text: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> Any:
    """The document in ``text`` (``yaml.YAMLError`` for bad YAML, ``YamlLimit`` beyond a limit)."""
    if len(text) > max_bytes:
        raise YamlLimit(f"larger than {max_bytes // 1024} KB")
    _check_events(text, max_depth, max_nodes)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expanded(node, max_nodes)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _check_events(text: str, max_depth: int, max_nodes: int) -> None:
    depth = nodes = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise YamlLimit(f"nested more than {max_depth} levels deep (line {line})")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > max_nodes:
                raise YamlLimit(f"more than {max_nodes} values")


def _check_expanded(root: yaml.Node, max_nodes: int) -> None:
    """Count the values the document holds with every alias expanded (a shared node counts
    once per use), children before parents; stop once the count passes ``max_nodes``."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        kids = _children(node)
        if children_done:
            open_.discard(id(node))
            total = 1 + sum(sizes[id(kid)] for kid in kids)
            if total > max_nodes:
                raise YamlLimit(f"more than {max_nodes} values once its aliases are expanded")
            sizes[id(node)] = total
            continue
        open_.add(id(node))
        stack.append((node, True))
        for kid in kids:
            if id(kid) in open_:
                raise YamlLimit("a value that contains itself (a recursive alias)")
            if id(kid) not in sizes:
                stack.append((kid, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
