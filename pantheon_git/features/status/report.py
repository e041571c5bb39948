"""The status board (from the cache) and the drift between Rally and git, as text and data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pantheon_git.core.story import Story
from pantheon_git.core.timefmt import format_time
from pantheon_git.features.status import board
from pantheon_git.features.status.board import EpicGroup, duration, plural
from pantheon_git.features.status.drift import Drift

RULE = "━" * 47
SHOWN = 12
"""Keys listed per column before "+N more"."""
STALE = timedelta(days=1)


@dataclass(frozen=True)
class Status:
    groups: Sequence[EpicGroup]
    drift: Sequence[Drift]
    now: datetime
    synced: datetime | None
    workspace: str | None
    project: str | None
    git_note: str | None = None
    """Why drift was not checked (not a git repository...), else None."""
    mine: str | None = None

    @property
    def age(self) -> timedelta | None:
        return self.now - self.synced if self.synced else None


def _keys(stories: Sequence[Story]) -> str:
    shown = ", ".join(str(s.key) for s in stories[:SHOWN])
    more = len(stories) - SHOWN
    return f"{shown}, +{more} more" if more > 0 else shown


def _locked_line(story: Story, now: datetime) -> str:
    assert story.lock is not None
    left = duration(story.lock.expires - now)
    return f"{story.key}  {story.lock.holder}  expires in {left}"


def _columns(group: EpicGroup, now: datetime) -> dict[str, list[Story]]:
    columns: dict[str, list[Story]] = {
        board.READY: [],
        board.LOCKED: [],
        board.IN_PROGRESS: [],
        board.REVIEW: [],
        board.DONE: [],
    }
    for story in group.stories:
        columns[board.column(story, now)].append(story)
    return columns


def _epic_lines(group: EpicGroup, now: datetime) -> list[str]:
    columns = _columns(group, now)
    lines = [f"{group.label} ({plural(len(group.stories), 'story')})"]
    ready = columns[board.READY]
    lines.append(f"   Ready ({len(ready)})" + (f": {_keys(ready)}" if ready else ""))
    locked = columns[board.LOCKED]
    lines.append(f"   Locked ({len(locked)})")
    lines += [f"      {_locked_line(s, now)}" for s in locked[:SHOWN]]
    if len(locked) > SHOWN:
        lines.append(f"      +{len(locked) - SHOWN} more (--json lists them all)")
    loose = columns[board.IN_PROGRESS]
    if loose:
        lines.append(f"   In progress, not locked ({len(loose)}): {_keys(loose)}")
    review = columns[board.REVIEW]
    lines.append(f"   Code review ({len(review)})" + (f": {_keys(review)}" if review else ""))
    done = columns[board.DONE]
    lines.append(f"   Done ({len(done)})" + (f": {_keys(done)}" if done else ""))
    return lines


def render(status: Status) -> str:
    where = status.project or status.workspace or "Rally"
    if status.synced is not None and status.age is not None:
        head = f"Rally Status: {where} (cache from {duration(status.age)} ago)"
    else:
        head = f"Rally Status: {where}"
    lines = [head, RULE]
    if status.mine:
        lines.append(f"Only stories locked by or owned by {status.mine}.")
    for index, group in enumerate(status.groups):
        if index:
            lines.append("")
        lines += _epic_lines(group, status.now)
    if not status.groups:
        lines.append("No stories to show.")
    lines.append("")
    lines.append("Drift between Rally and git")
    if status.git_note:
        lines.append(f"   {status.git_note}")
    elif not status.drift:
        lines.append("   ✅ none")
    for item in status.drift:
        lines.append(f"   ⚠️  {item.message}")
        lines.append(f"       {item.next_step}")
    lines.append("")
    if status.age is not None and status.age > STALE:
        lines.append(f"The cache is {duration(status.age)} old. Next: run `pantheon sync`.")
    else:
        lines.append(f"Next: {_take_next(status)}; `pantheon sync` refreshes this.")
    return "\n".join(lines)


def _take_next(status: Status) -> str:
    """The checkout that takes a ready story (bare `pantheon checkout` needs a story or an
    epic): the first epic on the board with ready stories."""
    for group in status.groups:
        ready = [s for s in group.stories if board.column(s, status.now) == board.READY]
        if ready and group.epic:
            return f"`pantheon checkout --epic {group.epic}` takes its next ready story"
        if ready:
            return f"`pantheon checkout {ready[0].key}` takes a ready story"
    return "no story is ready to take"


def _story_doc(story: Story, now: datetime) -> dict[str, Any]:
    doc: dict[str, Any] = {"key": str(story.key), "title": story.title, "state": story.state}
    if story.owner:
        doc["owner"] = story.owner
    if story.lock is not None:
        doc["locked_by"] = story.lock.holder
        doc["lock_expires"] = format_time(story.lock.expires)
        doc["lock_expires_in_seconds"] = int((story.lock.expires - now).total_seconds())
    if story.branch:
        doc["branch"] = story.branch
    return doc


def to_dict(status: Status) -> dict[str, Any]:
    epics = []
    for group in status.groups:
        columns = _columns(group, status.now)
        epics.append(
            {
                "id": group.epic,
                "number": group.number,
                "title": group.title,
                "stories": len(group.stories),
                **{
                    name: [_story_doc(s, status.now) for s in stories]
                    for name, stories in columns.items()
                },
            }
        )
    age = status.age
    return {
        "workspace": status.workspace,
        "project": status.project,
        "synced": format_time(status.synced) if status.synced else None,
        "age_seconds": int(age.total_seconds()) if age is not None else None,
        "stale": bool(age is not None and age > STALE),
        "mine": status.mine,
        "epics": epics,
        "drift_checked": status.git_note is None,
        "git_note": status.git_note,
        "drift": [d.to_dict() for d in status.drift],
    }
