"""Per-clone caches of git scan results under ``.git/pantheon/``.

Everything in them is keyed by git object ids, so an entry can never be stale, only unused.
``scan-cache.json`` (read on every check):

- ``merge_bases``  ``"<tip> <base tip>"`` -> merge base (``""``: none)
- ``files``        ``"<merge base> <tip>"`` -> paths changed between them
- ``ancestry``     ``"<a> <b>"`` (a < b) -> the preferred of two refs of one story
- ``ancestor``     ``"<a> <b>"`` -> whether a is an ancestor of b (local vs remote main)

``trial-cache.json`` (read only by precise checks):

- ``drift``        ``"<tip> <base tip>"`` -> trial merge of the story onto the default branch
- ``pairs``        ``"<tip a> <tip b> <base tip>"`` -> trial merge of two stories on it

It lives in the git directory (shared by linked worktrees, never committed). A missing, corrupt
or foreign file is ignored and rebuilt: it is only ever a cache. Writes are atomic; entries not
used by a run and not about current tips are dropped whenever it is written.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

from pantheon_git.fsio import atomic_write_bytes

SCAN_FILE = "scan-cache.json"
SCAN_SECTIONS = ("merge_bases", "files", "ancestry", "ancestor")
TRIAL_FILE = "trial-cache.json"
TRIAL_SECTIONS = ("drift", "pairs")
VERSION = 1


class ScanCache:
    def __init__(
        self,
        path: Path,
        sections: tuple[str, ...] = SCAN_SECTIONS,
        data: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.path = path
        self.sections = sections
        self.data: dict[str, dict[str, Any]] = {s: {} for s in sections}
        if data:
            self.data.update(data)
        self.used: dict[str, set[str]] = {s: set() for s in sections}
        self.dirty = False
        self.note: str | None = None
        """Set when an unreadable cache was thrown away (shown with -v, never an error)."""

    @classmethod
    def load(
        cls, git_dir: Path, name: str = SCAN_FILE, sections: tuple[str, ...] = SCAN_SECTIONS
    ) -> ScanCache:
        path = git_dir / "pantheon" / name
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls(path, sections)
        except OSError as exc:
            cache = cls(path, sections)
            cache.note = f"ignored unreadable {path}: {exc}"
            return cache
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            cache = cls(path, sections)
            cache.note = f"ignored corrupt {path} ({exc}); rebuilding it"
            cache.dirty = True
            return cache
        if (
            not isinstance(doc, dict)
            or doc.get("version") != VERSION
            or not all(isinstance(doc.get(s, {}), dict) for s in sections)
        ):
            cache = cls(path, sections)
            cache.note = f"ignored {path} (unknown layout); rebuilding it"
            cache.dirty = True
            return cache
        return cls(path, sections, {s: doc.get(s, {}) for s in sections})

    def get(self, section: str, key: str) -> Any:
        value = self.data[section].get(key)
        if value is not None:
            self.used[section].add(key)
        return value

    def put(self, section: str, key: str, value: Any) -> None:
        self.data[section][key] = value
        self.used[section].add(key)
        self.dirty = True

    def save(self, live: Collection[str] = ()) -> bool:
        """Write if anything changed. Keeps used entries and entries whose ids are all live."""
        if not self.dirty:
            return False  # unused entries stay until the next write: pruning alone is not worth one
        live_set = set(live)
        kept: dict[str, dict[str, Any]] = {}
        for section in self.sections:
            entries = self.data[section]
            keep = {
                k: v
                for k, v in entries.items()
                if k in self.used[section] or (live_set and set(k.split(" ")) <= live_set)
            }
            kept[section] = keep
        doc = {"version": VERSION, **kept}
        # ensure_ascii keeps paths that are not valid UTF-8 (surrogate escapes) round-tripping.
        atomic_write_bytes(self.path, json.dumps(doc, separators=(",", ":")).encode("ascii"))
        self.data = kept
        self.dirty = False
        return True
