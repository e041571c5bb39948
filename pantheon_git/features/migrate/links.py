"""Which Rally stories a story's references name: "Story 1.2" (this run's, or one of the epics
files' stories an earlier run migrated), "US-123", and an epics file's "Epic 1" (the stories that
end it, once in Rally), also where the story's epic says it (``**Dependencies:** Epic 1`` under
the epic's heading: :func:`~pantheon_git.bmad.epic_order.epic_order`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pantheon_git.bmad.deps import epic_number
from pantheon_git.bmad.epic_needs import ref_name
from pantheon_git.bmad.epic_order import EpicOrder, epic_order
from pantheon_git.bmad.epics import epic_key, same_epic
from pantheon_git.core.keys import StoryKey
from pantheon_git.features.migrate.candidates import Candidate


@dataclass(frozen=True)
class References:
    """Story ids -> the Rally stories they are: this run's, and those of the epics files read
    whose heading has a Rally line. ``order``: what the epics' own dependency lines make the
    stories that start them wait on, and the stories that end each epic (the rest of the epic
    comes before them)."""

    by_id: dict[str, list[str]]
    in_epics_files: frozenset[str]
    order: EpicOrder

    @classmethod
    def of(
        cls,
        stories: Sequence[Candidate],
        keys: Sequence[str | None],
        known: Sequence[Candidate],
    ) -> References:
        """``keys``: the Rally key of each of ``stories`` (None: none)."""
        by_id: dict[str, list[str]] = {}
        here = set()
        for candidate, key in zip(stories, keys, strict=True):
            here.add((candidate.rel, candidate.parsed.story_id))
            if key:
                by_id.setdefault(candidate.parsed.story_id, []).append(key)
        for candidate in known:
            story_id = candidate.parsed.story_id
            link = candidate.parsed.rally
            if link and (candidate.rel, story_id) not in here:
                by_id.setdefault(story_id, []).append(str(link.key))
        pairs = [(c.bmad_epic, c.parsed) for c in known]
        ids = frozenset(c.parsed.story_id for c in known)
        by_id = {k: list(dict.fromkeys(v)) for k, v in by_id.items()}
        return cls(by_id, ids, epic_order(pairs))

    def resolve(self, ref: str) -> tuple[list[str], str | None]:
        """The Rally keys ``ref`` names, and what to tell the user when they are not all known."""
        number = epic_number(ref)
        if number is not None:
            return self._epic(number)
        key = StoryKey.try_parse(ref)
        if key:
            return [str(key)], None
        found = self.by_id.get(ref, [])
        if len(found) == 1:
            return found, None
        if found:
            return [], f"depends on Story {ref}, but {len(found)} files are Story {ref}: not linked"
        if ref in self.in_epics_files:
            return [], (
                f"depends on Story {ref}, which is not in Rally yet; migrate it, then run this "
                "migration again to link it"
            )
        return [], (
            f"depends on Story {ref}, which is not in this migration; link it in Rally by hand"
        )

    def _epic(self, number: str) -> tuple[list[str], str | None]:
        ids = self.order.ends.get(epic_key(number), [])
        if not ids:
            return [], (
                f"depends on Epic {number}, which none of the files given holds; give its file "
                "too, or link it in Rally by hand"
            )
        keys = [k for i in ids for k in self.by_id.get(i, [])[:1]]
        missing = [i for i in ids if not self.by_id.get(i)]
        if not missing:
            return keys, None
        if len(missing) == 1:
            return keys, (
                f"depends on Epic {number}, whose Story {missing[0]} is not in Rally yet; "
                "migrate it, then run this migration again to link it"
            )
        return keys, (
            f"depends on Epic {number}, whose Stories {', '.join(missing)} are not in Rally yet; "
            "migrate them, then run this migration again to link them"
        )


def plan_links(
    stories: Sequence[Candidate], keys: Sequence[str | None], known: Sequence[Candidate]
) -> tuple[list[tuple[str, ...]], list[str]]:
    """Each story's predecessors (Rally keys, or what ``keys`` calls a story of the run), and
    what to tell about the references that name none. ``keys``: each story's Rally key, or in
    a dry run what the story will be (``Story 1.2``); None: it is not in Rally (failed).
    ``known``: every story of the epics files read, also those of other BMAD epics.

    A story's own references are told on the story; its epic's dependency lines once, on the
    epic (``docs/epics.md (Epic 2): depends on Epic 1, ...``)."""
    refs = References.of(stories, keys, known)
    notes: dict[str, None] = {}
    planned: list[tuple[str, ...]] = []
    for candidate, key in zip(stories, keys, strict=True):
        wanted: list[str] = []
        for ref, about in _references(candidate, key, refs.order) if key else ():
            found, problem = refs.resolve(ref)
            if problem:
                notes.setdefault(f"{about}: {problem}", None)
            wanted += [k for k in found if k != key and k not in wanted]
        for note in _loops(candidate, refs.order) if key else ():
            notes.setdefault(note, None)
        planned.append(tuple(wanted))
    return planned, list(notes)


def _references(candidate: Candidate, key: str, order: EpicOrder) -> list[tuple[str, str]]:
    """The story's references, each with what a problem with it is told on: the story's own
    on the story, its epic's dependency lines on the epic."""
    who = f"{key} ({candidate.label})" if StoryKey.try_parse(key) else candidate.label
    own = [(ref, who) for ref in candidate.parsed.dependencies]
    epic = candidate.bmad_epic
    if epic is None:
        return own
    waits = order.waits.get(candidate.parsed.story_id, ())
    return own + [(ref, _epic_place(candidate.rel, epic.number)) for ref in waits]


def _loops(candidate: Candidate, order: EpicOrder) -> list[str]:
    epic = candidate.bmad_epic
    return [
        f"{_epic_place(candidate.rel, epic.number)}: depends on {ref_name(loop.ref)}, but "
        f"Story {loop.start} comes before Story {loop.end} already by the prerequisites "
        "stated; linking it would make a loop, so it is not linked"
        for loop in (order.loops if epic else ())
        if epic and same_epic(loop.epic, epic.number)
    ]


def _epic_place(rel: str, number: str) -> str:
    return f"{rel} (Epic {number})"
