"""What an incremental sync decides without opening every story file (the entries are
``cache/index.py``).

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ALL = "all"


def fingerprint(
    object_id: int,
    version_id: str | None,
    tasks: Iterable[tuple[int, str | None]],
    epic_title: str | None,
) -> str:
    """What decides whether a cached story file is still current: the story's ObjectID and
    VersionId, its tasks' (ObjectID, VersionId) and its epic's name."""
    basis = [
        object_id,
        str(version_id),
        sorted((oid, str(version)) for oid, version in tasks),
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
