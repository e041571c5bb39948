"""JSON on the bulk paths: Rally's pages in, the cache's files out (orjson).

A full sync of 10,000 stories decodes about 36 MB of Rally pages and writes 10,000 story
files. With the standard library that is a third of the client's CPU; orjson does the same work
in well under half the time, and the dicts it returns share their key strings, which makes
every later look-up in them cheaper (``benchmarks/sync.py``).

The output is what ``json.dumps(..., ensure_ascii=False)`` gives, with these options:
``indent=2`` (``pretty``) or no spaces at all, and ``default=str`` for what JSON has no form for.
Dates and dataclasses go through ``default`` too, as they would with ``json``. Two differences:
a float may be spelled otherwise (``1e-6`` where ``json`` writes ``1e-06``; the value is the
same), and NaN and infinities become ``null`` (``json`` would write tokens that are not JSON).
"""

from __future__ import annotations

from typing import Any

import orjson

DecodeError = orjson.JSONDecodeError
"""Raised by ``loads``; a subclass of ``json.JSONDecodeError`` (and of ``ValueError``),
with ``lineno``, ``colno`` and ``msg``."""

_OPTIONS = (
    orjson.OPT_NON_STR_KEYS  # int keys become strings, as with json
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_APPEND_NEWLINE
)


def loads(data: bytes | str) -> Any:
    """Parse JSON text. Unlike ``json.loads`` it refuses ``NaN`` and unpaired surrogates."""
    return orjson.loads(data)


def dumps(data: Any, *, pretty: bool = False) -> bytes:
    """UTF-8 JSON with a final newline: indented by two spaces when ``pretty``, else compact."""
    options = _OPTIONS | orjson.OPT_INDENT_2 if pretty else _OPTIONS
    return orjson.dumps(data, default=str, option=options)
