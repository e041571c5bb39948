"""One story's file in the Rally cache, read the cheap way (the hooks' path).

``cache/stories.py`` owns story files; it imports the story model and orjson. A hook only needs
one file, ``stories/<epic>/US-123.json``, and its age, so this reads it with ``os`` and
``json``. The layout constants and the schema version are checked against ``cache/store.py``
and ``cache/stories.py`` by ``tests/test_hook_adapters.py``.
"""

from __future__ import annotations

import json
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CACHE_PARTS = (".bmad", "rally-cache")
PENDING_PARTS = (".bmad", "rally-cache-pending")
"""Lock changes recorded while a sync held the cache (``cache/pending.py``)."""
PREVIOUS_SUFFIX = ".prev"
"""A sync swaps a new cache folder in; between its two renames the old one is read."""
STORY_SCHEMA = 1
PENDING_SCHEMA = 1
"""The story files this version writes (``cache.stories.KIND.schema``)."""


class Entry:
    """A cached story: its BMAD form (``bmad``), and when pantheon last wrote it (``mtime``,
    seconds since the epoch: a sync, a checkout or a hook that read Rally)."""

    __slots__ = ("bmad", "mtime", "path")

    def __init__(self, bmad: dict[str, Any], mtime: float, path: str) -> None:
        self.bmad = bmad
        self.mtime = mtime
        self.path = path

    @property
    def lock(self) -> dict[str, Any] | None:
        lock = self.bmad.get("lock")
        return lock if isinstance(lock, dict) else None

    @property
    def state(self) -> str | None:
        state = self.bmad.get("state")
        return str(state) if state else None

    @property
    def owner(self) -> str | None:
        owner = self.bmad.get("owner")
        return owner if isinstance(owner, str) and owner else None


def cache_dir(root: str) -> str:
    live = os.path.join(root, *CACHE_PARTS)
    if not os.path.exists(live) and os.path.isdir(live + PREVIOUS_SUFFIX):
        return live + PREVIOUS_SUFFIX
    return live


def story_entry(root: str, key: str) -> Entry | None:
    """The cached entry of story ``key`` (``US-123``), or ``None`` when there is none, it
    cannot be read or another version wrote it (the caller then asks Rally, and a good copy
    replaces it). A lock change recorded beside the cache after the entry was written
    (``cache/pending.py``) is the entry's lock."""
    entry = _cached(root, key)
    return _with_pending(root, key, entry)


def _cached(root: str, key: str) -> Entry | None:
    stories = os.path.join(cache_dir(root), "stories")
    try:
        folders = sorted(os.listdir(stories))
    except OSError:
        return None
    name = f"{key}.json"
    for folder in folders:
        path = os.path.join(stories, folder, name)
        try:
            with open(path, "rb") as handle:
                mtime = os.fstat(handle.fileno()).st_mtime
                doc = json.loads(handle.read())
        except FileNotFoundError:
            continue
        except (OSError, ValueError, RecursionError):
            return None
        schema = doc.get("schema") if isinstance(doc, dict) else None
        if type(schema) is not int or schema != STORY_SCHEMA:
            return None
        bmad = doc.get("bmad")
        return Entry(bmad, mtime, path) if isinstance(bmad, dict) else None
    return None


def _with_pending(root: str, key: str, entry: Entry | None) -> Entry | None:
    path = os.path.join(root, *PENDING_PARTS, f"{key}.json")
    try:
        with open(path, "rb") as handle:
            mtime = os.fstat(handle.fileno()).st_mtime
            doc = json.loads(handle.read())
    except (OSError, ValueError, RecursionError):
        return entry
    if not isinstance(doc, dict) or doc.get("schema") != PENDING_SCHEMA or "lock" not in doc:
        return entry
    if entry is not None and entry.mtime >= mtime:
        return entry
    bmad = dict(entry.bmad) if entry is not None else {}
    bmad["lock"] = doc["lock"]
    return Entry(bmad, mtime, path)
