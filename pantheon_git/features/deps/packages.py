"""Edges from packages of a monorepo: a story that makes ``@minigame/core`` (its package.json
"has name "@minigame/core"", it is "published as @minigame/pong", or the story wants "the
@minigame/snake package structure") comes before the stories that install it, depend on it or
document it ("npm install @minigame/core @minigame/snake", "dependencies @minigame/core").

Only scoped names (``@scope/name``) are read: a bare word is too often a library's or a
folder's. A package no story makes is a library from outside (``@apollo/client``): no edge.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps.facts import Facts
from pantheon_git.features.deps.model import Edge
from pantheon_git.features.deps.order import in_backlog_order, links_back
from pantheon_git.features.deps.text import excerpt

_SCOPED_RE = re.compile(r"(?<![\w/])@[a-z0-9][\w.-]*/[a-z0-9][\w.-]*[a-z0-9]")


def _makes(text: str, name: str) -> bool:
    n = re.escape(name)
    return bool(
        re.search(rf"\bname\s*:?\s*[\"'`]?{n}(?![\w/-])", text)
        or re.search(rf"\bpublished\s+as\s+[`]?{n}(?![\w/-])", text)
        or re.search(rf"{n}`?\s+package\b", text)
    )


def package_edges(all_facts: Sequence[Facts]) -> list[Edge]:
    named: dict[StoryKey, dict[str, str]] = {}
    makers: dict[str, tuple[Facts, str]] = {}
    for facts in in_backlog_order(all_facts):
        found: dict[str, str] = {}
        for sentence in facts.sentences:
            if "@" not in sentence.text:
                continue
            for name in _SCOPED_RE.findall(sentence.text):
                found.setdefault(name, sentence.text)
                if name not in makers and _makes(sentence.text, name):
                    makers[name] = (facts, sentence.text)
        if found:
            named[facts.key] = found
    out: list[Edge] = []
    for facts in all_facts:
        linked: set[StoryKey] = set()
        for name, said in named.get(facts.key, {}).items():
            maker = makers.get(name)
            if maker is None:
                continue
            source, made = maker
            if not links_back(source, facts, linked):
                continue
            out.append(
                Edge(
                    source.key,
                    facts.key,
                    "functional",
                    f"{facts.key} uses the package {name}, which {source.key} makes: "
                    f'"{excerpt(said, name, width=80)}" '
                    f'({source.key}: "{excerpt(made, name, width=60)}")',
                    confidence="low",
                )
            )
    return out
