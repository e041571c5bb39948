"""Which markdown files a migration reads, and reading them as stories.

Default places: the configured story folder (``docs/stories``) and BMAD v6's
``_bmad-output/implementation-artifacts``. Only ``*.md`` files directly in a folder are read;
symbolic links are skipped (writing the Rally line back must not follow them). An epics file
(``docs/epics.md``, ``epic-1-*.md``) gives one candidate per story it holds.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pantheon_git.bmad import Skipped, parse_story
from pantheon_git.bmad.epics import parse_epics
from pantheon_git.bmad.source import check_size, decode_story
from pantheon_git.errors import StoryFormatError, UsageError
from pantheon_git.features.migrate.candidates import Candidate, Collected
from pantheon_git.fsio import atomic_write_bytes

V6_DIR = "_bmad-output/implementation-artifacts"


def collect(root: Path, paths: Sequence[Path], *, story_dir: str) -> Collected:
    stories: list[Candidate] = []
    skipped: list[tuple[str, str]] = []
    errors: list[tuple[str, str]] = []
    epic_stories: list[Candidate] = []
    for path in markdown_files(root, paths, story_dir=story_dir):
        rel = relative(root, path)
        if path.is_symlink():
            skipped.append((rel, "a symbolic link; migrate the file it points to instead"))
            continue
        try:
            check_size(path.stat().st_size, rel)  # before reading a huge file into memory
            data = path.read_bytes()
            text = decode_story(data, rel)
            epics = parse_epics(text, rel)
            parsed = parse_story(text, rel) if epics is None else None
        except StoryFormatError as exc:
            errors.append((rel, exc.message))
            continue
        except OSError as exc:
            errors.append((rel, f"{rel}: cannot read: {exc.strerror or exc}"))
            continue
        if epics is not None:
            found = [Candidate(rel, path, data, s.story, s.epic) for s in epics.stories]
            epic_stories += found
            stories += found
        elif isinstance(parsed, Skipped):
            skipped.append((rel, parsed.reason))
        elif parsed is not None:
            stories.append(Candidate(rel, path, data, parsed))
    return Collected(tuple(stories), tuple(skipped), tuple(errors), tuple(epic_stories))


def markdown_files(root: Path, paths: Sequence[Path], *, story_dir: str) -> list[Path]:
    if not paths:
        folders = [root / story_dir, root / V6_DIR]
        return sorted({p for f in folders if f.is_dir() for p in _md_in(f)})
    found: dict[Path, None] = {}
    for given in paths:
        path = given if given.is_absolute() else Path.cwd() / given
        if path.is_dir():
            for item in _md_in(path):
                found.setdefault(item, None)
        elif path.is_file() or path.is_symlink():
            found.setdefault(path, None)
        else:
            raise UsageError(
                f"no such file or folder: {given}",
                hint="Give story files or folders, e.g. `pantheon migrate docs/stories --epic 17`.",
            )
    return list(found)


def _md_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".md" and not p.is_dir())


def relative(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise UsageError(
            f"{path} is outside the repository {root}",
            hint="Migrate story files that belong to this repository.",
        ) from None


def write_back(path: Path, data: bytes, mode: int | None) -> None:
    """Replace the file atomically, keeping its permission bits."""
    atomic_write_bytes(path, data)
    if mode is not None:
        os.chmod(path, mode)
