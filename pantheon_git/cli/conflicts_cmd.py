"""``pantheon conflicts [BRANCH] [--all] [--precise]``."""

from __future__ import annotations

import click

from pantheon_git.app import App
from pantheon_git.cli._common import Ctx, common_options, echo, emit, info, progress_enabled, warn
from pantheon_git.errors import UsageError
from pantheon_git.features.conflicts import run as usecase
from pantheon_git.features.conflicts.report import render_branch, render_matrix


@click.command("conflicts")
@click.argument("branch", required=False)
@click.option(
    "--all",
    "all_",
    is_flag=True,
    help="The overlap matrix of every story branch, local and remote-tracking.",
)
@click.option(
    "--precise",
    is_flag=True,
    default=None,
    help="Trial-merge the overlapping stories (each onto the default branch first) and "
    "report real textual conflicts. Default: the `conflicts` / `conflicts_precise` settings.",
)
@common_options
def conflicts(branch: str | None, all_: bool, precise: bool | None) -> int:
    """Story branches that change the same files as BRANCH (default: the current branch).

    BRANCH may be a local or remote-tracking branch or a story key (US-123). Files are
    compared against each branch's merge base with the default branch; holders come from the
    Rally cache when it exists. Overlaps are a report: the exit code is 0 when the check ran.
    """

    if all_ and branch:
        raise UsageError(
            "give either a BRANCH or --all, not both",
            hint="`pantheon conflicts --all` already includes every branch.",
        )
    app = App.load(config_path=Ctx.config_path, warn=warn, note=info)
    if progress_enabled():
        app.progress = lambda message: echo(f"… {message}", err=True)
    if all_:
        matrix = usecase.check_all(app, precise=precise)
        doc = matrix.to_dict()
        emit(doc, lambda: render_matrix(doc))
    else:
        report = usecase.check_branch(app, branch, precise=precise)
        doc = report.to_dict()
        emit(doc, lambda: render_branch(doc))
    return 0
