"""Which Rally stories a story's references name: "Story 1.2" (this run's, or one of the epics
files' stories an earlier run migrated), "US-123", and an epics file's "Epic 1" (the stories that
end it, once in Rally)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pantheon_git.bmad.deps import EPIC_REF
from pantheon_git.bmad.epics import epic_key, epics_ends
from pantheon_git.core.keys import StoryKey
from pantheon_git.features.migrate.candidates import Candidate
from pantheon_git.features.migrate.report import StoryOutcome


@dataclass(frozen=True)
class References:
    """Story ids -> the Rally stories they are: this run's, and those of the epics files read
    whose heading has a Rally line. ``epics``: each BMAD epic number -> the ids of the stories
    that end it (:func:`epics_ends`: the rest of the epic comes before them)."""

    by_id: dict[str, list[str]]
    epics: dict[str, list[str]]
    in_epics_files: frozenset[str]

    @classmethod
    def of(
        cls,
        stories: Sequence[Candidate],
        outcomes: Sequence[StoryOutcome],
        known: Sequence[Candidate],
    ) -> References:
        by_id: dict[str, list[str]] = {}
        here = set()
        for candidate, outcome in zip(stories, outcomes, strict=True):
            here.add((candidate.rel, candidate.parsed.story_id))
            if outcome.key:
                by_id.setdefault(candidate.parsed.story_id, []).append(outcome.key)
        for candidate in known:
            story_id = candidate.parsed.story_id
            link = candidate.parsed.rally
            if link and (candidate.rel, story_id) not in here:
                by_id.setdefault(story_id, []).append(str(link.key))
        ends = epics_ends((c.bmad_epic, c.parsed) for c in known)
        ids = frozenset(c.parsed.story_id for c in known)
        return cls({k: list(dict.fromkeys(v)) for k, v in by_id.items()}, ends, ids)

    def resolve(self, ref: str) -> tuple[list[str], str | None]:
        """The Rally keys ``ref`` names, and what to tell the user when they are not all known."""
        if ref.startswith(EPIC_REF):
            return self._epic(ref.removeprefix(EPIC_REF))
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
        ids = self.epics.get(epic_key(number), [])
        if not ids:
            return [], (
                f"depends on Epic {number}, which none of the files given holds; give its file "
                "too, or link it in Rally by hand"
            )
        keys = [k for i in ids for k in self.by_id.get(i, [])[:1]]
        missing = [i for i in ids if not self.by_id.get(i)]
        if not missing:
            return keys, None
        return keys, (
            f"depends on Epic {number}, whose Stories {', '.join(missing)} are not in Rally yet; "
            "migrate them, then run this migration again to link them"
        )
