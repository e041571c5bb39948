"""Cache documents for tests: written through the cache's own modules (so they are what this
version writes), and read back raw when a test looks at the JSON itself."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pantheon_git.cache import dependencies
from pantheon_git.cache import meta as cache_meta
from pantheon_git.cache import stories as story_files
from pantheon_git.cache.meta import Meta
from pantheon_git.cache.store import Cache
from pantheon_git.core.story import Story

SYNCED = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)


def raw(cache: Cache, name: str) -> Any:
    """A cache file's JSON as it is on disk, or ``None`` when there is no such file."""
    path = cache.path(name)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def meta(**changes: Any) -> Meta:
    """The meta of a cache synced at ``SYNCED`` from a project "Demo"."""
    fields: dict[str, Any] = {
        "rally_url": "http://127.0.0.1:1",
        "workspace": "Workspace",
        "workspace_oid": 1,
        "project": "Demo",
        "project_oid": 2,
        "epic_type": "PortfolioItem/Feature",
        "settings": {"workspace": "Workspace", "project": "Demo"},
        "last_sync": SYNCED,
        "last_sync_kind": "full",
        "last_sync_selection": "all stories",
        "last_full_sync": SYNCED,
        "watermarks": {},
        "fetch_seconds": 0.1,
        "stories": 0,
        "epics": 0,
        **changes,
    }
    return Meta(**fields)


def write_meta(cache: Cache, **changes: Any) -> Path:
    """A ``meta.json`` as a sync writes it, in place (no generation swap)."""
    return cache.write_json(cache_meta.KIND.name, meta(**changes).to_dict())


def write_stories(cache: Cache, stories: Iterable[Story], *, with_meta: bool = True) -> None:
    """Story files (and ``meta.json``) as a sync would leave them."""
    if with_meta:
        write_meta(cache)
    for story in stories:
        story_files.put(cache, story, {"FormattedID": story.key.formatted_id})


def write_graph(
    cache: Cache,
    keys: Iterable[str],
    edges: Iterable[tuple[str, str]] = (),
    conflicts: Iterable[tuple[str, str]] = (),
    *,
    files: Mapping[str, list[str]] | None = None,
    titles: Mapping[str, str] | None = None,
    epics: tuple[str, ...] = ("F17",),
) -> None:
    """A dependency graph as `pantheon deps` saves it, over stories ``keys`` (``US-120``),
    with the files some of them name."""
    rows = [
        {"key": k, "title": (titles or {}).get(k, ""), "files": (files or {}).get(k, [])}
        for k in keys
    ]
    analysis = {
        "stories": rows,
        "edges": [{"from": a, "to": b, "kind": "explicit", "evidence": "test"} for a, b in edges],
        "conflicts": [{"a": a, "b": b, "kind": "file", "evidence": "test"} for a, b in conflicts],
        "waves": [],
        "independent": [],
        "cycles": [],
    }
    part = dependencies.Part(epics, False, len(rows), SYNCED, SYNCED)
    dependencies.write(cache, dependencies.build(analysis, [part]))
