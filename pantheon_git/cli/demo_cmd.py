"""``pantheon demo``: entry layer only (parse, call the use case, render, exit code)."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType

import click

from pantheon_git.cli._common import Ctx, common_options, emit
from pantheon_git.demo.run import DemoRequest, run_demo


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@click.command("demo")
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Keep the repositories and the emulator's data in DIR (new or empty) to explore "
    "afterwards; prints how to start the emulator on it again.",
)
@click.option(
    "--developers",
    type=click.IntRange(1, 500),
    default=12,
    show_default=True,
    help="Developers (lanes) for the plan step.",
)
@common_options
def demo(keep: Path | None, developers: int) -> None:
    """Run the whole workflow on a built-in Rally emulator, in a temporary repository.

    sync, doctor, deps, plan for N developers, two developers checking out the same story at
    once, a commit that passes the lock hook and one that is blocked, overlapping branches
    reported at push, a pull request opened and merged through `pantheon ci`, status and
    metrics: every step is the real command, and its real output is shown. No Rally account,
    no network; about half a minute. Without --keep everything is removed afterwards, also
    on Ctrl-C.
    """

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        outcome = run_demo(
            DemoRequest(keep=keep, developers=developers),
            show=(lambda text: None) if Ctx.json else click.echo,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
    if Ctx.json:
        emit(outcome.to_dict(), "")
