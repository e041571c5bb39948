"""``meta.json``: where the cache comes from and when it was last synced. A sync writes it last
into the next generation: a generation with ``meta.json`` is complete (``cache/swap.py``).

Schema 2 (schema 1 is the same document over story files without a version)::

    {"schema": 2, "rally_url": "https://rally1.rallydev.com", "workspace": "W", "workspace_oid": 1,
     "project": "P", "project_oid": 2, "epic_type": "PortfolioItem/Feature",
     "settings": {"workspace": "W", "project": "P"},
     "last_sync": "...", "last_sync_kind": "full", "last_sync_selection": "all stories",
     "last_full_sync": "...", "watermarks": {"all": "<Rally LastUpdateDate>"},
     "fetch_seconds": 1.234, "stories": 120, "epics": 8}

``settings`` are the configured workspace and project the names were resolved from; the
watermarks are Rally's own timestamps (``features/sync/index.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pantheon_git.cache import document
from pantheon_git.cache.document import Fields
from pantheon_git.core.timefmt import format_time
from pantheon_git.errors import UsageError

if TYPE_CHECKING:
    from pantheon_git.cache.store import Cache
    from pantheon_git.cache.swap import Staging

KIND = document.Kind("meta.json", 2, document.RESYNC)


@dataclass(frozen=True)
class Meta:
    rally_url: str
    workspace: str
    workspace_oid: int
    project: str | None
    project_oid: int | None
    epic_type: str
    settings: Mapping[str, Any]
    last_sync: datetime
    last_sync_kind: str
    last_sync_selection: str
    last_full_sync: datetime | None
    watermarks: Mapping[str, str]
    fetch_seconds: float
    stories: int
    epics: int

    def to_dict(self) -> dict[str, Any]:
        return document.new(
            KIND,
            rally_url=self.rally_url,
            workspace=self.workspace,
            workspace_oid=self.workspace_oid,
            project=self.project,
            project_oid=self.project_oid,
            epic_type=self.epic_type,
            settings=dict(self.settings),
            last_sync=format_time(self.last_sync),
            last_sync_kind=self.last_sync_kind,
            last_sync_selection=self.last_sync_selection,
            last_full_sync=format_time(self.last_full_sync) if self.last_full_sync else None,
            watermarks=dict(self.watermarks),
            fetch_seconds=round(self.fetch_seconds, 3),
            stories=self.stories,
            epics=self.epics,
        )


def commit(stage: Staging, meta: Meta) -> None:
    """Write ``meta.json`` into the next generation and swap it in (``Staging.commit``)."""
    stage.commit(meta.to_dict())


def read(cache: Cache) -> Meta | None:
    return document.read(cache, KIND, parse)


def require(cache: Cache) -> Meta:
    """The meta of a synced cache; no cache at all is a usage error (exit 2)."""
    meta = read(cache)
    if meta is None:
        raise UsageError(
            f"no Rally cache in {cache.dir}", hint="Run `pantheon sync` first to pull stories."
        )
    return meta


def last_sync(cache: Cache) -> datetime | None:
    meta = read(cache)
    return meta.last_sync if meta else None


def parse(fields: Fields) -> Meta:
    watermarks = fields.mapping("watermarks")
    for name, value in watermarks.items():
        if not isinstance(value, str):
            raise document.Bad(f"watermarks.{name}: expected a Rally timestamp, found {value!r}")
    return Meta(
        rally_url=fields.text("rally_url"),
        workspace=fields.text("workspace"),
        workspace_oid=fields.integer("workspace_oid"),
        project=fields.opt_text("project"),
        project_oid=fields.opt_integer("project_oid"),
        epic_type=fields.text("epic_type"),
        settings=fields.mapping("settings"),
        last_sync=fields.time("last_sync"),
        last_sync_kind=fields.text("last_sync_kind"),
        last_sync_selection=fields.text("last_sync_selection"),
        last_full_sync=fields.opt_time("last_full_sync"),
        watermarks=watermarks,
        fetch_seconds=fields.number("fetch_seconds"),
        stories=fields.integer("stories"),
        epics=fields.integer("epics"),
    )
