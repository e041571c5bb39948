"""The emulator's query grammar and evaluation (pure: no sockets)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pantheon_git.rally.emulator.app import Emulator, Options
from pantheon_git.rally.emulator.evaluate import compile_query, parse_order, sort_objects
from pantheon_git.rally.emulator.query import Join, Literal, QueryError, Term, parse
from pantheon_git.rally.emulator.schema import SCHEDULE_STATES
from pantheon_git.rally.emulator.seed import new_artifact
from pantheon_git.rally.emulator.store import Store

NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


# ---- parser -----------------------------------------------------------------------------
def test_single_term() -> None:
    assert parse('(FormattedID = "US120")') == Term(
        ("FormattedID",), "=", (Literal("US120", quoted=True),)
    )


def test_nested_binary_terms_and_case_insensitive_conjunctions() -> None:
    node = parse('(((A = 1) and (B != "x y")) Or (C.D contains z))')
    assert isinstance(node, Join)
    assert node.op == "OR"
    assert isinstance(node.left, Join)
    assert node.left.op == "AND"
    assert node.right == Term(("C", "D"), "contains", (Literal("z"),))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "((A = 1) AND (B = 2) AND (C = 3))",
            'Could not parse: Error parsing expression -- expected ")" but saw "AND" instead.',
        ),
        ('(Name zobolts "x")', 'Could not parse: Unknown operator "zobolts"'),
        (
            'Name = "x"',
            'Could not parse: Error parsing expression -- expected "(" but saw "Name" instead.',
        ),
        (
            "(Name = My Story)",
            'Could not parse: Error parsing expression -- expected ")" but saw "Story" instead.',
        ),
        ('(Name = "open', "Could not parse: Error parsing expression -- unterminated string"),
        (
            "(Name = )",
            'Could not parse: Error parsing expression -- expected a value but saw ")" instead.',
        ),
        (
            "((A = 1) XOR (B = 2))",
            'Could not parse: Error parsing expression -- expected "AND" or "OR" but saw "XOR" '
            "instead.",
        ),
        (
            "(A = 1) junk",
            "Could not parse: Error parsing expression -- expected end of expression but saw "
            '"junk" instead.',
        ),
        (
            "(A = 1",
            'Could not parse: Error parsing expression -- expected ")" but saw end of expression '
            "instead.",
        ),
    ],
)
def test_malformed_queries_get_rallys_messages(query: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse(query)
    assert str(caught.value) == message


def test_values_quoted_bare_escaped_and_lists() -> None:
    assert parse('(Name = "say \\"hi\\"")') == Term(
        ("Name",), "=", (Literal('say "hi"', quoted=True),)
    )
    term = parse('(ScheduleState in Defined, "In-Progress",Accepted)')
    assert isinstance(term, Term)
    assert [v.text for v in term.values] == ["Defined", "In-Progress", "Accepted"]
    assert parse("(Release = null)") == Term(("Release",), "=", (Literal("null"),))
    assert Literal("null").keyword == "null"
    assert Literal("null", quoted=True).keyword is None
    assert parse("(Name !contains x)") == Term(("Name",), "!contains", (Literal("x"),))
    assert parse("(Name CONTAINS x)") == Term(("Name",), "contains", (Literal("x"),))


def test_empty_query_and_redundant_parentheses() -> None:
    assert parse("   ") is None
    assert parse("((A = 1))") == parse("(A = 1)")


# ---- evaluation over the demo backlog ---------------------------------------------------
@pytest.fixture(scope="module")
def demo() -> Iterator[Emulator]:
    store = Store()
    emulator = Emulator(store, Options(seed="demo"), clock=lambda: NOW)
    yield emulator
    store.close()


def select(emulator: Emulator, query: str, type_path: str = "HierarchicalRequirement") -> list[str]:
    schema = emulator.schema()
    spec = schema[type_path]
    predicate = compile_query(parse(query), schema, spec, NOW)
    store = emulator.store
    found = [
        obj
        for path in schema.concrete(spec)
        for obj in store.by_type.get(path, {}).values()
        if predicate(store, obj)
    ]
    return sorted(str(o["FormattedID"]) for o in found)


def test_formatted_id_with_and_without_prefix(demo: Emulator) -> None:
    assert select(demo, '(FormattedID = "US120")') == ["US120"]
    assert select(demo, "(FormattedID = 120)") == ["US120"]
    assert select(demo, "(FormattedID = us121)") == ["US121"]
    assert select(demo, '(FormattedID = "TA120")') == []
    assert select(demo, "((FormattedID >= 127) AND (FormattedID < 200))") == [
        "US127",
        "US128",
        "US129",
    ]


def test_schedule_state_compares_in_drop_down_order(demo: Emulator) -> None:
    in_progress_or_later = select(demo, "(ScheduleState >= In-Progress)")
    assert in_progress_or_later == ["US203", "US204", "US206"]
    assert select(demo, '(ScheduleState > "In-Progress")') == ["US206"]
    below_completed = select(demo, "(ScheduleState < Completed)")
    assert "US206" not in below_completed
    assert len(below_completed) == 17  # 18 demo stories, US206 is Completed


def test_paths_through_refs_and_collections(demo: Emulator) -> None:
    epic_18 = select(demo, '(PortfolioItem.FormattedID = "F18")')
    assert epic_18 == [f"US{n}" for n in range(200, 208)]
    assert select(demo, '(Feature.Name = "API Integration")') == epic_18
    # any task matches: only US206's tasks are completed
    assert select(demo, '(Tasks.State = "Completed")') == ["US206"]
    assert select(demo, '(Owner.EmailAddress = "john.doe@example.com")') == ["US203"]


def test_null_booleans_numbers_contains_and_in(demo: Emulator) -> None:
    assert select(demo, "(c_LockedBy != null)") == ["US203", "US204"]
    assert len(select(demo, "(c_LockedBy = null)")) == 16
    assert select(demo, "(PlanEstimate = 8)") == ["US126"]
    assert select(demo, "(PlanEstimate <= 2)") == ["US206"]
    assert select(demo, '(Name contains "OAUTH")') == ["US126"]
    assert "US126" not in select(demo, '(Name !contains "oauth")')
    assert select(demo, "(Blocked = false)") == select(demo, "(Blocked != true)")
    assert select(demo, "(FormattedID in US120, US200)") == ["US120", "US200"]
    assert select(demo, '(Name = "create user model")') == []  # values are case-sensitive


def test_dates_and_today(demo: Emulator) -> None:
    everything = select(demo, '(LastUpdateDate > "2000-01-01")')
    assert len(everything) == 18
    assert select(demo, "(CreationDate <= today)") == everything
    assert select(demo, "(CreationDate < today)") == []
    assert select(demo, '(LastUpdateDate > "2026-01-05T10:00:00.000Z")') == []
    assert select(demo, '(LastUpdateDate >= "2026-01-05T10:00:00Z")') == everything


def test_refs_as_values(demo: Emulator) -> None:
    feature = next(
        o for o in demo.store.by_type["PortfolioItem/Feature"].values() if o["FormattedID"] == "F17"
    )
    oid = feature["ObjectID"]
    ten = [f"US{n}" for n in range(120, 130)]
    assert select(demo, f"(PortfolioItem = /portfolioitem/feature/{oid})") == ten
    assert select(demo, f'(PortfolioItem = "portfolioitem/feature/{oid}")') == ten
    url = f"https://rally1.rallydev.com/slm/webservice/v2.0/portfolioitem/feature/{oid}"
    assert select(demo, f"(PortfolioItem = {url})") == ten
    assert select(demo, "(Iteration = null)") == select(demo, "(ObjectID > 0)")


def test_abstract_types_and_features(demo: Emulator) -> None:
    assert select(demo, '(Name contains "Integration")', "PortfolioItem/Feature") == ["F18"]
    assert select(demo, '(Name contains "Integration")', "PortfolioItem") == ["F18"]
    artifacts = select(demo, '(FormattedID = "F17")', "Artifact")
    assert artifacts == ["F17"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            '(Nope = "x")',
            'Could not parse: Could not find attribute "Nope" on type HierarchicalRequirement '
            'in the query segment "Nope"',
        ),
        (
            '(Owner.Nope = "x")',
            'Could not parse: Could not find attribute "Nope" on type User in the query segment '
            '"Owner.Nope"',
        ),
        (
            '(PlanEstimate > "lots")',
            'Could not parse: Invalid value "lots" for attribute PlanEstimate',
        ),
        (
            '(LastUpdateDate > "soon")',
            'Could not parse: Invalid date "soon" for attribute LastUpdateDate',
        ),
    ],
)
def test_queries_rally_cannot_apply(demo: Emulator, query: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        select(demo, query)
    assert str(caught.value) == message


def test_order_with_directions_and_objectid_tiebreak(demo: Emulator) -> None:
    schema = demo.schema()
    spec = schema["HierarchicalRequirement"]
    stories = list(demo.store.by_type["HierarchicalRequirement"].values())
    keys = parse_order("PlanEstimate DESC,FormattedID", schema, spec)
    ordered = [o["FormattedID"] for o in sort_objects(demo.store, stories, keys)]
    assert ordered[0] == "US126"  # the only 8
    assert ordered[-1] == "US206"  # the only 2
    fives = [f for f in ordered if f not in ("US126", "US206")]
    assert ordered.index("US120") < ordered.index("US121")
    assert [f for f in fives if f.startswith("US12")][:2] == ["US120", "US121"]
    by_state = sort_objects(demo.store, stories, parse_order("ScheduleState DESC", schema, spec))
    assert by_state[0]["FormattedID"] == "US206"
    with pytest.raises(QueryError):
        parse_order("Name SIDEWAYS", schema, spec)


# ---- properties -------------------------------------------------------------------------
FIELDS = ("PlanEstimate", "ScheduleState", "Name")
NAMES = ("alpha", "beta gamma", "Delta", "")


def _value_strategy(field: str) -> st.SearchStrategy[Any]:
    if field == "PlanEstimate":
        return st.sampled_from((1.0, 2.0, 3.0, 5.0, 8.0))
    if field == "ScheduleState":
        return st.sampled_from(SCHEDULE_STATES)
    return st.sampled_from(NAMES[:3])


terms = st.sampled_from(FIELDS).flatmap(
    lambda field: st.tuples(
        st.just(field), st.sampled_from(("=", "!=", "<", "<=", ">", ">=")), _value_strategy(field)
    )
)
trees: st.SearchStrategy[Any] = st.recursive(
    terms,
    lambda children: st.tuples(st.sampled_from(("AND", "OR")), children, children),
    max_leaves=6,
)


def render(tree: Any) -> str:
    if len(tree) == 3 and tree[0] in ("AND", "OR") and isinstance(tree[1], tuple):
        return f"({render(tree[1])} {tree[0]} {render(tree[2])})"
    field, op, value = tree
    shown = f'"{value}"' if isinstance(value, str) else f"{value:g}"
    return f"({field} {op} {shown})"


def reference(tree: Any, story: dict[str, Any]) -> bool:
    if len(tree) == 3 and tree[0] in ("AND", "OR") and isinstance(tree[1], tuple):
        left, right = reference(tree[1], story), reference(tree[2], story)
        return (left and right) if tree[0] == "AND" else (left or right)
    field, op, value = tree
    have = story[field]
    if field == "ScheduleState":
        have, value = SCHEDULE_STATES.index(have), SCHEDULE_STATES.index(value)
    ops = {
        "=": have == value,
        "!=": have != value,
        "<": have < value,
        "<=": have <= value,
        ">": have > value,
        ">=": have >= value,
    }
    return ops[op]


@pytest.fixture(scope="module")
def varied() -> Iterator[tuple[Emulator, list[dict[str, Any]]]]:
    store = Store()
    emulator = Emulator(store, Options(), clock=lambda: NOW)
    stories = []
    with store.write() as tx:
        for index in range(40):
            fields = {
                "PlanEstimate": (1.0, 2.0, 3.0, 5.0, 8.0)[index % 5],
                "ScheduleState": SCHEDULE_STATES[index % 4],
                "Name": NAMES[index % 3],
            }
            stories.append(fields)
            new_artifact(
                tx,
                "HierarchicalRequirement",
                emulator.place,
                "2026-01-05T10:00:00.000Z",
                f"US{index + 1}",
                **fields,
            )
    yield emulator, stories
    store.close()


@settings(
    max_examples=150,
    suppress_health_check=[*settings().suppress_health_check, HealthCheck.function_scoped_fixture],
)
@given(tree=trees)
def test_evaluation_matches_a_reference(
    varied: tuple[Emulator, list[dict[str, Any]]], tree: Any
) -> None:
    emulator, stories = varied
    expected = sorted(f"US{i + 1}" for i, s in enumerate(stories) if reference(tree, s))
    assert select(emulator, render(tree)) == expected


@settings(
    max_examples=150,
    suppress_health_check=[*settings().suppress_health_check, HealthCheck.function_scoped_fixture],
)
@given(tree=trees)
def test_rendered_queries_parse_back_to_the_same_shape(tree: Any) -> None:
    node = parse(render(tree))

    def shape(item: Any) -> Any:
        if isinstance(item, Join):
            return (item.op, shape(item.left), shape(item.right))
        assert isinstance(item, Term)
        return (item.path[0], item.op)

    def tree_shape(item: Any) -> Any:
        if len(item) == 3 and item[0] in ("AND", "OR") and isinstance(item[1], tuple):
            return (item[0], tree_shape(item[1]), tree_shape(item[2]))
        return (item[0], item[1])

    assert shape(node) == tree_shape(tree)


@settings(
    max_examples=200,
    suppress_health_check=[*settings().suppress_health_check, HealthCheck.function_scoped_fixture],
)
@given(text=st.text(alphabet='()"=!<> aAND ORxy.,\\1', max_size=40))
def test_any_text_parses_or_fails_with_could_not_parse(text: str) -> None:
    message = ""
    try:
        parse(text)
    except QueryError as exc:
        message = str(exc)
    assert message == "" or message.startswith("Could not parse: ")


def test_deep_nesting_is_refused_not_a_crash() -> None:
    deep = "(" * 5000 + "A = 1" + ")" * 5000
    with pytest.raises(QueryError, match=r"^Could not parse: "):
        parse(deep)
    assert parse("(" * 50 + "A = 1" + ")" * 50) == parse("(A = 1)")
