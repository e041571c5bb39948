"""Values as Rally takes and gives them: dates, refs, and typed attribute input."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pantheon_git.rally.emulator.schema import Attr

WSAPI = "/slm/webservice/v2.0/"
_REF = re.compile(r"^/?(?P<type>[A-Za-z]+(?:/[A-Za-z]+)?)/(?P<oid>-?\d+)(?:\.js)?$")


class InvalidValue(ValueError):
    """An attribute value Rally would refuse; the message is Rally's error text."""


def rally_time(moment: datetime) -> str:
    """``2024-05-01T12:00:00.000Z``: UTC with milliseconds, as Rally writes every date."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_date(text: str) -> str | None:
    """Normalise an ISO 8601 date or timestamp to Rally's form; None if it does not parse.

    A date without a time means midnight UTC; a timestamp without a zone is taken as UTC.
    """
    text = text.strip()
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return rally_time(moment)


def created_at(creation: str, now: datetime) -> str:
    """Rally's ``_CreatedAt``: "just now", "27 minutes ago", ..."""
    try:
        age = now - datetime.fromisoformat(creation.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if age < timedelta(minutes=1):
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        count = int(age.total_seconds() // size)
        if count >= 1:
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "just now"


def parse_ref(value: Any) -> tuple[str, int] | None:
    """A ref in any form clients send -> (lower-case type path, ObjectID).

    Forms: ``/hierarchicalrequirement/1``, ``hierarchicalrequirement/1`` (pyral), an absolute
    URL, ``{"_ref": ...}``, with or without a ``.js`` suffix.
    """
    if isinstance(value, dict):
        value = value.get("_ref")
    if not isinstance(value, str):
        return None
    text = value.strip()
    if "://" in text:
        text = urlsplit(text).path
    if WSAPI in text:
        text = text.split(WSAPI, 1)[1]
    match = _REF.match(text)
    if not match:
        return None
    return match.group("type").lower(), int(match.group("oid"))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _text(where: str, attr: Attr, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidValue(f"Validation error: {where} must be a string")
    text = value if isinstance(value, str) else str(value)
    if 0 < attr.max_length < len(text):
        raise InvalidValue(
            f"Validation error: {where} length must be less than or equal to {attr.max_length}"
        )
    return text


BAD_DATE = "Could not update: Could not write changes in Unit of work"
"""Rally's answer to a date it cannot read, on creates and updates alike (Broadcom KB 95485:
a Date field sent as ``05102018`` instead of ``YYYY-MM-DD``). The same words answer a
concurrency conflict (KB 77114): a client cannot tell the two apart by the text."""


def _date(where: str, attr: Attr, value: Any) -> Any:
    date = parse_date(value) if isinstance(value, str) else None
    if date is None:
        raise InvalidValue(BAD_DATE)
    return date


def _quantity(where: str, attr: Attr, value: Any) -> Any:
    number = _number(value)
    if number is None:
        raise InvalidValue(f'Validation error: {where} must be a number: "{value}"')
    return number


def _integer(where: str, attr: Attr, value: Any) -> Any:
    number = _quantity(where, attr, value)
    if number != int(number):
        raise InvalidValue(f'Validation error: {where} must be an integer: "{value}"')
    return int(number)


def _boolean(where: str, attr: Attr, value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidValue(f'Validation error: {where} must be true or false: "{value}"')


def _choice(where: str, attr: Attr, value: Any) -> Any:
    if not isinstance(value, str) or (attr.allowed and value not in attr.allowed):
        allowed = ", ".join(attr.allowed)
        raise InvalidValue(f'Validation error: {where} must be one of {allowed}: "{value}"')
    return value


_COERCE = {
    "STRING": _text,
    "TEXT": _text,
    "DATE": _date,
    "QUANTITY": _quantity,
    "INTEGER": _integer,
    "BOOLEAN": _boolean,
    "STATE": _choice,
    "RATING": _choice,
}


def coerce(type_name: str, attr: Attr, value: Any) -> Any:
    """A scalar value from a request body, checked and normalised for storage.

    Raises :class:`InvalidValue` with the error text. Refs are handled by the caller.
    [UNSURE] The tails of these messages are ours; Rally's prefix is "Validation error: "
    (research §2). A bad date is refused with Rally's own words (:data:`BAD_DATE`). A text
    longer than the field's MaxLength: no source shows Rally's words for it, so the text is
    ours, with Rally's prefix.
    """
    where = f"{type_name}.{attr.display}"
    if value is None or (value == "" and attr.type not in ("STRING", "TEXT")):
        return None
    convert = _COERCE.get(attr.type)
    if convert is None:
        raise InvalidValue(f"Validation error: {where} cannot be set")
    return convert(where, attr, value)
