"""Apply a parsed query and an ``order`` to objects of one type.

Paths go through refs and collections; a collection matches when any element does
(``Tasks.State = "Completed"``: a story with any completed task). Drop-downs such as
ScheduleState compare by their allowed-value order. ``FormattedID`` matches with or without
its prefix. Values are case-sensitive, except for ``contains`` [UNSURE, research §3].
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pantheon_git.rally.emulator.derived import value_of
from pantheon_git.rally.emulator.query import Join, Literal, Node, QueryError, Term
from pantheon_git.rally.emulator.schema import Attr, Schema, TypeSpec
from pantheon_git.rally.emulator.store import Obj, Store
from pantheon_git.rally.emulator.values import parse_date, parse_ref

Predicate = Callable[[Store, Obj], bool]
_FID = re.compile(r"^([A-Za-z]*)(\d+)$")
# Rally's order aliases: "Rank" sorts by the drag-and-drop rank.
ORDER_ALIASES = {"Rank": "DragAndDropRank"}


def resolve_path(schema: Schema, spec: TypeSpec, path: tuple[str, ...]) -> list[Attr]:
    """The attribute chain of a dotted path, checked against the schema."""
    chain: list[Attr] = []
    current: TypeSpec | None = spec
    for position, name in enumerate(path):
        attr = current.attr(name) if current else None
        if attr is None or current is None:
            owner = current.element if current else path[position - 1]
            # [UNSURE] wording; a real reply reads "Could not parse: Could not find
            # attribute 'Watchers'" (a vendor's documentation quoting Rally).
            raise QueryError(
                f'Could not parse: Could not find attribute "{name}" on type {owner} in the '
                f'query segment "{".".join(path)}"'
            )
        chain.append(attr)
        if position < len(path) - 1:
            target = attr.target if attr.is_ref else None
            current = schema.types.get(target) if target else None
    return chain


def path_values(store: Store, obj: Obj, chain: list[Attr]) -> list[Any]:
    """Every value the path reaches from ``obj``; ``[None]`` when it reaches nothing."""
    current = [obj]
    for attr in chain[:-1]:
        following: list[Obj] = []
        for item in current:
            value = value_of(store, item, attr)
            oids = value if isinstance(value, list) else [value]
            following.extend(store.objects[o] for o in oids if isinstance(o, int))
        current = following
    last = chain[-1]
    out: list[Any] = []
    for item in current:
        value = value_of(store, item, last)
        if isinstance(value, list):
            out.extend(value)
        else:
            out.append(value)
    return out or [None]


def compile_query(node: Node | None, schema: Schema, spec: TypeSpec, now: datetime) -> Predicate:
    if node is None:
        return lambda store, obj: True
    if isinstance(node, Join):
        left = compile_query(node.left, schema, spec, now)
        right = compile_query(node.right, schema, spec, now)
        if node.op == "AND":
            return lambda store, obj: left(store, obj) and right(store, obj)
        return lambda store, obj: left(store, obj) or right(store, obj)
    chain = resolve_path(schema, spec, node.path)
    test = _make_test(chain[-1], node, now)
    last = chain[-1]
    if len(chain) == 1 and last.stored and not last.is_ref:
        name = last.name  # a plain stored field: no need to walk a path
        return lambda store, obj: test(obj.get(name))
    return lambda store, obj: any(test(v) for v in path_values(store, obj, chain))


def formatted_ids(node: Node | None) -> list[str] | None:
    """The FormattedIDs a query is limited to, if it says ``(FormattedID = "US1")`` (alone or
    ANDed with other terms); None when it does not. Lets a lookup skip the scan."""
    if isinstance(node, Term) and node.path == ("FormattedID",) and node.op in ("=", "in"):
        ids = []
        for value in node.values:
            match = _FID.match(value.text.strip())
            if not match or not match.group(1):
                return None  # no prefix: any type's number may match, so scan
            ids.append(f"{match.group(1).upper()}{int(match.group(2))}")
        return ids
    if isinstance(node, Join) and node.op == "AND":
        found = formatted_ids(node.left)
        return found if found is not None else formatted_ids(node.right)
    return None


_ORDERED = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "=":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if left is None or right is None:
        return False
    return bool(_ORDERED[op](left, right))


def _make_test(attr: Attr, term: Term, now: datetime) -> Callable[[Any], bool]:
    op = term.op
    if op == "in":
        tests = [_make_test(attr, Term(term.path, "=", (v,)), now) for v in term.values]
        return lambda v: any(t(v) for t in tests)
    literal = term.values[0]
    if op in ("contains", "!contains"):
        needle = literal.text.lower()
        negate = op == "!contains"
        if attr.is_ref:
            ref = parse_ref(literal.text)
            target = ref[1] if ref else None
            return lambda v: (v == target) != negate
        return lambda v: (needle in str(v if v is not None else "").lower()) != negate
    if literal.keyword == "null" or (attr.is_ref and literal.text.lower() == "null"):
        empty: tuple[Any, ...] = (None, "") if attr.type in ("STRING", "TEXT") else (None,)
        if op not in ("=", "!="):
            return lambda v: False
        # [UNSURE] An empty string counts as null for text fields.
        return (lambda v: v in empty) if op == "=" else (lambda v: v not in empty)
    right, convert = _operand(attr, literal, now)
    return lambda v: _compare(op, convert(v), right)


Operand = tuple[Any, Callable[[Any], Any]]


def _same(value: Any) -> Any:
    return value


def _fid_operand(attr: Attr, literal: Literal, now: datetime) -> Operand:
    match = _FID.match(literal.text.strip())
    if not match:
        return literal.text, _same
    prefix, number = match.group(1).upper(), int(match.group(2))

    def fid(v: Any) -> Any:
        found = _FID.match(str(v or ""))
        if not found or (prefix and found.group(1).upper() != prefix):
            return None
        return int(found.group(2))

    return number, fid


def _invalid(attr: Attr, literal: Literal, what: str = "value") -> QueryError:
    # [UNSURE] Rally's wording for a value of the wrong kind.
    return QueryError(f'Could not parse: Invalid {what} "{literal.text}" for attribute {attr.name}')


def _number_operand(attr: Attr, literal: Literal, now: datetime) -> Operand:
    try:
        return float(literal.text), lambda v: None if v is None else float(v)
    except ValueError:
        raise _invalid(attr, literal) from None


def _bool_operand(attr: Attr, literal: Literal, now: datetime) -> Operand:
    if literal.text.lower() not in ("true", "false"):
        raise _invalid(attr, literal)
    return literal.text.lower() == "true", _same


def _date_operand(attr: Attr, literal: Literal, now: datetime) -> Operand:
    if literal.keyword == "today":
        return now.strftime("%Y-%m-%d"), lambda v: None if v is None else str(v)[:10]
    date = parse_date(literal.text)
    if date is None:
        raise _invalid(attr, literal, "date")
    return date, _same


def _ref_operand(attr: Attr, literal: Literal, now: datetime) -> Operand:
    ref = parse_ref(literal.text)
    return (ref[1] if ref else literal.text), _same


def _operand(attr: Attr, literal: Literal, now: datetime) -> Operand:
    """The right-hand side in comparable form, and how to convert left-hand values to match."""
    if attr.name == "FormattedID":
        return _fid_operand(attr, literal, now)
    if attr.is_ref:
        return _ref_operand(attr, literal, now)
    if attr.type in ("STATE", "RATING") and attr.allowed:
        order = {value: index for index, value in enumerate(attr.allowed)}
        return order.get(literal.text, -1), lambda v: None if v is None else order.get(v, -2)
    by_type = {
        "INTEGER": _number_operand,
        "QUANTITY": _number_operand,
        "BOOLEAN": _bool_operand,
        "DATE": _date_operand,
    }
    make = by_type.get(attr.type)
    return make(attr, literal, now) if make else (literal.text, _same)


def parse_order(raw: str | None, schema: Schema, spec: TypeSpec) -> list[tuple[list[Attr], bool]]:
    """``order=ScheduleState DESC,Name`` -> [(path, descending)], ObjectID always last."""
    keys: list[tuple[list[Attr], bool]] = []
    for part in (raw or "").split(","):
        words = part.strip().strip("\"'").split()
        if not words:
            continue
        name = ORDER_ALIASES.get(words[0], words[0])
        direction = words[1].upper() if len(words) > 1 else "ASC"
        if direction not in ("ASC", "DESC") or len(words) > 2:
            raise QueryError(f'Could not parse: Invalid order clause "{part.strip()}"')
        keys.append((resolve_path(schema, spec, tuple(name.split("."))), direction == "DESC"))
    if not any(len(p) == 1 and p[0].name == "ObjectID" for p, _ in keys):
        keys.append(([spec.attrs["ObjectID"]], False))
    return keys


def sort_key(attr: Attr, value: Any) -> tuple[int, Any]:
    """Nulls first, drop-downs by their order, numbers as numbers, the rest as text."""
    if value is None or value == "":
        return (0, 0)
    if attr.name == "FormattedID":
        found = _FID.match(str(value))
        return (1, int(found.group(2))) if found else (1, 0)
    if attr.type in ("STATE", "RATING") and attr.allowed:
        return (1, attr.allowed.index(value) if value in attr.allowed else len(attr.allowed))
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (1, value)
    return (1, str(value))


def sort_objects(store: Store, objs: list[Obj], keys: list[tuple[list[Attr], bool]]) -> list[Obj]:
    """Stable multi-key sort (ObjectID last as the tiebreak)."""
    result = list(objs)
    for chain, descending in reversed(keys):
        last = chain[-1]
        by_name = last.is_ref and len(chain) == 1

        def key(obj: Obj, chain: list[Attr] = chain, by_name: bool = by_name) -> tuple[int, Any]:
            value = path_values(store, obj, chain)[0]
            if not by_name:
                return sort_key(chain[-1], value)
            # ordering by a ref sorts by the referenced object's name, like the UI does
            target = store.objects.get(value) if isinstance(value, int) else None
            return (0, 0) if target is None else (1, str(target.get("Name") or ""))

        result.sort(key=key, reverse=descending)
    return result
