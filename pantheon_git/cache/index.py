"""``index.json``: one line per cached story (where its file is, the Rally version it was
written from, and what boards show: state, lock, epic, iteration), so that boards and an
incremental sync need not open every story file. Written by every sync (compact JSON).

Schema 1::

    {"schema": 1,
     "stories": {"US-123": {"path": "stories/epic-17/US-123.json", "oid": 123, "version": "7",
                            "fp": "<fingerprint>", "title", "epic", "iteration", "state",
                            "owner", "lock": {...} or null, "branch", "updated", "size": 812}}}

``fp`` is the fingerprint of the Rally versions the file was written from
(``features/sync/index.py``); ``size`` the file's size then: a file of another size was
written since by another command, and is read again.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantheon_git.cache import document, stories
from pantheon_git.cache.document import Fields, Target
from pantheon_git.core.keys import EpicRef, StoryKey, key_order, number_of
from pantheon_git.core.story import Lock, Story
from pantheon_git.errors import UsageError

if TYPE_CHECKING:
    from pantheon_git.cache.store import Cache

KIND = document.Kind("index.json", 1, document.RESYNC)


@dataclass(frozen=True)
class IndexEntry:
    key: StoryKey
    path: str
    """Relative to the cache folder: ``stories/epic-17/US-123.json``."""
    object_id: int | None
    version: str | None
    fingerprint: str
    title: str
    epic: str | None
    iteration: str | None
    state: str
    owner: str | None = None
    lock: Lock | None = None
    branch: str | None = None
    last_update: str | None = None
    size: int | None = None
    """Bytes of the story file as written: a file of another size was changed since."""

    @classmethod
    def of(cls, story: Story, path: str, fingerprint: str, size: int | None = None) -> IndexEntry:
        return cls(
            key=story.key,
            path=path,
            object_id=story.object_id,
            version=story.version_id,
            fingerprint=fingerprint,
            title=story.title,
            epic=story.epic,
            iteration=story.iteration,
            state=story.state,
            owner=story.owner,
            lock=story.lock,
            branch=story.branch,
            last_update=story.last_update,
            size=size,
        )

    def as_story(self) -> Story:
        """The story as far as the index knows it (enough for boards and assignments)."""
        return Story(
            key=self.key,
            title=self.title,
            epic=self.epic,
            state=self.state,
            owner=self.owner,
            lock=self.lock,
            branch=self.branch,
            iteration=self.iteration,
            object_id=self.object_id,
            version_id=self.version,
            last_update=self.last_update,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "oid": self.object_id,
            "version": self.version,
            "fp": self.fingerprint,
            "title": self.title,
            "epic": self.epic,
            "iteration": self.iteration,
            "state": self.state,
            "owner": self.owner,
            "lock": self.lock.to_dict() if self.lock else None,
            "branch": self.branch,
            "updated": self.last_update,
            "size": self.size,
        }

    @classmethod
    def from_dict(cls, key: str, doc: Mapping[str, Any]) -> IndexEntry:
        lock = doc.get("lock")
        oid = doc.get("oid")
        return cls(
            key=StoryKey.parse(key),
            path=str(doc["path"]),
            object_id=int(oid) if oid is not None else None,
            version=doc.get("version"),
            fingerprint=str(doc.get("fp") or ""),
            title=str(doc.get("title") or ""),
            epic=doc.get("epic"),
            iteration=doc.get("iteration"),
            state=str(doc.get("state") or "Defined"),
            owner=doc.get("owner"),
            lock=Lock.from_dict(lock) if lock else None,
            branch=doc.get("branch"),
            last_update=doc.get("updated"),
            size=int(doc["size"]) if doc.get("size") is not None else None,
        )


def to_dict(entries: Iterable[IndexEntry]) -> dict[str, Any]:
    ordered = sorted(entries, key=lambda e: key_order(e.key))
    return document.new(KIND, stories={str(e.key): e.to_dict() for e in ordered})


def write(target: Target, entries: Iterable[IndexEntry]) -> None:
    target.write_json(KIND.name, to_dict(entries))


def parse(fields: Fields) -> dict[StoryKey, IndexEntry]:
    """Entries by key; ``Bad`` (with what is wrong) for anything malformed."""
    out: dict[StoryKey, IndexEntry] = {}
    for key, item in fields.entries("stories"):
        try:
            entry = IndexEntry.from_dict(key, item.doc)
        except (KeyError, TypeError, ValueError, UsageError) as exc:
            message = exc.message if isinstance(exc, UsageError) else str(exc)
            raise document.Bad(f"stories.{key}: {message}") from None
        out[entry.key] = entry
    return out


def load_index(cache: Cache) -> dict[StoryKey, IndexEntry]:
    """``index.json``, checked against the story files that are there: entries whose file is
    gone are dropped; files it does not list (written by other commands) are read and added
    with no fingerprint, so the next sync rewrites them."""
    index = document.read(cache, KIND, parse) or {}
    base = str(cache.dir) + os.sep
    on_disk = {str(p)[len(base) :].replace(os.sep, "/"): p for p in stories.paths(cache)}
    index = {k: e for k, e in index.items() if e.path in on_disk}
    intact = {e.path for e in index.values() if e.size == _size(on_disk[e.path])}
    for rel, path in on_disk.items():
        if rel in intact:
            continue
        # Written by another command (checkout...), or damaged: read it (a damaged file
        # stops the sync here, naming it). Its fingerprint is unknown: the next time Rally
        # sends the story, it is written again.
        story = stories.read(cache, path).story
        index[story.key] = IndexEntry.of(story, rel, "", _size(path))
    return index


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def known_epics(cache: Cache, entries: Iterable[IndexEntry] | None = None) -> list[str]:
    """The epics the cache knows (``epics.json``, and those its stories name), in order:
    what an error about an epic the cache lacks lists."""
    # lazy: epics.py is only needed here
    from pantheon_git.cache import epics as cached_epics

    epics = cached_epics.read(cache)
    named = {e.epic for e in (load_index(cache).values() if entries is None else entries)}
    return sorted({*(epics.titles() if epics else {}), *(e for e in named if e)}, key=number_of)


def unknown_epic(epics: Iterable[EpicRef], known: list[str]) -> UsageError | None:
    """The error for the first of ``epics`` the cache does not know (None: it knows each),
    worded the same by every command that reads epics from the cache."""
    for ref in epics:
        if not any(ref.matches(k) for k in known):
            return UsageError(
                f"no epic {ref.prefix or ''}{ref.number} in the cache; epics there: "
                f"{', '.join(known) or 'none'}",
                hint="Run `pantheon sync` if it is new in Rally.",
            )
    return None
