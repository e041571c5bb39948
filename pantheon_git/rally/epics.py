"""Epics (portfolio items) looked up the way people name them: ``17``, ``F17``, ``E17``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pantheon_git.core.keys import EpicRef
from pantheon_git.errors import RallyNotFound, UsageError
from pantheon_git.rally import records
from pantheon_git.rally.query import eq
from pantheon_git.rally.records import EpicRecord

if TYPE_CHECKING:
    from pantheon_git.rally.client import RallyClient


def find_epic(client: RallyClient, epic_type: str, ref: EpicRef) -> EpicRecord:
    prefixes: list[str] = [ref.prefix] if ref.prefix and ref.prefix != "E" else []
    try:
        prefix = client.type_definition(epic_type).get("IDPrefix")
    except RallyNotFound:
        prefix = None
    prefixes = list(dict.fromkeys([*prefixes, *(p for p in (prefix, "F", "E") if p)]))
    fetch = ("ObjectID", "FormattedID", "Name")
    for candidate in prefixes:
        where = eq("FormattedID", f"{candidate}{ref.number}")
        found = client.query(epic_type, where, decode=records.epic, fetch=fetch)
        if found:
            return found[0]
    raise UsageError(
        f"epic {ref.number} not found: no {epic_type} "
        f"{' or '.join(p + str(ref.number) for p in prefixes)} in Rally",
        hint="Check the epic's id in Rally (e.g. F17) and the rally_project setting.",
    )
