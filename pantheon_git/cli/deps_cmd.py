"""`pantheon deps`: which stories block which, which collide, and which can start now."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pantheon_git.app import App
from pantheon_git.cli._common import Ctx, common_options, emit, progress_enabled, warn
from pantheon_git.core.keys import EpicRef
from pantheon_git.features.deps.mermaid import render_mermaid
from pantheon_git.features.deps.report import render_text
from pantheon_git.features.deps.run import DepsResult, analyse_cache, write_output


@click.command(
    "deps",
    help=(
        "Analyse dependencies between the cached stories: the dependency tree, waves of "
        "stories that can run in parallel, independent stories, and pairs that must not run "
        "at the same time. Saves .bmad/rally-cache/dependencies.json."
    ),
)
@click.option(
    "--epic",
    "epics",
    multiple=True,
    metavar="E",
    help="Only this epic (17, F17 or epic-17); repeat for several. Default: every cached epic.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "mermaid"]),
    default="text",
    show_default=True,
    help="text: the report; json: the graph document; mermaid: a `graph TD` diagram.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the output to FILE instead of standard output.",
)
@common_options
def deps(epics: tuple[str, ...], fmt: str, output: Path | None) -> None:
    refs = [EpicRef.parse(e) for e in epics]
    app = App.load(config_path=Ctx.config_path, warn=warn)
    if progress_enabled():
        app.progress = lambda message: click.echo(message, err=True)
    result = analyse_cache(app, refs)
    fmt = "json" if Ctx.json else fmt
    content = _render(result, fmt, app.root)
    if output is None:
        emit(result.document, content)
        return
    write_output(output, content)
    emit(
        {**result.document, "output": str(output)},
        f"Wrote the {fmt} dependency graph to {output}",
    )


def _render(result: DepsResult, fmt: str, root: Path) -> str:
    if fmt == "json":
        return json.dumps(result.document, indent=2, ensure_ascii=False)
    if fmt == "mermaid":
        return render_mermaid(result.analysis, result.stories)
    saved = result.saved[-1]
    shown = saved.relative_to(root) if saved.is_relative_to(root) else saved
    return render_text(
        result.analysis, result.stories, saved_to=str(shown), evidence=Ctx.verbose > 0
    )
