"""Named developers, lane pins and the critical-path person."""

from __future__ import annotations

import pytest

from pantheon_git.errors import UsageError
from pantheon_git.features.plan.developers import lane_developers, parse_developers, parse_pins


def test_parse_developers() -> None:
    assert parse_developers("12") == (12, ())
    assert parse_developers(" john, jane ,bob ") == (3, ("john", "jane", "bob"))


@pytest.mark.parametrize(
    ("text", "message"),
    [("0", "at least 1"), (" , ", "expected a number"), ("ann,bob,Ann", "names ann twice")],
)
def test_parse_developers_rejects(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_developers(text)


def test_parse_pins() -> None:
    assert parse_pins(["0=john@x", "lane_3=sec@x", " 5 = fe@x "], 12) == {
        0: "john@x",
        3: "sec@x",
        5: "fe@x",
    }


@pytest.mark.parametrize(
    ("pins", "message"),
    [
        (["john@x"], "expected LANE=EMAIL"),
        (["12=a@x"], "only 12 lanes"),
        (["1=a@x", "1=b@x"], "--lane 1 is given twice"),
        (["1=a@x", "2=A@x"], "pinned to lanes 1 and 2"),
    ],
)
def test_parse_pins_rejects(pins: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_pins(pins, 12)


def test_count_only_lanes_are_unnamed() -> None:
    assert lane_developers(3) == [None, None, None]


def test_named_developers_in_order() -> None:
    assert lane_developers(3, ["john", "jane", "bob"]) == ["john", "jane", "bob"]


def test_critical_path_person_gets_lane_zero() -> None:
    assert lane_developers(3, critical_person="sr@x") == ["sr@x", None, None]
    assert lane_developers(3, ["a", "sr@x", "b"], critical_person="SR@x") == ["sr@x", "a", "b"]
    # Explicit names win: someone else cannot take over lane 0.
    assert lane_developers(2, ["a", "b"], critical_person="sr@x") == ["a", "b"]


def test_pins_win_over_everything() -> None:
    assert lane_developers(4, pins={0: "j@x", 3: "s@x"}, critical_person="sr@x") == [
        "j@x",
        None,
        None,
        "s@x",
    ]
    assert lane_developers(3, ["a", "b", "c"], pins={0: "c"}) == ["c", "b", "a"]
    assert lane_developers(3, critical_person="sr@x", pins={2: "sr@x"}) == [None, None, "sr@x"]


def test_pinning_someone_not_named_is_an_error() -> None:
    with pytest.raises(UsageError, match="zed is not one of --developers a,b"):
        lane_developers(2, ["a", "b"], pins={1: "zed"})
