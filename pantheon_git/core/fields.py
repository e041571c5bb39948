"""The seed's custom fields in one workspace (``c_LockedBy``...): their configured names, and a
story's lock as their values, both ways.

A lock is written to four fields: ``c_LockedBy`` (the holder), ``c_LockedAt`` and
``c_LockExpiry`` (DATE fields, for Rally's boards and for people), and ``c_LockToken``, a
String field holding the protocol's token and the lock's exact times::

    pantheon-lock/1 9f86d081884c7d65 2026-05-01T12:00:00.123Z 2026-05-02T12:00:00.123Z

Rally returns a String exactly as written; nobody knows what it keeps of a custom DATE (the
millisecond, the second or the day: research §10.8). So the token decides who holds a lock,
and its times say when the lock was taken and when it expires, at any DATE precision. A DATE
field more than a day away from the token's time was changed by hand in Rally, and is believed
instead. A lock without a token (written by an older pantheon, or by hand) is read from the
DATE fields alone; an expiry at exactly midnight UTC is read as the end of that day, since a
workspace that keeps only the day stores every expiry that way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pantheon_git.core.story import Lock
from pantheon_git.core.timefmt import format_time, parse_time
from pantheon_git.errors import UsageError

TOKEN_FORMAT = "pantheon-lock/1"  # noqa: S105 - the token's format name, no secret
_STAMP = "2026-01-01T00:00:00.000Z"
TOKEN_LENGTH = len(f"{TOKEN_FORMAT} {'0' * 16} {_STAMP} {_STAMP}")
"""Characters a token takes: the String field must hold at least this many."""
DRIFT = timedelta(hours=24)
"""How far a DATE field may be from the token's time and still be the same lock's: a workspace
keeping only the day moves a time to the start (or end) of its day, in some time zone."""
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class LockFields:
    """Names of the Rally fields holding a lock (configurable per workspace)."""

    locked_by: str = "c_LockedBy"
    locked_at: str = "c_LockedAt"
    expiry: str = "c_LockExpiry"
    branch: str = "c_Branch"
    token: str = "c_LockToken"  # noqa: S105 - a field name

    @property
    def required(self) -> tuple[str, ...]:
        """The fields a lock cannot be taken without."""
        return (self.locked_by, self.locked_at, self.expiry, self.token)


@dataclass(frozen=True)
class FieldNames:
    """Rally attribute names of the seed's custom fields in one workspace."""

    locked_by: str = "c_LockedBy"
    locked_at: str = "c_LockedAt"
    lock_expiry: str = "c_LockExpiry"
    lock_token: str = "c_LockToken"  # noqa: S105 - a field name
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
        return LockFields(
            self.locked_by, self.locked_at, self.lock_expiry, self.branch, self.lock_token
        )

    def custom(self) -> list[str]:
        return [getattr(self, name) for name in self.__dataclass_fields__]


# --- the token ---------------------------------------------------------------------------------


def token_text(lock: Lock) -> str:
    """What ``c_LockToken`` holds for a lock: its token and its exact times."""
    return f"{TOKEN_FORMAT} {lock.token} {format_time(lock.locked_at)} {format_time(lock.expires)}"


@dataclass(frozen=True)
class Token:
    nonce: str
    locked_at: datetime | None = None
    expires: datetime | None = None


def parse_token(text: str) -> Token:
    """A ``c_LockToken`` value; one this version did not write is an opaque token (it still
    tells one lock from another, it carries no times)."""
    parts = text.split()
    if len(parts) == 4 and parts[0] == TOKEN_FORMAT:
        try:
            return Token(parts[1], parse_time(parts[2]), parse_time(parts[3]))
        except UsageError:
            pass
    return Token(text.strip())


# --- a lock as field values ---------------------------------------------------------------------


def to_fields(lock: Lock | None, names: LockFields = LockFields()) -> dict[str, Any]:
    """Rally field values for a lock; ``None`` clears every lock field."""
    if lock is None:
        return {names.locked_by: "", names.locked_at: None, names.expiry: None, names.token: ""}
    fields: dict[str, Any] = {
        names.locked_by: lock.holder,
        names.locked_at: format_time(lock.locked_at),
        names.expiry: format_time(lock.expires),
        names.token: token_text(lock) if lock.token else "",
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
    stamped = _date(fields, names.locked_at)
    expiry = _date(fields, names.expiry)
    raw_token = str(fields.get(names.token) or "").strip()
    token = parse_token(raw_token) if raw_token else None
    if token is not None and token.locked_at is not None and token.expires is not None:
        stamped = token.locked_at if _near(stamped, token.locked_at) else stamped
        expiry = token.expires if _near(expiry, token.expires) else _day_end(expiry)
    else:
        expiry = _day_end(expiry)
    locked_at = stamped or datetime(1970, 1, 1, tzinfo=UTC)
    expires = expiry or locked_at + timedelta(hours=default_hours)
    branch = fields.get(names.branch) or None
    return Lock(holder, locked_at, expires, branch, token.nonce if token else None)


def _near(field: datetime | None, exact: datetime) -> bool:
    """The DATE field as Rally keeps the token's time (or absent), not a hand-made change."""
    return field is None or abs(field - exact) <= DRIFT


def _day_end(moment: datetime | None) -> datetime | None:
    """An expiry with no time of day (as a workspace that keeps only the day stores it) lasts
    to the end of that day: a lock is never read as ending earlier than it may."""
    if moment is None or moment != moment.replace(hour=0, minute=0, second=0, microsecond=0):
        return moment
    return moment + _DAY


def _date(fields: Mapping[str, Any], name: str) -> datetime | None:
    value = fields.get(name)
    if value in (None, ""):
        return None
    try:
        return parse_time(str(value))
    except UsageError:
        raise UsageError(f"Rally field {name} holds {value!r}, which is not a date") from None
