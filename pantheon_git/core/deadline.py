"""A command's deadline: the moment after which it stops waiting.

One object, made where the command starts and passed down; every wait asks it how long it
may still take (a Rally request and its retries, a git fetch), so the command gives up in
time however many waits it strings together. Nothing here reads a clock of its own: the
clock is a parameter (``time.monotonic`` in production).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Deadline:
    at: float
    """The clock's value when time is up."""
    seconds: float
    """The whole allowance, for messages."""
    clock: Callable[[], float]
    owner: str = "the command"
    """Who the deadline belongs to, for messages (``pantheon ci``)."""

    @classmethod
    def after(cls, seconds: float, *, clock: Callable[[], float], owner: str) -> Deadline:
        return cls(clock() + seconds, seconds, clock, owner)

    def remaining(self) -> float:
        """Seconds left, never below zero."""
        return max(0.0, self.at - self.clock())

    @property
    def passed(self) -> bool:
        return self.remaining() <= 0.0

    def cap(self, seconds: float) -> float:
        """``seconds``, or what is left if that is less."""
        return min(seconds, self.remaining())

    def sooner(self, seconds: float) -> Deadline:
        """The same deadline brought forward by ``seconds`` (time kept back for reporting);
        messages still name the whole allowance."""
        return Deadline(self.at - seconds, self.seconds, self.clock, self.owner)

    def describe(self) -> str:
        """``the 30 s deadline of pantheon ci``."""
        return f"the {self.seconds:g} s deadline of {self.owner}"
