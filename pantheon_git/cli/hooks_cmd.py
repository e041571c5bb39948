"""``pantheon hooks install|uninstall``."""

from __future__ import annotations

from pathlib import Path

import click

from pantheon_git.cli._common import common_options, emit
from pantheon_git.features.hooks import run_install
from pantheon_git.features.hooks.report import render_hooks
from pantheon_git.git.command import require_toplevel


@click.group("hooks")
def hooks() -> None:
    """Set up (or remove) pantheon's git hooks in this repository.

    The hooks check your story lock on commit, put the story key in commit messages, check
    the lock and overlaps before push, and say who holds a story branch you switch to.
    """


@hooks.command("install")
@click.option(
    "--framework",
    type=click.Choice(["git", "pre-commit"]),
    default=None,
    help="git: plain hook scripts (the fast path). pre-commit: a block in "
    ".pre-commit-config.yaml, then `pre-commit install`. Default: pre-commit when the "
    "repository's .pre-commit-config.yaml already runs pantheon's hooks (or with --repo), "
    "else git.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Install even where hooks that are not pantheon's exist: a plain hook is kept as "
    "<hook>.pre-pantheon (uninstall puts it back); pre-commit keeps it as <hook>.legacy.",
)
@click.option(
    "--repo",
    metavar="URL",
    help="With --framework pre-commit: use the pantheon-git repository at URL (its "
    ".pre-commit-hooks.yaml) instead of local hooks calling the installed `pantheon`.",
)
@click.option("--rev", metavar="REV", help="With --repo: the tag or commit to use.")
@common_options
def install(framework: str | None, force: bool, repo: str | None, rev: str | None) -> int:
    """Install the hooks: pre-commit, commit-msg, pre-push, post-checkout.

    Also writes a commit-graph when the clone has none (faster overlap checks).
    `pantheon hooks uninstall` undoes it.
    """

    root = require_toplevel(Path.cwd())
    doc = run_install.install(root, framework=framework, force=force, repo=repo, rev=rev).to_dict()
    emit(doc, lambda: render_hooks(doc))
    return 0


@hooks.command("uninstall")
@click.option(
    "--framework",
    type=click.Choice(["git", "pre-commit"]),
    default=None,
    help="Remove only this kind (default: whichever pantheon installed).",
)
@common_options
def uninstall(framework: str | None) -> int:
    """Remove pantheon's hooks; hooks kept aside by `install --force` come back."""

    root = require_toplevel(Path.cwd())
    doc = run_install.uninstall(root, framework=framework).to_dict()
    emit(doc, lambda: render_hooks(doc))
    return 0
