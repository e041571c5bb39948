"""Rally's query language, built safely: ``((A = "x") AND (B > "y"))``.

Rally combines terms two at a time, each side in its own parentheses; ``(x AND y AND z)`` is
refused (research/rally-wsapi.md §3). ``render`` folds any number of terms into that nested
binary form.

Values are always double-quoted, except ``null``, ``true`` and ``false``, which are keywords.
Rally documents no escape for a double quote inside a quoted value, and pyral warns that
``~ & | \\`` inside values give wrong results; rather than send a query that silently matches the
wrong thing, values holding any of those are refused with a :class:`UsageError`.

``in`` is expanded into ORed ``=`` terms (and ``not in`` into ANDed ``!=``): native ``in``
support in Rally is unconfirmed (research open question 1), the expansion is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Union

from pantheon_git.core.timefmt import format_time
from pantheon_git.errors import RallyQueryError, UsageError

Value = Union[str, int, float, bool, None, datetime]  # noqa: UP007 - used at runtime below

OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "contains", "!contains")
FORBIDDEN_IN_VALUES = ('"', "~", "&", "|", "\\")
_FIELD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass(frozen=True)
class Term:
    """One comparison: ``(field op value)``."""

    field: str
    op: str
    value: Value

    def __post_init__(self) -> None:
        check_field(self.field)
        if self.op not in OPERATORS:
            raise RallyQueryError(
                f"unknown query operator {self.op!r}; use one of {', '.join(OPERATORS)}"
            )
        render_value(self.value)  # refuse bad values when the term is built, not when sent

    def __and__(self, other: Query) -> Query:
        return Join("AND", self, other)

    def __or__(self, other: Query) -> Query:
        return Join("OR", self, other)


@dataclass(frozen=True)
class Join:
    """Two queries joined by ``AND`` or ``OR``."""

    op: str
    left: Query
    right: Query

    def __and__(self, other: Query) -> Query:
        return Join("AND", self, other)

    def __or__(self, other: Query) -> Query:
        return Join("OR", self, other)


Query = Term | Join


def check_field(name: str) -> str:
    """A field name or dotted path (``Owner.EmailAddress``, ``c_LockedBy``); else a caller bug."""
    if not _FIELD_RE.match(name or ""):
        raise RallyQueryError(f"not a Rally field name or dotted path: {name!r}")
    return name


def render_value(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return f'"{format_time(value)}"'
    if isinstance(value, int | float):
        return f'"{value}"'
    if not isinstance(value, str):
        raise RallyQueryError(f"cannot use a {type(value).__name__} as a Rally query value")
    bad = sorted({ch for ch in value if ch in FORBIDDEN_IN_VALUES or ord(ch) < 32})
    if bad:
        shown = " ".join(repr(ch) for ch in bad)
        raise UsageError(
            f"cannot search Rally for {value!r}: Rally queries mishandle {shown} in values",
            hint="Search with a shorter value that leaves those characters out.",
        )
    return f'"{value}"'


def render(query: Query) -> str:
    """The query string Rally expects (before URL encoding, which httpx does)."""
    if isinstance(query, Term):
        return f"({query.field} {query.op} {render_value(query.value)})"
    return f"({render(query.left)} {query.op} {render(query.right)})"


# --- building -------------------------------------------------------------------------------


def where(field: str, op: str, value: Value) -> Term:
    """``where("FormattedID", "=", "US123")`` -> ``(FormattedID = "US123")``."""
    return Term(field, op, value)


def eq(field: str, value: Value) -> Term:
    return Term(field, "=", value)


def ne(field: str, value: Value) -> Term:
    return Term(field, "!=", value)


def all_of(*queries: Query) -> Query:
    """Fold terms with AND into Rally's nested pairs: ``(((a) AND (b)) AND (c))``."""
    return _fold("AND", queries)


def any_of(*queries: Query) -> Query:
    return _fold("OR", queries)


def is_in(field: str, values: Iterable[Value]) -> Query:
    """``field`` equal to any of ``values``: ORed ``=`` terms."""
    items = list(dict.fromkeys(values))
    if not items:
        raise RallyQueryError(f"`{field} in` needs at least one value")
    return any_of(*(Term(field, "=", v) for v in items))


def not_in(field: str, values: Iterable[Value]) -> Query:
    items = list(dict.fromkeys(values))
    if not items:
        raise RallyQueryError(f"`{field} not in` needs at least one value")
    return all_of(*(Term(field, "!=", v) for v in items))


def _fold(op: str, queries: tuple[Query, ...]) -> Query:
    if not queries:
        raise RallyQueryError(f"{op} needs at least one term")
    result = queries[0]
    for item in queries[1:]:
        result = Join(op, result, item)
    return result


def order_clause(order: Iterable[str], *, tiebreak: str = "ObjectID") -> str:
    """``["LastUpdateDate ASC"]`` -> ``LastUpdateDate ASC,ObjectID``: a stable order for paging."""
    parts: list[str] = []
    seen: set[str] = set()
    for item in order:
        words = item.split()
        if not words or len(words) > 2:
            raise RallyQueryError(f"not an order term: {item!r} (use 'Field' or 'Field DESC')")
        name = check_field(words[0])
        if len(words) == 2:
            direction = words[1].upper()
            if direction not in ("ASC", "DESC"):
                raise RallyQueryError(f"order direction must be ASC or DESC, not {words[1]!r}")
            parts.append(f"{name} {direction}")
        else:
            parts.append(name)
        seen.add(name)
    if tiebreak not in seen:
        parts.append(tiebreak)
    return ",".join(parts)
