"""What a sync reads from the live cache before it starts, and the small documents it writes
beside the stories (``epics.json``, ``meta.json``)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pantheon_git.cache.store import RESYNC_HINT, SCHEMA_VERSION, Cache, epic_dir_name
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story
from pantheon_git.core.timefmt import format_time
from pantheon_git.errors import CacheCorrupt, UsageError
from pantheon_git.features.sync import index as sync_index
from pantheon_git.features.sync.index import IndexEntry

Item = dict[str, Any]


def public_url(url: str) -> str:
    """The Rally URL without any user:password part, as it may be stored and shown."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


@dataclass
class Previous:
    meta: dict[str, Any] | None
    index: dict[StoryKey, IndexEntry]

    @classmethod
    def load(cls, cache: Cache, *, force: bool) -> Previous:
        """The live cache's meta and index. Unreadable files stop a normal sync (exit 3, run
        ``--force``); ``--force`` starts from nothing instead."""
        try:
            return cls(cache.meta(), load_index(cache))
        except CacheCorrupt:
            if not force:
                raise
            return cls(None, {})

    def place(self) -> tuple[Any, Any, Any] | None:
        if self.meta is None:
            return None
        meta = self.meta
        return meta.get("rally_url"), meta.get("workspace_oid"), meta.get("project_oid")


def load_index(cache: Cache) -> dict[StoryKey, IndexEntry]:
    """``index.json``, checked against the story files that are there: entries whose file is
    gone are dropped; files it does not list (written by other commands) are read and added
    with no fingerprint, so the next sync rewrites them."""
    doc = cache.read_json("index.json")
    index: dict[StoryKey, IndexEntry] = {}
    if doc is not None:
        try:
            index = sync_index.parse_index(doc)
        except ValueError as exc:
            path = cache.path("index.json")
            raise CacheCorrupt(f"corrupt cache file {path}: {exc}", hint=RESYNC_HINT) from None
    base = str(cache.dir) + os.sep
    on_disk = {str(p)[len(base) :].replace(os.sep, "/"): p for p in cache.story_files()}
    index = {k: e for k, e in index.items() if e.path in on_disk}
    intact = {e.path for e in index.values() if e.size == _size(on_disk[e.path])}
    for rel, path in on_disk.items():
        if rel in intact:
            continue
        # Written by another command (checkout...), or damaged: read it (a damaged file
        # stops the sync here, naming it). Its fingerprint is unknown: the next time Rally
        # sends the story, it is written again.
        entry = cache.load_entry(path)
        try:
            story = Story.from_dict(entry["bmad"])
        except (KeyError, TypeError, ValueError, UsageError) as exc:
            raise CacheCorrupt(f"corrupt cache file {path}: {exc}", hint=RESYNC_HINT) from None
        index[story.key] = IndexEntry.of(story, rel, "", _size(path))
    return index


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def number_of(formatted_id: str) -> tuple[int, str]:
    digits = "".join(ch for ch in formatted_id if ch.isdigit())
    return (int(digits) if digits else 0, formatted_id)


def epics_doc(
    epics: Sequence[Item], counts: Mapping[str | None, int], meta: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """``epics.json``: every epic of the project, with how many stories the cache holds."""
    items = []
    for raw in sorted(epics, key=lambda e: number_of(str(e.get("FormattedID") or ""))):
        fid = str(raw.get("FormattedID") or "")
        if not fid:
            continue
        owner = raw.get("Owner")
        items.append(
            {
                "id": fid,
                "number": number_of(fid)[0],
                "dir": f"stories/{epic_dir_name(fid)}",
                "title": raw.get("Name"),
                "object_id": raw.get("ObjectID"),
                "owner": (owner.get("EmailAddress") or owner.get("_refObjectName"))
                if isinstance(owner, Mapping)
                else None,
                "stories": counts.get(fid, 0),
                "rally": raw,
            }
        )
    return {
        "schema": SCHEMA_VERSION,
        "type": meta.get("epic_type"),
        "workspace": meta.get("workspace"),
        "project": meta.get("project"),
        "updated": format_time(now),
        "epics": items,
        "no_epic_stories": counts.get(None, 0),
    }
