"""Files of the cache kept aside before a sync replaces a cache of another Rally place.

Some of the cache's files exist nowhere else: the checkout log (``events.jsonl``, the only
input of several metrics), the dependency graph and the workstream plans a team reviewed. A
sync that replaces the cache with another project's (``sync --force`` after a change of
workspace, project or server) copies them first to ``.bmad/rally-cache-backup/<time>/``,
beside the cache, where no later sync touches them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pantheon_git.cache.store import Cache

BACKUP_NAME = "rally-cache-backup"


def keep_aside(cache: Cache, wanted: Callable[[str], bool], now: datetime) -> Path | None:
    """Copy every file of the live cache whose relative path ``wanted`` accepts into a new
    folder named after ``now``; the folder (``None`` when there was nothing to keep)."""
    base = cache.dir
    chosen = [rel for rel in _files(base) if wanted(rel)]
    if not chosen:
        return None
    target = base.with_name(BACKUP_NAME) / now.strftime("%Y%m%dT%H%M%SZ")
    for rel in chosen:
        destination = target / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(base / rel, destination)
    return target


def _files(base: Path) -> list[str]:
    found = []
    for folder, _dirs, names in os.walk(base):
        rel = Path(folder).relative_to(base)
        found += [(rel / name).as_posix() for name in names]
    return sorted(found)
