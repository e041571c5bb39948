"""Where a story stands on the board, and stories grouped by epic (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from pantheon_git.core import states
from pantheon_git.core.keys import epic_number, key_order
from pantheon_git.core.story import Story
from pantheon_git.errors import UsageError

READY = "ready"
"""Defined and not locked: anyone may take it."""
LOCKED = "locked"
"""Someone holds an unexpired lock."""
IN_PROGRESS = "in_progress"
"""In Progress in Rally, but nobody holds a live lock."""
REVIEW = "review"
DONE = "done"


def column(story: Story, now: datetime) -> str:
    if states.rank(story.state) >= states.rank(states.COMPLETED):
        return DONE
    if story.state == states.CODE_REVIEW:
        return REVIEW
    if story.lock is not None and story.lock.holder.strip() and not story.lock.expired(now):
        return LOCKED
    if story.state == states.DEFINED:
        return READY
    return IN_PROGRESS


@dataclass(frozen=True)
class EpicGroup:
    epic: str | None
    """The portfolio item's FormattedID (``F17``), ``None`` for stories without one."""
    title: str
    stories: tuple[Story, ...]

    @property
    def number(self) -> int | None:
        try:
            return epic_number(self.epic) if self.epic else None
        except UsageError:
            return None

    @property
    def label(self) -> str:
        if self.epic is None:
            return "No epic"
        number = self.number
        name = f"Epic {number}" if number is not None else self.epic
        return f"{name}: {self.title}" if self.title else name


def group_by_epic(
    stories: Iterable[Story],
    titles: Mapping[str, str],
    *,
    always: Iterable[str] = (),
) -> list[EpicGroup]:
    """Stories by epic, in epic-number order, stories without an epic last. Epics named in
    ``always`` are listed even without stories."""
    grouped: dict[str | None, list[Story]] = {e: [] for e in always}
    for story in stories:
        grouped.setdefault(story.epic, []).append(story)

    def order(epic: str | None) -> tuple[int, int, str]:
        if epic is None:
            return (2, 0, "")
        try:
            return (0, epic_number(epic), epic)
        except UsageError:
            return (1, 0, epic)

    out = []
    for epic in sorted(grouped, key=order):
        members = sorted(grouped[epic], key=lambda s: key_order(s.key))
        title = titles.get(epic, "") if epic else ""
        if epic and not title:
            title = next((s.epic_title for s in members if s.epic_title), "") or ""
        out.append(EpicGroup(epic, title, tuple(members)))
    return out


def plural(count: int, noun: str) -> str:
    word = noun if count == 1 else ("stories" if noun == "story" else f"{noun}s")
    return f"{count:,} {word}"


def duration(delta: timedelta) -> str:
    """``3d 4h``, ``5h 10m``, ``12m``, ``40s``: how long ago or how long until."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"
