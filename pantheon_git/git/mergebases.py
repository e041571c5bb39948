"""Merge bases in process with pygit2, for scans where many branches merged main back in.

The scan finds most merge bases from one ``git rev-list`` (``scan.py``); a branch that merged
the default branch back in (GitHub's "Update branch") has several candidates, and git has no
batch form of ``git merge-base``: one process each, 2.6-5.3 ms on this project's machines.
libgit2 answers the same question in 0.04-0.4 ms, and gave git's answer for the 5,677 merges
of pre-commit, flask and pip and for every branch of the benchmark repositories
(``benchmarks/pygit2_history.py``, ``pygit2_scan.py``). ``import pygit2`` costs about 50 ms, so
it pays from ``IN_PROCESS_FROM`` such branches on, and never on the hook path (pre-push scans
with git alone: ``tests/test_hook_imports.py``).

Where libgit2 could answer otherwise than git, git answers: replaced objects
(``refs/replace``, which libgit2 ignores), the obsolete ``info/grafts`` file, or anything
pygit2 cannot open or find.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

IN_PROCESS_FROM = 16
"""Branches needing ``git merge-base`` from which pygit2 is faster, its import included."""


def merge_bases(
    git_dir: Path, base: str, boundaries: Mapping[str, Collection[str]]
) -> dict[str, str] | None:
    """The merge base with ``base`` of each tip whose merge base is unique, or ``None`` when
    pygit2 cannot be trusted to answer as git would.

    ``boundaries``: each tip's candidates, the commits on ``base``'s history its own commits
    start from (the scan's walk). The best merge bases are the candidates no other candidate
    descends from; when there are several (a criss-cross), git and libgit2 may pick different
    ones (they order commits of the same date differently), so such tips are left out for git.
    """
    if _rewritten_history(git_dir):
        return None
    try:
        import pygit2  # lazy: ~50 ms of start-up, paid only by scans that save more
    except ImportError:
        return None
    try:
        repo = pygit2.Repository(str(git_dir))
        base_id = pygit2.Oid(hex=base)
        found = {}
        for tip, candidates in boundaries.items():
            oid = repo.merge_base(base_id, pygit2.Oid(hex=tip))
            best = str(oid) if oid is not None else None
            others = [pygit2.Oid(hex=c) for c in candidates if c != best]
            if best in candidates and all(repo.descendant_of(oid, c) for c in others):
                found[tip] = best
    except (pygit2.GitError, ValueError, KeyError):
        return None
    return found


def _rewritten_history(git_dir: Path) -> bool:
    """Replace refs or grafts: git follows them, libgit2 does not (or not the same way)."""
    if (git_dir / "info" / "grafts").exists():
        return True
    replace = git_dir / "refs" / "replace"
    if replace.is_dir() and any(replace.iterdir()):
        return True
    try:
        packed = (git_dir / "packed-refs").read_bytes()
    except OSError:
        return False
    return b" refs/replace/" in packed
