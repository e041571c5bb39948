"""Check a tool call's arguments against the tool's input schema, before anything runs.

The input schemas use a small part of JSON Schema (an object of typed properties, one type
or a list of types, arrays of strings, ``enum``, ``exclusiveMinimum``, ``required``, no other
properties), so this checks exactly that part and says what is wrong in words an agent can
act on: ``lock_hours: expected a number greater than 0, got -1``. Defaults are filled in, so
a use case sees every argument.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pantheon_git.errors import UsageError
from pantheon_git.features.mcp.schema import Schema

_PYTHON = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}
_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
}


def checked(schema: Schema, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
    """The arguments with defaults filled in; ``UsageError`` names the first problem."""
    given = dict(arguments or {})
    properties: Mapping[str, Schema] = schema.get("properties", {})
    unknown = sorted(set(given) - set(properties))
    if unknown and schema.get("additionalProperties") is False:
        raise UsageError(
            f"unknown argument{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}",
            hint=f"This tool takes: {', '.join(properties) or 'no arguments'}.",
        )
    missing = [name for name in schema.get("required", ()) if given.get(name) is None]
    if missing:
        raise UsageError(f"missing argument: {', '.join(missing)}")
    out: dict[str, Any] = {}
    for name, rule in properties.items():
        value = given.get(name)
        if value is None:
            out[name] = rule.get("default")
            continue
        problem = _problem(rule, value)
        if problem:
            raise UsageError(f"{name}: {problem}")
        out[name] = value
    return out


def _problem(rule: Schema, value: Any) -> str | None:
    declared = rule.get("type")
    kinds = [declared] if isinstance(declared, str) else list(declared or ())
    if not kinds:
        return None
    if not any(_is(kind, value) for kind in kinds):
        return f"expected {' or '.join(_NAMES[k] for k in kinds)}, got {_shown(value)}"
    bound = _bound(rule, value)
    if bound:
        return bound
    items = rule.get("items")
    if isinstance(value, list) and isinstance(items, dict):
        for index, item in enumerate(value):
            problem = _problem(items, item)
            if problem:
                return f"item {index + 1}: {problem}"
    if isinstance(value, str) and not value.strip():
        return "expected a value, got an empty string"
    return None


def _bound(rule: Schema, value: Any) -> str | None:
    """What ``enum`` or ``exclusiveMinimum`` says of a value of the right type."""
    choices = rule.get("enum")
    if choices is not None and value not in choices:
        return f"expected one of {', '.join(map(str, choices))}, got {_shown(value)}"
    floor = rule.get("exclusiveMinimum")
    if floor is not None and _is("number", value) and value <= floor:
        return f"expected a number greater than {floor:g}, got {_shown(value)}"
    return None


def _is(kind: str, value: Any) -> bool:
    if isinstance(value, bool) and kind != "boolean":
        return False  # JSON true is no number
    return isinstance(value, _PYTHON[kind])


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."
