"""What a migration reads: one candidate per story (a story file, or a story of an epics file)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pantheon_git.bmad import ParsedStory
from pantheon_git.bmad.epics import Epic


@dataclass(frozen=True)
class Candidate:
    rel: str
    path: Path
    data: bytes
    parsed: ParsedStory
    bmad_epic: Epic | None = None
    from_epics: bool = False
    """One story of an epics file (``data`` is the whole file)."""

    @property
    def label(self) -> str:
        return f"{self.rel} (Story {self.parsed.story_id})" if self.from_epics else self.rel


@dataclass(frozen=True)
class Collected:
    stories: tuple[Candidate, ...]
    skipped: tuple[tuple[str, str], ...]
    errors: tuple[tuple[str, str], ...]
    epic_stories: tuple[Candidate, ...] = ()
    """Every story of the epics files read, also those a ``--bmad-epic`` leaves out."""
