"""The plan checker: every plan is verified against the input before anyone sees it.

It works on what is shown (keys, lanes, hours), not on the planner's internals, so it also
catches mistakes in the conversion to hours. Rules:

1. every story is placed exactly once, and nothing else is placed;
2. lanes are 0..developers-1, starts are >= 0, and each story lasts its hours;
3. no story starts before every story it depends on has ended;
4. conflicting stories never overlap in time;
5. a lane does one story at a time.

Times are compared with a tolerance of ``EPSILON`` hours (the plan shows times rounded to
1e-6 h); durations with ``DURATION_EPSILON`` (the planner counts whole seconds, so a story of
0.0001 h lasts 0 s). A story of zero hours overlaps nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from pantheon_git.features.plan.model import Entry, PlanStory

EPSILON = 1e-5
DURATION_EPSILON = 0.5 / 3600 + EPSILON


def check_plan(
    stories: Sequence[PlanStory], entries: Sequence[Entry], developers: int
) -> list[str]:
    """Every rule the plan breaks, one line each; an empty list means the plan is valid."""
    by_key = {s.key: s for s in stories}
    problems = _placement(by_key, entries, developers)
    placed = {e.key: e for e in entries if e.key in by_key}
    problems += _order(stories, placed)
    problems += _lane_overlaps(placed.values())
    return problems


def _placement(
    by_key: dict[str, PlanStory], entries: Sequence[Entry], developers: int
) -> list[str]:
    problems: list[str] = []
    counts = Counter(e.key for e in entries)
    for key in by_key:
        if counts[key] != 1:
            problems.append(f"{key} is placed {counts[key]} times, not once")
    problems += [f"{key} is placed but is not in the plan" for key in counts if key not in by_key]
    for e in entries:
        if e.key not in by_key:
            continue
        if not 0 <= e.lane < developers:
            problems.append(f"{e.key} is on lane {e.lane}, outside 0-{developers - 1}")
        if e.start < -EPSILON:
            problems.append(f"{e.key} starts at {e.start:g}h, before the plan starts")
        hours = by_key[e.key].hours
        if abs((e.end - e.start) - hours) > DURATION_EPSILON:
            problems.append(f"{e.key} lasts {e.end - e.start:g}h, but its estimate is {hours:g}h")
    return problems


def _order(stories: Sequence[PlanStory], placed: dict[str, Entry]) -> list[str]:
    problems: list[str] = []
    for story in stories:
        after = placed.get(story.key)
        if after is None:
            continue
        for dep in story.depends_on:
            before = placed.get(dep)
            if before is not None and after.start < before.end - EPSILON:
                problems.append(
                    f"{story.key} starts at {after.start:g}h, before {dep} "
                    f"(a dependency) ends at {before.end:g}h"
                )
        for other in story.conflicts_with:
            clash = placed.get(other)
            if clash is not None and _overlap(after, clash):
                problems.append(
                    f"{story.key} and {other} conflict but overlap "
                    f"({_span(after)} and {_span(clash)})"
                )
    return problems


def _overlap(a: Entry, b: Entry) -> bool:
    if a.end - a.start <= EPSILON or b.end - b.start <= EPSILON:
        return False
    return a.start < b.end - EPSILON and b.start < a.end - EPSILON


def _span(e: Entry) -> str:
    return f"{e.start:g}-{e.end:g}h"


def _lane_overlaps(entries: Iterable[Entry]) -> list[str]:
    problems: list[str] = []
    by_lane: dict[int, list[Entry]] = {}
    for e in entries:
        if e.end - e.start > EPSILON:
            by_lane.setdefault(e.lane, []).append(e)
    for lane, items in sorted(by_lane.items()):
        items.sort(key=lambda e: (e.start, e.end))
        latest = items[0]
        for e in items[1:]:
            if e.start < latest.end - EPSILON:
                problems.append(
                    f"lane {lane} does {latest.key} ({_span(latest)}) and {e.key} "
                    f"({_span(e)}) at the same time"
                )
            if e.end > latest.end:
                latest = e
    return problems
