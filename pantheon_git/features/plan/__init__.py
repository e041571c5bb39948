"""The workstream planner (``pantheon plan``): stories with hours, dependencies and conflicts
in, developer lanes with start and end times out, close to the shortest possible plan.

Pure: no I/O, no clock. See ``search`` for the algorithm, ``bounds`` for the lower bound,
``check`` for the rules every plan is verified against.
"""

from pantheon_git.features.plan.check import check_plan
from pantheon_git.features.plan.model import Entry, PlanStory, build_problem
from pantheon_git.features.plan.plan import Lane, Plan, make_plan, plan_problem

SHARED = ("effort", "run")
"""Checkout labels alternatives with the planner's complexity tiers; the MCP server's `plan`
tool runs the same use case."""

__all__ = [
    "Entry",
    "Lane",
    "Plan",
    "PlanStory",
    "build_problem",
    "check_plan",
    "make_plan",
    "plan_problem",
]
