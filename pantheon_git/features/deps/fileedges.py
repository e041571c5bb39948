"""Edges from files and folders: B changes a file A creates (or lays out as a placeholder,
or is the first to put its work in), or puts a file into a folder A sets up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps.facts import Facts
from pantheon_git.features.deps.model import Edge
from pantheon_git.features.deps.order import position_of
from pantheon_git.features.deps.paths import is_fixture_path, is_folder_entry
from pantheon_git.features.deps.samefiles import SameFiles
from pantheon_git.features.deps.text import excerpt, word_set


def file_edges(all_facts: Sequence[Facts], limit: int, same: SameFiles) -> list[Edge]:
    """B changes a file that only A creates."""
    creators: dict[str, dict[StoryKey, str]] = defaultdict(dict)
    changers: dict[str, dict[StoryKey, str]] = defaultdict(dict)
    full, _ambiguous = same  # "config/x.yaml" is "pkg/config/x.yaml"
    positions = {facts.key: facts.position for facts in all_facts}
    for facts in all_facts:
        for path, quote in facts.files_created.items():
            creators[full.get(path, path)][facts.key] = quote
        for path, quote in facts.files_changed.items():
            changers[full.get(path, path)][facts.key] = quote
    _laid_out(all_facts, creators, changers)
    out: list[Edge] = _placed_edges(all_facts, creators, limit)
    for path, made in creators.items():
        users = changers.get(path)
        if len(made) != 1 or not users or len(users) > limit or is_fixture_path(path):
            continue
        if is_folder_entry(path):
            continue
        ((source, quote),) = made.items()
        for target, said in sorted(users.items()):
            if positions[source] > positions[target]:
                continue  # changed before the story that creates it: which made it is unsure
            out.append(
                Edge(
                    source,
                    target,
                    "functional",
                    f"{target} changes {path}, which {source} creates: "
                    f'"{excerpt(said, path, width=80)}" '
                    f'({source}: "{excerpt(quote, path, width=60)}")',
                    confidence="medium",
                )
            )
    return out


LAYOUT_WORDS = word_set("structure scaffold scaffolding skeleton layout")
"""A title with one of these sets the project's files up ("Project structure and Flask
application factory", "Scaffold the Phaser and React client")."""


def _laid_out(
    all_facts: Sequence[Facts],
    creators: dict[str, dict[StoryKey, str]],
    changers: dict[str, dict[StoryKey, str]],
) -> None:
    """A file first named by a story that lays the project out ("the tree holds `app/` with
    `__init__.py`, `config.py` ...", "`server/actions/` holds `naming.ts` and `orders.ts`") is
    that story's, as a placeholder: later stories that write into it, or say they create it,
    fill it in."""
    by_key = {facts.key: facts for facts in all_facts}
    for path in {*creators, *changers}:
        named = {**changers.get(path, {}), **creators.get(path, {})}
        if len(named) < 2:
            continue
        first = min((by_key[k] for k in named), key=position_of)
        title = first.sentences[0].norms if first.sentences else []
        if LAYOUT_WORDS.isdisjoint(title):
            continue
        others = {k: q for k, q in named.items() if k != first.key}
        creators[path] = {first.key: named[first.key]}
        changers[path] = others


def _placed_edges(
    all_facts: Sequence[Facts], creators: dict[str, dict[StoryKey, str]], limit: int
) -> list[Edge]:
    """A file no story creates outright is started by the first story, in backlog order, whose
    line places its work there ("Location: .../claude_code.go"); later stories that name the
    file change it."""
    placers: dict[str, list[Facts]] = defaultdict(list)
    for facts in all_facts:
        for path in facts.files_placed:
            if path not in creators and not is_fixture_path(path):
                placers[path].append(facts)
    if not placers:
        return []
    out: list[Edge] = []
    for path, placing in placers.items():
        first = min(placing, key=position_of)
        quote = first.files_placed[path]
        namers = [f for f in all_facts if path in f.files and f.position > first.position]
        if len(namers) > limit:
            continue
        for facts in namers:
            said = facts.files[path]
            out.append(
                Edge(
                    first.key,
                    facts.key,
                    "functional",
                    f"{facts.key} works in {path}, which {first.key} starts: "
                    f'"{excerpt(said, path, width=80)}" '
                    f'({first.key}: "{excerpt(quote, path, width=60)}")',
                    confidence="medium",
                )
            )
    return out


def folder_edges(all_facts: Sequence[Facts], limit: int) -> list[Edge]:
    """B puts a file or a folder of its own in a folder only A names ("Route group
    src/app/(admin)/", then "src/app/(admin)/settings/page.tsx"; "the folders `/src` and
    `/public`", then "Create a `/src/models` folder")."""
    namers: dict[str, dict[StoryKey, str]] = defaultdict(dict)
    for facts in all_facts:
        for folder, quote in facts.folders.items():
            namers[folder][facts.key] = quote
    folders = {f: next(iter(n.items())) for f, n in namers.items() if len(n) == 1}
    if not folders:
        return []
    positions = {facts.key: facts.position for facts in all_facts}
    out: list[Edge] = []
    for facts in all_facts:
        linked: set[StoryKey] = set()
        for path, said in (*facts.files.items(), *facts.folders.items()):
            for folder in _parents(path):
                found = folders.get(folder)
                if found is None or found[0] == facts.key or found[0] in linked:
                    continue
                if folder in facts.folders or len(namers) > limit * 100:
                    continue
                source, quote = found
                if positions[source] > facts.position:
                    continue  # written into before the story that sets it up: unsure
                linked.add(source)
                out.append(
                    Edge(
                        source,
                        facts.key,
                        "functional",
                        f"{facts.key} puts {path} under {folder}, which {source} sets up: "
                        f'"{excerpt(said, folder, width=80)}" '
                        f'({source}: "{excerpt(quote, folder, width=60)}")',
                        confidence="medium",
                    )
                )
    return out


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) + "/" for i in range(len(parts), 0, -1)]
