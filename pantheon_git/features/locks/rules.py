"""Story locks: who holds a story, and the timing rules of the lock protocol.

Rally has no compare-and-swap, so checkout uses Fischer's timed mutual exclusion:

1. read the story fresh; refuse if someone else holds an unexpired lock;
2. write the lock with a unique token; if the time from *sending the read* to *receiving the
   write's reply* exceeds the bound T, the attempt is void (release it if the token is ours);
3. wait D > T, read again: the lock is ours only if our token is still there.

Why at most one racer wins. Timing assumption: T bounds, as measured by the racer itself, the
time from sending its read to receiving its write's reply; Rally applies a write before it
replies and evaluates a read after it is sent. Write c for when Rally evaluated a racer's
read, w for when its write landed, r for when its re-read was evaluated. Then w <= c + T
(the write landed before its reply, at most T after the read was sent, which was before c),
and r >= w + D > w + T. Suppose P wins, i.e. r_P sees P's token, and Q also wrote.
- If w_Q > w_P: Q's read came before w_P (after it Q would have seen P's unexpired lock and
  refused), so w_Q <= c_Q + T < w_P + T < r_P, and P's re-read would show Q's token. Contradiction.
- If w_Q < w_P: symmetrically P's read came before w_Q, so w_P <= c_P + T < w_Q + T < r_Q,
  and Q's re-read shows P's token: Q loses.
And someone wins whenever every write stays in time: the last write to land is seen by its
own racer. A racer whose attempt ran over T declares it void and clears the lock only if the
lock still carries its token; that can at worst make a round end with no winner (everyone
retries), never with two.

The token must come back from Rally exactly as written, or the winner would not recognise its
own lock: it is a random string in a String field (``c_LockToken``, ``core/fields.py``), never a
time in a DATE field, whose precision nobody knows (research §10.8: a workspace may keep only
the day). A racer's lock counts as its own only when both the holder and the token match.
All functions here are pure: the caller passes monotonic times for the bound, UTC wall time
for the stamps, and the random token.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from pantheon_git.core.story import Lock
from pantheon_git.core.timefmt import format_time, parse_time
from pantheon_git.errors import UsageError


class Outcome(enum.StrEnum):
    """How one lock attempt ended (``run_protocol.Locking.acquire``)."""

    WON = "won"
    RENEWED = "renewed"
    """It was ours already: extended."""
    REFUSED = "refused"
    """Someone else holds it."""
    LOST = "lost"
    """Someone else won the race."""
    TOO_SLOW = "too_slow"
    """The attempt ran over the bound T and was withdrawn."""


class LockStatus(enum.Enum):
    FREE = "free"
    MINE = "mine"
    THEIRS = "theirs"
    EXPIRED = "expired"


def same_person(a: str | None, b: str | None) -> bool:
    return bool(a and b) and a.strip().lower() == b.strip().lower()  # type: ignore[union-attr]


def status(lock: Lock | None, me: str, now: datetime) -> LockStatus:
    """How ``me`` stands towards a story's lock at ``now``.

    An expired lock is free for everyone, its former holder included (it must be taken again
    through the protocol); a lock expires at exactly ``expires``.
    """
    if lock is None or not lock.holder.strip():
        return LockStatus.FREE
    if lock.expired(now):
        return LockStatus.EXPIRED
    return LockStatus.MINE if same_person(lock.holder, me) else LockStatus.THEIRS


def can_take(lock_status: LockStatus) -> bool:
    return lock_status is not LockStatus.THEIRS


def new_lock(me: str, now: datetime, hours: float, branch: str | None, token: str) -> Lock:
    """A lock stamped to the millisecond (the form the token carries), with ``token``: random,
    so that no other racer's lock can look like it."""
    if not token or any(c.isspace() for c in token):
        raise ValueError("a lock token is a non-empty word")
    stamp = parse_time(format_time(now))
    expires = parse_time(format_time(stamp + timedelta(hours=hours)))
    return Lock(me.strip(), stamp, expires, branch, token)


def holds_token(lock: Lock | None, mine: Lock) -> bool:
    """Step 3 of the protocol: is our lock, by holder and token, still the one Rally holds?"""
    return (
        lock is not None
        and lock.token is not None
        and lock.token == mine.token
        and same_person(lock.holder, mine.holder)
    )


def attempt_in_time(read_sent: float, write_replied: float, bound: float) -> bool:
    """Step 2: the attempt counts only if read-to-write-reply stayed within the bound T."""
    return (write_replied - read_sent) <= bound


def check_timing(bound: float, settle: float) -> None:
    """The protocol is only safe with D > T > 0."""
    if bound <= 0 or settle <= bound:
        raise UsageError(
            f"lock timing needs lock_settle_delay > lock_write_bound > 0 "
            f"(got T={bound}s, D={settle}s)"
        )
