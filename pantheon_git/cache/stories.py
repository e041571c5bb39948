"""Story files, ``stories/epic-17/US-123.json`` (``stories/no-epic/`` for stories without an
epic): one story as Rally sent it and in its BMAD form. Written by sync (compact JSON, into the
next generation) and by the commands that change one story (checkout, release, renew, the
hooks' fresh reads: atomic, in place).

Schema 1::

    {"schema": 1,
     "rally": {...the story's fields, references cut to who they are...},
     "tasks": [{...each task as Rally sent it...}],
     "bmad": {...Story.to_dict()...}}

The hooks read one story file the cheap way (``cache/peek.py``, which checks the same version).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantheon_git.cache import document
from pantheon_git.cache.document import Fields
from pantheon_git.core import jsonio
from pantheon_git.core.keys import EpicRef, StoryKey, epic_number
from pantheon_git.core.story import Story
from pantheon_git.errors import UsageError
from pantheon_git.fsio import atomic_write_json

if TYPE_CHECKING:
    from pantheon_git.cache.store import Cache
    from pantheon_git.cache.swap import Staging

KIND = document.Kind("story file", 1, document.RESYNC)
FOLDER = "stories"
NO_EPIC_DIR = "no-epic"


@dataclass(frozen=True)
class StoryFile:
    story: Story
    rally: Mapping[str, Any]
    """The story's fields as Rally sent them."""
    tasks: tuple[Mapping[str, Any], ...]
    """Its tasks as Rally sent them (none when a command other than sync wrote the file)."""


@functools.lru_cache(maxsize=1024)  # a sync asks once per story, for a few dozen epics
def epic_dir_name(epic: str | None) -> str:
    return f"epic-{epic_number(epic)}" if epic else NO_EPIC_DIR


def rel_path(story: Story) -> str:
    """``stories/epic-17/US-123.json``: where the story's file goes."""
    return f"{FOLDER}/{epic_dir_name(story.epic)}/{story.key}.json"


def to_dict(story: Story, rally: Mapping[str, Any], tasks: Sequence[Mapping[str, Any]]) -> Any:
    return document.new(KIND, rally=rally, tasks=list(tasks), bmad=story.to_dict())


# --- reading -----------------------------------------------------------------------------------


def paths(cache: Cache) -> Iterator[Path]:
    """Every story file, folder by folder, in name order."""
    base = cache.dir / FOLDER
    if not base.is_dir():
        return
    for folder in sorted(base.iterdir()):
        if folder.is_dir():
            yield from sorted(p for p in folder.glob("*.json") if not p.name.startswith("."))


def path_of(cache: Cache, key: StoryKey) -> Path | None:
    """The file of story ``key``, whichever epic's folder it is in."""
    name = f"{key}.json"
    return next((p for p in paths(cache) if p.name == name), None)


def read(cache: Cache, path: Path) -> StoryFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or exc})"
        raise document.unreadable(cache, path, KIND, problem) from None
    return document.parse_bytes(cache, path, KIND, data, parse)


def find(cache: Cache, key: StoryKey) -> StoryFile | None:
    path = path_of(cache, key)
    return read(cache, path) if path is not None else None


def find_story(cache: Cache, key: StoryKey) -> Story | None:
    found = find(cache, key)
    return found.story if found else None


def load(cache: Cache, epics: Iterable[EpicRef] | None = None) -> list[Story]:
    """The cached stories, optionally only those of the given epics, in key order."""
    wanted = list(epics or ())
    stories: list[Story] = []
    for path in paths(cache):
        story = read(cache, path).story
        if wanted and not any(story.epic and ref.matches(story.epic) for ref in wanted):
            continue
        stories.append(story)
    stories.sort(key=lambda s: s.key)
    return stories


def parse(fields: Fields) -> StoryFile:
    rally = fields.mapping("rally")
    tasks = fields.items("tasks")
    bmad = fields.mapping("bmad")
    if not all(isinstance(task, dict) for task in tasks):
        raise document.Bad("tasks: expected objects")
    try:
        story = Story.from_dict(bmad)
    except (KeyError, TypeError, ValueError, UsageError) as exc:
        message = exc.message if isinstance(exc, UsageError) else str(exc)
        raise document.Bad(f"bmad: {message}") from None
    return StoryFile(story, rally, tuple(tasks))


# --- writing -----------------------------------------------------------------------------------


def put(
    cache: Cache,
    story: Story,
    rally: Mapping[str, Any],
    tasks: Sequence[Mapping[str, Any]] = (),
) -> Path:
    """Write one story's file (atomic), dropping a copy filed under another epic. Callers
    that also write other files hold ``cache.exclusive()``."""
    path = cache.dir / rel_path(story)
    atomic_write_json(path, to_dict(story, dict(rally), tasks))
    for other in paths(cache):
        if other.name == path.name and other != path:
            other.unlink(missing_ok=True)
    return path


def rewrite(path: Path, entry: StoryFile, story: Story) -> None:
    """Write ``story`` over the file ``path`` it was read from (atomic), keeping what Rally
    sent: for changes that leave its epic, and so its place, as they are."""
    atomic_write_json(path, to_dict(story, dict(entry.rally), entry.tasks))


def stage(
    staging: Staging, story: Story, rally: Mapping[str, Any], tasks: Sequence[Mapping[str, Any]]
) -> tuple[str, int]:
    """Queue the story's file in a sync's next generation; its relative path and size."""
    rel = rel_path(story)
    data = jsonio.dumps(to_dict(story, rally, tasks))
    staging.write_bytes(rel, data)
    return rel, len(data)


def remove(cache: Cache, key: StoryKey) -> bool:
    removed = False
    for path in list(paths(cache)):
        if path.name == f"{key}.json":
            path.unlink(missing_ok=True)
            removed = True
    return removed
