"""Who holds which story and which files locked stories declare, read from cache documents.

Both documents are written by other commands (``assignments.json`` by sync and checkout,
``dependencies.json`` by ``pantheon deps``); this module accepts the shapes they may take and
ignores entries it cannot read instead of failing a conflict check over them:

- assignments: ``{"US-123": {...}}``, ``{"locks"|"assignments": {...} or [...]}``, or a list;
  each entry names the story (``key``/``story``/``formatted_id``, or the mapping key) and the
  holder (``holder``/``locked_by``/``who``/``c_LockedBy``), optionally ``expires``
  (``lock_expiry``/``expiry``/``c_LockExpiry``) and ``branch``.
- dependencies: ``{"stories": [{"key": "US-120", "files": ["src/a.py", ...]}, ...]}``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.timefmt import parse_time
from pantheon_git.errors import UsageError

_KEY_FIELDS = ("key", "story", "formatted_id", "FormattedID", "id")
_HOLDER_FIELDS = ("holder", "locked_by", "lockedBy", "who", "c_LockedBy", "owner")
_EXPIRY_FIELDS = ("expires", "lock_expiry", "expiry", "c_LockExpiry", "until")


@dataclass(frozen=True)
class Claim:
    key: StoryKey
    holder: str
    expires: datetime | None = None
    branch: str | None = None

    def active(self, now: datetime) -> bool:
        return self.expires is None or now < self.expires


def parse_assignments(doc: Any) -> dict[StoryKey, Claim]:
    claims: dict[StoryKey, Claim] = {}
    for key_text, entry in _entries(doc):
        key = StoryKey.try_parse(key_text) if key_text else None
        holder = _first(entry, _HOLDER_FIELDS)
        if key is None or not holder:
            continue
        expires = None
        expiry_text = _first(entry, _EXPIRY_FIELDS)
        if expiry_text:
            try:
                expires = parse_time(expiry_text)
            except UsageError:
                expires = None
        claims[key] = Claim(key, holder, expires, _first(entry, ("branch", "c_Branch")))
    return claims


def holders(claims: Mapping[StoryKey, Claim], now: datetime) -> dict[StoryKey, str]:
    """Story -> who holds it; an expired lock shows as such (anyone may take it)."""
    return {
        key: claim.holder if claim.active(now) else f"{claim.holder} (lock expired)"
        for key, claim in claims.items()
    }


def parse_declared_files(doc: Any) -> dict[StoryKey, frozenset[str]]:
    out: dict[StoryKey, frozenset[str]] = {}
    stories = doc.get("stories") if isinstance(doc, dict) else None
    if not isinstance(stories, list):
        return out
    for entry in stories:
        if not isinstance(entry, dict):
            continue
        key = StoryKey.try_parse(str(entry.get("key", "")))
        files = entry.get("files")
        if key is None or not isinstance(files, list):
            continue
        paths = frozenset(str(f).strip().lstrip("/") for f in files if isinstance(f, str))
        if paths - {""}:
            out[key] = paths - {""}
    return out


def _entries(doc: Any) -> Iterator[tuple[str | None, Mapping[str, Any]]]:
    if isinstance(doc, dict):
        for wrapper in ("locks", "assignments"):
            if wrapper in doc and isinstance(doc[wrapper], dict | list):
                yield from _entries(doc[wrapper])
                return
        for name, entry in doc.items():
            if isinstance(entry, dict):
                yield _first(entry, _KEY_FIELDS) or str(name), entry
    elif isinstance(doc, list):
        for entry in doc:
            if isinstance(entry, dict):
                yield _first(entry, _KEY_FIELDS), entry


def _first(entry: Mapping[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = entry.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
