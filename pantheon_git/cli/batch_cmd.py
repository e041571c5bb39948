"""``pantheon batch``: entry layer only (parse, call the use case, render, exit code)."""

from __future__ import annotations

from datetime import datetime

import click

from pantheon_git.app import App
from pantheon_git.cli._common import Ctx, common_options, emit, epic_list, progress_enabled, warn
from pantheon_git.features.batch.report import render_batch
from pantheon_git.features.batch.run import BatchRequest, run_batch


@click.command("batch")
@click.argument("stories", nargs=-1, metavar="[STORY]...")
@click.option(
    "--epic",
    "epics",
    multiple=True,
    callback=epic_list,
    metavar="E",
    help="Take the next stories of this epic (17, F17; several: 17,18), with --count.",
)
@click.option("--count", type=int, metavar="N", help="With --epic: how many stories to take.")
@click.option(
    "--lock-hours",
    type=click.FloatRange(min=0, min_open=True),
    help="How long each lock lasts (default: rally_lock_hours, 24).",
)
@common_options
def batch(
    stories: tuple[str, ...], epics: tuple[str, ...], count: int | None, lock_hours: float | None
) -> int:
    """Check the locks of several stories and take the free, unblocked ones at once.

    STORY... names them (US-121 US-122); --epic E --count N takes the next N of an epic, in
    the order `pantheon checkout --epic` uses. Each one taken is locked by you, In Progress,
    yours in Rally (Owner); no branch is switched to: `pantheon checkout US-121` does that.
    The others are reported with why (locked, blocked, in review, done, not in Rally).
    Exit 0 if every story was taken, 1 if some were not.
    """
    app = App.load(config_path=Ctx.config_path, warn=warn)
    if progress_enabled() and not Ctx.json:
        app.progress = lambda message: click.echo(message, err=True)
    request = BatchRequest(stories=stories, epics=epics, count=count, lock_hours=lock_hours)
    try:
        result = run_batch(app, request)
    finally:
        app.close()
    now = app.now()
    zone = datetime.now().astimezone().tzinfo
    emit(result.to_dict(), lambda: render_batch(result, now, zone))
    return result.exit_code
