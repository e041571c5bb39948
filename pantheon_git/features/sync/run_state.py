"""What a sync reads from the live cache before it starts, and the epics document it writes
beside the stories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from pantheon_git.cache import meta as cache_meta
from pantheon_git.cache.epics import Epic, Epics
from pantheon_git.cache.index import IndexEntry, load_index
from pantheon_git.cache.meta import Meta
from pantheon_git.cache.store import Cache
from pantheon_git.cache.stories import FOLDER, epic_dir_name
from pantheon_git.core.keys import StoryKey, number_of
from pantheon_git.errors import CacheCorrupt
from pantheon_git.rally.records import EpicRecord


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
    epics: Sequence[EpicRecord], counts: Mapping[str | None, int], meta: Meta, now: datetime
) -> Epics:
    """Every epic of the project, with how many stories the cache holds."""
    items = []
    for epic in sorted(epics, key=lambda e: number_of(e.formatted_id or "")):
        fid = epic.formatted_id
        if not fid:
            continue
        items.append(
            Epic(
                id=fid,
                number=number_of(fid)[0],
                dir=f"{FOLDER}/{epic_dir_name(fid)}",
                title=epic.name,
                object_id=epic.object_id,
                owner=epic.owner,
                stories=counts.get(fid, 0),
                rally=epic.raw,
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
