"""What the planner works on: stories with hours, dependencies and conflicts, and the plan.

``PlanStory`` is the input as people see it (keys and hours). ``Problem`` is the same input
validated and indexed for the algorithms: stories are numbered in a topological order (ties
in input order), durations are whole multiples of one time unit (the largest unit that
divides every duration exactly, so all arithmetic is on integers and schedules are exact).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pantheon_git.errors import UsageError
from pantheon_git.features.plan.graph import find_cycle, topological_order

SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class PlanStory:
    """One story to plan. ``depends_on``: stories that must end before this one starts.

    ``conflicts_with``: stories that must not run at the same time (order free), e.g. because
    both change the same file. Conflicts are symmetric; naming one side is enough.
    """

    key: str
    hours: float
    depends_on: tuple[str, ...] = ()
    conflicts_with: tuple[str, ...] = ()
    title: str = ""
    tasks: int | None = None
    tier: str | None = None
    epic: str | None = None


@dataclass(frozen=True)
class Entry:
    """A story placed on a lane. ``start``/``end`` are hours from plan start."""

    key: str
    lane: int
    start: float
    end: float
    wave: int


@dataclass(frozen=True)
class Problem:
    """Validated, indexed input. Index ``i`` is a position in a topological order."""

    stories: tuple[PlanStory, ...]
    keys: tuple[str, ...]
    dur: tuple[int, ...]
    preds: tuple[tuple[int, ...], ...]
    succs: tuple[tuple[int, ...], ...]
    conf: tuple[tuple[int, ...], ...]
    unit_seconds: int
    """Length of one time unit in seconds: ``dur[i] * unit_seconds`` is exact."""
    rank: tuple[int, ...]
    """Position of each key in natural order (``US-9`` before ``US-10``): breaks ties."""
    index: dict[str, int] = field(compare=False, repr=False)

    @property
    def n(self) -> int:
        return len(self.keys)

    def hours(self, units: int) -> float:
        return round(units * self.unit_seconds / SECONDS_PER_HOUR, 6)

    @property
    def edges(self) -> list[tuple[int, int]]:
        return [(p, j) for j in range(self.n) for p in self.preds[j]]


def to_seconds(hours: float) -> int:
    return round(hours * SECONDS_PER_HOUR)


def build_problem(stories: Sequence[PlanStory]) -> Problem:
    """Validate ``stories`` and index them. Raises ``UsageError`` naming the first problem.

    Rejected: duplicate keys, negative or non-finite hours, references to unknown stories, a
    story depending on or conflicting with itself, and dependency cycles (named in full).
    """
    position: dict[str, int] = {}
    for i, story in enumerate(stories):
        if story.key in position:
            raise UsageError(f"story {story.key} is listed twice")
        position[story.key] = i
        if not isinstance(story.hours, int | float) or not math.isfinite(story.hours):
            raise UsageError(f"story {story.key}: hours must be a finite number")
        if story.hours < 0:
            raise UsageError(f"story {story.key}: hours must not be negative ({story.hours})")
    n = len(stories)
    in_preds, in_conf = _links(stories, position)
    order = topological_order(n, in_preds)
    if order is None:
        cycle = find_cycle(n, in_preds)
        names = " -> ".join(stories[i].key for i in cycle)
        raise UsageError(
            f"dependency cycle: {names}",
            hint="Remove one of these dependencies (a story cannot wait for itself).",
        )
    new_of = {old: new for new, old in enumerate(order)}
    seconds = [to_seconds(stories[old].hours) for old in order]
    unit = 0
    for s in seconds:
        unit = math.gcd(unit, s)
    unit = unit or SECONDS_PER_HOUR
    preds = tuple(tuple(sorted(new_of[p] for p in in_preds[old])) for old in order)
    succ_lists: list[list[int]] = [[] for _ in range(n)]
    for j, ps in enumerate(preds):
        for p in ps:
            succ_lists[p].append(j)
    ordered = tuple(stories[old] for old in order)
    return Problem(
        stories=ordered,
        keys=tuple(s.key for s in ordered),
        dur=tuple(s // unit for s in seconds),
        preds=preds,
        succs=tuple(tuple(s) for s in succ_lists),
        conf=tuple(tuple(sorted(new_of[c] for c in in_conf[old])) for old in order),
        unit_seconds=unit,
        rank=_ranks([s.key for s in ordered]),
        index={s.key: i for i, s in enumerate(ordered)},
    )


def _links(
    stories: Sequence[PlanStory], position: dict[str, int]
) -> tuple[list[list[int]], list[set[int]]]:
    """Dependencies (predecessor lists) and conflicts (both directions) by input position."""
    in_preds: list[list[int]] = [[] for _ in stories]
    in_conf: list[set[int]] = [set() for _ in stories]
    for i, story in enumerate(stories):
        seen: set[int] = set()
        for other in story.depends_on:
            j = _known(position, story.key, other, "depends on")
            if j == i:
                raise UsageError(f"story {story.key} depends on itself")
            if j not in seen:
                seen.add(j)
                in_preds[i].append(j)
        for other in story.conflicts_with:
            j = _known(position, story.key, other, "conflicts with")
            if j == i:
                raise UsageError(f"story {story.key} conflicts with itself")
            in_conf[i].add(j)
            in_conf[j].add(i)
    return in_preds, in_conf


def _known(position: dict[str, int], key: str, other: str, verb: str) -> int:
    j = position.get(other)
    if j is None:
        raise UsageError(f"story {key} {verb} {other}, which is not in the plan")
    return j


def _ranks(keys: Sequence[str]) -> tuple[int, ...]:
    ranked = sorted(range(len(keys)), key=lambda i: natural_key(keys[i]))
    rank = [0] * len(keys)
    for position, i in enumerate(ranked):
        rank[i] = position
    return tuple(rank)


def natural_key(key: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key putting ``US-9`` before ``US-10``: runs of digits compare as numbers."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.findall(r"\d+|\D+", key)
    )
