"""The local story file checkout writes: ``docs/stories/US-123.md`` (``story_dir``), in the BMAD
format ``pantheon migrate`` parses back to the same title, criteria and tasks. A file that is
already there for the story may hold work, so it is never overwritten."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pantheon_git.bmad.writer import render_story
from pantheon_git.core.story import Story
from pantheon_git.fsio import atomic_write_text

_RALLY_LINE = r"^Rally:[ \t]+{id}(?![0-9])"
_HEAD_BYTES = 4096


def linked_story_file(folder: Path, story: Story) -> Path | None:
    """A story file in ``folder`` already linked to this story (``US-123.md``, or a migrated
    file whose ``Rally: US123`` line names it)."""
    own = folder / f"{story.key}.md"
    if own.is_file():
        return own
    if not folder.is_dir():
        return None
    pattern = re.compile(_RALLY_LINE.format(id=story.key.formatted_id), re.MULTILINE)
    for path in sorted(folder.rglob("*.md")):
        try:
            with path.open("rb") as handle:
                head = handle.read(_HEAD_BYTES).decode("utf-8", "replace")
        except OSError:
            continue
        if pattern.search(head):
            return path
    return None


def write_story_file(
    root: Path, story_dir: str, story: Story
) -> tuple[str, Literal["kept", "written"]]:
    """Write ``story_dir/US-123.md`` unless a file for the story is there already (it may hold
    work: it is kept as it is). Returns the path (relative to ``root``) and what happened."""
    folder = root / story_dir
    existing = linked_story_file(folder, story)
    if existing is not None:
        return _relative(existing, root), "kept"
    path = folder / f"{story.key}.md"
    atomic_write_text(path, render_story(story))
    return _relative(path, root), "written"


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
