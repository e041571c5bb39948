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
