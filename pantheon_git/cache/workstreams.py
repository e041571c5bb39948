"""``workstreams.json``: the plan ``pantheon plan`` made from the cache (and its copy
``epic-17-workstreams.json`` when one epic was planned). A plan from ``--from-json`` is not
saved.

Schema 1::

    {"schema": 1, "computed_at": "2026-03-01T09:00:00.000Z", "source": "cache", "epics": ["17"],
     "developers": ["john@example.com", null],
     "lanes": [{"lane": 0, "developer", "critical_path": true, "hours": 12.0,
                "stories": [{"key": "US-120", "start": 0.0, "end": 4.0, "hours": 4.0,
                             "wave", "title", "tier", "tasks"}]}],
     "makespan": 12.0, "lower_bound": 10.0, "balance_sigma_pct": 8.5, ...}

Readers (``pantheon metrics``) get ``Workstreams``: the lanes and figures typed, and the whole
document as written (``document``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantheon_git.cache import document
from pantheon_git.cache.document import Fields
from pantheon_git.core.timefmt import format_time

if TYPE_CHECKING:
    from pantheon_git.cache.store import Cache

KIND = document.Kind("workstreams.json", 1, "pantheon plan")


def epic_copy(number: int) -> str:
    return f"epic-{number}-workstreams.json"


@dataclass(frozen=True)
class Slot:
    key: str
    start: float
    end: float
    hours: float


@dataclass(frozen=True)
class Lane:
    index: int
    developer: str | None
    hours: float
    stories: tuple[Slot, ...]


@dataclass(frozen=True)
class Workstreams:
    computed_at: datetime
    epics: tuple[str, ...]
    lanes: tuple[Lane, ...]
    makespan: float
    lower_bound: float
    balance_sigma_pct: float
    document: Mapping[str, Any]

    def keys(self) -> list[str]:
        """Every planned story, sorted."""
        return sorted({slot.key for lane in self.lanes for slot in lane.stories})


def build(plan: Mapping[str, Any], *, computed_at: datetime) -> Workstreams:
    """The record of a plan document (``Plan.to_dict()`` with ``source`` and ``epics``)."""
    doc = document.new(
        KIND,
        computed_at=format_time(computed_at),
        **{k: v for k, v in plan.items() if k not in ("schema", "computed_at")},
    )
    return parse(document.checked(doc, KIND))


def write(cache: Cache, plan: Workstreams, *, epic: int | None = None) -> list[Path]:
    names = [KIND.name] + ([epic_copy(epic)] if epic is not None else [])
    return [cache.write_json(name, plan.document) for name in names]


def read(cache: Cache) -> Workstreams | None:
    return document.read(cache, KIND, parse)


def parse(fields: Fields) -> Workstreams:
    lanes = tuple(
        Lane(
            index=lane.integer("lane"),
            developer=lane.opt_text("developer"),
            hours=lane.number("hours"),
            stories=tuple(
                Slot(s.text("key"), s.number("start"), s.number("end"), s.number("hours"))
                for s in lane.objs("stories")
            ),
        )
        for lane in fields.objs("lanes")
    )
    return Workstreams(
        computed_at=fields.time("computed_at"),
        epics=fields.texts("epics", []),
        lanes=lanes,
        makespan=fields.number("makespan"),
        lower_bound=fields.number("lower_bound"),
        balance_sigma_pct=fields.number("balance_sigma_pct"),
        document=fields.doc,
    )
