"""What a migration reads: one candidate per story (a story file, or a story of an epics file)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pantheon_git.bmad import ParsedStory
from pantheon_git.bmad.epics import Epic
from pantheon_git.features.migrate.report import story_place


@dataclass(frozen=True)
class Candidate:
    rel: str
    path: Path
    data: bytes
    parsed: ParsedStory
    bmad_epic: Epic | None = None

    @property
    def from_epics(self) -> bool:
        """One story of an epics file (``data`` is the whole file)."""
        return self.parsed.dialect == "epics"

    @property
    def bmad_id(self) -> str | None:
        """The story's id in its epics file; None for a story file."""
        return self.parsed.story_id if self.from_epics else None

    @property
    def label(self) -> str:
        return story_place(self.rel, self.bmad_id)


@dataclass(frozen=True)
class Collected:
    stories: tuple[Candidate, ...]
    skipped: tuple[tuple[str, str], ...]
    errors: tuple[tuple[str, str], ...]
    epic_stories: tuple[Candidate, ...] = ()
    """Every story of the epics files read, also those a ``--bmad-epic`` leaves out."""
