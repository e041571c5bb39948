"""A command's deadline: the moment after which it stops waiting on anything outside itself.

One ``Deadline`` is made where a command starts (from its setting, such as ``lock_deadline``)
and passed down; every wait below it (a connection, each read of a reply, a retry's pause, a
free slot, a git fetch) asks it how long it may still take, so the command gives up in time
however many waits it strings together. Narrower limits (one request with its retries, one
try) are made with ``within``, so the command's deadline always wins.

Pure: the clock is a parameter (``time.monotonic``, referenced, never called here).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Deadline:
    at: float
    """The clock's value when time is up (``inf``: never)."""
    seconds: float
    """The whole allowance, for messages."""
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)
    owner: str = "the command"
    """Who the deadline belongs to, for messages (``pantheon ci``)."""
    setting: str = ""
    """The configuration key that sets it (``lock_deadline``), named in hints."""

    @classmethod
    def after(
        cls,
        seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        owner: str = "the command",
        setting: str = "",
    ) -> Deadline:
        return cls(clock() + seconds, seconds, clock, owner, setting)

    @classmethod
    def never(cls, *, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(math.inf, math.inf, clock)

    @property
    def bounded(self) -> bool:
        return self.at != math.inf

    def remaining(self) -> float:
        """Seconds left, never below zero (``inf`` for a deadline that never comes)."""
        return max(0.0, self.at - self.clock())

    @property
    def passed(self) -> bool:
        return self.remaining() <= 0.0

    def cap(self, seconds: float) -> float:
        """``seconds``, or what is left if that is less."""
        return min(seconds, self.remaining())

    def within(self, seconds: float, *, setting: str = "") -> Deadline:
        """This deadline, or one ``seconds`` from now if that comes first (a narrower limit,
        such as one request's, named by its ``setting``)."""
        now = self.clock()
        if now + seconds < self.at:
            return Deadline(now + seconds, seconds, self.clock, self.owner, setting)
        return self

    def sooner(self, seconds: float) -> Deadline:
        """The same deadline brought forward by ``seconds`` (time kept back for reporting);
        messages still name the whole allowance."""
        return Deadline(self.at - seconds, self.seconds, self.clock, self.owner, self.setting)

    def describe(self) -> str:
        """``the 15 s deadline (lock_deadline)``, ``the 30 s deadline of pantheon ci``."""
        if self.setting:
            return f"the {self.seconds:g} s deadline ({self.setting})"
        return f"the {self.seconds:g} s deadline of {self.owner}"
