"""``pantheon hooks install --framework pre-commit`` and its undo.

Our block goes into ``.pre-commit-config.yaml`` (``features/hooks/precommit_config.py``), then
``pre-commit install`` writes its shims for the four hook types. Foreign hooks are kept:
pre-commit's migration mode runs each (as ``<hook>.legacy``) before its own, and we ask for
``--force`` before letting that happen. Our own plain hooks are removed first, or they would
run twice.
"""

from __future__ import annotations

import importlib.util
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from pantheon_git.core import safeyaml
from pantheon_git.errors import CheckFailed, ConfigError, PantheonError
from pantheon_git.features.hooks.precommit_config import (
    STAGES,
    add_block,
    config_block,
    new_config,
    pinned_repo,
    remove_block,
    runs_pantheon,
)
from pantheon_git.features.hooks.run_githooks import (
    HooksReport,
    hooks_dir,
    hooks_path_setting,
    is_ours,
    is_pre_commit_shim,
    show,
)
from pantheon_git.fsio import atomic_write_text
from pantheon_git.git.env import git_env

PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"


def check_config(text: str, path: Path) -> list[Any]:
    """The ``repos`` list of a pre-commit config (empty when there is none), or
    ``ConfigError`` when it is not a pre-commit config."""

    try:
        doc = safeyaml.load(text) or {}
    except safeyaml.YamlLimit as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: not a pre-commit configuration (expected a mapping)")
    repos = doc.get("repos") or []
    if not isinstance(repos, list):
        raise ConfigError(f"{path}: `repos:` is not a list")
    return repos


def pre_commit_argv() -> list[str] | None:
    """How to run pre-commit: this interpreter's module, else the command on PATH."""

    if importlib.util.find_spec("pre_commit") is not None:
        return [sys.executable, "-m", "pre_commit"]
    found = shutil.which("pre-commit")
    return [found] if found else None


def install_pre_commit(
    root: Path, *, force: bool = False, repo: str | None = None, rev: str | None = None
) -> HooksReport:
    runner = pre_commit_argv()
    if runner is None:
        raise ConfigError(
            "pre-commit is not installed",
            hint="`pip install pre-commit`, or use the plain hooks: "
            "`pantheon hooks install --framework git`.",
        )
    if hooks_path_setting(root):
        raise ConfigError(
            f"core.hooksPath is set ({hooks_path_setting(root)}): pre-commit refuses to install",
            hint="Use `pantheon hooks install --framework git` (it writes into that folder), "
            "or `git config --unset-all core.hooksPath` first.",
        )
    folder = hooks_dir(root)
    report = HooksReport("install", "pre-commit", hooks_dir=show(folder, root))
    ours = [s for s in STAGES if (folder / s).exists() and is_ours(folder / s)]
    foreign = [
        s
        for s in STAGES
        if (folder / s).exists() and not is_ours(folder / s) and not is_pre_commit_shim(folder / s)
    ]
    if foreign and not force:
        raise CheckFailed(
            f"{show(folder, root)} already has hooks that are not pantheon's or pre-commit's: "
            f"{', '.join(foreign)}",
            hint="Run `pantheon hooks install --framework pre-commit --force`: pre-commit keeps "
            "each as <hook>.legacy and runs it first.",
        )
    path = root / PRE_COMMIT_CONFIG
    block = config_block(repo, rev)
    report.config_file = PRE_COMMIT_CONFIG
    if path.exists():
        text = path.read_text(encoding="utf-8")
        updated = _with_block(text, check_config(text, path), block, report, pinning=bool(repo))
        check_config(updated, path)
        report.config_change = "unchanged" if updated == text else "updated"
    else:
        updated = new_config(block)
        report.config_change = "created"
    for stage in ours:  # our plain hooks would run twice under pre-commit's migration mode
        (folder / stage).unlink()
        report.removed.append(stage)
    if report.config_change != "unchanged":
        atomic_write_text(path, updated)
    argv = [*runner, "install", "--config", PRE_COMMIT_CONFIG]
    for stage in STAGES:
        argv += ["--hook-type", stage]
    _run(argv, root, "pre-commit install")
    report.written = list(STAGES)
    report.kept_aside = [f"{s}.legacy" for s in foreign]
    report.notes.append(
        "pre-commit adds about 0.2 s to every commit, push and checkout; the plain hooks "
        "(`--framework git`) skip that"
    )
    report.undo = "pantheon hooks uninstall --framework pre-commit"
    return report


def _with_block(
    text: str, repos: list[Any], block: str, report: HooksReport, *, pinning: bool
) -> str:
    """The team's config with our ``block`` in it (in place of an earlier one of ours)."""
    current = remove_block(text)
    if current is None and runs_pantheon(text, repos):
        # the team wrote pantheon-git's hooks into their config by hand: a block of ours
        # beside them would run every hook twice, so the file stays as it is
        report.notes.append(
            f"{PRE_COMMIT_CONFIG} already runs pantheon's hooks: left as it is"
            + (" (--repo/--rev not applied: change its pantheon-git item)" if pinning else "")
        )
        return text
    if not pinning and pinned_repo(text):
        return text  # the team pinned a pantheon-git release: it stays as they set it
    updated = add_block(current if current is not None else text, block)
    if updated is None:
        raise CheckFailed(
            f"cannot add pantheon's hooks to {PRE_COMMIT_CONFIG} by appending to its `repos:` list",
            hint="Add this item to `repos:` yourself, then run `pantheon hooks install "
            f"--framework pre-commit` again:\n{block}",
        )
    return updated


def uninstall_pre_commit(root: Path) -> HooksReport:
    folder = hooks_dir(root)
    report = HooksReport("uninstall", "pre-commit", hooks_dir=show(folder, root))
    path = root / PRE_COMMIT_CONFIG
    report.config_file = PRE_COMMIT_CONFIG
    if not path.exists():
        report.config_change = "not found"
        return report
    text = path.read_text(encoding="utf-8")
    remaining = remove_block(text)
    if remaining is None:
        report.config_change = "no pantheon hooks in it"
        return report
    repos = check_config(remaining, path)
    runner = pre_commit_argv()
    if not repos:
        path.unlink()
        report.config_change = "removed (it held only pantheon's hooks)"
        if runner is not None:
            argv = [*runner, "uninstall"]
            for stage in STAGES:
                argv += ["--hook-type", stage]
            _run(argv, root, "pre-commit uninstall")
            report.removed = list(STAGES)
    else:
        atomic_write_text(path, remaining)
        report.config_change = "pantheon's hooks removed"
        report.notes.append(
            "pre-commit's hook scripts stay for your other hooks "
            "(`pre-commit uninstall --hook-type <type>` removes one)"
        )
    return report


def _run(argv: list[str], root: Path, what: str) -> None:

    proc = subprocess.run(
        argv, cwd=root, capture_output=True, text=True, env=git_env(), check=False
    )
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise PantheonError(
            f"`{what}` failed: {detail[-1] if detail else f'exit code {proc.returncode}'}",
            hint=f"Run `{shlex.join(argv)}` to see why.",
        )
