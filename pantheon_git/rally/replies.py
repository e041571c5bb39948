"""Rally's reply envelopes, checked: anything unexpected becomes a clear :class:`RallyError`.

Every WSAPI reply is one JSON object with one key: ``QueryResult``, ``CreateResult``,
``OperationResult``, or a type name around a single object (``{"HierarchicalRequirement":
{..., "Errors": [], "Warnings": []}}``). ``Errors`` and ``Warnings`` are lists of strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pantheon_git.errors import RallyError

Item = dict[str, Any]
"""One object of a reply, as Rally sent it."""

MALFORMED_HINT = "Check RALLY_URL: it should be the Rally server, not a proxy or login page."


@dataclass(frozen=True)
class Envelope:
    key: str
    body: dict[str, Any]
    errors: list[str]
    warnings: list[str]


def _malformed(where: str, why: str) -> RallyError:
    return RallyError(f"Rally sent a malformed reply to {where}: {why}", hint=MALFORMED_HINT)


def _strings(body: dict[str, Any], name: str, where: str) -> list[str]:
    value = body.get(name, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise _malformed(where, f"`{name}` is not a list")
    return [v if isinstance(v, str) else str(v) for v in value]


def envelope(payload: object, *, where: str) -> Envelope:
    if not isinstance(payload, dict) or len(payload) != 1:
        shape = type(payload).__name__ if not isinstance(payload, dict) else f"{len(payload)} keys"
        raise _malformed(where, f"expected one top-level object, got {shape}")
    ((key, body),) = payload.items()
    if not isinstance(body, dict):
        raise _malformed(where, f"`{key}` is not an object")
    return Envelope(
        key=str(key),
        body=body,
        errors=_strings(body, "Errors", where),
        warnings=_strings(body, "Warnings", where),
    )


@dataclass(frozen=True)
class Page:
    total: int
    start: int
    items: list[dict[str, Any]]


def as_sent(item: Item) -> Item:
    """The item as Rally sent it: the decoder of ``client.wire`` and of ``rally/``'s own
    plumbing (scope resolution)."""
    return item


def query_page(env: Envelope, *, where: str, shells: bool = False) -> Page:
    """One page of a query. ``shells``: asked with ``fetch=false``, its objects carry a
    ``_ref`` and no ObjectID; otherwise every one has its ObjectID."""
    if env.key != "QueryResult":
        raise _malformed(where, f"expected QueryResult, got {env.key}")
    body = env.body
    total, start, items = (
        body.get("TotalResultCount"),
        body.get("StartIndex", 1),
        body.get("Results"),
    )
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise _malformed(where, "TotalResultCount is missing or not a count")
    if not isinstance(start, int) or isinstance(start, bool):
        raise _malformed(where, "StartIndex is not a number")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise _malformed(where, "Results is not a list of objects")
    for item in items:
        _check_id(item, where, shells=shells)
    return Page(total=total, start=start, items=items)


def _check_id(item: dict[str, Any], where: str, *, shells: bool = False) -> None:
    """Every object comes back with its ObjectID (the client always fetches it; shells,
    ``fetch=false``, carry their ``_ref`` instead): one without a positive whole number there,
    or a shell without a ``_ref`` string, is no object of Rally's."""
    if shells and "ObjectID" not in item:
        if not isinstance(item.get("_ref"), str):
            raise _malformed(where, "an object has neither an ObjectID nor a _ref")
        return
    oid = item.get("ObjectID")
    if type(oid) is not int or oid <= 0:
        raise _malformed(where, f"an object has no valid ObjectID ({str(oid)[:40]!r})")


def single_object(env: Envelope, *, where: str) -> dict[str, Any]:
    """The object of a single GET (the key is its type) with Errors/Warnings removed."""
    if env.key in ("QueryResult", "CreateResult", "OperationResult"):
        raise _malformed(where, f"expected an object, got {env.key}")
    obj = {k: v for k, v in env.body.items() if k not in ("Errors", "Warnings")}
    _check_id(obj, where)
    return obj


def result_object(env: Envelope, expected: str, *, where: str) -> dict[str, Any]:
    """``Object`` of a CreateResult or an update's OperationResult."""
    if env.key != expected:
        raise _malformed(where, f"expected {expected}, got {env.key}")
    obj = env.body.get("Object")
    if not isinstance(obj, dict):
        raise _malformed(where, f"{expected} carries no Object")
    _check_id(obj, where)
    return obj


def operation_results(env: Envelope, *, where: str) -> list[dict[str, Any]]:
    """``Results`` of a collection add/remove OperationResult (may be absent: empty)."""
    if env.key != "OperationResult":
        raise _malformed(where, f"expected OperationResult, got {env.key}")
    items = env.body.get("Results", [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise _malformed(where, "Results is not a list of objects")
    return items
