"""The click application. Entry layer only: parse, call one use case, render, exit code.

Commands are registered in :data:`COMMANDS` and imported lazily, so ``pantheon --help`` and
each command only pay for the modules they use.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import click

from pantheon_git import __version__, errors
from pantheon_git.cli._common import Ctx, common_options

# name -> (module, attribute, one-line help shown by `pantheon --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "ci": (
        "pantheon_git.cli.ci_cmd",
        "command",
        "Update Rally from a GitHub event (the Action's entry).",
    ),
    "complete": (
        "pantheon_git.cli.complete_cmd",
        "command",
        "Send a story to Code Review: SHA, coverage, unlock, note.",
    ),
    "batch": (
        "pantheon_git.cli.batch_cmd",
        "batch",
        "Take several stories at once: check locks, lock the free ones.",
    ),
    "checkout": ("pantheon_git.cli.checkout_cmd", "checkout", "Lock a story and start its branch."),
    "conflicts": ("pantheon_git.cli.conflicts_cmd", "conflicts", "Overlapping story branches."),
    "deps": ("pantheon_git.cli.deps_cmd", "deps", "Dependency graph, waves, independent stories."),
    "demo": (
        "pantheon_git.cli.demo_cmd",
        "demo",
        "The whole workflow on a built-in Rally emulator (start here).",
    ),
    "doctor": (
        "pantheon_git.cli.doctor_cmd",
        "doctor",
        "Check config, Rally, custom fields, identity, hooks, cache.",
    ),
    "hooks": ("pantheon_git.cli.hooks_cmd", "hooks", "Install or remove the git hooks."),
    "init": ("pantheon_git.cli.init_cmd", "init", "Write _bmad/pantheon/config.yaml (commented)."),
    "mcp": (
        "pantheon_git.cli.mcp_cmd",
        "mcp",
        "Serve the workflows to AI agents over MCP (needs the mcp extra).",
    ),
    "metrics": (
        "pantheon_git.cli.metrics_cmd",
        "metrics",
        "The seed's six success metrics, with targets.",
    ),
    "migrate": ("pantheon_git.cli.migrate_cmd", "migrate", "Migrate BMAD stories into Rally."),
    "plan": ("pantheon_git.cli.plan_cmd", "plan", "Plan workstreams: lanes, waves, critical path."),
    "release": ("pantheon_git.cli.checkout_cmd", "release", "Give back a story you hold."),
    "renew": ("pantheon_git.cli.checkout_cmd", "renew", "Extend the lock on a story you hold."),
    "rally": ("pantheon_git.cli.rally_cmd", "rally", "A local Rally WSAPI emulator (rally serve)."),
    "status": ("pantheon_git.cli.status_cmd", "status", "The board and Rally/git drift, offline."),
    "sync": ("pantheon_git.cli.sync_cmd", "sync", "Pull Rally epics and stories into the cache."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module = importlib.import_module(spec[0])
        command = getattr(module, spec[1])
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in sorted(COMMANDS)]
        rows += [(n, c.get_short_help_str(80)) for n, c in sorted(self.commands.items())]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(sorted(rows))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="pantheon")
@common_options
def app() -> None:
    """Rally-driven parallel development for teams of 12+ developers.

    Rally stays the source of truth; git hooks and a GitHub Action keep it true.
    Run `pantheon demo` to see the whole workflow on a built-in Rally emulator.
    """


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    Ctx.reset()

    def run() -> int | None:
        try:
            result = app.main(args=args, prog_name="pantheon", standalone_mode=False)
        except click.exceptions.Exit as exc:
            return exc.exit_code
        except click.ClickException as exc:
            exc.show()
            if Ctx.json_mode() or "--json" in args:  # --json: one document, even for these
                _usage_json(exc)
            return exc.exit_code
        except click.exceptions.Abort as exc:
            raise KeyboardInterrupt from exc
        return result if isinstance(result, int) else None

    return errors.boundary(run, verbose=Ctx.verbosity, json_mode=Ctx.json_mode)


def _usage_json(exc: click.ClickException) -> None:
    """The JSON document of an error click found in the arguments (stdout; its usage lines
    went to stderr)."""
    import json  # lazy: only for a usage error under --json

    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "pantheon"
    hint = f"Run `{where} --help` for the arguments it takes."
    doc = {"error": {"message": exc.format_message(), "hint": hint, "exit_code": exc.exit_code}}
    click.echo(json.dumps(doc))
