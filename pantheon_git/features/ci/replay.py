"""Replays: an event's commit against the one Rally holds. Pure.

A re-run job replays its original payload: re-running the job of `opened` (SHA a) after
`synchronize` (SHA b) would put a back. ``c_CommitSHA`` therefore only moves forward:

1. along the branch's history, when both commits are in the checkout (``run_history.order``):
   an ancestor of what Rally holds is older;
2. by commit time when the histories diverged (a rebase, a force-push): the commit made
   earlier is older;
3. by event time when a commit is not in the checkout and cannot be fetched: an event
   GitHub stamped before the story's last change in Rally is older. Time is a weaker witness
   (anyone's edit in Rally moves ``LastUpdateDate``; an event that happened while an earlier
   job was still writing is called older too), so it only keeps the commit's own fields
   (SHA, branch, coverage) as Rally holds them: the state and the lock still move. A
   checkout with the history (``fetch-depth: 0``) never needs this rule.

Rules 1 and 2 are certain: the whole event is stale and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pantheon_git.core.timefmt import parse_time
from pantheon_git.errors import UsageError

NEWER = "newer"
SAME = "same"
OLDER = "older"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Ordering:
    verdict: str
    """``newer``, ``same``, ``older`` or ``unknown`` (the event's commit against Rally's)."""
    why: str
    certain: bool = True
    """Shown by the commits themselves; ``False`` when only event times were compared."""

    @property
    def older(self) -> bool:
        return self.verdict == OLDER


def by_commit_time(
    current: str, new: str, current_time: int | None, new_time: int | None
) -> Ordering:
    """Diverged histories: the later commit time wins; a tie or no time keeps the event's."""
    if current_time is None or new_time is None:
        return Ordering(UNKNOWN, f"{new[:7]} and {current[:7]} diverged; no commit times")
    if new_time < current_time:
        return Ordering(
            OLDER, f"{new[:7]} was committed before {current[:7]} (their histories diverged)"
        )
    return Ordering(NEWER, f"{new[:7]} was committed after {current[:7]} (histories diverged)")


def by_event_time(
    current: str, new: str, event_time: str | None, last_change: str | None
) -> Ordering:
    """No history: the event is older when GitHub stamped it before Rally last changed the
    story (``LastUpdateDate``)."""
    when, changed = _time(event_time), _time(last_change)
    if when is None or changed is None:
        return Ordering(UNKNOWN, f"{current[:7]} and {new[:7]} are not in the checkout")
    if when < changed:
        return Ordering(
            OLDER,
            f"{new[:7]} is not in the checkout, and this event ({event_time}) is older than "
            f"the story's last change in Rally ({last_change})",
            certain=False,
        )
    return Ordering(
        NEWER, f"this event ({event_time}) is newer than the story's last change", certain=False
    )


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parse_time(text)
    except UsageError:
        return None
