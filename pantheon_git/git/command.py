"""git through its CLI: argv lists, ``-z`` output, errors that show the command.

The hook path uses only this module: a ``git`` process costs a few milliseconds, ``import
pygit2`` about fifty. Batches of git work stream through one process (``batch.py``); pygit2
serves only where that does not exist and many answers are needed (``mergebases.py``).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from pantheon_git.errors import GitError
from pantheon_git.git import gitdir
from pantheon_git.git.env import git_env


def run_git(
    args: Sequence[str],
    *,
    cwd: Path | str | None = None,
    input: str | bytes | None = None,
    check: bool = True,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> str:
    """Run ``git *args`` and return stdout (text, surrogate-escaped for odd bytes)."""
    argv = ["git", *args]
    data = input.encode("utf-8", "surrogateescape") if isinstance(input, str) else input
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            input=data,
            capture_output=True,
            env=git_env(env),
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH", argv=argv) from None
    except subprocess.TimeoutExpired:
        raise GitError(f"`{' '.join(argv)}` timed out after {timeout}s", argv=argv) from None
    stdout = proc.stdout.decode("utf-8", "surrogateescape")
    if check and proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        first = stderr.splitlines()[-1] if stderr else f"exit code {proc.returncode}"
        raise GitError(
            f"`{' '.join(argv)}` failed: {first}",
            argv=argv,
            returncode=proc.returncode,
            stderr=stderr,
        )
    return stdout


def toplevel(cwd: Path | None = None) -> Path | None:
    """The work tree root containing ``cwd``, or ``None`` outside a repository."""
    try:
        out = run_git(["rev-parse", "--show-toplevel"], cwd=cwd)
    except GitError:
        return None
    return Path(out.strip()) if out.strip() else None


def require_toplevel(cwd: Path | None = None) -> Path:
    top = toplevel(cwd)
    if top is None:
        raise not_a_repository(cwd)
    return top


def not_a_repository(cwd: Path | None = None) -> GitError:
    return GitError(
        f"not inside a git repository: {cwd or Path.cwd()}",
        hint="Run pantheon from your project's work tree (or `git init` one).",
    )


def config_get(key: str, *, cwd: Path | None = None) -> str | None:
    out = run_git(["config", "--get", key], cwd=cwd, check=False).strip()
    return out or None


def committer_email(cwd: Path | None = None) -> str | None:
    """The email git would record as the committer here (``gitdir.committer_email``: the
    environment, ``committer.email``, ``user.email``, ``EMAIL``, in git's order)."""
    return gitdir.committer_email(str(cwd or Path.cwd()), os.environ)


def current_branch(cwd: Path | None = None) -> str | None:
    """The checked-out branch's short name, or ``None`` when detached."""
    out = run_git(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=cwd, check=False).strip()
    return out or None


def ref_exists(ref: str, *, cwd: Path | None = None) -> bool:
    out = run_git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=cwd, check=False)
    return bool(out.strip())


def is_ancestor(older: str, newer: str, *, cwd: Path | None = None) -> bool:
    """Whether ``older`` is ``newer`` or in its history (``git merge-base --is-ancestor``)."""
    try:
        run_git(["merge-base", "--is-ancestor", older, newer], cwd=cwd)
    except GitError as exc:
        if exc.returncode == 1:
            return False
        raise
    return True


def default_branch(cwd: Path | None = None, configured: str | None = None) -> str:
    """``configured``, else origin's HEAD, else ``main``/``master``/``trunk`` as they exist."""
    if configured:
        return configured
    head = run_git(
        ["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"], cwd=cwd, check=False
    ).strip()
    if head.startswith("origin/"):
        return head[len("origin/") :]
    for name in ("main", "master", "trunk", "develop"):
        if ref_exists(f"refs/heads/{name}", cwd=cwd) or ref_exists(
            f"refs/remotes/origin/{name}", cwd=cwd
        ):
            return name
    current = current_branch(cwd)
    return current or "main"
