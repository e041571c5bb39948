"""Who holds which story, as the conflict checks show it (from ``assignments.json``, or the
cached stories' locks when a sync has not written it yet)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pantheon_git.core.keys import StoryKey


@dataclass(frozen=True)
class Claim:
    key: StoryKey
    holder: str
    expires: datetime | None = None
    branch: str | None = None

    def active(self, now: datetime) -> bool:
        return self.expires is None or now < self.expires


def holders(claims: Mapping[StoryKey, Claim], now: datetime) -> dict[StoryKey, str]:
    """Story -> who holds it; an expired lock shows as such (anyone may take it)."""
    return {
        key: claim.holder if claim.active(now) else f"{claim.holder} (lock expired)"
        for key, claim in claims.items()
    }
