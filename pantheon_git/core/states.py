"""The story lifecycle and its mapping onto Rally.

Workflow states (the seed): Defined -> In Progress -> Code Review -> Completed -> Accepted.
Rally's ScheduleState has no "Code Review" by default, so each workflow state maps to a set of
Rally field values (configurable); ``c_PantheonStatus`` tells the states apart that share a
ScheduleState. Transitions only move forward and are no-ops when already there.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFINED = "Defined"
IN_PROGRESS = "In Progress"
CODE_REVIEW = "Code Review"
COMPLETED = "Completed"
ACCEPTED = "Accepted"

WORKFLOW: tuple[str, ...] = (DEFINED, IN_PROGRESS, CODE_REVIEW, COMPLETED, ACCEPTED)

# Rally's fixed ScheduleState values, in their fixed order. Workspaces may add one custom value
# before Defined (often "Idea"/"Backlog") and one after Accepted (often "Released"): a
# workspace's own order is read from its schema (``rally.schema.schedule_states``).
SCHEDULE_STATES: tuple[str, ...] = ("Defined", "In-Progress", "Completed", "Accepted")
ScheduleOrder = tuple[str, ...]
"""A workspace's ScheduleState values, in order."""

StateMap = Mapping[str, Mapping[str, str]]
"""Workflow state -> the Rally field values that hold it (field name -> value)."""
SCHEDULE_STATE = "ScheduleState"
"""The Rally field every state map names (the other one is the status field)."""

DEFAULT_STATE_MAP: dict[str, dict[str, str]] = {
    DEFINED: {"ScheduleState": "Defined", "c_PantheonStatus": ""},
    IN_PROGRESS: {"ScheduleState": "In-Progress", "c_PantheonStatus": IN_PROGRESS},
    CODE_REVIEW: {"ScheduleState": "In-Progress", "c_PantheonStatus": CODE_REVIEW},
    COMPLETED: {"ScheduleState": "Completed", "c_PantheonStatus": COMPLETED},
    ACCEPTED: {"ScheduleState": "Accepted", "c_PantheonStatus": ACCEPTED},
}


def rank(state: str) -> int:
    """Position in the workflow; unknown states rank as Defined."""
    return WORKFLOW.index(state) if state in WORKFLOW else 0


def rally_fields(state: str, state_map: StateMap = DEFAULT_STATE_MAP) -> dict[str, str]:
    """The Rally field values that put a story in ``state``."""
    return dict(state_map[state])


def schedule_state_of(state: str, state_map: StateMap = DEFAULT_STATE_MAP) -> str | None:
    """The ScheduleState the map gives a workflow state (``None``: it names none)."""
    return state_map.get(state, {}).get(SCHEDULE_STATE)


def workflow_state(
    schedule_state: str | None,
    pantheon_status: str | None,
    state_map: StateMap = DEFAULT_STATE_MAP,
    order: ScheduleOrder = SCHEDULE_STATES,
) -> str:
    """The workflow state of a story from what Rally holds.

    ``c_PantheonStatus`` decides only while it agrees with ScheduleState: when someone moves the
    story in Rally's UI, ScheduleState wins (Rally is the source of truth). A ScheduleState the
    map does not name is placed by the workspace's ``order``: it is the last workflow state
    whose ScheduleState comes at or before it (a value before Defined is Defined, one after
    Accepted is Accepted). Without the order, a few common names count as after Accepted.
    """
    schedule = schedule_state or "Defined"
    if pantheon_status and schedule_state_of(pantheon_status, state_map) == schedule:
        return pantheon_status
    candidates = [s for s in WORKFLOW if schedule_state_of(s, state_map) == schedule]
    if candidates:
        return candidates[0]
    if schedule in order:
        at = order.index(schedule)
        before = [s for s in WORKFLOW if _position(s, state_map, order) <= at]
        return before[-1] if before else DEFINED
    return ACCEPTED if schedule.lower() in _LATE else DEFINED


_LATE = {"released", "done", "shipped", "deployed"}


def _position(state: str, state_map: StateMap, order: ScheduleOrder) -> int:
    mapped = schedule_state_of(state, state_map)
    return order.index(mapped) if mapped in order else len(order)


def later_schedule_state(
    current: str | None, wanted: str, order: ScheduleOrder = SCHEDULE_STATES
) -> str | None:
    """``wanted`` if it comes after ``current`` in the workspace's ScheduleState ``order``,
    else ``None``: states only move forward. A value outside the order is never judged
    behind (``wanted``, unless it is already the current one)."""
    if current not in order or wanted not in order:
        return wanted if current != wanted else None
    return wanted if order.index(wanted) > order.index(current) else None


def rolled_up(task_states: list[str]) -> str | None:
    """The ScheduleState Rally gives a story from its tasks' states when it rolls them up
    (research §10.2; Broadcom docs "Task State Updates Parent Schedule State": all Defined:
    Defined; all Completed: Completed; otherwise In-Progress); ``None`` without tasks."""
    if not task_states:
        return None
    if all(s == "Defined" for s in task_states):
        return "Defined"
    if all(s == "Completed" for s in task_states):
        return "Completed"
    return "In-Progress"


def advance(current: str, target: str) -> str | None:
    """The state to write, or ``None`` when ``target`` is not ahead of ``current``."""
    return target if rank(target) > rank(current) else None
