"""``--bmad-epic N``: which stories of the epics files a run migrates.

One run puts its stories under one Rally epic, so an epics file holding several BMAD epics is
migrated one BMAD epic per run (``--bmad-epic 1 --epic F17``, then ``--bmad-epic 2 --epic F18``),
or all of it under one Rally epic with ``--bmad-epic all``. Story files are always migrated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from pantheon_git.bmad.epics import Epic, epic_key, same_epic
from pantheon_git.errors import UsageError
from pantheon_git.features.migrate.candidates import Candidate, Collected

ALL = "all"


def select_epic(
    collected: Collected, bmad_epic: str | None, *, command: Callable[[str], str]
) -> Collected:
    """The stories to migrate; a UsageError when ``--bmad-epic`` is missing, useless or wrong.
    ``command``: the run's own command line with ``--bmad-epic`` set (the hint repeats it)."""
    epics = _epics(collected.epic_stories)
    files = _files(collected.epic_stories)
    if bmad_epic is not None and not collected.epic_stories:
        raise UsageError(
            "--bmad-epic needs an epics file, and the files given hold story files only",
            hint="Give the epics file (e.g. `pantheon migrate docs/epics.md --bmad-epic 1 "
            "--epic F17`), or leave --bmad-epic out.",
        )
    if bmad_epic is None:
        if len(epics) > 1:
            raise UsageError(
                f"{files} {'hold' if ' and ' in files else 'holds'} {len(epics)} BMAD epics "
                f"({_listing(epics)}); choose one with --bmad-epic N",
                hint="One run per BMAD epic, each under its own Rally epic: "
                f"`{command(epics[0].number)}` (or --bmad-epic all to put every story under "
                "--epic).",
            )
        return collected
    if not bmad_epic.strip():
        raise UsageError(
            "--bmad-epic is empty",
            hint=f"Give a BMAD epic's number ({_listing(epics)}), or `all`.",
        )
    if bmad_epic.strip().casefold() == ALL:
        return collected
    wanted = bmad_epic.strip()
    if not any(same_epic(e.number, wanted) for e in epics):
        plural = " and " in files or files.endswith("epics files")
        if epics:
            listing = f"{'they hold' if plural else 'it holds'} {_listing(epics)}"
        else:
            listing = f"{'they have' if plural else 'it has'} no Epic headings"
        raise UsageError(
            f"no BMAD epic {wanted} in {files}; {listing}",
            hint="Give one of those numbers to --bmad-epic, or `all`.",
        )
    stories = tuple(
        c
        for c in collected.stories
        if not c.from_epics or (c.bmad_epic and same_epic(c.bmad_epic.number, wanted))
    )
    return replace(collected, stories=stories)


def _epics(stories: tuple[Candidate, ...]) -> list[Epic]:
    """Distinct BMAD epics (by number), in file order."""
    found: dict[str, Epic] = {}
    for candidate in stories:
        epic = candidate.bmad_epic
        if epic is not None:
            found.setdefault(epic_key(epic.number), epic)
    return list(found.values())


def _listing(epics: list[Epic]) -> str:
    return ", ".join(f"{e.number}: {e.title}" if e.title else e.number for e in epics)


def _files(stories: tuple[Candidate, ...]) -> str:
    names = list(dict.fromkeys(c.rel for c in stories))
    if len(names) <= 3:
        return " and ".join(names)
    return f"{names[0]} and {len(names) - 1} other epics files"
