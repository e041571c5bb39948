"""A command's deadline: the moment after which it stops waiting on anything outside itself.

One ``Deadline`` is made per command (from its setting, such as ``lock_deadline``) and passed
down; every wait below it (a connection, each read of a reply, a retry's pause, a free slot,
a settle delay) takes ``remaining()`` as its longest wait. Narrower limits (one request with its
retries, one try) are made with ``sooner``, so the command's deadline always wins.

This module is imported on the hook path: standard library only, nothing heavy.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Deadline:
    at: float
    """The moment, on ``clock`` (``inf``: never)."""
    seconds: float
    """The budget it was made with, for messages."""
    setting: str = ""
    """The configuration key that sets it (``lock_deadline``), named in hints."""
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)

    @classmethod
    def after(
        cls, seconds: float, *, setting: str = "", clock: Callable[[], float] = time.monotonic
    ) -> Deadline:
        return cls(clock() + seconds, seconds, setting, clock)

    @classmethod
    def never(cls, *, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(math.inf, math.inf, "", clock)

    @property
    def bounded(self) -> bool:
        return self.at != math.inf

    def remaining(self) -> float:
        """Seconds left, never negative (``inf`` for a deadline that never comes)."""
        return max(0.0, self.at - self.clock())

    def expired(self) -> bool:
        return self.clock() >= self.at

    def cap(self, seconds: float) -> float:
        """``seconds``, or what is left if that is less."""
        return min(seconds, self.remaining())

    def sooner(self, seconds: float, *, setting: str = "") -> Deadline:
        """This deadline, or one ``seconds`` from now if that comes first."""
        now = self.clock()
        if now + seconds < self.at:
            return Deadline(now + seconds, seconds, setting, self.clock)
        return self

    def describe(self) -> str:
        """``"15 s (lock_deadline)"``: what a message says about the limit that was reached."""
        amount = f"{self.seconds:g} s"
        return f"{amount} ({self.setting})" if self.setting else amount
