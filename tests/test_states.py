from __future__ import annotations

import pytest

from pantheon_git.core import states
from pantheon_git.core.states import (
    CODE_REVIEW,
    COMPLETED,
    DEFINED,
    IN_PROGRESS,
    WORKFLOW,
    advance,
    rally_fields,
    workflow_state,
)


@pytest.mark.parametrize("state", WORKFLOW)
def test_each_state_reads_back_from_its_rally_fields(state: str) -> None:
    fields = rally_fields(state)
    assert workflow_state(fields["ScheduleState"], fields["c_PantheonStatus"]) == state


def test_rally_ui_move_wins_over_stale_pantheon_status() -> None:
    # Someone dragged the card to Completed in Rally; our status still says Code Review.
    assert workflow_state("Completed", CODE_REVIEW) == COMPLETED
    # Someone moved it back to Defined.
    assert workflow_state("Defined", IN_PROGRESS) == DEFINED


def test_in_progress_without_pantheon_status() -> None:
    assert workflow_state("In-Progress", None) == IN_PROGRESS
    assert workflow_state(None, None) == DEFINED


def test_custom_schedule_states_without_the_workspaces_order() -> None:
    assert workflow_state("Idea", None) == DEFINED
    assert workflow_state("Released", None) == states.ACCEPTED


ORDER = ("Idea", "Defined", "In-Progress", "Completed", "Accepted", "Shipped To Prod")


def test_custom_schedule_states_follow_the_workspaces_order() -> None:
    """A workspace may add one value before Defined and one after Accepted (research §10.7):
    any name; its place in the workspace's AllowedValues decides."""
    assert workflow_state("Shipped To Prod", None, order=ORDER) == states.ACCEPTED
    assert workflow_state("Shipped To Prod", None) == DEFINED  # the name alone says nothing
    assert workflow_state("Idea", None, order=ORDER) == DEFINED
    backlog_first = ("Backlog", *states.SCHEDULE_STATES, "Done")
    assert workflow_state("Done", None, order=backlog_first) == states.ACCEPTED
    assert workflow_state("Backlog", None, order=backlog_first) == DEFINED
    assert advance(workflow_state("Shipped To Prod", None, order=ORDER), IN_PROGRESS) is None


@pytest.mark.parametrize(
    ("current", "wanted", "order", "written"),
    [
        ("Defined", "Completed", states.SCHEDULE_STATES, "Completed"),
        ("Completed", "In-Progress", states.SCHEDULE_STATES, None),
        ("Completed", "Completed", states.SCHEDULE_STATES, None),
        (None, "Defined", states.SCHEDULE_STATES, "Defined"),
        ("Idea", "Defined", ORDER, "Defined"),
        ("Shipped To Prod", "Accepted", ORDER, None),
        ("Shipped To Prod", "Completed", ORDER, None),
        ("Accepted", "Shipped To Prod", ORDER, "Shipped To Prod"),
    ],
)
def test_schedule_states_only_move_forward_in_the_workspaces_order(
    current: str | None, wanted: str, order: tuple[str, ...], written: str | None
) -> None:
    assert states.later_schedule_state(current, wanted, order) == written


@pytest.mark.parametrize(
    ("tasks", "story"),
    [
        ([], None),
        (["Defined", "Defined"], "Defined"),
        (["Completed", "Completed"], "Completed"),
        (["Defined", "Completed"], "In-Progress"),
        (["In-Progress"], "In-Progress"),
        (["Defined", "In-Progress", "Completed"], "In-Progress"),
    ],
)
def test_task_states_roll_up_as_rally_documents(tasks: list[str], story: str | None) -> None:
    """Broadcom docs "Task State Updates Parent Schedule State", the table."""
    assert states.rolled_up(tasks) == story


def test_forward_only() -> None:
    assert advance(DEFINED, IN_PROGRESS) == IN_PROGRESS
    assert advance(IN_PROGRESS, CODE_REVIEW) == CODE_REVIEW
    assert advance(CODE_REVIEW, CODE_REVIEW) is None
    assert advance(COMPLETED, CODE_REVIEW) is None
    assert advance(states.ACCEPTED, COMPLETED) is None
