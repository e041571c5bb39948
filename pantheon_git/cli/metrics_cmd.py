"""``pantheon metrics``: entry layer only (parse, call the use case, render, exit code)."""

from __future__ import annotations

from pathlib import Path

import click

from pantheon_git.app import App
from pantheon_git.cli._common import Ctx, common_options, emit, info, warn
from pantheon_git.features.metrics.report import render_metrics
from pantheon_git.features.metrics.run import MetricsRequest, parse_since, run_metrics


@click.command("metrics")
@click.option(
    "--since",
    metavar="DATE",
    help="Count only what happened from DATE on (2026-02-01, or an ISO timestamp).",
)
@click.option(
    "--events",
    "events",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Another checkout log to include (a colleague's .bmad/rally-cache/events.jsonl). "
    "Repeatable.",
)
@common_options
def metrics(since: str | None, events: tuple[Path, ...]) -> None:
    """The seed's six success metrics, each with its target and a mark.

    Story conflict rate, merge conflict rate, coordination time, lane balance, lock expiry
    rate and parallelization efficiency, from the checkout log, the Rally cache, the plan
    and git history. A metric without data says "not known" and why. -v shows how each one
    is measured.
    """

    start = parse_since(since) if since else None
    app = App.load(config_path=Ctx.config_path, warn=warn, note=info)
    outcome = run_metrics(app, MetricsRequest(since=start, events=events))
    for note in outcome.notes:
        warn(note)
    emit(
        outcome.to_dict(),
        lambda: render_metrics(
            outcome.metrics,
            sources=outcome.sources,
            since=since,
            how=Ctx.verbose > 0,
        ),
    )
