"""What an incremental sync needs to know about the cache without opening every story file.

- ``IndexEntry``: one line per cached story (``index.json``): where its file is, the Rally
  version it was written from, and what boards show (state, lock, epic, iteration).
- ``fingerprint``: a story counts as unchanged when its VersionId, its tasks' versions and its
  epic's name are what the cache was written from (research §9: de-duplicate by ObjectID +
  VersionId; tasks and the epic name are in the story file too).
- ``Selection`` and the watermarks: the highest Rally ``LastUpdateDate`` a sync of a selection
  has seen. A selection can be synced incrementally from the watermark of itself or of any
  selection that contains it (all stories contain every epic).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pantheon_git.core.keys import StoryKey, key_order
from pantheon_git.core.story import Lock, Story
from pantheon_git.errors import UsageError

INDEX_SCHEMA = 1
ALL = "all"


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


def index_doc(entries: Iterable[IndexEntry]) -> dict[str, Any]:
    ordered = sorted(entries, key=lambda e: key_order(e.key))
    return {"schema": INDEX_SCHEMA, "stories": {str(e.key): e.to_dict() for e in ordered}}


def parse_index(doc: Any) -> dict[StoryKey, IndexEntry]:
    """Entries by key; ``ValueError`` (with what is wrong) for anything malformed."""
    if not isinstance(doc, Mapping) or doc.get("schema") != INDEX_SCHEMA:
        raise ValueError(f"not an index of schema {INDEX_SCHEMA}")
    stories = doc.get("stories")
    if not isinstance(stories, Mapping):
        raise ValueError("no stories in it")
    out: dict[StoryKey, IndexEntry] = {}
    for key, item in stories.items():
        if not isinstance(item, Mapping):
            raise ValueError(f"entry {key!r} is not an object")
        try:
            entry = IndexEntry.from_dict(str(key), item)
        except (KeyError, TypeError, ValueError, UsageError) as exc:
            raise ValueError(f"entry {key!r}: {exc}") from None
        out[entry.key] = entry
    return out


def fingerprint(
    story: Mapping[str, Any], tasks: Sequence[Mapping[str, Any]], epic_title: str | None
) -> str:
    """What decides whether a cached story file is still current."""
    basis = [
        story.get("ObjectID"),
        str(story.get("VersionId")),
        sorted((t.get("ObjectID"), str(t.get("VersionId"))) for t in tasks),
        epic_title,
    ]
    text = _FINGERPRINT_JSON.encode(basis)
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]


_FINGERPRINT_JSON = json.JSONEncoder(separators=(",", ":"), default=str)
"""What ``json.dumps(basis, separators=(",", ":"), default=str)`` uses, made once: the
fingerprints in existing caches were computed with exactly that."""


# --- what a sync covers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The stories one sync asks for: every story of the project, or those of some epics
    (FormattedIDs), and/or of one iteration (by name)."""

    epics: tuple[str, ...] = ()
    iteration: str | None = None

    @property
    def everything(self) -> bool:
        return not self.epics and self.iteration is None

    def covers(self, story_epic: str | None, story_iteration: str | None) -> bool:
        if self.epics and story_epic not in self.epics:
            return False
        return self.iteration is None or story_iteration == self.iteration

    def describe(self) -> str:
        parts = []
        if self.epics:
            parts.append("epic " + ", ".join(self.epics))
        if self.iteration is not None:
            parts.append(f"iteration {self.iteration!r}")
        return " in ".join(parts) if parts else "all stories"

    def watermark_keys(self) -> list[str]:
        """The watermark keys a sync of this selection records."""
        if self.everything:
            return [ALL]
        it = f"iteration:{self.iteration}" if self.iteration is not None else None
        if not self.epics:
            assert it is not None
            return [it]
        return [f"epic:{e}|{it}" if it else f"epic:{e}" for e in self.epics]


def bound(watermarks: Mapping[str, str], selection: Selection) -> str | None:
    """The watermark an incremental sync of ``selection`` may start from, or ``None`` when
    no earlier sync covered it (then a full sync is needed). Timestamps are Rally's
    ``...T..:..:..mmmZ`` strings, which sort as text."""
    found = [watermarks.get(ALL)]
    it = selection.iteration
    if selection.epics:
        per_epic: list[str | None] = []
        for epic in selection.epics:
            options = [watermarks.get(f"epic:{epic}")]
            if it is not None:
                options.append(watermarks.get(f"iteration:{it}"))
                options.append(watermarks.get(f"epic:{epic}|iteration:{it}"))
            valid = [o for o in options if o]
            per_epic.append(max(valid) if valid else None)
        if all(per_epic):
            found.append(min(p for p in per_epic if p))
    elif it is not None:
        found.append(watermarks.get(f"iteration:{it}"))
    valid = [f for f in found if f]
    return max(valid) if valid else None


def advance(
    watermarks: Mapping[str, str], selection: Selection, mark: str | None
) -> dict[str, str]:
    """Watermarks after a sync of ``selection`` that saw everything up to ``mark``; keys that
    the all-stories watermark has passed are dropped (it covers them)."""
    out = dict(watermarks)
    if mark:
        for key in selection.watermark_keys():
            out[key] = max(mark, out.get(key) or mark)
    top = out.get(ALL)
    if top:
        out = {k: v for k, v in out.items() if k == ALL or v > top}
    return out
