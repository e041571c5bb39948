"""The dependency graph checkout chooses with: one that holds the epic's open stories and was
computed from the cache as it is now.

With ``rally_auto_sync`` the epic is synced first (incrementally), so that the texts the
analysis infers dependencies from are Rally's. Then the saved graph (``pantheon deps``) is
used if it read these epics, holds every open story of them, is not older than the last
sync and was made with the settings the analysis runs with now (``deps_inferred``, the team's
dismissed dependencies and declared conflicts); otherwise the analysis runs again for them
(merged into the project-wide graph, as ``pantheon deps --epic`` does). A cache without the
epic's stories (no sync, or ``rally_auto_sync: false``) stops the checkout before anything is
locked: without the story texts, inferred dependencies cannot be told.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pantheon_git.cache import dependencies as cached_graph
from pantheon_git.cache import meta as cache_meta
from pantheon_git.cache import stories as story_files
from pantheon_git.core.keys import EpicRef, StoryKey
from pantheon_git.errors import ConfigError
from pantheon_git.features.deps.run import made_otherwise, run_analysis
from pantheon_git.features.sync.run import refresh

if TYPE_CHECKING:
    from pantheon_git.app import App

SHOWN = 5
"""Missing stories named in the error."""


def current_graph(
    app: App, epics: Sequence[str], open_keys: Sequence[StoryKey], *, synced: set[str]
) -> cached_graph.Graph:
    """A graph that answers for ``open_keys`` of ``epics`` (FormattedIDs). ``synced``: epics
    this command has refreshed already (not refreshed twice)."""
    todo = [e for e in epics if e not in synced]
    if todo and refresh(app, todo) is not None:
        synced.update(todo)
    meta = cache_meta.read(app.cache)
    graph = cached_graph.read(app.cache)
    last = meta.last_sync if meta is not None else None
    if (
        graph is not None
        and not made_otherwise(app, graph)  # deps_inferred, the team's dismissals and conflicts
        and graph.current_for(open_keys, epics, last)
    ):
        return graph
    refs = [EpicRef.parse(e) for e in epics]
    cached = {s.key for s in story_files.load(app.cache, refs)} if meta is not None else set()
    missing = sorted(set(open_keys) - cached)
    epic_words = ", ".join(epics)
    if missing:
        shown = ", ".join(map(str, missing[:SHOWN])) + (" ..." if len(missing) > SHOWN else "")
        raise ConfigError(
            f"the Rally cache does not hold every open story of {epic_words} ({shown}), so "
            "checkout cannot tell which of them wait for others",
            hint=f"Run `pantheon sync --epic {','.join(epics)}` (or set rally_auto_sync: true, "
            "and checkout syncs them itself).",
        )
    if app.progress:
        app.progress(f"Analysing the dependencies of {epic_words} (the saved graph is older)")
    return run_analysis(app, refs)
