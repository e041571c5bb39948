"""Write chosen edges to Rally as Predecessors (the I/O of ``pantheon deps --accept`` and
``--link``: inferred edges, or the pairs a reader states).

For each story that waits, the story is read once with its Predecessors summary
(``Predecessors:summary[FormattedID]``, decoded by ``rally.records``), the predecessors it does
not have yet are added in one ``Predecessors/add`` call (rally-node posts
``{"CollectionItems": [...]}`` to the collection's ``add`` endpoint; see
``RallyClient.collection_add``), and those it has are reported as already there: running the
same accept twice writes nothing the second time. ``dry_run`` reads Rally and writes nothing.
``--accept-all`` leaves out the edges Rally's predecessors already order through a chain
(``implied``), reported as ``implied by Rally``; a pair named with ``--accept`` is written all
the same, with its chain in the report.

What was added is then written into the cached stories (the waiting story's predecessors,
the other's successors), as checkout does with a lock: ``deps`` and ``--review`` see the links
as Rally's at once, whether or not Rally stamps both stories for the next incremental sync.
A busy or unreadable cache only costs a warning; the next ``pantheon sync`` reads them back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pantheon_git.app import App
from pantheon_git.cache import stories as story_files
from pantheon_git.cache.store import not_updated
from pantheon_git.core.keys import EpicRef, StoryKey
from pantheon_git.errors import (
    RALLY,
    CacheCorrupt,
    CheckFailed,
    RallyNotFound,
    RallyValidationError,
)
from pantheon_git.features.deps.document import edge_doc
from pantheon_git.features.deps.implied import split
from pantheon_git.features.deps.links import RallyOrder, choose_links, rally_order
from pantheon_git.features.deps.model import Analysis, Edge, key_order
from pantheon_git.features.deps.review import (
    ADDED,
    ALREADY,
    FAILED,
    IMPLIED,
    WOULD_ADD,
    Choice,
    choose,
    proposals,
)
from pantheon_git.features.deps.run import DepsResult
from pantheon_git.rally import records

TARGET_FETCH = ("ObjectID", "FormattedID", "Name", "Predecessors:summary[FormattedID]")
SOURCE_FETCH = ("ObjectID", "FormattedID")
CACHE_WAIT = 2.0
"""Seconds to wait for another pantheon command to finish writing the cache."""


@dataclass(frozen=True)
class Written:
    source: StoryKey
    target: StoryKey
    status: str
    kind: str = "explicit"
    confidence: str = "explicit"
    message: str = ""
    read: bool = False
    """A reader's link the texts' rules had not inferred (``--link``)."""
    chain: tuple[StoryKey, ...] = ()
    """Rally's predecessors already order the pair through these stories (``implied``)."""

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "from": str(self.source),
            "to": str(self.target),
            "status": self.status,
            "kind": self.kind,
            "confidence": self.confidence,
        }
        if self.read:
            doc["read"] = True
        if self.chain:
            doc["chain"] = [str(k) for k in self.chain]
        if self.message:
            doc["message"] = self.message
        return doc


@dataclass(frozen=True)
class Accepted:
    written: list[Written]
    dry_run: bool
    cached: bool
    """Whether what was added is in the local cache too."""
    overrules: tuple[Edge, ...] = ()
    """Inferred edges that Rally's order, with these links (would) put the other way: the
    analysis leaves them out from now on."""

    @property
    def exit_code(self) -> int:
        return RALLY if any(w.status == FAILED for w in self.written) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "predecessors": [w.to_dict() for w in self.written],
            "cache_updated": self.cached,
            "overrules": [edge_doc(e) for e in self.overrules],
        }


def write_chosen(
    app: App,
    result: DepsResult,
    pairs: Sequence[tuple[StoryKey, StoryKey]],
    *,
    link: bool = False,
    accept_all: bool = False,
    min_confidence: str | None = None,
    epics: Sequence[EpicRef] = (),
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Accepted:
    """``pantheon deps --accept`` / ``--accept-all`` (inferred edges), or ``--link`` (the
    pairs a reader states, inferred or not), on the analysis ``result`` of ``epics`` (none:
    every cached story): every pair checked, then written. Rally's order is read from every
    cached story, so a cycle through another epic is seen."""
    cached = story_files.load(app.cache) if epics else result.stories
    order = rally_order(result.analysis, cached)
    if link:
        choices = choose_links(result.analysis, pairs, order)
    else:
        choices = chosen(
            result.analysis, pairs, accept_all=accept_all, min_confidence=min_confidence
        )
    return accept(app, choices, dry_run=dry_run, progress=progress, order=order)


def chosen(
    analysis: Analysis,
    pairs: Sequence[tuple[StoryKey, StoryKey]],
    *,
    accept_all: bool,
    min_confidence: str | None,
) -> list[Choice]:
    """The named pairs (each checked against the analysis), or with ``accept_all`` every
    inferred edge at ``min_confidence`` (``high`` unless given) or surer, those Rally's
    predecessors order already left alone."""
    if accept_all:
        edges, implied = split(analysis, proposals(analysis, min_confidence or "high"))
        return [Choice(e.source, e.target, e) for e in edges] + [
            Choice(i.edge.source, i.edge.target, i.edge, chain=i.chain, leave=True) for i in implied
        ]
    return choose(analysis, pairs)


def accept(
    app: App,
    choices: Sequence[Choice],
    *,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
    order: RallyOrder | None = None,
) -> Accepted:
    """Write the chosen predecessors to Rally, then into the cached stories; with ``order``,
    name the inferred edges the links overrule."""
    written = write_predecessors(app, choices, dry_run=dry_run, progress=progress)
    added = [(w.source, w.target) for w in written if w.status == ADDED]
    held = [(w.source, w.target) for w in written if w.status not in (FAILED, IMPLIED)]
    overrules = tuple(order.overruled_by(held)) if order else ()
    return Accepted(written, dry_run, record_links(app, added) if added else False, overrules)


def record_links(app: App, links: Sequence[tuple[StoryKey, StoryKey]]) -> bool:
    """Add ``(before, after)`` links to the cached stories; False (with a warning) when the
    cache could not be written."""
    before: dict[StoryKey, set[StoryKey]] = defaultdict(set)
    after: dict[StoryKey, set[StoryKey]] = defaultdict(set)
    for source, target in links:
        before[target].add(source)
        after[source].add(target)
    cache = app.cache
    try:
        with cache.exclusive(wait=CACHE_WAIT, what="another pantheon command"):
            # one listing of the story files, not one per story linked (accept-all can link
            # thousands); a link changes no story's epic, so each file stays where it is
            files = {path.name: path for path in story_files.paths(cache)}
            for key in sorted({*before, *after}, key=key_order):
                path = files.get(f"{key}.json")
                if path is None:
                    continue
                entry = story_files.read(cache, path)
                story = entry.story
                preds = (*story.predecessors, *sorted(before[key] - set(story.predecessors)))
                succs = (*story.successors, *sorted(after[key] - set(story.successors)))
                changed = story.with_(predecessors=preds, successors=succs)
                story_files.rewrite(path, entry, changed)
    # busy, a file this version cannot read, or the disk
    except (CheckFailed, CacheCorrupt, OSError) as exc:
        app.warn(not_updated(exc))
        return False
    return True


def write_predecessors(
    app: App,
    choices: Sequence[Choice],
    *,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[Written]:
    by_target: dict[StoryKey, list[Choice]] = defaultdict(list)
    out: list[Written] = []
    for choice in choices:
        if choice.in_rally:  # the cache already holds it as a Rally predecessor
            out.append(_written(choice, ALREADY))
        elif choice.leave:  # Rally's predecessors order it already
            out.append(_written(choice, IMPLIED))
        else:
            by_target[choice.target].append(choice)
    for target in sorted(by_target, key=lambda k: (k.prefix, k.number)):
        if progress:
            progress(f"{'Checking' if dry_run else 'Linking'} predecessors of {target}...")
        out += _one_target(app, target, by_target[target], dry_run=dry_run)
    return out


def _one_target(app: App, target: StoryKey, group: list[Choice], *, dry_run: bool) -> list[Written]:
    client = app.rally()
    try:
        story = client.find_story(target, decode=records.story, fetch=TARGET_FETCH)
    except RallyNotFound as exc:
        return [_written(c, FAILED, exc.message) for c in group]
    present = set(story.predecessors)
    out = [_written(c, ALREADY) for c in group if c.source in present]
    todo = [c for c in group if c.source not in present]
    if dry_run:
        return out + [_written(c, WOULD_ADD) for c in todo]
    refs: list[str] = []
    ready: list[Choice] = []
    for choice in todo:
        try:
            source = client.find_story(choice.source, decode=records.entity, fetch=SOURCE_FETCH)
            refs.append(source.ref)
            ready.append(choice)
        except RallyNotFound as exc:
            out.append(_written(choice, FAILED, exc.message))
    if refs:
        try:
            client.collection_add(story, "Predecessors", refs)
        except RallyValidationError as exc:
            return out + [_written(c, FAILED, exc.message) for c in ready]
        out += [_written(c, ADDED) for c in ready]
    return out


def _written(choice: Choice, status: str, message: str = "") -> Written:
    edge = choice.edge
    kind, confidence = (edge.kind, edge.confidence) if edge else ("explicit", "explicit")
    return Written(
        choice.source, choice.target, status, kind, confidence, message, choice.read, choice.chain
    )
