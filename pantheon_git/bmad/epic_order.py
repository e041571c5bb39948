"""The order an epics file's epics state for themselves (``**Dependencies:** Epic 1`` under
``## Epic 2``, read by :mod:`~pantheon_git.bmad.epic_needs`), as story-to-story links: what
``pantheon migrate`` makes Rally Predecessors and ``benchmarks/deps_stated.py`` measures. Pure.

- The stories that start the epic (:func:`~pantheon_git.bmad.deps.epic_starts`) wait on the
  stories that end each epic named (:func:`~pantheon_git.bmad.epics.epics_ends`): the rest of
  both epics is ordered by their stories' own prerequisites, so these few links say it all.
- An epic named that another epic named comes after already is left out (``Epics 1-3``, Epic 3
  waiting on 2 and 2 on 1: Epic 3 alone).
- A link that would close a loop with what is stated already (the stories' own prerequisites,
  and the epics' lines before it, in file order) is left out and told: a story's own line is
  the more precise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pantheon_git.bmad.deps import epic_number, epic_starts
from pantheon_git.bmad.epics import Epic, epic_key, epics_ends, expand_epics
from pantheon_git.bmad.model import ParsedStory


@dataclass(frozen=True)
class Loop:
    """Epic ``epic`` names ``ref``, but its Story ``start`` comes before Story ``end`` (which
    ``ref`` is, or ends) by what is stated already: not linked."""

    epic: str
    ref: str
    start: str
    end: str


@dataclass(frozen=True)
class EpicOrder:
    waits: dict[str, tuple[str, ...]]
    """Story id -> what its epic's dependency lines make it wait on: ``epic:N`` and story ids,
    to expand as a prerequisite's are (:func:`~pantheon_git.bmad.epics.expand_epics`)."""
    ends: dict[str, list[str]]
    """Each epic (by key) -> the stories that end it (:func:`~pantheon_git.bmad.epics.
    epics_ends`): what ``epic:N`` expands to."""
    loops: tuple[Loop, ...] = ()


def epic_order(
    stories: Iterable[tuple[Epic | None, ParsedStory]], *, held: bool = False
) -> EpicOrder:
    """``stories``: every story of the epics files read, with its epic. ``held``: link what the
    lines hold back too ("can be parallelized with ..."), to measure that choice."""
    items = list(stories)
    members: dict[str, list[str]] = {}
    numbers: dict[str, str] = {}
    for epic, story in items:
        if epic is not None:
            members.setdefault(epic_key(epic.number), []).append(story.story_id)
            numbers.setdefault(epic_key(epic.number), epic.number)
    deps_of = {story.story_id: story.dependencies for _, story in items}
    ends = epics_ends(items)
    after: dict[str, dict[str, None]] = {}  # story -> those after it (ordered: same answers)
    for story_id, deps in deps_of.items():
        for dep in expand_epics(deps, ends, story_id):
            after.setdefault(dep, {})[story_id] = None
    kept: dict[str, list[str]] = {}
    loops: list[Loop] = []
    starts_of = {key: epic_starts(ids, deps_of) for key, ids in members.items()}
    for key, refs in _named(items, held).items():
        starts = starts_of[key]
        kept[key] = []
        for ref in refs:
            if ref in members[key] or _epic_of(ref) == key:
                continue
            targets = [t for t in expand_epics([ref], ends, "") if t in deps_of]
            loop = _path(starts, set(targets), after)
            if loop:
                loops.append(Loop(numbers[key], ref, *loop))
                continue
            kept[key].append(ref)
            for target in targets:
                after.setdefault(target, {}).update(dict.fromkeys(starts))
    waits: dict[str, tuple[str, ...]] = {}
    for key, linked in kept.items():
        fewest = _fewest(linked, kept)
        for story_id in starts_of[key] if fewest else ():
            waits[story_id] = fewest
    return EpicOrder(waits, ends, tuple(loops))


def _named(
    items: Sequence[tuple[Epic | None, ParsedStory]], held: bool
) -> dict[str, dict[str, None]]:
    """Each epic (by key, in file order) -> what its dependency lines name."""
    named: dict[str, dict[str, None]] = {}
    for epic in dict.fromkeys(epic for epic, _ in items if epic is not None):
        refs = named.setdefault(epic_key(epic.number), {})
        for need in epic.needs:
            for ref in (*need.refs, *(need.held if held else ())):
                refs.setdefault(ref, None)
    return named


def _path(
    starts: Sequence[str], targets: set[str], after: Mapping[str, Mapping[str, None]]
) -> tuple[str, str] | None:
    """A start and a target it comes before already, if any does."""
    for start in starts:
        seen, todo = {start}, [start]
        while todo:
            for story in after.get(todo.pop(), ()):
                if story in targets:
                    return start, story
                if story not in seen:
                    seen.add(story)
                    todo.append(story)
    return None


def _epic_of(ref: str) -> str | None:
    number = epic_number(ref)
    return epic_key(number) if number is not None else None


def _fewest(refs: Sequence[str], graph: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """``refs`` without an epic that another epic of them waits on, directly or not."""
    epics = {e for r in refs if (e := _epic_of(r))}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = {start}, [start]
        while todo:
            for ref in graph.get(todo.pop(), ()):
                found = _epic_of(ref)
                if found == goal:
                    return True
                if found and found not in seen:
                    seen.add(found)
                    todo.append(found)
        return False

    def implied(epic: str) -> bool:
        return any(o != epic and reaches(o, epic) and not reaches(epic, o) for o in epics)

    return tuple(r for r in refs if not ((e := _epic_of(r)) and implied(e)))
