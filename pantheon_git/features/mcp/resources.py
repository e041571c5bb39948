"""The cache documents as MCP resources, so an agent can read the backlog, the dependency
graph and the plan without a tool call. Pure: the addresses and their descriptions; reading
is ``run_resources.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEME = "pantheon://"
STORY_PREFIX = f"{SCHEME}stories/"
JSON = "application/json"
MARKDOWN = "text/markdown"


@dataclass(frozen=True)
class ResourceSpec:
    uri: str
    name: str
    title: str
    description: str
    document: str
    """Which cache document: epics, assignments, dependencies, workstreams."""
    maker: str
    """The tool that writes it, for the error when it is missing."""


RESOURCES: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        f"{SCHEME}epics",
        "epics",
        "Epics",
        "Every epic of the project with its story count (.bmad/rally-cache/epics.json).",
        "epics",
        "sync",
    ),
    ResourceSpec(
        f"{SCHEME}assignments",
        "assignments",
        "Story locks",
        "Every story lock the cache knows: holder, expiry, branch (assignments.json).",
        "assignments",
        "sync",
    ),
    ResourceSpec(
        f"{SCHEME}dependencies",
        "dependencies",
        "Dependency graph",
        "Edges with evidence, conflicts, waves, independent stories (dependencies.json).",
        "dependencies",
        "deps",
    ),
    ResourceSpec(
        f"{SCHEME}workstreams",
        "workstreams",
        "Workstream plan",
        "The lanes of the last plan: stories with start and end hours (workstreams.json).",
        "workstreams",
        "plan",
    ),
)

BY_URI = {spec.uri: spec for spec in RESOURCES}

STORY_TEMPLATE = f"{STORY_PREFIX}{{key}}"
STORY_TITLE = "A story"
STORY_DESCRIPTION = (
    "One cached story by key (pantheon://stories/US-123): the cache document (Rally's fields, "
    "tasks, the BMAD form) as JSON, then the story as a BMAD markdown file."
)


def story_key(uri: str) -> str | None:
    """``US-123`` for ``pantheon://stories/US-123``; None for any other address."""
    if not uri.startswith(STORY_PREFIX):
        return None
    rest = uri[len(STORY_PREFIX) :]
    return rest or None
