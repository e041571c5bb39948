"""Options every command shares (``--json``, ``-v``, ``--config``) and output helpers."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from pantheon_git.errors import redact
from pantheon_git.safetext import for_json, for_output

F = TypeVar("F", bound=Callable[..., Any])


class Ctx:
    """Process-wide output state. One command runs per process; tests reset it through main()."""

    json: bool = False
    verbose: int = 0
    config_path: Path | None = None

    @classmethod
    def reset(cls) -> None:
        cls.json, cls.verbose, cls.config_path = False, 0, None

    @classmethod
    def verbosity(cls) -> int:
        return cls.verbose

    @classmethod
    def json_mode(cls) -> bool:
        return cls.json


def _set_json(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        Ctx.json = True


def _set_verbose(ctx: click.Context, param: click.Parameter, value: int) -> None:
    Ctx.verbose += value


def _set_config(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        Ctx.config_path = Path(value)


def common_options(func: F) -> F:
    """``--json``, ``-v`` and ``--config``, accepted before or after the command name."""
    func = click.option(
        "--json",
        "json_",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_json,
        help="Print one JSON document on stdout instead of the report.",
    )(func)
    func = click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        is_eager=True,
        callback=_set_verbose,
        help="More detail on stderr: Rally warnings, timings, and a traceback on errors.",
    )(func)
    return click.option(
        "--config",
        "config_",
        type=click.Path(dir_okay=False),
        envvar="PANTHEON_CONFIG",
        expose_value=False,
        is_eager=True,
        callback=_set_config,
        help="Config file (default: _bmad/pantheon/config.yaml in the repository).",
    )(func)


def epic_list(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    """``--epic 17,18,19`` (the seed's form) and ``--epic 17 --epic 18`` alike."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def emit(data: Mapping[str, Any] | list[Any], text: str | Callable[[], str]) -> None:
    """Print the JSON document with ``--json``, else the human report."""
    if Ctx.json:
        click.echo(for_json(json.dumps(data, indent=2, default=str, ensure_ascii=False)))
    else:
        echo(text() if callable(text) else text)


def echo(text: str, *, err: bool = False) -> None:
    """Print text that may hold what Rally or a payload said: secrets masked, control
    characters shown as escapes, no line a CI runner could take for a workflow command."""
    click.echo(for_output(redact(text)), err=err)


def warn(message: str) -> None:
    echo(f"warning: {message}", err=True)


def info(message: str) -> None:
    """A detail line shown with -v (stderr, so --json stdout stays clean)."""
    if Ctx.verbose:
        echo(message, err=True)


def progress_enabled() -> bool:
    return sys.stderr.isatty()
