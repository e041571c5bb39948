"""Rally's timestamp form: ISO-8601 UTC with milliseconds and ``Z`` (2024-05-01T12:00:00.000Z)."""

from __future__ import annotations

from datetime import UTC, datetime

from pantheon_git.errors import UsageError


def format_time(moment: datetime) -> str:
    """``2024-05-01T12:00:00.123Z``; naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """Parse Rally's form (and any ISO-8601 with an offset); always returns an aware UTC time."""
    value = (text or "").strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"not a timestamp: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
