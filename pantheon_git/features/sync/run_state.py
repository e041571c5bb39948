"""What a sync reads from the live cache before it starts, and the epics document it writes
beside the stories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pantheon_git.cache import meta as cache_meta
from pantheon_git.cache.epics import Epic, Epics
from pantheon_git.cache.index import IndexEntry, load_index
from pantheon_git.cache.meta import Meta
from pantheon_git.cache.store import Cache
from pantheon_git.cache.stories import FOLDER, epic_dir_name
from pantheon_git.core.keys import StoryKey, number_of
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
    meta: Meta | None
    index: dict[StoryKey, IndexEntry]

    @classmethod
    def load(cls, cache: Cache, *, force: bool) -> Previous:
        """The live cache's meta and index. Unreadable files stop a normal sync (exit 3, run
        ``--force``); ``--force`` starts from nothing instead."""
        try:
            return cls(cache_meta.read(cache), load_index(cache))
        except CacheCorrupt:
            if not force:
                raise
            return cls(None, {})

    def place(self) -> tuple[str, int, int | None] | None:
        if self.meta is None:
            return None
        meta = self.meta
        return meta.rally_url, meta.workspace_oid, meta.project_oid


def epics_doc(
    epics: Sequence[Item], counts: Mapping[str | None, int], meta: Meta, now: datetime
) -> Epics:
    """Every epic of the project, with how many stories the cache holds."""
    items = []
    for raw in sorted(epics, key=lambda e: number_of(str(e.get("FormattedID") or ""))):
        fid = str(raw.get("FormattedID") or "")
        if not fid:
            continue
        owner = raw.get("Owner")
        name, oid = raw.get("Name"), raw.get("ObjectID")
        items.append(
            Epic(
                id=fid,
                number=number_of(fid)[0],
                dir=f"{FOLDER}/{epic_dir_name(fid)}",
                title=str(name) if name is not None else None,
                object_id=int(oid) if oid is not None else None,
                owner=(owner.get("EmailAddress") or owner.get("_refObjectName"))
                if isinstance(owner, Mapping)
                else None,
                stories=counts.get(fid, 0),
                rally=raw,
            )
        )
    return Epics(
        type=meta.epic_type,
        workspace=meta.workspace,
        project=meta.project,
        updated=now,
        epics=tuple(items),
        no_epic_stories=counts.get(None, 0),
    )
