"""Rally's query grammar, parsed strictly (research/rally-wsapi.md §3).

A query is one parenthesised term ``(LHS OP RHS)``, or two queries joined by ``AND``/``OR``
inside one more pair of parentheses: ``((A = 1) AND (B = 2))``. A flat ``(A AND B AND C)``
is refused with Rally's own message. LHS is a dotted attribute path; RHS is a quoted string,
a bare word (``Open``, ``US1``, ``null``, ``true``, ``today``, ``/project/1``) or, after
``in``, a comma-separated list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SYMBOL_OPS = ("!=", "<=", ">=", "=", "<", ">")
WORD_OPS = ("contains", "!contains", "in")
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_WORD = re.compile(r"!?[A-Za-z][A-Za-z_]*")
_BARE = re.compile(r"[^\s()]+")
_LIST_ITEM = re.compile(r"[^,()]+")
MAX_DEPTH = 100


class QueryError(ValueError):
    """A query Rally could not parse or apply; the message is Rally's error text."""


@dataclass(frozen=True)
class Literal:
    text: str
    quoted: bool = False

    @property
    def keyword(self) -> str | None:
        """``null``, ``true``, ``false`` or ``today`` when written bare."""
        low = self.text.lower()
        return low if not self.quoted and low in ("null", "true", "false", "today") else None


@dataclass(frozen=True)
class Term:
    path: tuple[str, ...]
    op: str  # one of SYMBOL_OPS or WORD_OPS, word operators in lower case
    values: tuple[Literal, ...]  # one value, or several after ``in``


@dataclass(frozen=True)
class Join:
    op: str  # "AND" | "OR"
    left: Node
    right: Node


Node = Term | Join


def parse(text: str) -> Node | None:
    """Parse a query; None for an empty one. Raises :class:`QueryError`."""
    if not text.strip():
        return None
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.depth = 0

    def fail(self, expected: str) -> QueryError:
        return QueryError(
            f"Could not parse: Error parsing expression -- expected {expected} but saw "
            f"{self.seen()} instead."
        )

    def seen(self) -> str:
        self.ws()
        if self.i >= len(self.s):
            return "end of expression"
        if self.s[self.i] in "()":
            return f'"{self.s[self.i]}"'
        match = _BARE.match(self.s, self.i)
        return f'"{match.group(0) if match else self.s[self.i]}"'

    def ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def peek(self) -> str:
        self.ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def parse(self) -> Node:
        node = self.expr()
        if self.peek():
            raise self.fail("end of expression")
        return node

    def expr(self) -> Node:
        if self.peek() != "(":
            raise self.fail('"("')
        self.i += 1
        self.depth += 1
        if self.depth > MAX_DEPTH:
            # [UNSURE] Rally's limit and wording; ours keeps the parser off Python's stack limit.
            raise QueryError("Could not parse: Error parsing expression -- nested too deeply")
        try:
            return self._inner()
        finally:
            self.depth -= 1

    def _inner(self) -> Node:
        if self.peek() == "(":
            left = self.expr()
            if self.peek() == ")":
                # [UNSURE] Redundant parentheses, ((A = 1)): accepted, as most parsers do.
                self.i += 1
                return left
            word = _WORD.match(self.s, self.i)
            op = word.group(0).upper() if word else ""
            if op not in ("AND", "OR"):
                raise self.fail('"AND" or "OR"')
            self.i = word.end() if word else self.i
            right = self.expr()
            self.close()
            return Join(op, left, right)
        node = self.term()
        self.close()
        return node

    def close(self) -> None:
        if self.peek() != ")":
            raise self.fail('")"')
        self.i += 1

    def term(self) -> Term:
        self.ws()
        path = _PATH.match(self.s, self.i)
        if not path:
            raise self.fail("an attribute name")
        self.i = path.end()
        op = self.operator()
        values = self.value_list() if op == "in" else (self.value(),)
        return Term(tuple(path.group(0).split(".")), op, values)

    def operator(self) -> str:
        self.ws()
        for symbol in SYMBOL_OPS:
            if self.s.startswith(symbol, self.i):
                self.i += len(symbol)
                return symbol
        word = _WORD.match(self.s, self.i)
        if not word:
            raise self.fail("an operator")
        self.i = word.end()
        if word.group(0).lower() not in WORD_OPS:
            raise QueryError(f'Could not parse: Unknown operator "{word.group(0)}"')
        return word.group(0).lower()

    def value(self) -> Literal:
        if self.peek() == '"':
            return self.quoted()
        match = _BARE.match(self.s, self.i)
        if not match:
            raise self.fail("a value")
        self.i = match.end()
        return Literal(match.group(0))

    def quoted(self) -> Literal:
        self.i += 1  # opening quote
        out: list[str] = []
        while self.i < len(self.s):
            char = self.s[self.i]
            if char == "\\" and self.i + 1 < len(self.s):
                out.append(self.s[self.i + 1])
                self.i += 2
                continue
            self.i += 1
            if char == '"':
                return Literal("".join(out), quoted=True)
            out.append(char)
        raise QueryError("Could not parse: Error parsing expression -- unterminated string")

    def value_list(self) -> tuple[Literal, ...]:
        items: list[Literal] = []
        while True:
            if self.peek() == '"':
                items.append(self.quoted())
            else:
                match = _LIST_ITEM.match(self.s, self.i)
                if not match or not match.group(0).strip():
                    raise self.fail("a value")
                self.i = match.end()
                items.append(Literal(match.group(0).strip()))
            if self.peek() != ",":
                return tuple(items)
            self.i += 1
