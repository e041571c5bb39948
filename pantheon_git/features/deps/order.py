"""The backlog order: which story comes first when the texts alone cannot say."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story
from pantheon_git.features.deps.model import key_order


class Placed(Protocol):
    @property
    def position(self) -> int: ...


class PlacedStory(Placed, Protocol):
    @property
    def key(self) -> StoryKey: ...


P = TypeVar("P", bound=Placed)


def backlog_positions(stories: Sequence[Story]) -> dict[StoryKey, int]:
    """Story -> its place in the backlog: Rally's rank when every story has one, otherwise the
    key order (stories are numbered as they are written, and BMAD writes them in order)."""
    if stories and all(s.rank for s in stories):
        ordered = sorted(stories, key=lambda s: (s.rank or "", key_order(s.key)))
    else:
        ordered = sorted(stories, key=lambda s: key_order(s.key))
    return {s.key: i for i, s in enumerate(ordered)}


def in_backlog_order(items: Iterable[P]) -> list[P]:
    """``items`` (a story's facts) sorted by their place in the backlog, first first."""
    return sorted(items, key=position_of)


def position_of(item: Placed) -> int:
    return item.position


def links_back(source: PlacedStory, user: PlacedStory, linked: set[StoryKey]) -> bool:
    """Whether ``user`` should get an edge from ``source``, the story that makes what it uses:
    not itself, not a source it is linked to already, and not a story later in the backlog (a
    name used before the story that makes it is a forward mention). ``source`` is then
    counted in ``linked``."""
    if source.key == user.key or source.key in linked or source.position > user.position:
        return False
    linked.add(source.key)
    return True
