"""``pantheon init``: entry layer only (parse, call the use case, render, exit code)."""

from __future__ import annotations

from pathlib import Path

import click

from pantheon_git.cli._common import common_options, emit
from pantheon_git.features.init.run import (
    HOOKS_COMMAND,
    InitOutcome,
    InitRequest,
    next_steps,
    run_init,
    shown,
)

RULE = "━" * 47


@click.command("init")
@click.option("--workspace", metavar="NAME", help="Rally workspace (name or ObjectID) to write.")
@click.option("--project", metavar="NAME", help="Rally project (name or ObjectID) to write.")
@click.option(
    "--rally-url",
    metavar="URL",
    help="Rally's address to write, e.g. https://rally1.rallydev.com (the default).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace an existing config (the old one is kept as config.yaml.bak).",
)
@click.option(
    "--hooks",
    is_flag=True,
    help="Also install the git hooks, as `pantheon hooks install` does.",
)
@click.option(
    "--agents",
    is_flag=True,
    help="Also set the repository up for AI agents: write .mcp.json (Claude Code starts "
    "`pantheon mcp` from it) and install the git hooks.",
)
@common_options
def init(
    *,
    workspace: str | None,
    project: str | None,
    rally_url: str | None,
    force: bool,
    hooks: bool,
    agents: bool,
) -> int:
    """Set up pantheon in this repository: write _bmad/pantheon/config.yaml.

    The file is commented: the seed's settings as live lines, every other setting with its
    default. Also adds .bmad/ (the local Rally cache) to .gitignore. Never overwrites an
    existing config without --force. Runs without questions, so scripts and agents can use it.
    """

    outcome = run_init(
        Path.cwd(),
        InitRequest(
            workspace=workspace,
            project=project,
            rally_url=rally_url,
            force=force,
            hooks=hooks,
            agents=agents,
        ),
    )
    emit(outcome.to_dict(), lambda: render_init(outcome))
    return 1 if outcome.hooks == "failed" else 0


def render_init(outcome: InitOutcome) -> str:
    config = shown(outcome.config_path, outcome.root)
    title = "Pantheon Already Set Up" if outcome.action == "kept" else "Pantheon Initialized"
    lines = [title, RULE]
    if outcome.action == "kept":
        lines.append(f"✅ Config kept: {config} (pass --force to write a new one)")
    else:
        verb = "written" if outcome.action == "written" else "rewritten"
        lines.append(f"✅ Config {verb}: {config}")
        if outcome.backup:
            lines.append(f"   The old one is kept as {shown(outcome.backup, outcome.root)}")
        for key, value in sorted(outcome.prefilled.items()):
            lines.append(f"   {key}: {value}")
    if outcome.gitignore_added:
        lines.append("✅ .gitignore: .bmad/ added (the local Rally cache stays out of git)")
    else:
        lines.append("✅ .gitignore already keeps .bmad/ out of git")
    if outcome.hooks == "offered":
        lines.append(f"➡️  Git hooks: run `{HOOKS_COMMAND}` (or `pantheon init --hooks`)")
    elif outcome.hooks == "failed":
        lines.append(f"❌ Git hooks not installed: {outcome.hooks_detail}")
    else:
        lines.append(f"✅ Git hooks installed: {outcome.hooks_detail}")
    if outcome.agents is not None:
        verb = {"kept": "already serves pantheon", "written": "written"}.get(
            outcome.agents, outcome.agents
        )
        lines.append(f"✅ .mcp.json {verb}: MCP clients start `pantheon mcp` from it")
    lines += ["", "Next:"]
    lines += [f"  {n}. {step}" for n, step in enumerate(next_steps(outcome), 1)]
    return "\n".join(lines)
