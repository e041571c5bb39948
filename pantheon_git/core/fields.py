"""The seed's custom fields in one workspace (``c_LockedBy``...): their configured names, and a
story's lock as their values, both ways."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pantheon_git.core.story import Lock, token_of
from pantheon_git.core.timefmt import format_time, parse_time
from pantheon_git.errors import UsageError


@dataclass(frozen=True)
class LockFields:
    """Names of the Rally fields holding a lock (configurable per workspace)."""

    locked_by: str = "c_LockedBy"
    locked_at: str = "c_LockedAt"
    expiry: str = "c_LockExpiry"
    branch: str = "c_Branch"


@dataclass(frozen=True)
class FieldNames:
    """Rally attribute names of the seed's custom fields in one workspace."""

    locked_by: str = "c_LockedBy"
    locked_at: str = "c_LockedAt"
    lock_expiry: str = "c_LockExpiry"
    branch: str = "c_Branch"
    coverage: str = "c_Coverage"
    commit_sha: str = "c_CommitSHA"
    pantheon_status: str = "c_PantheonStatus"
    acceptance_criteria: str = "c_AcceptanceCriteria"

    @classmethod
    def from_config(cls, fields: Mapping[str, str]) -> FieldNames:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in fields.items() if k in known})

    @property
    def lock(self) -> LockFields:
        return LockFields(self.locked_by, self.locked_at, self.lock_expiry, self.branch)

    def custom(self) -> list[str]:
        return [getattr(self, name) for name in self.__dataclass_fields__]


def to_fields(lock: Lock | None, names: LockFields = LockFields()) -> dict[str, Any]:
    """Rally field values for a lock; ``None`` clears every lock field."""
    if lock is None:
        return {names.locked_by: "", names.locked_at: None, names.expiry: None}
    fields: dict[str, Any] = {
        names.locked_by: lock.holder,
        names.locked_at: format_time(lock.locked_at),
        names.expiry: format_time(lock.expires),
    }
    if lock.branch is not None:
        fields[names.branch] = lock.branch
    return fields


def from_fields(
    fields: Mapping[str, Any], default_hours: float, names: LockFields = LockFields()
) -> Lock | None:
    """The lock held in a story's Rally fields, or ``None`` when it is not locked.

    Locks edited by hand in Rally may lack a date: no ``LockedAt`` means "locked, since we
    don't know when" (epoch, so an expiry still applies); no ``LockExpiry`` means
    ``LockedAt`` + the default lease. Unparseable dates raise ``UsageError`` naming the field.
    """
    holder = str(fields.get(names.locked_by) or "").strip()
    if not holder:
        return None
    locked_at = _date(fields, names.locked_at) or datetime(1970, 1, 1, tzinfo=_UTC)
    expires = _date(fields, names.expiry) or locked_at + timedelta(hours=default_hours)
    branch = fields.get(names.branch) or None
    lock = Lock(holder, locked_at, expires, branch)
    return Lock(holder, locked_at, expires, branch, token_of(lock))


def _date(fields: Mapping[str, Any], name: str) -> datetime | None:
    value = fields.get(name)
    if value in (None, ""):
        return None
    try:
        return parse_time(str(value))
    except UsageError:
        raise UsageError(f"Rally field {name} holds {value!r}, which is not a date") from None


_UTC = parse_time("1970-01-01T00:00:00.000Z").tzinfo
