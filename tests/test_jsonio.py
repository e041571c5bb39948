"""jsonio writes what ``json`` would (floats may be spelled otherwise, with the same value), and
reads what ``json`` reads (for JSON Rally can send)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pantheon_git.core import jsonio

floats = st.floats(allow_nan=False, allow_infinity=False)
exact = st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.text()


def documents_of(scalars: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    )


documents = documents_of(exact | floats)


def stdlib(data: object, *, pretty: bool) -> bytes:
    if pretty:
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    else:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return (text + "\n").encode("utf-8", "surrogatepass")


@given(documents)
def test_round_trip(doc: object) -> None:
    assert jsonio.loads(jsonio.dumps(doc)) == doc
    assert jsonio.loads(jsonio.dumps(doc, pretty=True)) == doc


@given(documents_of(exact).filter(lambda d: "\\ud" not in json.dumps(d)))
def test_same_bytes_as_json(doc: object) -> None:
    assert jsonio.dumps(doc) == stdlib(doc, pretty=False)
    assert jsonio.dumps(doc, pretty=True) == stdlib(doc, pretty=True)


@given(floats)
def test_floats_keep_their_value(number: float) -> None:
    assert json.loads(jsonio.dumps(number)) == number
    assert json.loads(jsonio.dumps([number], pretty=True)) == [number]


def test_floats_may_be_spelled_otherwise_than_json_does() -> None:
    assert (jsonio.dumps(1e-06), json.dumps(1e-06)) == (b"1e-6\n", "1e-06")
    assert jsonio.dumps([0.5, 5.0, 1e16]) == b"[0.5,5.0,1e+16]\n"


@given(documents.filter(lambda d: "\\ud" not in json.dumps(d)))
def test_reads_what_json_writes(doc: object) -> None:
    assert jsonio.loads(json.dumps(doc)) == doc
    assert jsonio.loads(json.dumps(doc).encode()) == doc


@dataclass(frozen=True)
class Point:
    x: int


def test_what_json_has_no_form_for_goes_through_str() -> None:
    moment = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    doc = {"when": moment, "point": Point(1), 7: "int key"}
    assert jsonio.dumps(doc) == stdlib(doc, pretty=False)


def test_refuses_what_json_is_lenient_about() -> None:
    for text in ("NaN", '"\\ud800"', "[1,]", "{'a': 1}", ""):
        with pytest.raises(jsonio.DecodeError):
            jsonio.loads(text)


def test_decode_error_says_where() -> None:
    with pytest.raises(jsonio.DecodeError) as caught:
        jsonio.loads(b'{\n"a": 1,,}')
    assert (caught.value.lineno, caught.value.colno) == (2, 8)
    assert isinstance(caught.value, ValueError)
