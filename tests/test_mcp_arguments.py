"""A tool call's arguments are checked against the tool's own input schema before anything
runs, with messages an agent can act on, and defaults filled in."""

from __future__ import annotations

from typing import Any

import pytest

from pantheon_git.errors import UsageError
from pantheon_git.features.mcp.arguments import checked
from pantheon_git.features.mcp.tools import BY_NAME, TOOLS

CHECKOUT = BY_NAME["checkout"].inputs


def test_defaults_are_filled_in_and_values_kept() -> None:
    assert checked(CHECKOUT, {"story": "US-1"}) == {
        "story": "US-1",
        "epic": None,
        "lock_hours": None,
        "branch": True,
    }
    assert checked(CHECKOUT, None)["branch"] is True
    assert checked(BY_NAME["plan"].inputs, {"epics": ["17", "F18"]})["epics"] == ["17", "F18"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"stroy": "US-1"}, "unknown argument: stroy"),
        ({"stroy": "US-1", "epik": "1"}, "unknown arguments: epik, stroy"),
        ({"story": 121}, "story: expected a string, got 121"),
        ({"story": "  "}, "story: expected a value, got an empty string"),
        ({"lock_hours": "24"}, 'lock_hours: expected a number, got "24"'),
        ({"lock_hours": True}, "lock_hours: expected a number, got true"),
        ({"lock_hours": -1}, "lock_hours: expected a number greater than 0, got -1"),
        ({"branch": "no"}, 'branch: expected true or false, got "no"'),
    ],
)
def test_bad_arguments_say_what_is_wrong(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        checked(CHECKOUT, arguments)
    assert caught.value.message == message
    assert caught.value.exit_code == 2


def test_list_items_and_required_arguments() -> None:
    with pytest.raises(UsageError, match=r"^epics: item 2: expected a string, got 18$"):
        checked(BY_NAME["sync"].inputs, {"epics": ["17", 18]})
    with pytest.raises(UsageError, match="missing argument: epic"):
        checked(BY_NAME["migrate"].inputs, {"apply": True})
    with pytest.raises(UsageError) as caught:
        checked(BY_NAME["release"].inputs, {"hours": 3})
    assert caught.value.hint == "This tool takes: story."


def test_every_schema_uses_only_what_the_checker_knows() -> None:
    """A keyword the checker ignores would be advertised and never enforced."""
    known = {"type", "description", "default", "items", "exclusiveMinimum", "enum"}
    for tool in TOOLS:
        assert set(tool.inputs) <= {"type", "properties", "required", "additionalProperties"}
        for name, rule in tool.inputs["properties"].items():
            assert set(rule) <= known, (tool.name, name)
            assert set(rule.get("items", {})) <= known, (tool.name, name)


def test_a_choice_takes_only_its_values() -> None:
    review = BY_NAME["deps_review"].inputs
    assert checked(review, {"min_confidence": "medium"})["min_confidence"] == "medium"
    with pytest.raises(UsageError) as caught:
        checked(review, {"min_confidence": "sure"})
    assert caught.value.message == (
        'min_confidence: expected one of high, medium, low, hint, got "sure"'
    )


def test_every_tool_has_a_use_case_and_a_summary() -> None:
    from pantheon_git.features.mcp.run import USE_CASES
    from pantheon_git.features.mcp.summary import WRITERS

    assert set(USE_CASES) == set(BY_NAME) == set(WRITERS)


def test_an_argument_of_several_types_takes_each_and_checks_each() -> None:
    plan = BY_NAME["plan"].inputs
    assert checked(plan, {"developers": 4})["developers"] == 4
    assert checked(plan, {"developers": "john,jane"})["developers"] == "john,jane"
    for value, message in (
        (0, "developers: expected a number greater than 0, got 0"),
        (True, "developers: expected an integer or a string, got true"),
        (4.5, "developers: expected an integer or a string, got 4.5"),
        ("", "developers: expected a value, got an empty string"),
    ):
        with pytest.raises(UsageError) as caught:
            checked(plan, {"developers": value})
        assert caught.value.message == message


def test_the_confidence_levels_a_tool_takes_are_the_analysis_levels() -> None:
    from pantheon_git.features.deps.review import INFERRED_LEVELS
    from pantheon_git.features.mcp.tools import CONFIDENCES

    assert CONFIDENCES == INFERRED_LEVELS
