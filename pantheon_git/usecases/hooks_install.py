"""``pantheon hooks install`` / ``uninstall``: set the hooks up in the current repository.

Two ways, both calling ``pantheon hook STAGE``:

- ``git``: small scripts in the repository's hooks folder (``core.hooksPath`` when set, else
  ``.git/hooks``). The fast path: no framework start-up on every commit.
- ``pre-commit``: a block in ``.pre-commit-config.yaml`` (local ``system`` hooks calling
  ``pantheon``, or the pantheon-git repository at a given rev), then ``pre-commit install`` for
  the four hook types.

Hooks that are not ours are never overwritten: without ``--force`` the install stops and names
them; with ``--force`` a plain hook is kept as ``<hook>.pre-pantheon`` (and put back by
``uninstall``), and under pre-commit it runs first in pre-commit's migration mode. Everything
ours carries a marker line, which is how ``uninstall`` finds it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pantheon_git.adapters import git
from pantheon_git.adapters.fsio import atomic_write_text
from pantheon_git.errors import CheckFailed, ConfigError, GitError, PantheonError, UsageError

STAGES = ("pre-commit", "commit-msg", "pre-push", "post-checkout")
HOOK_IDS = {
    "pre-commit": "pantheon-lock",
    "commit-msg": "pantheon-commit-msg",
    "pre-push": "pantheon-pre-push",
    "post-checkout": "pantheon-post-checkout",
}
MARKER = "pantheon-git hook"
BACKUP_SUFFIX = ".pre-pantheon"
BLOCK_START = "# >>> pantheon-git hooks (pantheon hooks install; pantheon hooks uninstall removes)"
BLOCK_END = "# <<< pantheon-git hooks"
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
FRAMEWORKS = ("git", "pre-commit")


@dataclass
class HooksReport:
    action: str
    """install | uninstall"""
    framework: str
    hooks_dir: str | None = None
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept_aside: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    config_file: str | None = None
    config_change: str | None = None
    commit_graph: str | None = None
    notes: list[str] = field(default_factory=list)
    undo: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# --- where things are -----------------------------------------------------------------------


def hooks_dir(root: Path) -> Path:
    """Where git looks for hooks: ``core.hooksPath`` when set, else ``<git dir>/hooks``."""
    out = git.run_git(["rev-parse", "--git-path", "hooks"], cwd=root).strip()
    path = Path(out)
    return path if path.is_absolute() else root / path


def hooks_path_setting(root: Path) -> str | None:
    return git.config_get("core.hooksPath", cwd=root)


def pantheon_command() -> str:
    """The ``pantheon`` of this installation (a venv need not be active when git runs the
    hook), else ``pantheon`` from PATH."""
    scripts = sysconfig.get_path("scripts")
    candidate = Path(scripts) / "pantheon" if scripts else None
    if candidate is not None and candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return shutil.which("pantheon") or "pantheon"


def script(stage: str, command: str) -> str:
    """A plain hook: the branch names and messages git passes are never put in shell code."""
    return (
        "#!/bin/sh\n"
        f"# {MARKER}: written by `pantheon hooks install`; `pantheon hooks uninstall` removes it\n"
        f"PANTHEON={shlex.quote(command)}\n"
        '[ -x "$PANTHEON" ] || PANTHEON=pantheon\n'
        f'exec "$PANTHEON" hook {stage} "$@"\n'
    )


def is_ours(path: Path) -> bool:
    try:
        head = path.read_bytes()[:400]
    except OSError:
        return False
    return MARKER.encode() in head


def _is_pre_commit_shim(path: Path) -> bool:
    """The script ``pre-commit install`` writes (it runs ``pre_commit hook-impl``)."""
    try:
        text = path.read_bytes()
    except OSError:
        return False
    return b"hook-impl" in text and b"pre-commit" in text


# --- plain git hooks ------------------------------------------------------------------------


def install_git(root: Path, *, force: bool = False, command: str | None = None) -> HooksReport:
    folder = hooks_dir(root)
    report = HooksReport("install", "git", hooks_dir=_show(folder, root))
    foreign = [s for s in STAGES if (folder / s).exists() and not is_ours(folder / s)]
    if foreign and not force:
        names = ", ".join(foreign)
        shim = any(_is_pre_commit_shim(folder / s) for s in foreign)
        raise CheckFailed(
            f"{_show(folder, root)} already has hooks that are not pantheon's: {names}",
            hint=(
                "They are pre-commit's: use `pantheon hooks install --framework pre-commit`, "
                "or `pantheon hooks install --force` to keep them aside as <hook>"
                f"{BACKUP_SUFFIX}."
                if shim
                else f"Run `pantheon hooks install --force` to keep them as <hook>{BACKUP_SUFFIX} "
                "(`pantheon hooks uninstall` puts them back), or chain them yourself."
            ),
        )
    for stage in foreign:
        backup = folder / f"{stage}{BACKUP_SUFFIX}"
        if backup.exists():
            raise CheckFailed(
                f"both {stage} and {backup.name} exist in {_show(folder, root)}",
                hint="Move one of them away, then run `pantheon hooks install --force` again.",
            )
    folder.mkdir(parents=True, exist_ok=True)
    text_of = {s: script(s, command or pantheon_command()) for s in STAGES}
    for stage in foreign:
        os.replace(folder / stage, folder / f"{stage}{BACKUP_SUFFIX}")
        report.kept_aside.append(stage)
    for stage in STAGES:
        path = folder / stage
        if path.exists() and path.read_text(errors="replace") == text_of[stage]:
            report.unchanged.append(stage)
            continue
        atomic_write_text(path, text_of[stage])
        path.chmod(0o755)
        report.written.append(stage)
    report.undo = "pantheon hooks uninstall"
    return report


def uninstall_git(root: Path) -> HooksReport:
    folder = hooks_dir(root)
    report = HooksReport("uninstall", "git", hooks_dir=_show(folder, root))
    for stage in STAGES:
        path = folder / stage
        if path.exists() and is_ours(path):
            path.unlink()
            report.removed.append(stage)
        backup = folder / f"{stage}{BACKUP_SUFFIX}"
        if backup.exists() and not path.exists():
            os.replace(backup, path)
            report.restored.append(stage)
    return report


# --- the pre-commit framework ---------------------------------------------------------------


def config_block(repo: str | None = None, rev: str | None = None) -> str:
    """Our part of ``.pre-commit-config.yaml``: a ``repos:`` item (two-space list indent)."""
    lines = [BLOCK_START]
    if repo:
        lines += [f"  - repo: {_yaml_str(repo)}", f"    rev: {_yaml_str(rev or 'HEAD')}"]
        lines += ["    hooks:"] + [f"      - id: {HOOK_IDS[s]}" for s in STAGES]
    else:
        lines += ["  - repo: local", "    hooks:"]
        for stage in STAGES:
            lines += [
                f"      - id: {HOOK_IDS[stage]}",
                f"        name: pantheon {stage}",
                f"        entry: pantheon hook {stage}",
                "        language: system",
                f"        stages: [{stage}]",
            ]
            if stage != "commit-msg":
                lines += ["        pass_filenames: false", "        always_run: true"]
            if stage in ("pre-push", "post-checkout"):  # their output is a notice: show it
                lines += ["        verbose: true"]
    lines.append(BLOCK_END)
    return "\n".join(lines) + "\n"


def _yaml_str(text: str) -> str:
    import json

    return json.dumps(text)  # a JSON string is a YAML string


def new_config(block: str) -> str:
    return f"default_install_hook_types: [{', '.join(STAGES)}]\nrepos:\n{block}"


def add_block(text: str, block: str) -> str | None:
    """``text`` with ``block`` appended to its top-level ``repos:`` list, or ``None`` when
    that cannot be done by appending (``repos`` is not the last key, or is a flow list)."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.rstrip() == "repos:"]
    if len(starts) != 1:
        return None
    after = lines[starts[0] + 1 :]
    for line in after:
        if line and not line.startswith((" ", "#", "-")):
            return None  # another top-level key follows repos:
    items = [line for line in after if line.lstrip().startswith("- ")]
    delta = (len(items[0]) - len(items[0].lstrip()) if items else 2) - 2
    shifted = [
        (" " * delta + line if delta >= 0 else line[-delta:]) if line.startswith("  ") else line
        for line in block.splitlines()
    ]
    return text.rstrip("\n") + "\n" + "\n".join(shifted) + "\n"


def remove_block(text: str) -> str | None:
    """``text`` without our block, or ``None`` when it has none."""
    lines = text.splitlines(keepends=True)
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith(BLOCK_START))
        end = next(i for i, line in enumerate(lines) if i > start and line.startswith(BLOCK_END))
    except StopIteration:
        return None
    return "".join(lines[:start] + lines[end + 1 :])


def _check_config(text: str, path: Path) -> list[Any]:
    """The ``repos`` list of a pre-commit config (empty when there is none), or
    ``ConfigError`` when it is not a pre-commit config."""
    import yaml

    try:
        doc = yaml.safe_load(text) or {}
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
    import importlib.util

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
    report = HooksReport("install", "pre-commit", hooks_dir=_show(folder, root))
    ours = [s for s in STAGES if (folder / s).exists() and is_ours(folder / s)]
    foreign = [
        s
        for s in STAGES
        if (folder / s).exists() and not is_ours(folder / s) and not _is_pre_commit_shim(folder / s)
    ]
    if foreign and not force:
        raise CheckFailed(
            f"{_show(folder, root)} already has hooks that are not pantheon's or pre-commit's: "
            f"{', '.join(foreign)}",
            hint="Run `pantheon hooks install --framework pre-commit --force`: pre-commit keeps "
            "each as <hook>.legacy and runs it first.",
        )
    path = root / PRE_COMMIT_CONFIG
    block = config_block(repo, rev)
    report.config_file = PRE_COMMIT_CONFIG
    if path.exists():
        text = path.read_text(encoding="utf-8")
        _check_config(text, path)
        current = remove_block(text)
        updated = add_block(current if current is not None else text, block)
        if updated is None:
            raise CheckFailed(
                f"cannot add pantheon's hooks to {PRE_COMMIT_CONFIG} by appending to its "
                "`repos:` list",
                hint="Add this item to `repos:` yourself, then run `pantheon hooks install "
                f"--framework pre-commit` again:\n{block}",
            )
        _check_config(updated, path)
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


def uninstall_pre_commit(root: Path) -> HooksReport:
    folder = hooks_dir(root)
    report = HooksReport("uninstall", "pre-commit", hooks_dir=_show(folder, root))
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
    repos = _check_config(remaining, path)
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
    import subprocess

    from pantheon_git.adapters.gitenv import git_env

    proc = subprocess.run(
        argv, cwd=root, capture_output=True, text=True, env=git_env(), check=False
    )
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise PantheonError(
            f"`{what}` failed: {detail[-1] if detail else f'exit code {proc.returncode}'}",
            hint=f"Run `{shlex.join(argv)}` to see why.",
        )


# --- both -----------------------------------------------------------------------------------


def install(
    root: Path,
    *,
    framework: str,
    force: bool = False,
    repo: str | None = None,
    rev: str | None = None,
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
    if config.exists() and remove_block(config.read_text(encoding="utf-8")) is not None:
        other = uninstall_pre_commit(root)
        other.removed = sorted({*report.removed, *other.removed})
        other.restored = report.restored
        return other
    return report


def commit_graph(root: Path) -> str:
    """Write a commit-graph when the clone has none (merge bases ~10x faster)."""
    from pantheon_git.adapters.commitgraph import ensure_commit_graph

    try:
        written = ensure_commit_graph(root, timeout=120)
    except GitError as exc:
        return f"not written ({exc.message}); run `git maintenance start`"
    return "written" if written else "present"


def _show(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
