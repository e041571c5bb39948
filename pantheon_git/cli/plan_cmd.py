"""``pantheon plan``: entry layer only (parse, call the use case, render, exit code)."""

from __future__ import annotations

from pathlib import Path

import click

from pantheon_git.app import App
from pantheon_git.cli._common import (
    Ctx,
    common_options,
    echo,
    emit,
    epic_list,
    info,
    progress_enabled,
    warn,
)
from pantheon_git.features.plan.developers import lane_arguments
from pantheon_git.features.plan.run import PlanRequest, run_plan


@click.command("plan")
@click.argument("lane_pins", nargs=-1, metavar="[lane_N=EMAIL]...")
@click.option(
    "--epic",
    "epics",
    multiple=True,
    metavar="E",
    callback=epic_list,
    help="Epic to plan: 17, F17 or epic-17. Repeat for several. Default: every cached epic.",
)
@click.option(
    "--developers",
    "-d",
    metavar="N|NAMES",
    help="How many developers (12), or their names (john,jane,bob): one lane each. "
    "Default: max_parallel_developers from the config.",
)
@click.option(
    "--lane",
    "pins",
    multiple=True,
    metavar="I=EMAIL",
    help="Pin a developer to lane I, e.g. --lane 0=jane@x.com (lane 0 is the critical path). "
    "Repeatable.",
)
@click.option(
    "--from-json",
    "from_json",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help='Plan the stories in FILE instead of the Rally cache: {"stories": [{"key": "T1", '
    '"hours": 3.5, "depends_on": ["T0"], "conflicts_with": ["T7"]}]}. Not saved.',
)
@common_options
def plan(
    lane_pins: tuple[str, ...],
    epics: tuple[str, ...],
    developers: str | None,
    pins: tuple[str, ...],
    from_json: Path | None,
) -> None:
    """Plan parallel workstreams: one lane per developer, critical path on lane 0.

    Every story is placed once, after the stories it depends on, never at the same time as
    a story it conflicts with, as early as possible. Saves .bmad/rally-cache/workstreams.json.
    The seed's lane_0=EMAIL words pin developers as --lane 0=EMAIL does.
    """
    pins = (*pins, *lane_arguments(lane_pins))

    app = App.load(config_path=Ctx.config_path, warn=warn, note=info)
    if progress_enabled():
        app.progress = lambda message: echo(message, err=True)
    outcome = run_plan(
        app,
        PlanRequest(epics=epics, developers=developers, pins=pins, from_json=from_json),
    )
    emit(outcome.document, outcome.report)
