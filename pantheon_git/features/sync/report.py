"""The "Rally Sync Complete" report (the seed's shape) and the same as data for ``--json``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pantheon_git.core.story import Story
from pantheon_git.core.timefmt import format_time
from pantheon_git.features.locks.rules import same_person
from pantheon_git.features.status import board
from pantheon_git.features.status.board import EpicGroup, plural

RULE = "━" * 47
LISTED = 10
"""Locked or in-progress stories listed per epic; the rest are counted."""
NEXT = "Run `pantheon deps` to find parallel work"


@dataclass(frozen=True)
class Removed:
    key: str
    reason: str


@dataclass(frozen=True)
class SyncSummary:
    kind: str
    """``full`` or ``incremental``."""
    selection: str
    workspace: str
    project: str | None
    since: str | None
    """The Rally timestamp an incremental sync asked from (watermark minus the overlap)."""
    watermark: str | None
    new: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[Removed, ...] = ()
    unchanged: int = 0
    requests: int = 0
    retries: int = 0
    """Of ``requests``, those sent again after a failure (a timeout, a 503)."""
    seconds: float = 0.0
    cache: str = ".bmad/rally-cache/"
    notes: tuple[str, ...] = ()
    gitignore_added: bool = False
    epics_fetched: int = 0
    me: str | None = None
    """Who ran the sync (the board tells their locks from other developers')."""


def _in_progress_line(story: Story, now: datetime) -> str:
    where = board.column(story, now)
    if where == board.LOCKED and story.lock is not None:
        return f"{story.key}: Locked by {story.lock.holder}"
    if where == board.REVIEW:
        return f"{story.key}: In code review"
    if story.lock is not None:
        return f"{story.key}: {story.state}, lock of {story.lock.holder} expired"
    return f"{story.key}: {story.state}, not locked"


def _split(group: EpicGroup, now: datetime) -> tuple[list[Story], list[Story], list[Story]]:
    """(ready, in progress in any way, completed) in key order."""
    ready: list[Story] = []
    busy: list[Story] = []
    done: list[Story] = []
    for story in group.stories:
        where = board.column(story, now)
        (ready if where == board.READY else done if where == board.DONE else busy).append(story)
    return ready, busy, done


def _locked_words(busy: Sequence[Story], me: str | None) -> str:
    """Whose locks hold the stories in progress (all of them locked): the seed's "locked by
    other devs", or the share that is yours."""
    mine = sum(1 for s in busy if s.lock is not None and same_person(s.lock.holder, me))
    if not mine:
        return " (locked by other devs)"
    if mine == len(busy):
        return " (locked by you)"
    return f" (locked: {mine} by you, {len(busy) - mine} by other devs)"


def _epic_block(group: EpicGroup, now: datetime, *, first: bool, me: str | None) -> list[str]:
    ready, busy, done = _split(group, now)
    icon = "📦" if group.epic is None else "✅"
    lines = [f"{icon} {group.label} ({plural(len(group.stories), 'story')})"]
    ready_text = f"{plural(len(ready), 'story')} ready"
    if first:
        ready_text += " (Defined, not locked)"
    lines.append(f"   ├─ {ready_text}")
    busy_text = f"{plural(len(busy), 'story')} in progress"
    if first and busy and all(board.column(s, now) == board.LOCKED for s in busy):
        busy_text += _locked_words(busy, me)
    lines.append(f"   ├─ {busy_text}")
    shown = busy[:LISTED]
    for index, story in enumerate(shown):
        last = index == len(shown) - 1 and len(busy) <= LISTED
        lines.append(f"   │  {'└─' if last else '├─'} {_in_progress_line(story, now)}")
    if len(busy) > LISTED:
        lines.append(f"   │  └─ ... and {len(busy) - LISTED} more (`pantheon status`)")
    lines.append(f"   └─ {plural(len(done), 'story')} completed")
    return lines


def _changes_line(summary: SyncSummary) -> str:
    parts = []
    if summary.new:
        parts.append(f"{len(summary.new):,} new")
    if summary.updated:
        parts.append(f"{len(summary.updated):,} updated")
    if summary.removed:
        parts.append(f"{len(summary.removed):,} removed")
    parts.append(f"{summary.unchanged:,} unchanged")
    changes = ", ".join(parts)
    where = summary.project or summary.workspace
    if summary.kind == "full":
        head = f"Full sync of {summary.selection} in {where}"
    else:
        head = f"Incremental sync of {summary.selection} in {where} (changes since {summary.since})"
    n = summary.retries
    again = f" ({n} {'retry' if n == 1 else 'retries'})" if n else ""
    timing = f"{summary.requests} Rally requests{again}, {summary.seconds:.1f}s"
    return f"{head}: {changes}; {timing}"


def render(summary: SyncSummary, groups: Sequence[EpicGroup], now: datetime) -> str:
    lines = ["Rally Sync Complete", RULE]
    for index, group in enumerate(groups):
        if index:
            lines.append("")
        lines += _epic_block(group, now, first=index == 0, me=summary.me)
    if not groups:
        lines.append(f"No stories in {summary.selection}.")
    lines.append("")
    lines.append(_changes_line(summary))
    for item in summary.removed[:LISTED]:
        lines.append(f"   Removed {item.key}: {item.reason}")
    if len(summary.removed) > LISTED:
        lines.append(f"   ... and {len(summary.removed) - LISTED} more removed (see --json)")
    if summary.kind == "incremental":
        lines.append(
            "Stories deleted in Rally or moved out of scope are only found by a full sync: "
            "run `pantheon sync --force` to find them."
        )
    lines += list(summary.notes)
    if summary.gitignore_added:
        lines.append("Added .bmad/ to .gitignore.")
    lines.append(f"Cache updated: {summary.cache}")
    lines.append(f"Next: {NEXT}")
    return "\n".join(lines)


def _story_doc(story: Story, now: datetime) -> dict[str, Any]:
    doc: dict[str, Any] = {"key": str(story.key), "title": story.title, "state": story.state}
    if story.lock is not None:
        doc["locked_by"] = story.lock.holder
        doc["lock_expires"] = format_time(story.lock.expires)
        doc["lock_expired"] = story.lock.expired(now)
    return doc


def to_dict(summary: SyncSummary, groups: Sequence[EpicGroup], now: datetime) -> dict[str, Any]:
    epics = []
    for group in groups:
        ready, busy, done = _split(group, now)
        epics.append(
            {
                "id": group.epic,
                "number": group.number,
                "title": group.title,
                "stories": len(group.stories),
                "ready": [str(s.key) for s in ready],
                "in_progress": [_story_doc(s, now) for s in busy],
                "completed": [str(s.key) for s in done],
            }
        )
    return {
        "kind": summary.kind,
        "selection": summary.selection,
        "workspace": summary.workspace,
        "project": summary.project,
        "since": summary.since,
        "watermark": summary.watermark,
        "changes": {
            "new": list(summary.new),
            "updated": list(summary.updated),
            "removed": [{"key": r.key, "reason": r.reason} for r in summary.removed],
            "unchanged": summary.unchanged,
        },
        "deletions_checked": summary.kind == "full",
        "epics": epics,
        "requests": summary.requests,
        "retries": summary.retries,
        "seconds": round(summary.seconds, 3),
        "cache": summary.cache,
        "notes": list(summary.notes),
        "gitignore_added": summary.gitignore_added,
        "epics_fetched": summary.epics_fetched,
        "next": "pantheon deps",
    }
