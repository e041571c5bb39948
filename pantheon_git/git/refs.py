"""Refs, the git directory, and the default branch a story is measured against.

One ``git for-each-ref`` lists every local and remote-tracking branch; everything else here
works on that table, so finding the default branch costs no further process unless its local
and remote-tracking refs disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pantheon_git.errors import GitError
from pantheon_git.git.batch import remaining
from pantheon_git.git.command import run_git

HEADS = "refs/heads/"
REMOTES = "refs/remotes/"
DEFAULT_NAMES = ("main", "master", "trunk", "develop")


def short_name(ref: str) -> str:
    """``refs/heads/story/x`` -> ``story/x``; ``refs/remotes/o/story/x`` -> ``o/story/x``."""
    for prefix in (HEADS, REMOTES):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref


@dataclass(frozen=True)
class RefTable:
    refs: dict[str, str]
    """Full ref name -> object id, for ``refs/heads/*`` and ``refs/remotes/*`` (no symrefs)."""
    symrefs: dict[str, str]
    """E.g. ``refs/remotes/origin/HEAD`` -> ``refs/remotes/origin/main``."""


@dataclass(frozen=True)
class Base:
    """The default branch as used for this run: its name, the ref chosen, and its tip."""

    name: str
    ref: str
    tip: str

    @property
    def short(self) -> str:
        return short_name(self.ref)


def git_common_dir(root: Path, *, deadline: float | None = None) -> Path:
    """The directory shared by all worktrees of the clone (``.git`` for a plain clone)."""
    out = run_git(
        ["rev-parse", "--path-format=absolute", "--git-common-dir"],
        cwd=root,
        timeout=remaining(deadline),
    )
    return Path(out.strip())


def common_dir_from_files(root: Path) -> Path | None:
    """``git_common_dir`` without a process: read ``root/.git`` the way git does (a directory,
    or a ``gitdir:`` file, plus the ``commondir`` file of a linked worktree). ``None`` when
    anything is unusual: then ask git."""
    dot_git = root / ".git"
    try:
        if dot_git.is_dir():
            git_dir = dot_git
        else:
            text = dot_git.read_text(encoding="utf-8").strip()
            if not text.startswith("gitdir:"):
                return None
            git_dir = (root / text[len("gitdir:") :].strip()).resolve()
        commondir = git_dir / "commondir"
        if commondir.is_file():
            git_dir = (git_dir / commondir.read_text(encoding="utf-8").strip()).resolve()
    except (OSError, UnicodeDecodeError):
        return None
    return git_dir if (git_dir / "objects").is_dir() and (git_dir / "HEAD").exists() else None


def list_refs(root: Path, *, deadline: float | None = None) -> RefTable:
    out = run_git(
        [
            "for-each-ref",
            # No %(objecttype): it costs an object lookup per ref on every run; the scanner
            # checks the type of tips it has not seen before instead.
            "--format=%(objectname)%00%(symref)%00%(refname)",
            "refs/heads",
            "refs/remotes",
        ],
        cwd=root,
        timeout=remaining(deadline),
    )
    refs: dict[str, str] = {}
    symrefs: dict[str, str] = {}
    for line in out.split("\n"):
        if not line:
            continue
        oid, symref, name = line.split("\0", 2)
        if symref:
            symrefs[name] = symref
        else:
            refs[name] = oid
    return RefTable(refs, symrefs)


def default_branch_name(table: RefTable, configured: str | None) -> str | None:
    """``configured``, else what ``origin/HEAD`` names, else main/master/trunk/develop."""
    if configured:
        return configured.removeprefix(HEADS)
    head = table.symrefs.get(f"{REMOTES}origin/HEAD", "")
    if head.startswith(f"{REMOTES}origin/"):
        return head[len(f"{REMOTES}origin/") :]
    remote_names = {short_name(r).split("/", 1)[-1] for r in table.refs if r.startswith(REMOTES)}
    for name in DEFAULT_NAMES:
        if f"{HEADS}{name}" in table.refs or name in remote_names:
            return name
    return None


def resolve_base(
    table: RefTable,
    configured: str | None,
    *,
    is_ancestor: Callable[[str, str], bool],
) -> Base:
    """Pick the default branch's ref: the remote-tracking one unless the local one is ahead.

    Story branches are merged into the shared default branch, so ``origin/main`` is the
    reference; a local ``main`` that contains it (unpushed commits) is used instead, since
    those commits are part of what this clone's stories were built on.
    """
    name = default_branch_name(table, configured)
    if name is None:
        raise GitError(
            "cannot find the default branch: no origin/HEAD and no main, master, trunk or "
            "develop branch",
            hint="Set `default_branch` in _bmad/pantheon/config.yaml, or run "
            "`git fetch origin && git remote set-head origin --auto`.",
        )
    local = f"{HEADS}{name}" if f"{HEADS}{name}" in table.refs else None
    remote = _remote_ref(table, name)
    if local is None and remote is None:
        raise GitError(
            f"the default branch {name!r} does not exist here (neither {name} nor origin/{name})",
            hint=f"Run `git fetch origin {name}`, or set `default_branch` in "
            "_bmad/pantheon/config.yaml.",
        )
    if local is None or remote is None:
        chosen = local or remote
        assert chosen is not None
        return Base(name, chosen, table.refs[chosen])
    local_tip, remote_tip = table.refs[local], table.refs[remote]
    local_ahead = (
        local_tip != remote_tip
        and not is_ancestor(local_tip, remote_tip)
        and is_ancestor(remote_tip, local_tip)
    )
    if local_ahead:
        return Base(name, local, local_tip)
    return Base(name, remote, remote_tip)


def _remote_ref(table: RefTable, name: str) -> str | None:
    exact = f"{REMOTES}{name}"
    if "/" in name and exact in table.refs and f"{HEADS}{name}" not in table.refs:
        return exact  # configured as "origin/main"
    preferred = f"{REMOTES}origin/{name}"
    if preferred in table.refs:
        return preferred
    others = sorted(r for r in table.refs if r.startswith(REMOTES) and r.endswith(f"/{name}"))
    others = [r for r in others if r[len(REMOTES) :].split("/", 1)[1] == name]
    return others[0] if others else None
