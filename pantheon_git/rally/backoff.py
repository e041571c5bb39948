"""Jittered exponential backoff, bounded by a total deadline (pure: the caller sleeps)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Delay before retry ``n`` (1-based): ``base * 2**(n-1)``, capped, scaled by a random
    factor in [0.5, 1) so that many clients hitting the same conflict spread out again."""

    base: float = 0.25
    cap: float = 8.0
    max_attempts: int = 10

    def delay(self, retry: int, rand: float, *, retry_after: float | None = None) -> float:
        """``rand`` in [0, 1). ``retry_after`` (the server's hint) is honoured, up to the cap."""
        ceiling = min(self.cap, self.base * 2.0 ** max(0, retry - 1))
        wait = ceiling * (0.5 + 0.5 * rand)
        if retry_after is not None and retry_after > wait:
            wait = min(retry_after, self.cap)
        return wait


TIMED_BACKOFF = Backoff(base=0.1, cap=1.0, max_attempts=4)
"""For timed protocols (a story lock's reads and writes): few, quick retries that fit in T."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header; the HTTP-date form is ignored."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


DEFAULT_BACKOFF = Backoff()
