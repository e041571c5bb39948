"""Small builders for the JSON Schemas the tools publish (JSON Schema 2020-12, MCP's dialect).

Input schemas stay within what every client renders (an object of typed, described
properties); output schemas describe the documents ``--json`` prints, field by field at the top
and as deep as an agent needs below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Schema = dict[str, Any]


def obj(
    properties: Mapping[str, Schema] | None = None,
    *,
    required: Sequence[str] = (),
    description: str | None = None,
    closed: bool = False,
) -> Schema:
    """An object; ``closed``: no other properties (input schemas, so a typo is an error)."""
    out: Schema = {"type": "object", "properties": dict(properties or {})}
    if required:
        out["required"] = list(required)
    if closed:
        out["additionalProperties"] = False
    return _described(out, description)


def text(description: str | None = None, **extra: Any) -> Schema:
    return _described({"type": "string", **extra}, description)


def integer(description: str | None = None, **extra: Any) -> Schema:
    return _described({"type": "integer", **extra}, description)


def number(description: str | None = None, **extra: Any) -> Schema:
    return _described({"type": "number", **extra}, description)


def flag(description: str | None = None, *, default: bool | None = None) -> Schema:
    out: Schema = {"type": "boolean"}
    if default is not None:
        out["default"] = default
    return _described(out, description)


def array(items: Schema, description: str | None = None, **extra: Any) -> Schema:
    return _described({"type": "array", "items": items, **extra}, description)


def texts(description: str | None = None) -> Schema:
    return array(text(), description)


def nullable(schema: Schema) -> Schema:
    """``schema`` or ``null``: the documents write ``null`` for what is not known."""
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def anything(description: str | None = None) -> Schema:
    return _described({}, description)


def _described(schema: Schema, description: str | None) -> Schema:
    if description:
        schema["description"] = description
    return schema
