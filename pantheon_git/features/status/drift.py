"""Where Rally (as cached) and git disagree about a story (pure).

1. ``no_branch``: In Progress in Rally, but no branch of the story in this clone.
2. ``no_lock``: a story branch, but nobody holds the story (no lock, or an expired one whose
   branch has been quiet), while it is not yet in review or done.
3. ``expired_but_active``: the lock expired, yet the branch has commits from the last day:
   someone is still working without a lease.
4. ``done_branch_left``: Completed or Accepted, and its branch still exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from pantheon_git.core import states
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story
from pantheon_git.features.locks.rules import same_person
from pantheon_git.features.status.board import duration

RECENT = timedelta(days=1)
NO_BRANCH = "no_branch"
NO_LOCK = "no_lock"
EXPIRED_BUT_ACTIVE = "expired_but_active"
DONE_BRANCH_LEFT = "done_branch_left"


class BranchLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def local(self) -> bool: ...

    @property
    def committed(self) -> datetime | None: ...


@dataclass(frozen=True)
class Drift:
    kind: str
    key: StoryKey
    message: str
    next_step: str
    branch: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": str(self.key),
            "branch": self.branch,
            "message": self.message,
            "next": self.next_step,
        }


def find(
    stories: Iterable[Story],
    branches: Mapping[StoryKey, Sequence[BranchLike]],
    now: datetime,
    *,
    unknown_branches: bool = True,
    me: str | None = None,
) -> list[Drift]:
    """Every disagreement, in story-key order. Branches of stories the cache does not hold
    count as branches without a lock when ``unknown_branches``. ``me``: who runs it (a lock
    of someone else's is not offered to check out)."""
    found: list[Drift] = []
    known: set[StoryKey] = set()
    for story in stories:
        known.add(story.key)
        found += _story(story, list(branches.get(story.key, ())), now, me)
    if unknown_branches:
        for key in sorted(set(branches) - known):
            name = branches[key][0].name
            found.append(
                Drift(
                    NO_LOCK,
                    key,
                    f"{name}: {key} is not in the cache, so nobody holds it",
                    f"Run `pantheon sync` (or `pantheon checkout {key}` to take it)",
                    name,
                )
            )
    return sorted(found, key=lambda d: (d.key, d.kind))


def _story(
    story: Story, branches: list[BranchLike], now: datetime, me: str | None = None
) -> list[Drift]:
    if states.rank(story.state) >= states.rank(states.COMPLETED):
        return [
            Drift(
                DONE_BRANCH_LEFT,
                story.key,
                f"{story.key} is {story.state}, but its branch {b.name} still exists",
                _delete(b),
                b.name,
            )
            for b in branches
        ]
    if not branches:
        return _without_branch(story, now, me)
    if story.state == states.CODE_REVIEW:
        return []  # unlocked on purpose by `pantheon complete`
    lock = story.lock if story.lock is not None and story.lock.holder.strip() else None
    if lock is not None and not lock.expired(now):
        return []
    return [_unheld(story, branches, now)]


def _without_branch(story: Story, now: datetime, me: str | None = None) -> list[Drift]:
    if story.state != states.IN_PROGRESS:
        return []
    lock = story.lock
    held = lock is not None and lock.holder.strip() and not lock.expired(now)
    holder = f" (locked by {lock.holder})" if held and lock is not None else ""
    step = (
        "Run `git fetch origin` (it may only be on another machine), or "
        f"`pantheon checkout {story.key}` if it is yours"
    )
    if held and lock is not None and me is not None:
        if same_person(lock.holder, me):  # checkout switches to it, or starts it
            step = f"Run `pantheon checkout {story.key}` (or `git fetch origin` if you pushed it)"
        else:  # checkout would be refused: it is theirs
            step = f"Run `git fetch origin` to see {lock.holder}'s branch once it is pushed"
    return [
        Drift(
            NO_BRANCH,
            story.key,
            f"{story.key} is In Progress in Rally{holder}, but this clone has no branch for it",
            step,
        )
    ]


def _unheld(story: Story, branches: list[BranchLike], now: datetime) -> Drift:
    """A branch of a story nobody holds: still worked on (expired lease) or abandoned."""
    key, lock = story.key, story.lock
    oldest = datetime.min.replace(tzinfo=now.tzinfo)
    latest = max(branches, key=lambda b: b.committed or oldest)
    if lock is not None and latest.committed is not None and now - latest.committed <= RECENT:
        return Drift(
            EXPIRED_BUT_ACTIVE,
            key,
            f"{key}: the lock of {lock.holder} expired {duration(now - lock.expires)} ago, "
            f"but {latest.name} has commits from {duration(now - latest.committed)} ago",
            f"Run `pantheon renew {key}` if it is yours, else tell {lock.holder}",
            latest.name,
        )
    if lock is not None:
        why = f"its lock of {lock.holder} expired {duration(now - lock.expires)} ago"
    else:
        why = "nobody holds it in Rally"
    return Drift(
        NO_LOCK,
        key,
        f"{latest.name}: {key} is {story.state} and {why}",
        f"Run `pantheon checkout {key}` to lock it, or delete the branch if it is abandoned",
        latest.name,
    )


def _delete(branch: BranchLike) -> str:
    if branch.local:
        return f"Run `git branch -d {branch.name}`"
    remote, _, name = branch.name.partition("/")
    return f"Run `git push {remote} --delete {name}`"
