"""Trial merge outcomes, as data: what ``git merge-tree`` said about one merge.

Shared by the git layer that runs the merges, the conflicts check and the metrics.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pantheon_git.core.wording import printable


class TrialStatus(StrEnum):
    CLEAN = "clean"
    CONFLICT = "conflict"
    SKIPPED = "skipped"
    """Not merged: a side does not merge cleanly onto the default branch."""


CLEAN, CONFLICT, SKIPPED = TrialStatus.CLEAN, TrialStatus.CONFLICT, TrialStatus.SKIPPED


@dataclass(frozen=True, order=True)
class MergeConflict:
    """One conflicted path and git's kind for it (``contents``, ``modify/delete``, ...)."""

    path: str
    kind: str = "contents"

    def to_dict(self) -> dict[str, str]:
        return {"path": printable(self.path), "kind": self.kind}


@dataclass(frozen=True)
class TrialOutcome:
    status: TrialStatus
    conflicts: tuple[MergeConflict, ...] = ()
    reason: str | None = None

    @property
    def clean(self) -> bool:
        return self.status == CLEAN

    @property
    def conflicted(self) -> bool:
        return self.status == CONFLICT

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(c.path for c in self.conflicts)

    def to_dict(self) -> dict[str, object]:
        doc: dict[str, object] = {
            "status": self.status,
            "conflicts": [c.to_dict() for c in self.conflicts],
        }
        if self.reason:
            doc["reason"] = self.reason
        return doc

    @classmethod
    def from_conflicts(cls, conflicts: Iterable[MergeConflict]) -> TrialOutcome:
        found = tuple(sorted(set(conflicts)))
        return cls(CONFLICT, found) if found else cls(CLEAN)


@dataclass(frozen=True)
class StoryMerge:
    """A story branch merged into the default branch."""

    story: str
    sha: str
    time: datetime
    conflicted: bool | None
    """None: not known (a squash or rebase merge leaves no second parent to re-merge)."""
    paths: tuple[str, ...] = ()
