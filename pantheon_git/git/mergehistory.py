"""Story branches merged into the default branch, and whether their merges conflicted.

Read from history, not from GitHub: the first-parent line of the default branch holds one
commit per merged pull request. A merge commit (two parents) names its branch in its message
("Merge pull request #12 from org/story/US-123-x", "Merge branch 'story/US-123-x'"); its
trial merge is re-run with ``git merge-tree`` on its parents, and so are the merges made
inside the story branch (the default branch merged into it to settle conflicts before the PR
could merge: a conflict there is a conflict of that PR). A single-parent commit that names a
story (a squash or rebase merge) is a merged story whose conflicts are not known.

All trial merges run in one ``git merge-tree --stdin`` process; the objects it writes go to a
temporary folder that is deleted afterwards, so the repository is not touched.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pantheon_git.core.keys import StoryKey, branch_story_key
from pantheon_git.core.merges import StoryMerge
from pantheon_git.git.batch import remaining, stream_git
from pantheon_git.git.command import run_git
from pantheon_git.git.mergetrial import parse_merge_tree
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
    out = [
        StoryMerge(str(key), c.sha, c.time, bool(outcomes[c.sha]), tuple(outcomes[c.sha]))
        for c, key in merges
    ]
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
) -> dict[str, list[str]]:
    """Conflicted paths per merge commit (empty: clean), from its own parents and from the
    merges inside its branch."""
    pairs: list[tuple[str, str, str]] = []  # (story merge sha, ours, theirs)
    for merge in merges:
        ours, theirs = merge.parents[0], merge.parents[1]
        pairs.append((merge.sha, ours, theirs))
        inner = run_git(
            ["rev-list", "--merges", "--parents", theirs, f"^{ours}", "--"],
            cwd=root,
            timeout=remaining(deadline),
        )
        for line in inner.splitlines():
            shas = line.split()
            if len(shas) >= 3:
                pairs.append((merge.sha, shas[1], shas[2]))
    result: dict[str, list[str]] = {m.sha: [] for m in merges}
    if not pairs:
        return result
    objects = git_common_dir(root, deadline=deadline) / "objects"
    with tempfile.TemporaryDirectory(prefix="pantheon-metrics-", dir=_scratch_parent()) as tmp:
        env = {"GIT_OBJECT_DIRECTORY": tmp, "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(objects)}
        tokens = stream_git(
            ["merge-tree", "--stdin", "-z", "--name-only", "--messages"],
            [f"{ours} {theirs}" for _, ours, theirs in pairs],
            cwd=root,
            env=env,
            deadline=deadline,
        )
        for (sha, _, _), (_, outcome) in zip(pairs, parse_merge_tree(tokens), strict=True):
            for path in outcome.paths:
                if path not in result[sha]:
                    result[sha].append(path)
    return result


def _scratch_parent() -> str | None:
    shm = Path("/dev/shm")  # noqa: S108 - only as the parent of a private mkdtemp folder
    return str(shm) if shm.is_dir() else None
