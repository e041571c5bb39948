"""``pantheon doctor``'s lock check as data: the types of the lock fields, and what this
workspace keeps of the times written to its DATE fields (the precision nobody can look up:
research §10.8), judged from the locks Rally holds.

A lock written by this version carries its exact times in ``c_LockToken``; comparing them with
the DATE fields as Rally returns them shows the precision: the millisecond, the second or the
day. Locks without a token only show an upper bound (a time with milliseconds proves ``ms``).
Pure: the use case reads the stories and attributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pantheon_git.core import fields as lockfields

PRECISIONS = ("ms", "second", "day")


@dataclass(frozen=True)
class Sample:
    """One lock date as written (the token's time, if any) and as Rally keeps it."""

    story: str
    kept: datetime
    written: datetime | None = None


def precision_of(sample: Sample) -> str | None:
    """The finest precision this sample proves Rally keeps (``None``: it proves nothing)."""
    if sample.written is not None:
        if sample.kept == sample.written:
            return "ms" if sample.written.microsecond else None
        if sample.kept == sample.written.replace(microsecond=0):
            return "second" if sample.written.second or sample.written.microsecond else None
        if sample.kept == _day(sample.written):
            return "day"
        return None
    if sample.kept.microsecond:
        return "ms"
    return None


def workspace_precision(samples: Iterable[Sample]) -> tuple[str | None, str | None]:
    """The coarsest precision the samples show, and the story that shows it."""
    seen: tuple[str | None, str | None] = (None, None)
    for sample in samples:
        found = precision_of(sample)
        if found is None:
            continue
        if seen[0] is None or PRECISIONS.index(found) > PRECISIONS.index(seen[0]):
            seen = (found, sample.story)
    return seen


MEANING = {
    "ms": "Rally keeps lock times to the millisecond",
    "second": "Rally keeps lock times to the second",
    "day": (
        "Rally keeps only the day of a lock time: Rally's own views show the day a lock was "
        "taken and ends, while pantheon reads the exact times from c_LockToken, so a lock "
        "still lasts its whole lease"
    ),
}
UNKNOWN = (
    "no lock seen yet shows what Rally keeps of a lock time (ms, second or day); it does "
    "not matter to pantheon, which reads exact times from c_LockToken"
)


def token_room(max_length: int | None) -> str | None:
    """Why the token field cannot hold a token, or ``None`` when it can."""
    if max_length is None or max_length <= 0 or max_length >= lockfields.TOKEN_LENGTH:
        return None
    return f"holds {max_length} characters; a lock token needs {lockfields.TOKEN_LENGTH}"


def describe_types(types: Sequence[tuple[str, str | None]]) -> str:
    """``c_LockedBy STRING, c_LockedAt DATE, ...`` (``missing`` for an absent field)."""
    return ", ".join(f"{name} {kind or 'missing'}" for name, kind in types)


def _day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)
