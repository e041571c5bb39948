"""The commit-graph: ~10x faster merge bases and 3-dot diffs on long histories.

A fresh clone has none until ``git gc`` / ``git maintenance`` writes one. ``pantheon hooks
install`` calls :func:`ensure_commit_graph` (or recommends ``git maintenance start``).
"""

from __future__ import annotations

from pathlib import Path

from pantheon_git.git.command import run_git
from pantheon_git.git.refs import common_dir_from_files, git_common_dir


def commit_graph_files(git_dir: Path) -> list[Path]:
    """The commit-graph file(s) of a git directory: a single file or a split chain."""
    info = git_dir / "objects" / "info"
    found = [info / "commit-graph"] if (info / "commit-graph").is_file() else []
    chain = info / "commit-graphs" / "commit-graph-chain"
    if chain.is_file():
        found.append(chain)
    return found


def has_commit_graph(root: Path) -> bool:
    return bool(commit_graph_files(common_dir_from_files(root) or git_common_dir(root)))


def write_commit_graph(root: Path, *, timeout: float | None = None) -> None:
    """``git commit-graph write --reachable`` (seconds on a 100k-commit history)."""
    run_git(["commit-graph", "write", "--reachable", "--no-progress"], cwd=root, timeout=timeout)


def ensure_commit_graph(root: Path, *, timeout: float | None = None) -> bool:
    """Write a commit-graph when the clone has none. True when one was written."""
    if has_commit_graph(root):
        return False
    write_commit_graph(root, timeout=timeout)
    return True
