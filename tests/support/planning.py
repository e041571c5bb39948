"""A Rally cache with the seed's Epic 17, written file by file (no sync, no analysis)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.cache.store import Cache
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story, Task
from tests.support import cachefiles

# The seed's Epic 17: titles, task counts and dependency graph.
EPIC17_TITLES = {
    120: "Create user model",
    121: "Add login endpoint",
    122: "Add registration endpoint",
    123: "Add profile page",
    124: "Implement login form",
    125: "Implement signup form",
    126: "Add OAuth integration",
    127: "Add MFA support",
    128: "Add password reset",
    129: "Add email verification",
}
EPIC17_TASKS = {120: 4, 121: 6, 122: 5, 123: 7, 124: 5, 125: 4, 126: 10, 127: 8, 128: 6, 129: 5}
EPIC17_EDGES = [(120, 121), (120, 122), (120, 123), (121, 124), (122, 125)]


def epic17_stories(**changes: Mapping[str, Any]) -> list[Story]:
    """The ten stories; ``changes={"US-126": {"state": "Completed"}}`` edits some."""
    stories = []
    for number, title in EPIC17_TITLES.items():
        story = Story(
            key=StoryKey("US", number),
            title=title,
            epic="F17",
            epic_title="User Authentication",
            tasks=tuple(Task(name=f"{title}: step {i + 1}") for i in range(EPIC17_TASKS[number])),
        )
        stories.append(story.with_(**changes.get(f"US-{number}", {})))
    return stories


@dataclass
class PlanCache:
    root: Path

    @property
    def cache(self) -> Cache:
        return Cache(self.root)

    def write_stories(self, stories: Iterable[Story]) -> None:
        cachefiles.write_stories(self.cache, stories)

    def write_dependencies(
        self,
        keys: Iterable[str],
        edges: Iterable[tuple[str, str]] = (),
        conflicts: Iterable[tuple[str, str]] = (),
    ) -> None:
        cachefiles.write_graph(self.cache, keys, edges, conflicts)

    def epic17(self) -> None:
        stories = epic17_stories()
        self.write_stories(stories)
        self.write_dependencies(
            [str(s.key) for s in stories], [(f"US-{a}", f"US-{b}") for a, b in EPIC17_EDGES]
        )


@pytest.fixture
def plan_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PlanCache:
    """An empty project folder (the current directory) to write a cache into."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    return PlanCache(root)
