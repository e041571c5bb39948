"""``pantheon sync``: pull epics and stories from Rally into ``.bmad/rally-cache/``."""

from __future__ import annotations

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
from pantheon_git.features.sync.run import SyncOptions, run


@click.command("sync")
@click.option("--project", help="Rally project (name or ObjectID); default: rally_project.")
@click.option(
    "--epic",
    "epics",
    multiple=True,
    metavar="EPIC",
    callback=epic_list,
    help="Only this epic (17, E17, F17); repeat for several. Default: every epic.",
)
@click.option("--iteration", help="Only the stories of this iteration (its name in Rally).")
@click.option(
    "--force",
    is_flag=True,
    help="Read everything again instead of only what changed, and drop stories that are gone.",
)
@common_options
def sync(project: str | None, epics: tuple[str, ...], iteration: str | None, force: bool) -> None:
    """Pull epics and their stories (tasks, owner, state, locks, predecessors) from Rally.

    Incremental by default: only stories changed since the last sync are read. Stories deleted
    in Rally or moved out of the project are found by a full sync (--force, or the first one).
    Writes .bmad/rally-cache/ and prints the board per epic.

    \b
      pantheon sync                      # every epic of the project
      pantheon sync --epic 17 --epic 18  # two epics
      pantheon sync --iteration "Sprint 3" --json
    """

    flags = {"rally_project": project} if project else None
    app = App.load(config_path=Ctx.config_path, flags=flags, warn=warn, note=info)
    if progress_enabled() and not Ctx.json:
        app.progress = lambda message: echo(message, err=True)
    try:
        outcome = run(app, SyncOptions(epics=epics, iteration=iteration, force=force))
    finally:
        app.close()
    emit(outcome.to_dict(), outcome.render)
