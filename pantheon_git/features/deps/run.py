"""`pantheon deps`: the dependency analysis of the cached stories.

Reads stories from the cache, adds the files each story branch already changes (from git,
when story branches exist), runs the pure analysis and saves the graph (``cache/dependencies``:
``dependencies.json``, and ``epic-<n>-dependencies.json`` when exactly one epic is analysed),
with the scope it covers: the epics, when, and the sync it read.

``dependencies.json`` stays the project-wide graph: analysing some epics when it already held
others analyses their stories together (edges between epics are found that way) and saves
that; the report and the per-epic copy are the asked epics' own analysis.

The analysis leaves out the pairs and the files the team dismissed and adds the conflicts it
declared (``run_dismiss``, ``run_declare``: the file beside the config); the graph's scope
records them with ``deps_inferred``, and
``made_otherwise`` tells a graph made under other settings, which ``plan`` and
``checkout --epic`` then analyse again.

``run_analysis(app, epics)`` is the entry other use cases call (the planner does when the graph
is missing or older than the stories); it returns the saved graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pantheon_git import forked
from pantheon_git.app import App
from pantheon_git.cache import dependencies as cached_graph
from pantheon_git.cache import meta as cache_meta
from pantheon_git.cache import stories as story_files
from pantheon_git.cache.index import known_epics, unknown_epic
from pantheon_git.cache.store import Cache
from pantheon_git.core.keys import EpicRef, StoryKey
from pantheon_git.core.story import Story
from pantheon_git.errors import CacheCorrupt, GitError, UsageError
from pantheon_git.features.deps import Analysis, analyse, declared
from pantheon_git.features.deps.dismissals import Judged, pair_text, pairs_of
from pantheon_git.features.deps.document import document
from pantheon_git.features.deps.run_dismiss import judged
from pantheon_git.fsio import atomic_write_text
from pantheon_git.git.scan import Scanner


@dataclass(frozen=True)
class DepsResult:
    stories: list[Story]
    analysis: Analysis
    graph: cached_graph.Graph
    """The asked epics' own analysis (the report, the per-epic copy)."""
    saved: list[Path]
    project: cached_graph.Graph
    """What ``dependencies.json`` now holds: ``graph``, or the joint analysis of the asked
    epics and those the file held before."""
    team: Judged
    """The team's file as the analysis read it: the pairs and files it left out, the conflicts
    it added (``run_dismiss``, ``run_declare``)."""

    @property
    def document(self) -> Mapping[str, Any]:
        """The saved document (what ``--json`` prints)."""
        return self.graph.document


def run_analysis(app: App, epics: list[EpicRef]) -> cached_graph.Graph:
    """Analyse the cached stories of ``epics`` (all when empty); save and return the
    project-wide graph (``dependencies.json``), which holds them."""
    return analyse_cache(app, epics).project


def analyse_cache(app: App, epics: Sequence[EpicRef]) -> DepsResult:
    meta = cache_meta.require(app.cache)
    made = _settings(app)  # a malformed file of dismissals stops it before any work
    stories = story_files.load(app.cache, epics)
    if not stories:
        missing = unknown_epic(epics, known_epics(app.cache))
        if missing:
            raise missing
        wanted = ", ".join(f"epic {e.number}" for e in epics) or "any epic"
        raise UsageError(
            f"the cache has no stories for {wanted}",
            hint="Run `pantheon sync` (with --epic for the epics you want) to pull them.",
        )
    together, whole = _project_stories(app, epics, stories)
    if app.progress:
        app.progress(f"Reading story branches and analysing {len(stories):,} stories...")
    files = story_branch_files(app, {s.key for s in [*stories, *together]})
    analysis = analyse(stories, files, beside=forked.beside, **made.options())
    graph = _graph(app, analysis, stories, made, whole=not epics, synced=meta.last_sync)
    project = graph
    if together:
        joint = analyse(together, files, beside=forked.beside, **made.options())
        project = _graph(app, joint, together, made, whole=whole, synced=meta.last_sync)
    one = epics[0].number if len(epics) == 1 else None
    saved = cached_graph.write(app.cache, project, epic=one, epic_graph=graph)
    return DepsResult(stories, analysis, graph, saved, project, made.team)


@dataclass(frozen=True)
class _Settings:
    """What the team decided the analysis runs with: ``deps_inferred``, the dismissed pairs
    and files (``run_dismiss``) and the declared conflicts (``run_declare``). The saved graph
    records them (``cached_graph.Part``)."""

    inferred: bool
    team: Judged

    def texts(self) -> tuple[str, ...]:
        return tuple(sorted(pair_text(e.pair) for e in self.team.pairs))

    def paths(self) -> tuple[str, ...]:
        return tuple(sorted(self.team.paths()))

    def declared(self) -> tuple[str, ...]:
        return declared.scope_texts(self.team)

    def options(self) -> dict[str, Any]:
        """What ``analyse`` takes of them."""
        return {
            "inferred": self.inferred,
            "dismissed": pairs_of(self.team.pairs),
            "dismissed_files": self.team.paths(),
            "declared": declared.of(self.team),
        }


def _settings(app: App) -> _Settings:
    return _Settings(app.config.deps_inferred, judged(app))


def made_otherwise(app: App, graph: cached_graph.Graph) -> str:
    """Why ``graph`` was made under other settings than the analysis runs with now (empty
    when it was not): ``plan`` and ``checkout --epic`` analyse again then."""
    made = _settings(app)
    return graph.made_otherwise(made.inferred, made.texts(), made.paths(), made.declared())


def _graph(
    app: App,
    analysis: Analysis,
    stories: Sequence[Story],
    made: _Settings,
    *,
    whole: bool,
    synced: datetime,
) -> cached_graph.Graph:
    scope = cached_graph.Part(
        epics=tuple(sorted({s.epic for s in stories if s.epic})),
        whole_project=whole,
        stories=len(stories),
        computed_at=app.now(),
        synced_at=synced,
        inferred=made.inferred,
        dismissed=made.texts(),
        dismissed_files=made.paths(),
        declared=made.declared(),
    )
    return cached_graph.build(document(analysis, stories), [scope])


def _previous(cache: Cache) -> cached_graph.Graph | None:
    """The saved graph, or ``None`` (also when this version cannot read it: it is replaced)."""
    try:
        return cached_graph.read(cache)
    except CacheCorrupt:
        return None


def _project_stories(
    app: App, epics: Sequence[EpicRef], stories: list[Story]
) -> tuple[list[Story], bool]:
    """The stories the project-wide graph must hold once ``epics`` are analysed again: theirs
    and those of the epics the saved graph read too (every cached story, and ``True``, when it
    read the whole project); empty when the asked epics are all it held."""
    previous = _previous(app.cache) if epics else None
    if previous is None:
        return [], False
    if previous.whole_project:
        return story_files.load(app.cache), True
    asked = {s.epic for s in stories if s.epic}
    others = sorted(e for e in previous.epics() - asked if not any(r.matches(e) for r in epics))
    if not others:
        return [], False
    return story_files.load(app.cache, [*epics, *(EpicRef.parse(e) for e in others)]), False


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
