"""``pantheon migrate``: BMAD markdown stories into Rally; ``rollback`` and ``list``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pantheon_git.app import App
from pantheon_git.cli._common import Ctx, common_options, echo, emit, info, progress_enabled, warn
from pantheon_git.features.migrate.report import render_migration, render_rollback, render_runs
from pantheon_git.features.migrate.run import MigrateRequest
from pantheon_git.features.migrate.run import migrate as run_migration
from pantheon_git.features.migrate.run_rollback import list_migrations, rollback

if TYPE_CHECKING:
    from pantheon_git.app import App


class _MigrateGroup(click.Group):
    """``pantheon migrate [PATH]... --epic E`` runs ``migrate run``; ``rollback`` and ``list``
    are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = _first_word(args)
        wants_help = first is None and any(a in ("-h", "--help") for a in args)
        if first not in self.commands and not wants_help:
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _first_word(args: list[str]) -> str | None:
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--config":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def _app(project: str | None = None) -> App:

    flags = {"rally_project": project} if project else None
    app = App.load(config_path=Ctx.config_path, flags=flags, warn=warn, note=info)
    if progress_enabled() and not Ctx.json:
        app.progress = lambda message: echo(message, err=True)
    return app


@click.group("migrate", cls=_MigrateGroup)
@common_options
def migrate() -> None:
    """Migrate BMAD markdown stories into Rally, safely and repeatably.

    \b
      pantheon migrate [PATH]... --epic E17 [--project P] [--dry-run] [--no-archive]
      pantheon migrate docs/epics.md --bmad-epic 1 --epic E17
      pantheon migrate rollback [RUN]
      pantheon migrate list
    """


@migrate.command("run")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--epic",
    required=True,
    help="The epic (portfolio item) to put the stories under: 17, F17, E17.",
)
@click.option(
    "--bmad-epic",
    metavar="N|all",
    help="Of the epics files given, migrate BMAD epic N's stories (all: every story).",
)
@click.option("--project", help="Rally project (name or ObjectID); default: rally_project.")
@click.option(
    "--dry-run", is_flag=True, help="Show what would be created or updated; change nothing."
)
@click.option(
    "--archive/--no-archive",
    default=None,
    help="Copy each file to migrate_backup/<run>/ before changing it (default: migrate_archive).",
)
@common_options
def run_cmd(  # noqa: PLR0917
    paths: tuple[Path, ...],
    epic: str,
    bmad_epic: str | None,
    project: str | None,
    dry_run: bool,
    archive: bool | None,
) -> int:
    """Create (or update) a Rally story for each BMAD story and link the file to it.

    PATH: story files, epics files or folders (default: docs/stories and
    _bmad-output/implementation-artifacts). Files whose first heading is not
    `# Story X.Y: Title` are listed as skipped.

    An epics file (docs/epics.md, _bmad-output/planning-artifacts/epics.md,
    docs/prd/epic-1-*.md) gives one story per `### Story N.M: Title` heading;
    its Prerequisites, and an epic's own `**Dependencies:** Epic 1` line, become
    Rally Predecessors. One run takes one BMAD epic under one Rally epic:
    --bmad-epic 1 --epic F17, then --bmad-epic 2 --epic F18.
    """

    app = _app(project)
    request = MigrateRequest(
        paths=paths,
        epic=epic,
        dry_run=dry_run,
        archive=archive,
        bmad_epic=bmad_epic,
        project=project,
    )
    try:
        result = run_migration(app, request)
    finally:
        app.close()
    again = request.command(epic=result.epic or epic)
    emit(result.to_dict(), lambda: render_migration(result, again=again))
    return result.exit_code


@migrate.command("rollback")
@click.argument("run", required=False)
@click.option("--force", is_flag=True, help="Restore files even if they changed since the run.")
@common_options
def rollback_cmd(run: str | None, force: bool) -> int:
    """Undo a migration run (default: the latest): delete what it created in Rally, restore
    what it changed, and put the files back byte for byte."""

    app = _app()
    try:
        result = rollback(app, run, force=force)
    finally:
        app.close()
    emit(result.to_dict(), lambda: render_rollback(result))
    return result.exit_code


@migrate.command("list")
@common_options
def list_cmd() -> None:
    """List the migration runs of this repository, oldest first."""

    app = _app()
    runs = list_migrations(app)
    emit({"runs": runs}, lambda: render_runs(runs))
