"""`pantheon deps`: which stories block which, which collide, and which can start now."""

from __future__ import annotations

import json
from collections.abc import Callable
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
from pantheon_git.core.keys import EpicRef, StoryKey
from pantheon_git.errors import UsageError
from pantheon_git.features.deps.filedismiss import paths_of
from pantheon_git.features.deps.mermaid import render_mermaid
from pantheon_git.features.deps.report import render_text
from pantheon_git.features.deps.review import (
    INFERRED_LEVELS,
    parse_pairs,
    render_written,
)
from pantheon_git.features.deps.review import review as review_of
from pantheon_git.features.deps.run import DepsResult, analyse_cache, write_output
from pantheon_git.features.deps.run_accept import write_chosen
from pantheon_git.features.deps.run_declare import change as declare
from pantheon_git.features.deps.run_dismiss import change


@click.command(
    "deps",
    help=(
        "Analyse dependencies between the cached stories: the dependency tree, waves of "
        "stories that can run in parallel, independent stories, and pairs that must not run "
        "at the same time. Saves .bmad/rally-cache/dependencies.json. --review lists the "
        "dependencies found in the texts that Rally does not have; --accept / --accept-all "
        "write them to Rally as Predecessors; --link writes the ones you read in the stories, "
        "whether or not the analysis found them; --dismiss records an inferred one the team "
        "judged wrong, so the analysis (and plan, checkout --epic) leaves it out; "
        "--dismiss-file records a file that is no conflict (a state file written at run "
        "time, a script stories only run); --conflict records two stories that change one "
        "file their texts name in words, so plan keeps them apart."
    ),
)
@click.option(
    "--epic",
    "epics",
    multiple=True,
    metavar="E",
    callback=epic_list,
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
@click.option(
    "--review",
    is_flag=True,
    help="List the inferred dependencies Rally does not have, surest first; those Rally's "
    "predecessors already order through a chain are listed apart (nothing to write).",
)
@click.option(
    "--accept",
    "accept",
    multiple=True,
    metavar="BEFORE:AFTER",
    help="Write this inferred dependency to Rally (BEFORE becomes a predecessor of AFTER); "
    "more pairs may follow it, or be separated with commas.",
)
@click.option(
    "--link",
    "link",
    multiple=True,
    metavar="BEFORE:AFTER",
    help="Write a dependency you read in the stories to Rally (BEFORE becomes a predecessor "
    "of AFTER), found by the analysis or not; more pairs may follow it.",
)
@click.option(
    "--dismiss",
    "dismiss",
    multiple=True,
    metavar="BEFORE:AFTER",
    help="Record this inferred dependency as wrong, for the whole team: the analysis leaves "
    "it out (kept in _bmad/pantheon/dismissed-deps.yaml, beside the config: commit it); "
    "more pairs may follow it.",
)
@click.option(
    "--undismiss",
    "undismiss",
    multiple=True,
    metavar="BEFORE:AFTER",
    help="Take back a dismissed dependency: the analysis infers it again if the texts "
    "suggest it; more pairs may follow it.",
)
@click.option(
    "--dismiss-file",
    "dismiss_file",
    multiple=True,
    metavar="PATH",
    help="Record this file as no conflict, for the whole team: stories that share only "
    "dismissed files may run side by side (kept in the same file as --dismiss); more paths "
    "may follow it.",
)
@click.option(
    "--undismiss-file",
    "undismiss_file",
    multiple=True,
    metavar="PATH",
    help="Take back a dismissed file: stories sharing it conflict again; more paths may follow it.",
)
@click.option(
    "--conflict",
    "conflict",
    multiple=True,
    metavar="A:B",
    help="Record that these two stories change one file and must not run at the same time, "
    "for the whole team (kept in the same file as --dismiss); more pairs may follow it.",
)
@click.option(
    "--unconflict",
    "unconflict",
    multiple=True,
    metavar="A:B",
    help="Take back a declared conflict; more pairs may follow it.",
)
@click.option(
    "--file",
    "file",
    metavar="PATH",
    help="With --conflict: the file both stories change (as the repository names it).",
)
@click.option(
    "--why",
    metavar="TEXT",
    help="With --dismiss, --dismiss-file or --conflict: why (kept with it in the file).",
)
@click.option(
    "--accept-all",
    is_flag=True,
    help="Write every inferred dependency at --min-confidence or surer (default high), "
    "except those Rally's predecessors already order through a chain.",
)
@click.option(
    "--min-confidence",
    type=click.Choice(list(INFERRED_LEVELS)),
    help="With --review or --accept-all: only edges this sure or surer "
    "(high: endpoint, table, column; medium: file or code name; low: a mention in words; "
    "hint: a guess kept out of the graph, listed only when asked for).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="With --accept / --accept-all / --link: read Rally, write nothing; with --dismiss / "
    "--undismiss (-file): check the pairs or paths, write nothing.",
)
@click.argument("more_pairs", nargs=-1, metavar="[BEFORE:AFTER | PATH]...")
@common_options
def deps(
    *,
    more_pairs: tuple[str, ...],
    epics: tuple[str, ...],
    fmt: str,
    output: Path | None,
    review: bool,
    accept: tuple[str, ...],
    link: tuple[str, ...],
    dismiss: tuple[str, ...],
    undismiss: tuple[str, ...],
    dismiss_file: tuple[str, ...],
    undismiss_file: tuple[str, ...],
    conflict: tuple[str, ...],
    unconflict: tuple[str, ...],
    file: str | None,
    why: str | None,
    accept_all: bool,
    min_confidence: str | None,
    dry_run: bool,
) -> int:
    refs = [EpicRef.parse(e) for e in epics]
    if conflict or unconflict or file is not None:
        return _declare(
            refs,
            conflict=conflict,
            unconflict=unconflict,
            more_pairs=more_pairs,
            file=file,
            why=why,
            dry_run=dry_run,
            others=bool(
                accept
                or link
                or dismiss
                or undismiss
                or dismiss_file
                or undismiss_file
                or review
                or accept_all
                or min_confidence
                or fmt != "text"
                or output is not None
            ),
        )
    by_pair = bool(accept or link or dismiss or undismiss)
    by_path = bool(dismiss_file or undismiss_file)
    if more_pairs and not (by_pair or by_path):
        raise UsageError(
            f"unexpected argument {more_pairs[0]!r}",
            hint="Pairs go after --accept, --link, --dismiss or --undismiss, paths after "
            "--dismiss-file: pantheon deps --accept US-120:US-121 US-121:US-124",
        )
    if more_pairs and by_pair and by_path:
        raise UsageError(
            f"{more_pairs[0]!r} after both pairs and paths: name each after its own option",
            hint="pantheon deps --dismiss US-1:US-2 --dismiss-file data/state.json",
        )
    if why is not None and not (dismiss or dismiss_file):
        raise UsageError(
            "--why goes with --dismiss or --dismiss-file",
            hint="pantheon deps --dismiss US-1:US-2 --why '...'",
        )
    if (undismiss or undismiss_file) and (dismiss or dismiss_file):
        raise UsageError(
            "--dismiss and --undismiss do not go together",
            hint="Dismiss some, then take others back, in two runs.",
        )
    mode = _mode(
        review=review,
        accept=accept,
        link=link,
        dismissing=bool(dismiss or undismiss) or by_path,
        accept_all=accept_all,
        min_confidence=min_confidence,
        dry_run=dry_run,
        fmt=fmt,
        output=output,
    )
    if undismiss or undismiss_file:
        mode = "undismiss"
    # --accept US-1:US-2 US-3:US-4 names both (and so do --link, --dismiss and --undismiss)
    # ... and --dismiss-file a.json b.json: what follows is paths when no pair option is given
    extra = () if by_path and not by_pair else more_pairs
    named = (*accept, *link, *dismiss, *undismiss, *extra)
    option = (
        "--link" if link else "--dismiss" if dismiss else "--undismiss" if undismiss else "--accept"
    )
    pairs = parse_pairs(named, option) if named or not by_path else []
    path_option = "--undismiss-file" if undismiss_file else "--dismiss-file"
    more_paths = () if extra else more_pairs
    paths = paths_of((*dismiss_file, *undismiss_file, *more_paths), path_option)
    return _with_app(
        lambda app: _run(
            app,
            refs,
            mode=mode,
            fmt=fmt,
            output=output,
            pairs=pairs,
            accept_all=accept_all,
            min_confidence=min_confidence,
            dry_run=dry_run,
            why=why or "",
            paths=paths,
        )
    )


def _with_app(work: Callable[[App], int]) -> int:
    """``work`` with the command's app (progress on stderr when wanted), closed after."""
    app = App.load(config_path=Ctx.config_path, warn=warn, note=info)
    if progress_enabled():
        app.progress = lambda message: echo(message, err=True)
    try:
        return work(app)
    finally:
        app.close()


def _run(
    app: App,
    refs: list[EpicRef],
    *,
    mode: str,
    fmt: str,
    output: Path | None,
    pairs: list[tuple[StoryKey, StoryKey]],
    accept_all: bool,
    min_confidence: str | None,
    dry_run: bool,
    why: str,
    paths: list[str],
) -> int:
    result = analyse_cache(app, refs)
    if mode == "review":
        found = review_of(result.analysis, result.stories, min_confidence, result.team)
        emit(found.document(), lambda: found.render(evidence=Ctx.verbose > 0))
        return 0
    if mode in ("dismiss", "undismiss"):
        changed = change(
            app,
            result.analysis,
            result.team,
            pairs,
            undo=mode == "undismiss",
            why=why,
            dry_run=dry_run,
            files=paths,
        )
        emit(changed.to_dict(), changed.render)
        return 0
    if mode in ("accept", "link"):
        done = write_chosen(
            app,
            result,
            pairs,
            link=mode == "link",
            accept_all=accept_all,
            min_confidence=min_confidence,
            epics=refs,
            dry_run=dry_run,
            progress=app.progress,
        )
        emit(
            done.to_dict(),
            lambda: render_written(
                done.written, dry_run=dry_run, cached=done.cached, overrules=done.overrules
            ),
        )
        return done.exit_code
    fmt = "json" if Ctx.json else fmt
    content = _render(result, fmt, app.root)
    if fmt == "text" and not app.config.deps_inferred:
        content += (
            "\ndeps_inferred is off: the graph holds Rally's predecessors only; "
            "`pantheon deps --review` lists what the texts suggest."
        )
    if output is None:
        emit(result.document, content)
        return 0
    write_output(output, content)
    emit(
        {**result.document, "output": str(output)},
        f"Wrote the {fmt} dependency graph to {output}",
    )
    return 0


def _mode(
    *,
    review: bool,
    accept: tuple[str, ...],
    link: tuple[str, ...],
    dismissing: bool,
    accept_all: bool,
    min_confidence: str | None,
    dry_run: bool,
    fmt: str,
    output: Path | None,
) -> str:
    """``report``, ``review``, ``accept``, ``link`` or ``dismiss`` (``--undismiss`` too);
    refuses options that do not go together."""
    if dismissing and (link or accept or accept_all or review or min_confidence):
        raise UsageError(
            "--dismiss and --undismiss do not go with --accept, --accept-all, --link, "
            "--review or --min-confidence",
            hint="Dismissing records the team's judgement; run the others apart.",
        )
    if accept and accept_all:
        raise UsageError(
            "--accept and --accept-all do not go together",
            hint="Name the pairs with --accept, or take every sure edge with --accept-all.",
        )
    if link and (accept or accept_all or review):
        raise UsageError(
            "--link does not go with --accept, --accept-all or --review",
            hint="--link writes the pairs you read, inferred or not; run the others apart.",
        )
    writing = bool(accept or link or dismissing) or accept_all
    if review and writing:
        raise UsageError(
            "--review only lists; it does not go with --accept or --accept-all",
            hint="Run --review first, then --accept the pairs you want.",
        )
    if dry_run and not writing:
        raise UsageError(
            "--dry-run goes with --accept, --accept-all, --link, --dismiss or --conflict"
        )
    if min_confidence and not (review or accept_all):
        raise UsageError("--min-confidence goes with --review or --accept-all")
    if (review or writing) and (fmt != "text" or output is not None):
        raise UsageError(
            "--format and --output are for the report, not for --review, --accept, --link "
            "or --dismiss",
            hint="Use --json for a document.",
        )
    if dismissing:
        return "dismiss"
    if link:
        return "link"
    return "review" if review else "accept" if writing else "report"


def _declare(
    refs: list[EpicRef],
    *,
    conflict: tuple[str, ...],
    unconflict: tuple[str, ...],
    more_pairs: tuple[str, ...],
    file: str | None,
    why: str | None,
    dry_run: bool,
    others: bool,
) -> int:
    """``--conflict`` / ``--unconflict``: the conflicts the team declares."""
    if others:
        raise UsageError(
            "--conflict and --unconflict do not go with --accept, --link, --dismiss, "
            "--review, --min-confidence, --format or --output",
            hint="Declaring records the team's judgement; run the others apart.",
        )
    if file is not None and not conflict:
        raise UsageError(
            "--file goes with --conflict",
            hint="pantheon deps --conflict US-1:US-2 --file docker-compose.yml",
        )
    if conflict and unconflict:
        raise UsageError(
            "--conflict and --unconflict do not go together",
            hint="Declare some, then take others back, in two runs.",
        )
    if why is not None and not conflict:
        raise UsageError(
            "--why goes with --conflict, not with --unconflict",
            hint="pantheon deps --conflict US-1:US-2 --why '...'",
        )
    option = "--conflict" if conflict else "--unconflict"
    pairs = parse_pairs((*conflict, *unconflict, *more_pairs), option, unordered=True)
    (path,) = paths_of([file], "--file") if file is not None else (None,)

    def work(app: App) -> int:
        result = analyse_cache(app, refs)
        done = declare(
            app,
            result.analysis,
            result.team,
            pairs,
            file=path,
            undo=bool(unconflict),
            why=why or "",
            dry_run=dry_run,
        )
        emit(done.to_dict(), done.render)
        return 0

    return _with_app(work)


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
