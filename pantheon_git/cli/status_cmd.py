"""``pantheon status``: the board per epic and Rally/git drift, from the cache (offline)."""

from __future__ import annotations

import click

from pantheon_git.app import App
from pantheon_git.cli._common import Ctx, common_options, emit, epic_list, info, warn
from pantheon_git.features.status import report as status_report
from pantheon_git.features.status.run import StatusOptions, run


@click.command("status")
@click.option(
    "--epic",
    "epics",
    multiple=True,
    metavar="EPIC",
    callback=epic_list,
    help="Only this epic (17, E17, F17); repeat for several.",
)
@click.option("--mine", is_flag=True, help="Only the stories you hold or own.")
@common_options
def status(epics: tuple[str, ...], mine: bool) -> None:
    """The board per epic (ready, locked, code review, done) and where Rally and git disagree.

    Reads only the cache of the last `pantheon sync` and this clone's branches: it works
    offline, and says how old the data is.
    """

    app = App.load(config_path=Ctx.config_path, warn=warn, note=info)
    result = run(app, StatusOptions(epics=epics, mine=mine))
    emit(status_report.to_dict(result), lambda: status_report.render(result))
