"""``epics.json``: every epic (portfolio item) of the project, with how many stories the cache
holds for each. Written whole by every sync.

Schema 1::

    {"schema": 1, "type": "PortfolioItem/Feature", "workspace": "W", "project": "P",
     "updated": "2026-03-01T09:00:00.000Z",
     "epics": [{"id": "F17", "number": 17, "dir": "stories/epic-17", "title": "Login",
                "object_id": 123, "owner": "jane@example.com", "stories": 10,
                "rally": {...the portfolio item as Rally sent it...}}],
     "no_epic_stories": 3}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pantheon_git.cache import document
from pantheon_git.cache.document import Fields, Target
from pantheon_git.core.timefmt import format_time

if TYPE_CHECKING:
    from pantheon_git.cache.store import Cache

KIND = document.Kind("epics.json", 1, document.SYNC)


@dataclass(frozen=True)
class Epic:
    id: str
    """The FormattedID: ``F17``."""
    number: int
    dir: str
    """The folder of its story files: ``stories/epic-17``."""
    title: str | None
    object_id: int | None
    owner: str | None
    stories: int
    rally: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "dir": self.dir,
            "title": self.title,
            "object_id": self.object_id,
            "owner": self.owner,
            "stories": self.stories,
            "rally": self.rally,
        }


@dataclass(frozen=True)
class Epics:
    type: str | None
    workspace: str | None
    project: str | None
    updated: datetime
    epics: tuple[Epic, ...]
    no_epic_stories: int

    def titles(self) -> dict[str, str]:
        return {epic.id: epic.title or "" for epic in self.epics}

    def to_dict(self) -> dict[str, Any]:
        return document.new(
            KIND,
            type=self.type,
            workspace=self.workspace,
            project=self.project,
            updated=format_time(self.updated),
            epics=[epic.to_dict() for epic in self.epics],
            no_epic_stories=self.no_epic_stories,
        )


def write(target: Target, epics: Epics) -> None:
    target.write_json(KIND.name, epics.to_dict())


def read(cache: Cache) -> Epics | None:
    return document.read(cache, KIND, parse)


def parse(fields: Fields) -> Epics:
    return Epics(
        type=fields.opt_text("type"),
        workspace=fields.opt_text("workspace"),
        project=fields.opt_text("project"),
        updated=fields.time("updated"),
        epics=tuple(_epic(item) for item in fields.objs("epics")),
        no_epic_stories=fields.integer("no_epic_stories"),
    )


def _epic(item: Fields) -> Epic:
    return Epic(
        id=item.text("id"),
        number=item.integer("number"),
        dir=item.text("dir"),
        title=item.opt_text("title"),
        object_id=item.opt_integer("object_id"),
        owner=item.opt_text("owner"),
        stories=item.integer("stories"),
        rally=item.mapping("rally"),
    )
