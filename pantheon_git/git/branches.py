"""Story branches of this clone with their last commit time, from one ``git for-each-ref``
(local ``refs/heads`` and remote-tracking ``refs/remotes``; nothing is fetched)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pantheon_git.core.keys import StoryKey, branch_story_key
from pantheon_git.git.command import run_git
from pantheon_git.git.refs import HEADS, short_name


@dataclass(frozen=True)
class Branch:
    name: str
    """As people write it: ``story/US-7-x`` or ``origin/story/US-7-x``."""
    local: bool
    committed: datetime | None
    """The committer date of its tip."""


def story_branches(root: Path, pattern: str) -> dict[StoryKey, list[Branch]]:
    """Every branch whose name matches the story branch pattern, by story."""
    out = run_git(
        [
            "for-each-ref",
            "--format=%(committerdate:unix)%00%(symref)%00%(refname)",
            "refs/heads",
            "refs/remotes",
        ],
        cwd=root,
    )
    found: dict[StoryKey, list[Branch]] = {}
    for line in out.split("\n"):
        if not line:
            continue
        stamp, symref, ref = line.split("\0", 2)
        if symref:
            continue  # origin/HEAD
        key = branch_story_key(ref, pattern)
        if key is None:
            continue
        when = datetime.fromtimestamp(int(stamp), UTC) if stamp.strip().isdigit() else None
        found.setdefault(key, []).append(Branch(short_name(ref), ref.startswith(HEADS), when))
    for branches in found.values():
        branches.sort(key=lambda b: (not b.local, b.name))
    return found
