from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pantheon_git.errors import RallyQueryError, UsageError
from pantheon_git.rally.query import (
    FORBIDDEN_IN_VALUES,
    OPERATORS,
    Query,
    Term,
    all_of,
    any_of,
    eq,
    is_in,
    ne,
    not_in,
    order_clause,
    render,
    where,
)


def test_single_term_is_quoted() -> None:
    assert render(eq("FormattedID", "US123")) == '(FormattedID = "US123")'


def test_three_terms_nest_two_at_a_time() -> None:
    query = all_of(eq("A", "1"), eq("B", "2"), eq("C", "3"))
    assert render(query) == '(((A = "1") AND (B = "2")) AND (C = "3"))'


def test_operators_combine_and_or() -> None:
    query = (eq("Owner.EmailAddress", "a@x") | eq("c_LockedBy", None)) & ne("Blocked", True)
    assert render(query) == (
        '(((Owner.EmailAddress = "a@x") OR (c_LockedBy = null)) AND (Blocked != true))'
    )


def test_keywords_and_numbers_and_dates() -> None:
    assert render(eq("Ready", False)) == "(Ready = false)"
    assert render(where("PlanEstimate", ">=", 5)) == '(PlanEstimate >= "5")'
    moment = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert render(where("LastUpdateDate", ">", moment)) == (
        '(LastUpdateDate > "2024-05-01T12:00:00.000Z")'
    )
    assert render(where("Name", "contains", "log in")) == '(Name contains "log in")'


def test_in_becomes_ored_equals() -> None:
    query = is_in("ScheduleState", ["Defined", "In-Progress", "Defined"])
    assert render(query) == '((ScheduleState = "Defined") OR (ScheduleState = "In-Progress"))'
    assert render(not_in("State", ["A"])) == '(State != "A")'
    with pytest.raises(RallyQueryError):
        is_in("State", [])


@pytest.mark.parametrize("char", FORBIDDEN_IN_VALUES)
def test_values_rally_misreads_are_refused(char: str) -> None:
    with pytest.raises(UsageError) as info:
        eq("Name", f"R{char}D")
    assert repr(char) in info.value.message
    assert info.value.exit_code == 2


def test_control_characters_are_refused() -> None:
    with pytest.raises(UsageError):
        eq("Name", "two\nlines")


@pytest.mark.parametrize("name", ["", "1abc", "Owner..Email", "Name)", "a b", "c_X OR (1"])
def test_bad_field_names_are_a_caller_bug(name: str) -> None:
    with pytest.raises(RallyQueryError):
        eq(name, "x")


def test_unknown_operator() -> None:
    with pytest.raises(RallyQueryError):
        Term("Name", "like", "x")


def test_order_appends_objectid_tiebreak_once() -> None:
    assert order_clause([]) == "ObjectID"
    assert order_clause(["LastUpdateDate asc"]) == "LastUpdateDate ASC,ObjectID"
    assert order_clause(["ObjectID DESC"]) == "ObjectID DESC"
    with pytest.raises(RallyQueryError):
        order_clause(["Name sideways"])


# --- property: what we render is Rally's binary grammar and carries the values back ---------


def parse(text: str) -> list[tuple[str, str, str]]:
    """A strict parser of Rally's nested binary form; returns the terms, left to right."""
    pos = 0

    def term() -> list[tuple[str, str, str]]:
        nonlocal pos
        assert text[pos] == "(", text[pos:]
        pos += 1
        if text[pos] == "(":
            left = term()
            match = re.compile(r" (AND|OR) ").match(text, pos)
            assert match, text[pos:]
            pos = match.end()
            right = term()
            assert text[pos] == ")"
            pos += 1
            return left + right
        match = re.compile(r'([\w.]+) (\S+) ("[^"]*"|null|true|false)\)').match(text, pos)
        assert match, text[pos:]
        pos = match.end()
        return [(match.group(1), match.group(2), match.group(3))]

    terms = term()
    assert pos == len(text)
    return terms


safe_text = st.text(
    alphabet=st.characters(
        blacklist_characters="".join(FORBIDDEN_IN_VALUES), blacklist_categories=("Cc", "Cs")
    ),
    max_size=20,
)
values = st.one_of(safe_text, st.none(), st.booleans(), st.integers(-5, 10**6))
terms = st.builds(
    Term,
    st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,8}(\.[A-Za-z][A-Za-z0-9]{0,5})?\Z"),
    st.sampled_from(OPERATORS),
    values,
)


@given(st.lists(terms, min_size=1, max_size=6), st.booleans())
def test_rendered_queries_parse_back(items: list[Term], use_and: bool) -> None:
    query: Query = all_of(*items) if use_and else any_of(*items)
    parsed = parse(render(query))
    assert [(f, o) for f, o, _ in parsed] == [(t.field, t.op) for t in items]
    for (_, _, shown), item in zip(parsed, items, strict=True):
        if isinstance(item.value, str):
            assert shown == f'"{item.value}"'
