"""``pantheon checkout``, ``pantheon release``, ``pantheon renew``: story locks on Rally."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

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
from pantheon_git.features.checkout.report import CheckoutReport, render_checkout, render_refusal
from pantheon_git.features.checkout.run import CheckoutRequest
from pantheon_git.features.checkout.run import checkout as run_checkout
from pantheon_git.features.locks.report import render_lease
from pantheon_git.features.locks.run import release as run_release
from pantheon_git.features.locks.run import renew as run_renew

if TYPE_CHECKING:
    from datetime import tzinfo

    from pantheon_git.app import App


def _app() -> App:

    app = App.load(config_path=Ctx.config_path, warn=warn, note=info, deadline="lock_deadline")
    if progress_enabled() and not Ctx.json:
        app.progress = lambda message: echo(message, err=True)
    return app


def _local_zone() -> tzinfo | None:
    return datetime.now().astimezone().tzinfo


@click.command("checkout")
@click.argument("story", required=False)
@click.option(
    "--epic",
    "epics",
    multiple=True,
    callback=epic_list,
    metavar="E",
    help="Take the next available story of this epic (17, F17, E17); several: 17,18,19.",
)
@click.option(
    "--lock-hours",
    type=click.FloatRange(min=0, min_open=True),
    help="How long the lock lasts (default: rally_lock_hours, 24).",
)
@click.option(
    "--branch/--no-branch",
    default=True,
    help="Create and switch to the story branch (default), or only lock the story.",
)
@common_options
def checkout(
    story: str | None, epics: tuple[str, ...], lock_hours: float | None, branch: bool
) -> int:
    """Lock a story in Rally and start work on it.

    STORY (US-123) locks that story; --epic takes the next available one, unblocked stories on
    the critical path first (from `pantheon deps`), else by Rally rank. On success the story
    moves to In Progress, the branch story/US-123-<title> is created from the default branch
    and checked out, and the story is written to docs/stories/US-123.md. If someone else
    holds it: exit 1, with free stories of similar size to take instead. Taking a story you
    already hold renews your lock and switches to its branch.
    """

    app = _app()
    request = CheckoutRequest(story=story, epic=epics, lock_hours=lock_hours, branch=branch)
    try:
        result = run_checkout(app, request)
    finally:
        app.close()  # the client a cache refresh (rally_auto_sync) opened
    now = app.now()
    if isinstance(result, CheckoutReport):
        if result.lock_seconds is not None:
            config = app.config
            info(
                f"lock write answered {result.lock_seconds:.3f}s after the read was sent "
                f"(T = {config.lock_write_bound:g}s, D = {config.lock_settle_delay:g}s)"
            )
        emit(result.to_dict(), lambda: render_checkout(result, now))
        return 0
    emit(result.to_dict(), lambda: render_refusal(result, now, _local_zone()))
    return 1


@click.command("release")
@click.argument("story", required=False)
@common_options
def release(story: str | None) -> int:
    """Give back a story you hold: clear its lock in Rally.

    STORY defaults to the story of the current branch. Exit 1 if someone else holds it; an
    expired lock needs no release (anyone may take it).
    """

    app = _app()
    report = run_release(app, story)
    now = app.now()
    emit(report.to_dict(), lambda: render_lease(report, now, _local_zone()))
    return report.exit_code


@click.command("renew")
@click.argument("story", required=False)
@click.option(
    "--hours",
    type=click.FloatRange(min=0, min_open=True),
    help="New lease from now (default: rally_lock_hours); a lease is never shortened.",
)
@common_options
def renew(story: str | None, hours: float | None) -> int:
    """Extend the lock on a story you hold (pre-push does this for you).

    STORY defaults to the story of the current branch. Only the expiry changes. If your lock
    has expired and nobody took the story, it is taken again. Exit 1 if you do not hold it.
    """

    app = _app()
    report = run_renew(app, story, hours=hours)
    now = app.now()
    emit(report.to_dict(), lambda: render_lease(report, now, _local_zone()))
    return report.exit_code
