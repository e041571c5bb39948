"""The checked-out repository's history, as `pantheon ci` needs it.

Two things need history: the overlap report (other story branches and where they left the
default branch) and the order of commits (a replayed event must not put an older SHA over a
newer one). ``actions/checkout`` fetches one commit by default (``fetch-depth: 1``): then
:func:`complete` fetches the rest from ``origin`` (``--unshallow`` and every branch, what
``fetch-depth: 0`` would have fetched), within the run's deadline. If that fails, it says why,
and the callers say what they could not check.

Commits are compared with ``git merge-base --is-ancestor``; a commit missing locally is
fetched by its SHA first (GitHub serves any commit reachable from the repository's refs,
pull request heads from forks included).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pantheon_git.errors import GitError
from pantheon_git.features.ci import replay
from pantheon_git.git import command as git

if TYPE_CHECKING:
    from pantheon_git.core.deadline import Deadline

FETCH_LIMIT = 60.0
"""Seconds one fetch may take at most (less when the deadline leaves less)."""
FETCH_SHARE = 0.5
"""Of what is left of the deadline, the part a fetch may use: Rally needs the rest."""
BRANCHES = "+refs/heads/*:refs/remotes/origin/*"


@dataclass(frozen=True)
class History:
    complete: bool
    """The checkout has its full history (it was never shallow, or it was deepened)."""
    problem: str | None = None
    """Why the history is incomplete, for the summary; ``None`` when complete."""
    fetched: bool = False
    """History was fetched by this run."""


def is_shallow(root: Path) -> bool:
    out = git.run_git(["rev-parse", "--is-shallow-repository"], cwd=root, check=False)
    return out.strip() == "true"


def complete(root: Path, deadline: Deadline | None) -> History:
    """Deepen a shallow checkout to its full history (and every branch of ``origin``)."""
    if not is_shallow(root):
        return History(True)
    why = "the checkout is shallow (actions/checkout's default `fetch-depth: 1`)"
    try:
        _fetch(root, deadline, ["--unshallow", "origin", BRANCHES])
    except GitError as exc:
        return History(False, f"{why} and fetching its history failed: {exc.message}")
    if is_shallow(root):
        return History(False, f"{why} and `git fetch --unshallow` left it shallow")
    return History(True, fetched=True)


def have(root: Path, sha: str) -> bool:
    out = git.run_git(["cat-file", "-t", f"{sha}^{{commit}}"], cwd=root, check=False)
    return out.strip() == "commit"


def fetch_commits(root: Path, shas: list[str], deadline: Deadline | None) -> bool:
    """Fetch the commits of ``shas`` missing locally; whether all are here afterwards."""
    missing = [sha for sha in shas if not have(root, sha)]
    if not missing:
        return True
    try:
        _fetch(root, deadline, ["origin", *missing])
    except GitError:
        return False
    return all(have(root, sha) for sha in missing)


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    return _status(root, ["merge-base", "--is-ancestor", older, newer]) == 0


def commit_time(root: Path, sha: str) -> int | None:
    out = git.run_git(["log", "-1", "--format=%ct", sha, "--"], cwd=root, check=False).strip()
    return int(out) if out.isdigit() else None


def order(
    root: Path,
    current: str,
    new: str,
    *,
    event_time: str | None,
    last_change: str | None,
    deadline: Deadline | None,
) -> replay.Ordering:
    """Where ``new`` (the event's commit) stands against ``current`` (the one Rally holds)."""
    if current.lower() == new.lower():
        return replay.Ordering(replay.SAME, "Rally holds this commit already")
    if fetch_commits(root, [current, new], deadline):
        if is_ancestor(root, new, current):
            return replay.Ordering(replay.OLDER, f"{new[:7]} is an ancestor of {current[:7]}")
        if is_ancestor(root, current, new):
            return replay.Ordering(replay.NEWER, f"{new[:7]} descends from {current[:7]}")
        return replay.by_commit_time(
            current, new, commit_time(root, current), commit_time(root, new)
        )
    return replay.by_event_time(current, new, event_time, last_change)


def _fetch(root: Path, deadline: Deadline | None, args: list[str]) -> None:
    limit = FETCH_LIMIT
    if deadline is not None:
        limit = min(limit, deadline.remaining() * FETCH_SHARE)
        if limit < 1.0:
            raise GitError("no time left for a fetch (the run's deadline is near)")
    git.run_git(["fetch", "--quiet", "--no-tags", *args], cwd=root, timeout=limit)


def _status(root: Path, args: list[str]) -> int:
    try:
        git.run_git(args, cwd=root)
    except GitError as exc:
        return exc.returncode if exc.returncode is not None else 128
    return 0
