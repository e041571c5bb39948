"""Trial merges with ``git merge-tree --write-tree --stdin`` (git >= 2.38), batched.

Two batches, each one git process:

1. every story onto the default branch (``<base> <tip>``): the story's own drift, and the tree
   the story would have once rebased;
2. for each overlapping pair whose two stories both merge cleanly onto the base: a commit per
   story with that tree and the base as its only parent, then ``<commit a> <commit b>``; their
   merge base is the base itself, so only story-against-story conflicts remain (git 2.39 has no
   ``--merge-base`` option, which would make the commits unnecessary).

All objects these merges write go to a temporary object directory (in memory when ``/dev/shm``
exists) that borrows the clone's objects as an alternate, and is deleted afterwards: the
repository is not touched. Which merges to run, and the cache of their outcomes, are the
conflicts feature's (``features/conflicts/run_trial.py``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from pantheon_git.core.merges import CLEAN, MergeConflict, TrialOutcome
from pantheon_git.errors import GitError
from pantheon_git.git.batch import decode_path, stream_git
from pantheon_git.git.scan import Scanner

_IDENT = "pantheon <pantheon@localhost> 0 +0000"
PREFIX = "pantheon-trial-"


def scratch() -> Path:
    """Where the throw-away objects go: memory when the system offers it.

    Each trial merge writes a few tree objects, one file each; on this project's VMs 1,000
    merges took 3.6 s writing to disk and 0.5 s on tmpfs.
    """
    shm = Path("/dev/shm")  # noqa: S108 - only as the parent of a private mkdtemp folder
    parent = shm if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None
    parent = parent or Path(tempfile.gettempdir())
    _sweep(parent)
    return parent


def _sweep(parent: Path, max_age: float = 86400.0) -> None:
    """Remove our folders a killed run left behind (tmpfs holds them until reboot)."""
    now = time.time()
    for stale in parent.glob(f"{PREFIX}*"):
        with contextlib.suppress(OSError):
            info = stale.lstat()
            if info.st_uid == os.getuid() and now - info.st_mtime > max_age:
                shutil.rmtree(stale, ignore_errors=True)


def trial_commits(
    scanner: Scanner, tmp: Path, trees: Sequence[str], env: Mapping[str, str]
) -> list[str]:
    """One commit per tree, parent = base tip, written by one ``git hash-object`` process."""
    paths = []
    folder = tmp / "commits"
    folder.mkdir()
    for i, tree in enumerate(trees):
        body = f"tree {tree}\nparent {scanner.base.tip}\nauthor {_IDENT}\ncommitter {_IDENT}\n\n"
        path = folder / f"{i}.txt"
        path.write_text(f"{body}trial merge\n", encoding="ascii")
        paths.append(str(path))
    out = [
        token.decode("ascii").strip()
        for token in stream_git(
            ["hash-object", "-t", "commit", "-w", "--stdin-paths"],
            paths,
            cwd=scanner.root,
            sep=b"\n",
            env=env,
            deadline=scanner.deadline,
        )
    ]
    scanner.stats.git_processes += 1
    return out


def merge_batch(
    scanner: Scanner, lines: Sequence[str], env: Mapping[str, str]
) -> Iterator[tuple[str, TrialOutcome]]:
    tokens = stream_git(
        ["merge-tree", "--stdin", "-z", "--name-only", "--messages"],
        lines,
        cwd=scanner.root,
        env=env,
        deadline=scanner.deadline,
    )
    for done, record in enumerate(parse_merge_tree(tokens), 1):
        if done % 250 == 0:
            scanner.progress(f"trial merges: {done}/{len(lines)}")
        yield record
    scanner.stats.git_processes += 1


def merge_each(
    root: Path,
    lines: Sequence[str],
    *,
    env: Mapping[str, str],
    deadline: float | None,
) -> list[TrialOutcome | None]:
    """The outcome of each ``<ours> <theirs>`` line, in one ``git merge-tree --stdin``;
    ``None`` for a merge git refuses (unrelated histories: a subtree merge, or history a
    shallow clone cut off). git stops at such a line, so the rest go to a new process."""
    args = ["merge-tree", "--stdin", "-z", "--name-only", "--messages"]
    out: list[TrialOutcome | None] = []
    while len(out) < len(lines):
        try:
            tokens = stream_git(args, lines[len(out) :], cwd=root, env=env, deadline=deadline)
            for _, outcome in parse_merge_tree(tokens):
                out.append(outcome)  # kept when git stops at a later line
        except GitError as exc:
            if "unrelated histories" not in exc.stderr:
                raise
            out.append(None)
    return out


def parse_merge_tree(tokens: Iterator[bytes]) -> Iterator[tuple[str, TrialOutcome]]:
    """Records of ``merge-tree --stdin -z --name-only --messages``.

    Each: status (``1`` clean, ``0`` conflicted), tree id, conflicted paths, an empty token,
    then messages (path count, paths, type, text), an empty token.
    """
    for status in tokens:
        tree = next(tokens).decode("ascii")
        conflicted: dict[str, str] = {}
        for token in tokens:
            if not token:
                break
            conflicted.setdefault(decode_path(token), "conflict")
        for token in tokens:
            if not token:
                break
            paths = [decode_path(next(tokens)) for _ in range(int(token))]
            kind = next(tokens).decode("utf-8", "replace")
            next(tokens)  # the message text
            if kind.startswith("CONFLICT"):
                label = kind[kind.find("(") + 1 : kind.rfind(")")] if "(" in kind else kind
                for path in paths:
                    if conflicted.get(path, "conflict") == "conflict":
                        conflicted[path] = label
        items = [MergeConflict(p, k) for p, k in conflicted.items()]
        if status == b"1" and not items:
            yield tree, TrialOutcome(CLEAN)
        else:
            # git said "conflicted" without naming a path (should not happen): say so.
            yield tree, TrialOutcome.from_conflicts(items or [MergeConflict("?", "unknown")])
