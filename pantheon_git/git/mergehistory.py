"""Story branches merged into the default branch, and whether their merges conflicted.

Read from history, not from GitHub: the first-parent line of the default branch holds one
commit per merged pull request. A merge commit (two parents) names its branch in its message
("Merge pull request #12 from org/story/US-123-x", "Merge branch 'story/US-123-x'"); its
trial merge is re-run with ``git merge-tree`` on its parents, and so are the merges made
inside the story branch (the default branch merged into it to settle conflicts before the PR
could merge: a conflict there is a conflict of that PR). A single-parent commit that names a
story (a squash or rebase merge) is a merged story whose conflicts are not known, and so is
one whose merges git cannot re-run (unrelated histories: a subtree merge, or a shallow clone).

Two git processes, however long the history: one ``git rev-list`` lists the commits of the
window with their parents (the merges inside each branch are found from it), and one
``git merge-tree --stdin`` re-runs every merge; the objects it writes go to a temporary
folder that is deleted afterwards, so the repository is not touched.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pantheon_git.core.keys import StoryKey, branch_story_key
from pantheon_git.core.merges import StoryMerge
from pantheon_git.git.batch import remaining
from pantheon_git.git.command import run_git
from pantheon_git.git.mergetrial import merge_each
from pantheon_git.git.refs import git_common_dir

MAX_COMMITS = 20_000
BUDGET = 120.0

_BRANCH_IN_SUBJECT = (
    re.compile(r"^Merge pull request #\d+ from [^/\s]+/(?P<branch>\S+)"),
    re.compile(r"^Merge (?:remote-tracking )?branch '(?:origin/)?(?P<branch>[^']+)'"),
    re.compile(r"^Merge branch \"(?P<branch>[^\"]+)\""),
)


@dataclass(frozen=True)
class FirstParentCommit:
    sha: str
    parents: tuple[str, ...]
    time: datetime
    subject: str


def branch_in_subject(subject: str) -> str | None:
    for pattern in _BRANCH_IN_SUBJECT:
        match = pattern.match(subject)
        if match:
            return match.group("branch")
    return None


def first_parent_log(
    root: Path, base: str, *, since: datetime | None, deadline: float | None
) -> list[FirstParentCommit]:
    args = ["log", "-z", "--first-parent", f"--max-count={MAX_COMMITS}"]
    args.append("--format=%H%x1f%P%x1f%ct%x1f%s")
    if since is not None:
        args.append(f"--since=@{int(since.timestamp())}")
    out = run_git([*args, base, "--"], cwd=root, timeout=remaining(deadline))
    commits = []
    for record in out.split("\0"):
        if not record.strip():
            continue
        sha, parents, stamp, subject = record.strip("\n").split("\x1f", 3)
        commits.append(
            FirstParentCommit(
                sha,
                tuple(parents.split()),
                datetime.fromtimestamp(int(stamp), UTC),
                subject,
            )
        )
    return commits


def story_merges(
    root: Path,
    base: str,
    *,
    pattern: str,
    since: datetime | None = None,
    budget: float = BUDGET,
) -> list[StoryMerge]:
    """Story merges on ``base``'s first-parent line, newest first."""
    deadline = time.monotonic() + budget
    commits = first_parent_log(root, base, since=since, deadline=deadline)
    merges: list[tuple[FirstParentCommit, StoryKey]] = []
    squashed: dict[StoryKey, FirstParentCommit] = {}
    for commit in commits:
        if len(commit.parents) >= 2:
            key = _merged_story(commit, pattern)
            if key is not None:
                merges.append((commit, key))
        elif len(commit.parents) == 1:
            for key in StoryKey.find_all(commit.subject):
                squashed.setdefault(key, commit)
    outcomes = _trial(root, [c for c, _ in merges], deadline)
    out = []
    for c, key in merges:
        paths = outcomes[c.sha]
        known = paths is not None
        out.append(StoryMerge(str(key), c.sha, c.time, bool(paths) if known else None, paths or ()))
    merged = {key for _, key in merges}
    out += [
        StoryMerge(str(key), c.sha, c.time, None)
        for key, c in squashed.items()
        if key not in merged
    ]
    out.sort(key=lambda m: m.time, reverse=True)
    return out


def _merged_story(commit: FirstParentCommit, pattern: str) -> StoryKey | None:
    branch = branch_in_subject(commit.subject)
    if branch is not None:
        key = branch_story_key(branch, pattern)
        if key is not None:
            return key
    return None


def _trial(
    root: Path, merges: Sequence[FirstParentCommit], deadline: float
) -> dict[str, tuple[str, ...] | None]:
    """Conflicted paths per merge commit (empty: clean), from its own parents and from the
    merges inside its branch; ``None`` when git cannot re-run one of them."""
    pairs = merge_pairs(merges, history_graph(root, merges, deadline))
    found: dict[str, set[str] | None] = {m.sha: set() for m in merges}
    if not pairs:
        return dict.fromkeys(found, ())
    objects = git_common_dir(root, deadline=deadline) / "objects"
    with tempfile.TemporaryDirectory(prefix="pantheon-metrics-", dir=_scratch_parent()) as tmp:
        env = {"GIT_OBJECT_DIRECTORY": tmp, "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(objects)}
        lines = [f"{ours} {theirs}" for _, ours, theirs in pairs]
        outcomes = merge_each(root, lines, env=env, deadline=deadline)
    for (sha, _, _), outcome in zip(pairs, outcomes, strict=True):
        paths = found[sha]
        if outcome is None:
            found[sha] = None
        elif paths is not None:
            paths.update(outcome.paths)
    return {sha: None if paths is None else tuple(sorted(paths)) for sha, paths in found.items()}


def history_graph(
    root: Path, merges: Sequence[FirstParentCommit], deadline: float | None
) -> dict[str, list[str]]:
    """Every commit of the story merges' history window, with its parents: one
    ``git rev-list`` from the newest merge down to the oldest one's first parent."""
    if not merges:
        return {}
    args = ["rev-list", "--parents", merges[0].sha, f"^{merges[-1].parents[0]}", "--"]
    out = run_git(args, cwd=root, timeout=remaining(deadline))
    graph: dict[str, list[str]] = {}
    for line in out.splitlines():
        sha, *parents = line.split()
        graph[sha] = parents
    return graph


def merge_pairs(
    merges: Sequence[FirstParentCommit], graph: Mapping[str, Sequence[str]]
) -> list[tuple[str, str, str]]:
    """(story merge, ours, theirs): each story merge's own parents, then each merge commit
    its branch brought in (``git rev-list --merges theirs ^ours``).

    ``graph`` holds the commits reachable from the newest merge and not from the oldest one's
    first parent. Walking the first-parent line from oldest to newest, the commits a merge
    brings in are those its other parents reach that no older commit of the line reached:
    each commit is visited once.
    """
    if not merges:
        return []
    line: list[str] = []
    tip: str | None = merges[0].sha
    while tip is not None and tip in graph:
        line.append(tip)
        tip = next(iter(graph[tip]), None)
    story = {m.sha for m in merges}
    reached: set[str] = set()
    brought: dict[str, list[str]] = {}
    for sha in reversed(line):
        reached.add(sha)
        stack = [p for p in graph[sha][1:] if p in graph and p not in reached]
        reached.update(stack)
        inner = []
        while stack:
            commit = stack.pop()
            parents = graph[commit]
            if len(parents) >= 2:
                inner.append(commit)
            for parent in parents:
                if parent in graph and parent not in reached:
                    reached.add(parent)
                    stack.append(parent)
        if sha in story:
            brought[sha] = inner
    pairs: list[tuple[str, str, str]] = []
    for merge in merges:
        pairs.append((merge.sha, merge.parents[0], merge.parents[1]))
        pairs += [(merge.sha, graph[c][0], graph[c][1]) for c in brought.get(merge.sha, ())]
    return pairs


def _scratch_parent() -> str | None:
    shm = Path("/dev/shm")  # noqa: S108 - only as the parent of a private mkdtemp folder
    return str(shm) if shm.is_dir() else None
