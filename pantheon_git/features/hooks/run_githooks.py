"""Plain git hooks: small scripts calling ``pantheon hook STAGE`` in the repository's hooks
folder (``core.hooksPath`` when set, else ``.git/hooks``). The fast path: no framework start-up
on every commit. (``run_precommit.py`` is the other way; ``run_install.py`` picks one.)

Hooks that are not ours are never overwritten: without ``--force`` the install stops and names
them; with ``--force`` a plain hook is kept as ``<hook>.pre-pantheon`` (and put back by
``uninstall``), and under pre-commit it runs first in pre-commit's migration mode. Everything
ours carries a marker line, which is how ``uninstall`` finds it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pantheon_git.errors import CheckFailed
from pantheon_git.features.hooks.precommit_config import STAGES
from pantheon_git.fsio import atomic_write_text
from pantheon_git.git import command as git

MARKER = "pantheon-git hook"
BACKUP_SUFFIX = ".pre-pantheon"


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


BYPASS = {"pre-commit": "git commit --no-verify", "commit-msg": "git commit --no-verify",
          "pre-push": "git push --no-verify"}  # fmt: skip
"""How to go on without a blocking hook once; the other stages never block."""


def script(stage: str, command: str | None) -> str:
    """A plain hook: the branch names and messages git passes are never put in shell code.

    ``command``: the ``pantheon`` to run, else ``pantheon`` from PATH (the repository's own
    ``hooks/`` folder, which teams copy). When neither is there, the hook says what to install
    or put on PATH, and a blocking stage blocks (with how to skip it once).
    """
    if command is None:
        head = f"# pantheon's {stage} hook, for `git config core.hooksPath <this folder>`\n"
        find = "PANTHEON=$(command -v pantheon)\n"
    else:
        head = (
            f"# {MARKER}: written by `pantheon hooks install`; "
            "`pantheon hooks uninstall` removes it\n"
        )
        find = (
            f"PANTHEON={shlex.quote(command)}\n"
            '[ -x "$PANTHEON" ] || PANTHEON=$(command -v pantheon)\n'
        )
    bypass = BYPASS.get(stage)
    then = f"; to go on without it this once: {bypass}" if bypass else ""
    return (
        "#!/bin/sh\n"
        + head
        + find
        + 'if [ -z "$PANTHEON" ]; then\n'
        + f'  echo "pantheon: the {stage} hook needs the pantheon command, which is not on'
        + ' PATH" >&2\n'
        + '  echo "  Install pantheon_git (pip install <its folder or URL>) so that pantheon is on'
        + f' PATH, or add the bin folder of the virtualenv that has it to PATH{then}" >&2\n'
        + f"  exit {1 if bypass else 0}\n"
        + "fi\n"
        + f'exec "$PANTHEON" hook {stage} "$@"\n'
    )


def is_ours(path: Path) -> bool:
    try:
        head = path.read_bytes()[:400]
    except OSError:
        return False
    return MARKER.encode() in head


def is_pre_commit_shim(path: Path) -> bool:
    """The script ``pre-commit install`` writes (it runs ``pre_commit hook-impl``)."""
    try:
        text = path.read_bytes()
    except OSError:
        return False
    return b"hook-impl" in text and b"pre-commit" in text


# --- plain git hooks ------------------------------------------------------------------------


def install_git(root: Path, *, force: bool = False, command: str | None = None) -> HooksReport:
    folder = hooks_dir(root)
    report = HooksReport("install", "git", hooks_dir=show(folder, root))
    foreign = [s for s in STAGES if (folder / s).exists() and not is_ours(folder / s)]
    if foreign and not force:
        names = ", ".join(foreign)
        shim = any(is_pre_commit_shim(folder / s) for s in foreign)
        raise CheckFailed(
            f"{show(folder, root)} already has hooks that are not pantheon's: {names}",
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
                f"both {stage} and {backup.name} exist in {show(folder, root)}",
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
    report = HooksReport("uninstall", "git", hooks_dir=show(folder, root))
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


# --- both -----------------------------------------------------------------------------------


def show(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
