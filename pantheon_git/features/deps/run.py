"""`pantheon deps`: the dependency analysis of the cached stories.

Reads stories from the cache, adds the files each story branch already changes (from git,
when story branches exist), runs the pure analysis and saves the graph (``cache/dependencies``:
``dependencies.json``, and ``epic-<n>-dependencies.json`` when exactly one epic is analysed),
with the scope it covers: the epics, when, and the sync it read.

``run_analysis(app, epics)`` is the entry other use cases call (the planner does when the graph
is missing or older than the stories); it returns the saved graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pantheon_git.app import App
from pantheon_git.cache import dependencies as cached_graph
from pantheon_git.cache import meta as cache_meta
from pantheon_git.cache import stories as story_files
from pantheon_git.core.keys import EpicRef, StoryKey
from pantheon_git.core.story import Story
from pantheon_git.errors import GitError, UsageError
from pantheon_git.features.deps import Analysis, analyse
from pantheon_git.features.deps.document import document
from pantheon_git.fsio import atomic_write_text
from pantheon_git.git.scan import Scanner


@dataclass(frozen=True)
class DepsResult:
    stories: list[Story]
    analysis: Analysis
    graph: cached_graph.Graph
    saved: list[Path]

    @property
    def document(self) -> Mapping[str, Any]:
        """The saved document (what ``--json`` prints)."""
        return self.graph.document


def run_analysis(app: App, epics: list[EpicRef]) -> cached_graph.Graph:
    """Analyse the cached stories of ``epics`` (all when empty); save and return the graph."""
    return analyse_cache(app, epics).graph


def analyse_cache(app: App, epics: Sequence[EpicRef]) -> DepsResult:
    meta = cache_meta.require(app.cache)
    stories = story_files.load(app.cache, epics)
    if not stories:
        wanted = ", ".join(f"epic {e.number}" for e in epics) or "any epic"
        raise UsageError(
            f"the cache has no stories for {wanted}",
            hint="Run `pantheon sync` (with --epic for the epics you want) to pull them.",
        )
    if app.progress:
        app.progress(f"Reading story branches and analysing {len(stories):,} stories...")
    analysis = analyse(stories, story_branch_files(app, {s.key for s in stories}))
    scope = cached_graph.Part(
        epics=tuple(sorted({s.epic for s in stories if s.epic})),
        whole_project=not epics,
        stories=len(stories),
        computed_at=app.now(),
        synced_at=meta.last_sync,
    )
    graph = cached_graph.build(document(analysis, stories), [scope])
    one = epics[0].number if len(epics) == 1 else None
    saved = cached_graph.write(app.cache, graph, epic=one)
    return DepsResult(stories, analysis, graph, saved)


def story_branch_files(app: App, keys: set[StoryKey]) -> dict[StoryKey, set[str]]:
    """Files each story's branch changes against its merge base with the default branch.

    Uses the clone's cached branch scanner (local and remote-tracking story branches, one ref
    per story). Outside a git repository nothing is read; when git cannot say (no default
    branch yet), a warning says so and the analysis goes on from the story texts alone.
    """
    if app.toplevel is None:
        return {}

    try:
        scanner = Scanner(
            app.root,
            pattern=app.config.branch_pattern,
            default_branch=app.config.default_branch,
            progress=app.progress,
        )
        scan = scanner.scan()
        scanner.save()
    except GitError as exc:
        app.warn(f"story branches not read, conflicts come from the texts only: {exc.message}")
        return {}
    for note in scan.notes:
        app.warn(note)
    return {key: set(found.files) for key, found in scan.stories.items() if key in keys}


def write_output(path: Path, content: str) -> None:
    """Write a rendered report where the user asked (atomic: no half-written file)."""
    try:
        atomic_write_text(path, content if content.endswith("\n") else content + "\n")
    except OSError as exc:
        raise UsageError(
            f"cannot write {path}: {exc.strerror or exc}",
            hint="Choose a file in a folder you can write to.",
        ) from None
