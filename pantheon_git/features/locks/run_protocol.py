"""Fischer's timed mutual exclusion on a story's lock fields in Rally (no compare-and-swap):

1. read the story fresh from Rally (never the cache); someone else's unexpired lock: refuse
   (if that lock is only seconds old, its holder may still be racing: look again T later, so
   that the refusal names the winner, or the story is taken if the lock was withdrawn);
2. write our lock with a new random token (``c_LockToken``, ``core/fields.py``); if more than T
   (``lock_write_bound``) passed between sending the read and receiving the write's reply, the
   attempt is void: clear the lock if it still carries our token, and report "Rally too slow,
   try again". No write is sent, or resent, once T has passed. If Rally refused every try of
   the write (concurrency conflicts: another racer's write overlapped ours), nothing of ours
   is in Rally: read again, and either someone holds the story or a new round starts;
3. wait D (``lock_settle_delay``, > T), read again: the lock is ours only if our token is still
   there; someone else's token means they won; no lock at all (a slow racer withdrew) means a
   new round.

``features/locks/rules.py`` has the argument why this leaves at most one winner, and its timing
assumption. T is measured on the monotonic clock, the stamps come from the wall clock.
Nothing else is written (state, branch) until the lock is won. A lock that expired is free,
and taking it follows the same steps. Extending or clearing a lock we hold is a plain write:
nobody else writes a lock that is held and unexpired, and a racer that read before ours landed
wrote before we won. To keep that true up to the expiry instant, a lock with less than 2 T
left is not extended in place but taken again through the protocol, and not released early.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pantheon_git.core import fields as lockfields
from pantheon_git.core.fields import FieldNames
from pantheon_git.core.story import Lock
from pantheon_git.core.timefmt import format_time, parse_time
from pantheon_git.errors import ConfigError, RallyError, RallyRetryableError, RallyWriteRefused
from pantheon_git.features.locks import rules as locks
from pantheon_git.features.locks.report import LeaseAction
from pantheon_git.features.locks.rules import Outcome
from pantheon_git.rally import records
from pantheon_git.rally.records import StoryDecoder, StoryRecord

if TYPE_CHECKING:
    from pantheon_git.rally.client import RallyClient

LOCK_DEADLINE = 30.0
"""Seconds one Rally request may spend on retries in a lock command."""
ROUNDS = 3
"""Protocol rounds when a round ends with nobody holding the lock."""
READ_FIELDS = ("FormattedID", "Name", "ScheduleState")
FRESH_SKEW = 10.0
"""Seconds of clock difference between machines allowed for when judging a lock's age."""
Written = Literal["landed", "refused", "unknown"]
"""How a lock write ended: Rally applied it; Rally refused every try (nothing was applied);
no answer in time (it may or may not land)."""


def new_token() -> str:
    """A lock's random token: 64 bits, so no two racers ever draw the same."""
    return secrets.token_hex(8)


class RallyTooSlow(RallyRetryableError):
    """A lock attempt ran over the bound T and was withdrawn (exit 5: try again)."""


@dataclass(frozen=True)
class Timing:
    bound: float
    """T, seconds: the longest a lock attempt may take from sending the read to the write's
    reply."""
    settle: float
    """D > T, seconds: the wait before the confirming read."""

    def __post_init__(self) -> None:
        locks.check_timing(self.bound, self.settle)


@dataclass(frozen=True)
class Attempt:
    """How one ``acquire`` ended. ``lock``: ours (won, renewed) or the holder's."""

    outcome: Outcome
    lock: Lock | None
    story: StoryRecord
    """The story as the attempt last read it."""
    replaced: Lock | None = None
    """An expired lock of someone else's that this one replaced."""
    elapsed: float | None = None
    """Seconds from sending the read to the write's reply."""
    withdrawn: bool | None = None
    note: str | None = None


@dataclass
class Locking:
    """The lock operations on one story reference, against one Rally client."""

    client: RallyClient
    names: lockfields.LockFields
    timing: Timing
    default_hours: float
    now: Callable[[], datetime]
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    token: Callable[[], str] = new_token

    def fetch(self) -> list[str]:
        n = self.names
        return [*READ_FIELDS, n.locked_by, n.locked_at, n.expiry, n.branch, n.token]

    @property
    def decoder(self) -> StoryDecoder:
        n = self.names
        names = FieldNames(locked_by=n.locked_by, locked_at=n.locked_at, lock_expiry=n.expiry,
                           branch=n.branch, lock_token=n.token)  # fmt: skip
        return StoryDecoder(names, lock_hours=self.default_hours)

    def read(self, ref: str) -> StoryRecord:
        story = self.client.get(ref, decode=self.decoder, fetch=self.fetch())
        # Rally leaves out fields it does not know, and ignores them in writes (a warning):
        # without this check every lock would silently vanish, and without the token field no
        # racer could tell its own lock from another's. Nothing has been written yet.
        missing = [n for n in self.names.required if not story.fetched(n)]
        if missing:
            raise ConfigError(
                f"Rally has no {', '.join(missing)} field on user stories in this workspace, "
                "so no lock can be taken",
                hint="Create the lock fields (`pantheon doctor --create-fields`, admin key), or "
                "name yours under `fields:` in _bmad/pantheon/config.yaml; `pantheon doctor` "
                "checks them.",
            )
        return story

    def fresh(self, lock: Lock | None, now: datetime) -> bool:
        """Stamped so recently that its holder may still be racing for it (the stamp is the
        holder's clock: ``FRESH_SKEW`` allows for clocks that disagree)."""
        if lock is None:
            return False
        age = (now - lock.locked_at).total_seconds()
        return age < self.timing.bound + self.timing.settle + FRESH_SKEW

    def roomy(self, lock: Lock, now: datetime) -> bool:
        """Enough lease left to change the lock in place (see the module docstring)."""
        return (lock.expires - now).total_seconds() > 2 * self.timing.bound

    # --- the protocol ---------------------------------------------------------------------

    def acquire(self, ref: str, me: str, hours: float) -> Attempt:
        last: Attempt | None = None
        waited = False
        for _ in range(ROUNDS):
            last = self.round(ref, me, hours)
            unsettled = last.outcome is Outcome.REFUSED and self.fresh(last.lock, self.now())
            if unsettled and not waited:
                # The lock may be one racer's among several: every racer that read before it
                # landed writes within T of that read. Look again then, to name the winner
                # (or to take the story if the lock was withdrawn).
                self.sleep(self.timing.bound)
                waited = True
                continue
            if last.outcome is not Outcome.LOST or last.lock is not None:
                return last
            # Nobody holds it: a racer that ran over T withdrew. Start a new round.
        assert last is not None
        if last.outcome is Outcome.REFUSED:
            return last
        note = "several checkouts raced for it and none kept the lock; run the checkout again"
        return Attempt(Outcome.LOST, None, last.story, note=note)

    def round(self, ref: str, me: str, hours: float) -> Attempt:
        """One pass of the protocol; LOST without a lock means nobody holds the story."""
        sent = self.clock()
        story = self.read(ref)
        held = story.lock
        now = self.now()
        status = locks.status(held, me, now)
        if status is locks.LockStatus.THEIRS:
            return Attempt(Outcome.REFUSED, held, story)
        if status is locks.LockStatus.MINE and held is not None and self.roomy(held, now):
            return Attempt(Outcome.RENEWED, self.extend(ref, held, hours), story)
        replaced = held if held and not locks.same_person(held.holder, me) else None
        budget = self.timing.bound - (self.clock() - sent)
        # The read alone used up T, or a lock written now could not be confirmed (or
        # withdrawn) before the command's deadline: write nothing.
        short = None if budget <= 0 else self.short_of_time()
        if budget <= 0 or short:
            return Attempt(Outcome.TOO_SLOW, None, story, elapsed=self.clock() - sent, note=short)
        mine = locks.new_lock(me, self.now(), hours, None, self.token())
        written = self.write(ref, lockfields.to_fields(mine, self.names), budget)
        replied = self.clock()
        elapsed = replied - sent
        if written == "refused":
            return self.after_refusal(ref, me, elapsed)
        if written != "landed" or not locks.attempt_in_time(sent, replied, self.timing.bound):
            withdrawn, note = self.withdraw(ref, mine)
            return Attempt(
                Outcome.TOO_SLOW, None, story, elapsed=elapsed, withdrawn=withdrawn, note=note
            )
        return self.confirm(ref, mine, replaced, elapsed)

    def confirm(self, ref: str, mine: Lock, replaced: Lock | None, elapsed: float) -> Attempt:
        """Step 3: wait D, read again; won only if our token is still there."""
        self.sleep(self.timing.settle)
        try:
            story = self.read(ref)
        except RallyError as exc:
            exc.hint = (
                f"{exc.hint or ''} Your lock may be in Rally unconfirmed: run the checkout "
                "again to confirm it, or `pantheon release` to give it back."
            ).strip()
            raise
        seen = story.lock
        if locks.holds_token(seen, mine):
            return Attempt(Outcome.WON, mine, story, replaced, elapsed)
        if seen is not None and seen.expired(self.now()):
            seen = None
        return Attempt(Outcome.LOST, seen, story, elapsed=elapsed)

    def short_of_time(self) -> str | None:
        """Why a lock must not be written now: the command's deadline would pass before the
        confirming read (T for the write, D to settle, T for the read)."""
        until = self.client.until
        need = 2 * self.timing.bound + self.timing.settle
        if until.remaining() >= need:
            return None
        return (
            f"less than {need:g} s of {until.describe()} was left to write and confirm the "
            "lock, so none was written"
        )

    def after_refusal(self, ref: str, me: str, elapsed: float) -> Attempt:
        """Rally refused every try of our lock write: nothing of ours is there. Someone else's
        lock: refused (``acquire`` names them once they settle); none: a new round."""
        story = self.read(ref)
        held = story.lock
        if locks.status(held, me, self.now()) is locks.LockStatus.THEIRS:
            return Attempt(Outcome.REFUSED, held, story, elapsed=elapsed)
        return Attempt(Outcome.LOST, None, story, elapsed=elapsed)

    def write(self, ref: str, fields: Mapping[str, Any], budget: float) -> Written:
        """One lock write that must be answered within ``budget`` seconds; nothing is
        (re)sent after that."""
        try:
            self.client.update(
                ref, fields, decode=records.entity, fetch=("ObjectID",), deadline=budget
            )
        except RallyRetryableError as exc:
            return "unknown" if exc.maybe_applied else "refused"
        except RallyWriteRefused:  # overlapping writes, in Rally's other words: not applied
            return "refused"
        return "landed"

    def withdraw(self, ref: str, mine: Lock) -> tuple[bool, str | None]:
        """Clear a void attempt's lock, only while it still carries our stamp, and only
        within T of reading it (a clear landing later could wipe a lock won meanwhile)."""
        stuck = (
            "your lock may still be in Rally: `pantheon checkout` takes the story properly, "
            "`pantheon release` gives it back"
        )
        try:
            sent = self.clock()
            if not locks.holds_token(self.read(ref).lock, mine):
                return False, None
            budget = self.timing.bound - (self.clock() - sent)
            clear = lockfields.to_fields(None, self.names)
            if budget <= 0 or self.write(ref, clear, budget) != "landed":
                return False, f"withdrawing was too slow as well; {stuck}"
        except RallyError as exc:
            return False, f"could not withdraw the attempt ({exc.message}); {stuck}"
        return True, None

    def extend(self, ref: str, held: Lock, hours: float) -> Lock:
        """Push the expiry of a lock we hold to ``now + hours`` (never earlier than it was);
        only ``c_LockExpiry`` and the token's times change, so the lock stays the same one (a
        lock without a token, from an older pantheon, gets one)."""
        now = self.now()
        wanted = parse_time(format_time(now + timedelta(hours=hours)))
        expires = max(wanted, held.expires)
        token = held.token or self.token()
        extended = Lock(held.holder, held.locked_at, expires, held.branch, token)
        if expires != held.expires or token != held.token:
            fields = {
                self.names.expiry: format_time(expires),
                self.names.token: lockfields.token_text(extended),
            }
            self.client.update(
                ref,
                fields,
                decode=records.entity,
                fetch=("ObjectID",),
                deadline=self.margin(held, now),
            )
        return extended

    def margin(self, held: Lock, now: datetime) -> float:
        """How long a change to our own lock may take: it must land before the lock expires
        (and someone else may take it), with T to spare."""
        left = (held.expires - now).total_seconds() - self.timing.bound
        return max(0.001, min(LOCK_DEADLINE, left))

    # --- give back, extend ------------------------------------------------------------------

    def release(self, ref: str, me: str) -> tuple[LeaseAction, Lock | None]:
        """``released``, ``not_locked``, ``already_expired`` or ``theirs``, and the lock found."""
        held = self.read(ref).lock
        now = self.now()
        status = locks.status(held, me, now)
        if status is locks.LockStatus.FREE:
            return LeaseAction.NOT_LOCKED, None
        if status is locks.LockStatus.THEIRS:
            return LeaseAction.THEIRS, held
        if status is locks.LockStatus.EXPIRED or (held is not None and not self.roomy(held, now)):
            return LeaseAction.ALREADY_EXPIRED, held
        assert held is not None
        fields = lockfields.to_fields(None, self.names)
        margin = self.margin(held, now)
        self.client.update(ref, fields, decode=records.entity, fetch=("ObjectID",), deadline=margin)
        return LeaseAction.RELEASED, held

    def renew(self, ref: str, me: str, hours: float, *, retake: bool = True) -> Renewal:
        """Extend our lock; an expired lock of ours (or one about to expire) is taken again
        through the protocol (which waits D), unless ``retake`` is False."""
        held = self.read(ref).lock
        now = self.now()
        status = locks.status(held, me, now)
        if status is locks.LockStatus.THEIRS:
            return Renewal(LeaseAction.THEIRS, held, held)
        if held is None or not locks.same_person(held.holder, me):
            return Renewal(LeaseAction.NOT_LOCKED, held, held)
        if status is locks.LockStatus.MINE and self.roomy(held, now):
            return Renewal(LeaseAction.RENEWED, self.extend(ref, held, hours), held)
        if not retake:
            return Renewal(LeaseAction.NOT_LOCKED, held, held)
        attempt = self.acquire(ref, me, hours)
        return Renewal(_RENEWAL[attempt.outcome], attempt.lock, held, attempt)


_RENEWAL = {
    Outcome.WON: LeaseAction.RETAKEN,
    Outcome.RENEWED: LeaseAction.RENEWED,
    Outcome.REFUSED: LeaseAction.THEIRS,
    Outcome.LOST: LeaseAction.LOST,
    Outcome.TOO_SLOW: LeaseAction.TOO_SLOW,
}


@dataclass(frozen=True)
class Renewal:
    action: LeaseAction
    lock: Lock | None
    """The lock now held (ours, or someone else's)."""
    before: Lock | None
    attempt: Attempt | None = None
