"""``pantheon rally serve``: the local Rally WSAPI emulator."""

from __future__ import annotations

import json
import shlex
import signal
import sys
import threading
from types import FrameType

import click

from pantheon_git.cli._common import Ctx, common_options
from pantheon_git.errors import UsageError
from pantheon_git.rally.emulator.server import start
from pantheon_git.rally.emulator.workspace import (
    CONFLICT_TEXTS,
    LINK_TOUCHES,
    PRECISIONS,
    TASK_TOUCHES,
    BadSetting,
    WorkspaceSettings,
    parse_max_length,
)


@click.group("rally")
@common_options
def rally() -> None:
    """A local Rally: a WSAPI v2.0 emulator for tests, demos and tool authors."""


@rally.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port to listen on; 0 picks a free one (printed on the first line).",
)
@click.option(
    "--data",
    type=click.Path(dir_okay=False),
    default=None,
    help="SQLite file that keeps the data across restarts (default: in memory).",
)
@click.option(
    "--api-key", default="demo", show_default=True, help="The API key (ZSESSIONID) accepted."
)
@click.option(
    "--user", default=None, help="Email of the key's user (default: the seed's first user)."
)
@click.option(
    "--workspace",
    default=None,
    help="Workspace name (default: the seed's, or 'Emulator Workspace').",
)
@click.option(
    "--project", default=None, help="Project name (default: the seed's, or 'Emulator Project')."
)
@click.option(
    "--seed",
    type=click.Choice(["demo"]),
    default=None,
    help="Load the demo backlog (once per data file).",
)
@click.option(
    "--no-custom-fields",
    is_flag=True,
    help="Start without the c_ fields on HierarchicalRequirement (to test `pantheon doctor`).",
)
@click.option(
    "--latency-ms",
    type=click.FloatRange(0),
    default=0,
    show_default=True,
    help="Delay added to every reply.",
)
@click.option(
    "--jitter-ms",
    type=click.FloatRange(0),
    default=0,
    show_default=True,
    help="Random extra delay, 0..N ms.",
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0, 1),
    default=0,
    show_default=True,
    help="Fraction of requests failing as Rally fails: conflict, 502/503/524, dropped connection.",
)
@click.option(
    "--fault-seed", type=int, default=None, help="Make the injected failures reproducible."
)
@click.option(
    "--date-precision",
    type=click.Choice(PRECISIONS),
    default="day",
    show_default=True,
    help="What custom DATE fields keep of a time written to them (Rally's is unknown).",
)
@click.option(
    "--task-rollup/--no-task-rollup",
    default=True,
    show_default=True,
    help="Task states set their story's ScheduleState, as Rally does by default.",
)
@click.option("--state-before", default=None, help="An extra ScheduleState before Defined.")
@click.option("--state-after", default=None, help="An extra ScheduleState after Accepted.")
@click.option(
    "--max-length",
    "max_length",
    multiple=True,
    metavar="FIELD=N",
    help="MaxLength of a field (repeatable), e.g. c_LockToken=64.",
)
@click.option(
    "--conflict-text",
    type=click.Choice(CONFLICT_TEXTS),
    default="concurrency",
    show_default=True,
    help="How overlapping writes are refused (Rally uses both texts).",
)
@click.option(
    "--task-touch",
    type=click.Choice(TASK_TOUCHES),
    default="version",
    show_default=True,
    help="What a task's change moves on its story: VersionId and LastUpdateDate, or the date.",
)
@click.option(
    "--link-touch",
    type=click.Choice(LINK_TOUCHES),
    default="both",
    show_default=True,
    help="Whom linking two stories (Predecessors, Successors) stamps: both, or only the story "
    "whose collection was written.",
)
@common_options
def serve(
    *,
    host: str,
    port: int,
    data: str | None,
    api_key: str,
    user: str | None,
    workspace: str | None,
    project: str | None,
    seed: str | None,
    no_custom_fields: bool,
    latency_ms: float,
    jitter_ms: float,
    fault_rate: float,
    fault_seed: int | None,
    date_precision: str,
    task_rollup: bool,
    state_before: str | None,
    state_after: str | None,
    max_length: tuple[str, ...],
    conflict_text: str,
    task_touch: str,
    link_touch: str,
) -> None:
    """Serve the emulator until SIGTERM or Ctrl-C.

    The first line on stdout is `Rally emulator listening on http://HOST:PORT` (with --json, a
    JSON object with url, workspace, project, api_key and data); the third line exports
    RALLY_URL, RALLY_API_KEY, RALLY_WORKSPACE and RALLY_PROJECT for a client. Test helpers
    live under /_emulator/ (stats, reset, config, seed, workspace).
    """
    try:
        settings = WorkspaceSettings(
            date_precision=date_precision,
            task_rollup=task_rollup,
            state_before=state_before,
            state_after=state_after,
            max_length=parse_max_length(max_length),
            conflict_text=conflict_text,
            task_touch=task_touch,
            link_touch=link_touch,
        )
    except BadSetting as exc:
        raise UsageError(str(exc)) from None
    try:
        handle = start(
            host=host,
            port=port,
            data=data,
            api_key=api_key,
            user=user,
            workspace=workspace,
            project=project,
            seed=seed,
            custom_fields={} if no_custom_fields else None,
            latency_ms=latency_ms,
            jitter_ms=jitter_ms,
            fault_rate=fault_rate,
            fault_seed=fault_seed,
            settings=settings,
            verbose=Ctx.verbose > 0,  # -v logs every request on stderr
        )
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="Choose another port with --port, or --port 0 for any free one.",
        ) from exc
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if Ctx.json:  # one JSON document, on one line, instead of the two report lines
            doc = {
                "url": handle.url,
                "workspace": handle.workspace,
                "project": handle.project,
                "api_key": api_key,
                "data": data,
            }
            click.echo(json.dumps(doc))
        else:
            click.echo(f"Rally emulator listening on {handle.url}")
            click.echo(
                f"workspace {handle.workspace!r}, project {handle.project!r}, "
                + (f"data {data}" if data else "in memory")
            )
            click.echo(  # the emulator's own key, chosen on this command line: no secret
                f"export RALLY_URL={shlex.quote(handle.url)} RALLY_API_KEY={shlex.quote(api_key)}"
                f" RALLY_WORKSPACE={shlex.quote(handle.workspace)}"
                f" RALLY_PROJECT={shlex.quote(handle.project)}"
            )
        sys.stdout.flush()
        while not stop.wait(0.2):
            pass
    finally:
        handle.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
