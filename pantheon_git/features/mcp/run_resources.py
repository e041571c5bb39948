"""Reading the resources: each cache document through its own module in ``cache/``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pantheon_git.bmad.writer import render_story
from pantheon_git.cache import assignments, dependencies, epics, stories, workstreams
from pantheon_git.cache.store import Cache
from pantheon_git.core.keys import StoryKey
from pantheon_git.errors import UsageError
from pantheon_git.features.mcp.resources import BY_URI, JSON, MARKDOWN, story_key


@dataclass(frozen=True)
class Content:
    mime: str
    text: str | None = None
    document: Mapping[str, Any] | None = None


class Missing(UsageError):
    """The address names nothing (yet): which tool makes it."""


def read(root: Path, uri: str) -> list[Content]:
    cache = Cache(root)
    key = story_key(uri)
    if key is not None:
        return _story(cache, key)
    spec = BY_URI.get(uri)
    if spec is None:
        raise Missing(
            f"no resource {uri}",
            hint="Resources: pantheon://epics, pantheon://assignments, pantheon://dependencies, "
            "pantheon://workstreams, pantheon://stories/US-123.",
        )
    doc = _document(cache, spec.document)
    if doc is None:
        raise Missing(
            f"{uri}: not in the cache yet", hint=f"Call the `{spec.maker}` tool to make it."
        )
    return [Content(JSON, document=doc)]


def _document(cache: Cache, name: str) -> Mapping[str, Any] | None:
    if name == "epics":
        found_epics = epics.read(cache)
        return found_epics.to_dict() if found_epics else None
    if name == "assignments":
        found_locks = assignments.read(cache)
        return found_locks.to_dict() if found_locks else None
    if name == "dependencies":
        graph = dependencies.read(cache)
        return graph.document if graph else None
    plan = workstreams.read(cache)
    return plan.document if plan else None


def _story(cache: Cache, text: str) -> list[Content]:
    key = StoryKey.parse(text)
    found = stories.find(cache, key)
    if found is None:
        raise Missing(
            f"{key} is not in the cache",
            hint="Call the `sync` tool (the story may be in an epic not synced yet).",
        )
    doc = stories.to_dict(found.story, found.rally, found.tasks)
    return [
        Content(JSON, document=doc),
        Content(MARKDOWN, text=render_story(found.story)),
    ]
