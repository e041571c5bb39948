"""``pantheon mcp``: the MCP server for AI agents (entry layer: parse, serve, exit code)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pantheon_git.cli._common import Ctx, common_options
from pantheon_git.errors import ConfigError, UsageError

EXTRA = "pip install 'pantheon-git[mcp]'"


@click.command("mcp")
@click.option(
    "--http",
    is_flag=True,
    help="Serve streamable HTTP on 127.0.0.1 instead of stdio (for clients that only speak HTTP).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="With --http: the port (0: any free one; the address is printed).",
)
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    help="The repository to serve (default: the current directory).",
)
@common_options
def mcp(http: bool, port: int, repo: Path | None) -> None:
    """Serve the workflows to AI agents over MCP (Model Context Protocol).

    Tools (sync, status, checkout, release, renew, deps, plan, conflicts, complete, metrics,
    doctor, migrate), the seed's workflows as prompts (rally-sync, rally-checkout, ...) and
    the cache as resources. An MCP client starts it: `pantheon init --agents` writes
    .mcp.json for Claude Code; docs/mcp.md has the other clients. Each agent runs its own
    server; the lock protocol keeps them apart. Needs the mcp extra.
    """

    try:
        # lazy: the SDK is an optional extra, loaded only to serve
        from pantheon_git.features.mcp import run_server
    except ImportError as exc:
        if exc.name is not None and exc.name.split(".")[0] != "mcp":
            raise
        raise ConfigError(
            f"pantheon mcp needs the MCP SDK: run `{EXTRA}`",
            hint="The mcp extra installs the official MCP Python SDK; hooks never need it.",
        ) from None
    root = (repo or Path.cwd()).resolve()
    if not root.is_dir():
        raise UsageError(f"--repo: no such folder: {root}")
    if repo is not None:
        os.chdir(root)  # relative paths in tool arguments mean the served repository
    served = run_server.Served(root=root, config_path=Ctx.config_path, verbose=Ctx.verbose > 0)
    if http:
        run_server.serve_http(served, port, _announce)
        return
    if sys.stdin.isatty():
        click.echo(
            "pantheon mcp: serving MCP on stdin/stdout; an MCP client starts this "
            "(see docs/mcp.md). Ctrl-C stops it.",
            err=True,
        )
    run_server.serve_stdio(served)


def _announce(url: str) -> None:
    click.echo(f"pantheon MCP server listening on {url}")
    sys.stdout.flush()
