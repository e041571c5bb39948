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


def test_custom_schedule_states() -> None:
    assert workflow_state("Idea", None) == DEFINED
    assert workflow_state("Released", None) == states.ACCEPTED


def test_forward_only() -> None:
    assert advance(DEFINED, IN_PROGRESS) == IN_PROGRESS
    assert advance(IN_PROGRESS, CODE_REVIEW) == CODE_REVIEW
    assert advance(CODE_REVIEW, CODE_REVIEW) is None
    assert advance(COMPLETED, CODE_REVIEW) is None
    assert advance(states.ACCEPTED, COMPLETED) is None
