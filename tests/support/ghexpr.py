"""GitHub Actions expressions (``${{ ... }}``), the part an action's metadata uses, evaluated as
GitHub's docs ("Evaluate expressions in workflows and actions") describe them.

- literals: ``null``, ``true``, ``false``, numbers, ``'strings'`` (``''`` is a quote);
- property access: ``a.b-c.d`` (names may hold ``-``) and ``a['b']``; a missing property is
  ``null``;
- operators, loosest first: ``||``, ``&&``, ``== !=``, ``< <= > >=``, ``!``; ``&&`` and ``||``
  give one of their operands (``a || 'default'``), as in JavaScript;
- equality is loose: ``null``, booleans and numbers compare as numbers with a string turned
  into a number, and strings compare ignoring case ("GitHub ignores case when comparing
  strings");
- falsy: ``null``, ``false``, ``0``, ``-0``, ``''``, ``NaN``;
- functions: the ones given by the caller (status functions, ``contains``...); any other
  name raises.

Values become text the way the runner puts them into a string: ``null`` as ``''``, booleans as
``true``/``false``, whole numbers without a fraction, objects as JSON.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|0x[0-9a-fA-F]+)"
    r"|(?P<str>'(?:[^']|'')*')"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\].,])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)


class ExpressionError(ValueError):
    pass


def tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"cannot read {text[pos:]!r} in {text!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(
        self,
        text: str,
        contexts: Mapping[str, Any],
        functions: Mapping[str, Callable[..., Any]],
    ) -> None:
        self.items = tokens(text)
        self.pos = 0
        self.text = text
        self.contexts = contexts
        self.functions = functions

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        item = self.peek()
        if item is None or (value is not None and item[1] != value):
            raise ExpressionError(f"expected {value or 'more'} in {self.text!r}")
        self.pos += 1
        return item

    def parse(self) -> Any:
        value = self.either()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()[1]!r} in {self.text!r}")  # type: ignore[index]
        return value

    def either(self) -> Any:
        value = self.both()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.both()
            value = value if truthy(value) else right
        return value

    def both(self) -> Any:
        value = self.equality()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.equality()
            value = right if truthy(value) else value
        return value

    def equality(self) -> Any:
        value = self.order()
        while self.peek() in (("op", "=="), ("op", "!=")):
            op = self.take()[1]
            same = equal(value, self.order())
            value = same if op == "==" else not same
        return value

    def order(self) -> Any:
        value = self.unary()
        while self.peek() in (("op", "<"), ("op", "<="), ("op", ">"), ("op", ">=")):
            op = self.take()[1]
            a, b = number(value), number(self.unary())
            value = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        return value

    def unary(self) -> Any:
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, text = self.take()
        if kind in ("num", "str") or text in LITERALS:
            return literal(kind, text)
        if (kind, text) == ("op", "("):
            value = self.either()
            self.take(")")
            return value
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r} in {self.text!r}")
        if self.peek() == ("op", "("):
            return self.call(text)
        if text not in self.contexts:
            raise ExpressionError(f"unknown context {text!r} in {self.text!r}")
        return self.members(self.contexts[text])

    def call(self, name: str) -> Any:
        function = self.functions.get(name.lower())
        if function is None:
            raise ExpressionError(f"function {name}() is not supported by this runner")
        self.take("(")
        args = []
        while self.peek() != ("op", ")"):
            args.append(self.either())
            if self.peek() == ("op", ","):
                self.take()
        self.take(")")
        return function(*args)

    def members(self, value: Any) -> Any:
        while self.peek() in (("op", "."), ("op", "[")):
            if self.take()[1] == ".":
                key: Any = self.take()[1]
            else:
                key = self.either()
                self.take("]")
            value = member(value, key)
        return value


def member(value: Any, key: Any) -> Any:
    if isinstance(value, Mapping):
        if isinstance(key, str):  # property names ignore case, as GitHub's do
            for name, item in value.items():
                if str(name).lower() == key.lower():
                    return item
        return None
    if isinstance(value, list) and isinstance(key, float) and key.is_integer():
        index = int(key)
        return value[index] if 0 <= index < len(value) else None
    return None


def truthy(value: Any) -> bool:
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    return value not in (None, False, "")


LITERALS = {"true": True, "false": False, "null": None}


def literal(kind: str, text: str) -> Any:
    if kind == "num":
        return float(int(text, 16)) if text.startswith("0x") else float(text)
    if kind == "str":
        return text[1:-1].replace("''", "'")
    return LITERALS[text]


def number(value: Any) -> float:
    """JavaScript's Number(): null and false 0, true 1, a string parsed (empty: 0)."""
    if value is None or isinstance(value, bool):
        return float(bool(value))
    if isinstance(value, float):
        return value
    if not isinstance(value, str):
        return math.nan
    text = value.strip()
    try:
        return float(int(text, 16)) if text.lower().startswith("0x") else float(text or 0)
    except ValueError:
        return math.nan


def equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if isinstance(a, (Mapping, list)) or isinstance(b, (Mapping, list)):
        return a is b
    if a is None and b is None:
        return True
    return number(a) == number(b)


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (Mapping, list)):
        return json.dumps(value, indent=2)
    return str(value)


def evaluate(
    text: str,
    contexts: Mapping[str, Any],
    functions: Mapping[str, Callable[..., Any]] | None = None,
) -> Any:
    """The value of one expression (without the ``${{ }}``)."""
    return _Parser(text, contexts, functions or {}).parse()


def substitute(
    text: str,
    contexts: Mapping[str, Any],
    functions: Mapping[str, Callable[..., Any]] | None = None,
) -> str:
    """``text`` with every ``${{ ... }}`` replaced by its value as text."""
    return EXPRESSION.sub(lambda m: text_of(evaluate(m.group(1), contexts, functions)), text)
