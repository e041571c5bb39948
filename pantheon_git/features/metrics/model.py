"""A metric's value with the seed's target beside it, and its verdict."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PASS = "pass"  # noqa: S105 - a verdict, not a password
MISS = "miss"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Target:
    text: str
    met: Callable[[float], bool]


TARGETS: dict[str, Target] = {
    "story_conflicts": Target("< 1%", lambda v: v < 1.0),
    "merge_conflicts": Target("< 10%", lambda v: v < 10.0),
    "coordination": Target("< 5 h/sprint", lambda v: v < 5.0),
    "lane_balance": Target("σ < 15%", lambda v: v < 15.0),
    "lock_expiry": Target("< 5%", lambda v: v < 5.0),
    # The seed's range is 60-80 % of the theoretical maximum; more is better, not a miss.
    "parallelization": Target("60-80% of theoretical max", lambda v: v >= 60.0),
}

NAMES = {
    "story_conflicts": "Story conflict rate",
    "merge_conflicts": "Merge conflict rate",
    "coordination": "Coordination time",
    "lane_balance": "Lane balance",
    "lock_expiry": "Lock expiry rate",
    "parallelization": "Parallelization efficiency",
}


@dataclass(frozen=True)
class Metric:
    key: str
    value: float | None
    unit: str
    detail: str
    how: str
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return NAMES[self.key]

    @property
    def target(self) -> str:
        return TARGETS[self.key].text

    @property
    def status(self) -> str:
        if self.value is None:
            return UNKNOWN
        return PASS if TARGETS[self.key].met(self.value) else MISS

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "target": self.target,
            "status": self.status,
            "detail": self.detail,
            "how": self.how,
            "data": dict(self.data),
        }


def since_filter(items: Iterable[Any], since: datetime | None) -> list[Any]:
    return [i for i in items if since is None or i.time >= since]


def pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0
