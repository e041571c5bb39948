"""What a sync reads from the live cache before it starts, and the small documents it writes
beside the stories (``epics.json``, ``meta.json``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pantheon_git.cache.index import IndexEntry, load_index
from pantheon_git.cache.store import SCHEMA_VERSION, Cache, epic_dir_name
from pantheon_git.core.keys import StoryKey, number_of
from pantheon_git.core.timefmt import format_time
from pantheon_git.errors import CacheCorrupt

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
