"""The reading-route benchmark: the prompt it prints is the one the MCP server sends, and a
reader's links are read with the parser `deps --link` uses."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

from pantheon_git.errors import UsageError
from pantheon_git.features.deps.guide import reading_guide
from tests.support.benchmarks import load

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reading() -> ModuleType:
    return load("deps_reading")


def test_the_prompt_is_the_guide_then_every_story(reading: ModuleType) -> None:
    dq = sys.modules["deps_quality"]
    budget = next(s for s in dq.SETS if s.name == "budget")
    text = reading.prompt_text(budget)
    first, second = text.split("\n\n---\n\n", 1)
    assert reading_guide() in first
    assert "`deps_link`" in first
    for story in dq.load_stories(budget.stories):
        assert f"## {story.key}: {story.title}" in second


def test_a_readers_links_are_predecessors_of_the_waiting_story(
    reading: ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "x-read.yaml"
    path.write_text('links:\n  - "US-1:US-3"  # the store\n  - US-2:US-3\n  - US-1:US-2\n')
    assert reading.read_links(path) == {"US-3": ("US-1", "US-2"), "US-2": ("US-1",)}
    path.write_text("links: [US-1-US-3]\n")
    with pytest.raises(UsageError):
        reading.read_links(path)


@pytest.mark.parametrize("reader", ["read", "read2"])
def test_each_readers_links_name_only_their_sets_stories(reading: ModuleType, reader: str) -> None:
    dq = sys.modules["deps_quality"]
    read = 0
    for labelled in dq.SETS:
        path = reading.links_file(labelled.name, reader)
        if not path.exists():
            continue
        keys = {str(s.key) for s in dq.load_stories(labelled.stories)}
        links = reading.read_links(path)
        named = set(links) | {k for before in links.values() for k in before}
        assert named <= keys, f"{labelled.name}: unknown stories {named - keys}"
        assert reading.scores(labelled, reader)["read"].found
        read += 1
    assert read >= 3


def test_a_readers_declared_conflicts_are_read_in_either_order(
    reading: ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "x-read3.yaml"
    path.write_text('links: ["US-1:US-2"]\nconflicts:\n  - "US-4:US-3"  # compose\n  - US-3:US-4\n')
    [declared] = reading.read_conflicts(path)
    assert (str(declared.a), str(declared.b), declared.path) == ("US-3", "US-4", None)
    path.write_text('links: ["US-1:US-2"]\n')
    assert reading.read_conflicts(path) == []
