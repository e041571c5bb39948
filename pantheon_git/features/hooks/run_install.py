"""``pantheon hooks install`` / ``uninstall``: set the hooks up in the current repository.

Two ways, both calling ``pantheon hook STAGE``:

- ``git``: small scripts in the repository's hooks folder (``run_githooks.py``);
- ``pre-commit``: a block in ``.pre-commit-config.yaml`` (local ``system`` hooks calling
  ``pantheon``, or the pantheon-git repository at a given rev), then ``pre-commit install`` for
  the four hook types (``run_precommit.py``).

Hooks that are not ours are never overwritten: without ``--force`` the install stops and names
them; with ``--force`` a plain hook is kept as ``<hook>.pre-pantheon`` (and put back by
``uninstall``), and under pre-commit it runs first in pre-commit's migration mode. Everything
ours carries a marker line, which is how ``uninstall`` finds it.
"""

from __future__ import annotations

from pathlib import Path

from pantheon_git.errors import ConfigError, GitError, UsageError
from pantheon_git.features.hooks.precommit_config import STAGES, remove_block, runs_pantheon
from pantheon_git.features.hooks.run_githooks import (
    HooksReport,
    hooks_dir,
    install_git,
    uninstall_git,
)
from pantheon_git.features.hooks.run_precommit import (
    PRE_COMMIT_CONFIG,
    check_config,
    install_pre_commit,
    pre_commit_argv,
    uninstall_pre_commit,
)
from pantheon_git.git.commitgraph import ensure_commit_graph

FRAMEWORKS = ("git", "pre-commit")


def install(
    root: Path,
    *,
    framework: str | None = None,
    force: bool = False,
    repo: str | None = None,
    rev: str | None = None,
) -> HooksReport:
    """``framework`` None: whichever the repository already uses (see :func:`choose`)."""
    chosen = framework or choose(root, pinned=bool(repo or rev))
    report = _install(root, chosen, force=force, repo=repo, rev=rev)
    if framework is None and chosen == "pre-commit":
        report.notes.insert(
            0,
            f"{PRE_COMMIT_CONFIG} runs pantheon's hooks, so they were installed through "
            "pre-commit, with the team's other hooks (`--framework git` for plain hooks)",
        )
    return report


def choose(root: Path, *, pinned: bool = False) -> str:
    """pre-commit when ``--repo``/``--rev`` ask for it, or when the repository's (usually
    committed) ``.pre-commit-config.yaml`` already runs pantheon's hooks: plain hooks there
    would skip the team's other pre-commit hooks. Otherwise the plain git hooks."""
    if pinned:
        return "pre-commit"
    path = root / PRE_COMMIT_CONFIG
    try:
        text = path.read_text(encoding="utf-8")
        repos = check_config(text, path)
    except (OSError, UnicodeDecodeError, ConfigError):
        return "git"  # no config, or one pre-commit could not run either
    if runs_pantheon(text, repos) and pre_commit_argv() is not None:
        return "pre-commit"
    return "git"


def _install(
    root: Path, framework: str, *, force: bool, repo: str | None, rev: str | None
) -> HooksReport:
    if framework not in FRAMEWORKS:
        raise UsageError(f"unknown framework {framework!r}: use git or pre-commit")
    if framework == "git":
        if repo or rev:
            raise UsageError("--repo and --rev go with --framework pre-commit")
        report = install_git(root, force=force)
    else:
        report = install_pre_commit(root, force=force, repo=repo, rev=rev)
    report.commit_graph = commit_graph(root)
    return report


def uninstall(root: Path, *, framework: str | None = None) -> HooksReport:
    """Undo ``install``; without ``framework``, whichever is installed (both if both)."""
    if framework == "git":
        return uninstall_git(root)
    if framework == "pre-commit":
        return uninstall_pre_commit(root)
    report = uninstall_git(root)
    config = root / PRE_COMMIT_CONFIG
    # the config is often the team's, in git: only a clone that runs pre-commit's shims has
    # pantheon installed through it (plain hooks beside a shared config leave the file alone)
    if (
        _pre_commit_shims(root)
        and config.exists()
        and remove_block(config.read_text(encoding="utf-8")) is not None
    ):
        other = uninstall_pre_commit(root)
        other.removed = sorted({*report.removed, *other.removed})
        other.restored = report.restored
        return other
    return report


def _pre_commit_shims(root: Path) -> bool:
    """Whether pre-commit's hook scripts (they call ``hook-impl``) are in the hooks folder."""
    folder = hooks_dir(root)
    for stage in STAGES:
        try:
            if "hook-impl" in (folder / stage).read_text(encoding="utf-8", errors="replace"):
                return True
        except OSError:
            continue
    return False


def commit_graph(root: Path) -> str:
    """Write a commit-graph when the clone has none (merge bases ~10x faster)."""
    try:
        written = ensure_commit_graph(root, timeout=120)
    except GitError as exc:
        return f"not written ({exc.message}); run `git maintenance start`"
    return "written" if written else "present"
