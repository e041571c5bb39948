"""Benchmark: the merge history behind ``pantheon metrics``, git beside pygit2 in one run.

For every merge on the default branch's first-parent line (``git/mergehistory.py``):

1. which merges to re-run: each merge's own parents, and the merges its branch brought in
   (``rev-list --merges theirs ^ours``). git as ``mergehistory`` runs it (one ``git rev-list``
   for the window, walked in Python), as it ran before (one ``git rev-list`` per merge), and
   pygit2 (a revwalk per merge, in process);
2. the trial merges themselves: one ``git merge-tree --stdin`` process, and pygit2's
   ``Repository.merge_commits`` per pair (its index's conflicts give the paths);
3. the two together, ``import pygit2`` included;
4. the merge base of each merge's two parents (up to ``--merge-bases`` of the newest merges):
   one ``git merge-base`` process each against pygit2's ``merge_base``, the scan's slow path
   (``git/mergebases.py``) measured on real histories.

The pairs must be identical every way (asserted); the conflicted paths are compared and any
difference printed. ``import pygit2`` is measured in fresh processes and added to the pygit2
totals, since ``pantheon metrics`` would pay it once per run.

Without ``--repo`` it builds a history of story merges (cached; some stories merge the
default branch back in to settle a conflict, some rename files, some are squashed; a few
paths have spaces, quotes or non-ASCII letters). With ``--repo`` it reads an existing clone
(not modified), e.g. a checkout of a real project; every merge counts, story names or not.

Usage: python benchmarks/pygit2_history.py [--repo PATH] [--base main] [--merges 2000]
       [--files 2000] [--runs 3] [--merge-bases 500] [--rebuild]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from benchgit import ENV, git
from benchpygit2 import alternate, import_cost, ratio, require, scratch_repo, version_line

from pantheon_git.git.mergehistory import (
    FirstParentCommit,
    first_parent_log,
    history_graph,
    merge_pairs,
)
from pantheon_git.git.mergetrial import parse_merge_tree

VERSION = 2
Pair = tuple[str, str, str]
Files = dict[str, str]


# --- building the history --------------------------------------------------------------------


def quoted(path: str) -> str:
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def first_line(text: str, line: str) -> str:
    return line + text[text.index("\n") :]


class History:
    """A ``git fast-import`` stream; each branch's files as a dict path -> text."""

    def __init__(self) -> None:
        self.out: list[bytes] = []
        self.stamp = 1_700_000_000
        self.mark = 0

    def commit(self, ref: str, parents: Sequence[int], msg: str, old: Files, new: Files) -> int:
        self.stamp += 60
        self.mark += 1
        message = msg.encode()
        self.out.append(f"commit {ref}\nmark :{self.mark}\n".encode())
        self.out.append(f"committer Bench <bench@example.com> {self.stamp} +0000\n".encode())
        self.out.append(f"data {len(message)}\n".encode() + message + b"\n")
        for i, parent in enumerate(parents):
            self.out.append(f"{'from' if i == 0 else 'merge'} :{parent}\n".encode())
        for path in old.keys() - new.keys():
            self.out.append(f"D {quoted(path)}\n".encode())
        for path, text in new.items():
            if old.get(path) != text:
                data = text.encode()
                self.out.append(f"M 100644 inline {quoted(path)}\ndata {len(data)}\n".encode())
                self.out.append(data + b"\n")
        return self.mark


def story(h: History, rnd: random.Random, k: int, main: int, main_state: Files) -> int:
    """Story ``k``: its branch and how it lands on main (``main_state`` updated); main's tip."""
    ref = f"refs/heads/story/US-{k}-work"
    fork_state = dict(main_state)
    hot = list(main_state)[:200]  # the odd names come first
    touched = rnd.sample(hot if rnd.random() < 0.5 else list(main_state), rnd.randint(1, 3))
    state, tip = dict(fork_state), main
    if rnd.random() < 0.05:  # the story renames a file and edits it
        new_path = touched[0].replace(".py", "_renamed.py").replace(".md", "_renamed.md")
        state[new_path] = state.pop(touched[0])
        touched[0] = new_path
    for step in range(rnd.randint(1, 2)):
        before = dict(state)
        for path in touched:
            state[path] = first_line(state[path], f"story {k}.{step}")
        tip = h.commit(ref, [tip], f"US-{k}: step {step}", before, state)
    roll = rnd.random()
    if roll < 0.2 and touched[0] in main_state:
        # The default branch changes the same line; the story merges it back in.
        before = dict(main_state)
        main_state[touched[0]] = first_line(main_state[touched[0]], f"hotfix {k}")
        main = h.commit("refs/heads/main", [main], f"hotfix {k}", before, main_state)
        merged = dict(state)
        for path, text in main_state.items():
            if text != fork_state.get(path) and path not in touched:
                merged[path] = text
        merged[touched[0]] = first_line(state[touched[0]], f"resolved {k}")
        msg = f"Merge branch 'main' into {ref.removeprefix('refs/heads/')}"
        tip = h.commit(ref, [tip, main], msg, state, merged)
        state = merged
    elif roll < 0.3:
        parents, subject = [main], f"US-{k}: work (#{k})"  # squash merge
    if rnd.random() < 0.2 and roll >= 0.3:  # unrelated work lands first
        before = dict(main_state)
        path = rnd.choice(list(main_state)[200:])
        main_state[path] = main_state[path] + f"main {k}\n"
        main = h.commit("refs/heads/main", [main], f"chore {k}", before, main_state)
    if not 0.2 <= roll < 0.3:
        short = ref.removeprefix("refs/heads/")
        parents = [main, tip]
        subject = f"Merge pull request #{k} from acme/{short}\n\nwork"
        subject = subject if k % 2 else f"Merge branch '{short}'"
    before = dict(main_state)
    for path in touched:
        main_state[path] = state[path]
    for path in fork_state.keys() - state.keys():
        main_state.pop(path, None)
    return h.commit("refs/heads/main", parents, subject, before, main_state)


def build(repo: Path, n_merges: int, n_files: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    started = time.perf_counter()
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    odd = ["docs/公共/guide.md", "src/with space/a b.py", 'src/quote"d.py', "src/ünï/naïve.py"]
    files = odd + [f"pkg{i % 30:02d}/file{i}.py" for i in range(n_files)]
    h = History()
    main_state = {p: f"a {p}\nb\nc\nd\ne\nf\n" for p in files}
    main = h.commit("refs/heads/main", [], "base", {}, main_state)
    for k in range(1, n_merges + 1):
        main = story(h, rnd, k, main, main_state)
    git(repo, "fast-import", "--quiet", data=b"".join(h.out))
    git(repo, "checkout", "-q", "-f", "main")
    git(repo, "gc", "-q")
    (repo / ".git" / "bench-version").write_text(f"{VERSION} {n_merges} {n_files}\n")
    print(
        f"built {repo}: {n_merges} stories over {len(files)} files in "
        f"{time.perf_counter() - started:.1f} s"
    )


# --- the ways to find the pairs ----------------------------------------------------------------


def pairs_git(root: Path, merges: Sequence[FirstParentCommit]) -> list[Pair]:
    return merge_pairs(merges, history_graph(root, merges, None))


def pairs_per_merge(root: Path, merges: Sequence[FirstParentCommit]) -> list[Pair]:
    """The earlier code: one ``git rev-list --merges`` per merge."""
    pairs = []
    for merge in merges:
        ours, theirs = merge.parents[0], merge.parents[1]
        pairs.append((merge.sha, ours, theirs))
        inner = git(root, "rev-list", "--merges", "--parents", theirs, f"^{ours}", "--")
        pairs += [(merge.sha, *line.split()[1:3]) for line in inner.splitlines()]
    return pairs


def pairs_pygit2(pygit2: ModuleType, root: Path, merges: Sequence[FirstParentCommit]) -> list[Pair]:
    repo = pygit2.Repository(str(root))
    pairs = []
    for merge in merges:
        ours, theirs = merge.parents[0], merge.parents[1]
        pairs.append((merge.sha, ours, theirs))
        walker = repo.walk(pygit2.Oid(hex=theirs))
        walker.hide(pygit2.Oid(hex=ours))
        for commit in walker:
            if len(commit.parent_ids) >= 2:
                pairs.append((merge.sha, str(commit.parent_ids[0]), str(commit.parent_ids[1])))
    return pairs


def by_merge(pairs: Sequence[Pair]) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = {}
    for sha, ours, theirs in pairs:
        out.setdefault(sha, set()).add((ours, theirs))
    return out


# --- the ways to merge -------------------------------------------------------------------------


def merges_git(root: Path, pairs: Sequence[Pair]) -> list[frozenset[str]]:
    with tempfile.TemporaryDirectory(prefix="bench-merge-tree-") as tmp:
        env = {
            **ENV,
            "GIT_OBJECT_DIRECTORY": tmp,
            "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(git_dir(root) / "objects"),
        }
        proc = subprocess.run(
            ["git", "merge-tree", "--stdin", "-z", "--name-only", "--messages"],
            cwd=root,
            input="".join(f"{ours} {theirs}\n" for _, ours, theirs in pairs).encode(),
            capture_output=True,
            env=env,
            check=True,
        )
    tokens = iter(proc.stdout.split(b"\0")[:-1])
    return [frozenset(outcome.paths) for _, outcome in parse_merge_tree(tokens)]


def merges_pygit2(pygit2: ModuleType, root: Path, pairs: Sequence[Pair]) -> list[frozenset[str]]:
    with tempfile.TemporaryDirectory(prefix="bench-pygit2-") as tmp:
        return _merges_pygit2(pygit2, scratch_repo(pygit2, git_dir(root) / "objects", tmp), pairs)


def _merges_pygit2(pygit2: ModuleType, repo: Any, pairs: Sequence[Pair]) -> list[frozenset[str]]:
    out = []
    for _, ours, theirs in pairs:
        try:
            index = repo.merge_commits(pygit2.Oid(hex=ours), pygit2.Oid(hex=theirs))
        except pygit2.GitError as exc:  # libgit2 refuses some merges git makes
            out.append(frozenset({f"<error: {exc}>"}))
            continue
        paths: set[str] = set()
        for entries in index.conflicts or ():
            paths.update(e.path for e in entries if e is not None)
        out.append(frozenset(paths))
    return out


def git_dir(root: Path) -> Path:
    return Path(git(root, "rev-parse", "--path-format=absolute", "--git-common-dir").strip())


# --- the run -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, help="an existing clone to read (not modified)")
    parser.add_argument("--base", default="main", help="its default branch (with --repo)")
    parser.add_argument("--merges", type=int, default=2000)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--merge-bases", type=int, default=500)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    pygit2 = require()
    root: Path = args.repo or Path(tempfile.gettempdir()) / "pantheon-bench-history"
    if args.repo is None:
        marker = root / ".git" / "bench-version"
        wanted = f"{VERSION} {args.merges} {args.files}\n"
        if args.rebuild or not marker.exists() or marker.read_text() != wanted:
            build(root, args.merges, args.files)
    objects = git_dir(root) / "objects"
    loose_before = sorted(os.listdir(objects))
    log = first_parent_log(root, args.base, since=None, deadline=None)
    merges = [c for c in log if len(c.parents) >= 2]
    if not merges:
        raise SystemExit(f"no merges on the first-parent line of {args.base} in {root}")
    commits = git(root, "rev-list", "--count", args.base).strip()
    print(
        f"repository: {root} ({args.base}: {commits} commits, {len(log)} on the first-parent "
        f"line, {len(merges)} merges); {version_line(pygit2)}"
    )

    # 1. pairs
    medians, last = alternate(
        {
            "git": lambda: pairs_git(root, merges),
            "per-merge": lambda: pairs_per_merge(root, merges),
            "pygit2": lambda: pairs_pygit2(pygit2, root, merges),
        },
        args.runs,
    )
    expected = by_merge(last["git"])  # type: ignore[arg-type]
    assert by_merge(last["per-merge"]) == expected, "one rev-list and rev-list per merge differ"  # type: ignore[arg-type]
    assert by_merge(last["pygit2"]) == expected, "git and pygit2 found different merges"  # type: ignore[arg-type]
    pairs: list[Pair] = last["git"]  # type: ignore[assignment]
    inner = len(pairs) - len(merges)
    print()
    print(
        f"1. pairs to re-merge: {len(pairs)} ({len(merges)} merges, {inner} merges inside "
        f"their branches), identical all three ways; medians of {args.runs}"
    )
    print(f"   git, one rev-list for the window: {medians['git']:.3f} s")
    print(
        f"   git, one rev-list per merge:      {medians['per-merge']:.3f} s "
        f"(the code before; {medians['per-merge'] / medians['git']:.1f}x the one rev-list)"
    )
    print(
        f"   pygit2, a revwalk per merge:      {medians['pygit2']:.3f} s; "
        f"ratio {ratio(medians['pygit2'], medians['git'])}"
    )

    # 2. trial merges
    m_medians, m_last = alternate(
        {
            "git": lambda: merges_git(root, pairs),
            "pygit2": lambda: merges_pygit2(pygit2, root, pairs),
        },
        args.runs,
    )
    assert sorted(os.listdir(objects)) == loose_before, "a trial merge wrote into the repository"
    got_git: list[frozenset[str]] = m_last["git"]  # type: ignore[assignment]
    got_py: list[frozenset[str]] = m_last["pygit2"]  # type: ignore[assignment]
    differ = [(p, a, b) for p, a, b in zip(pairs, got_git, got_py, strict=True) if a != b]
    conflicted = sum(1 for paths in got_git if paths)
    print()
    print(f"2. trial merges of the {len(pairs)} pairs ({conflicted} conflict for git)")
    print(f"   git merge-tree --stdin: {m_medians['git']:.3f} s")
    print(
        f"   pygit2 merge_commits:   {m_medians['pygit2']:.3f} s; "
        f"ratio {ratio(m_medians['pygit2'], m_medians['git'])}"
    )
    if differ:
        print(f"   conflicted paths differ for {len(differ)} pairs, e.g.:")
        for (_, ours, theirs), a, b in differ[:3]:
            print(f"     {ours[:10]} {theirs[:10]}: git {sorted(a)[:3]}, pygit2 {sorted(b)[:3]}")
    else:
        print("   conflicted paths identical for every pair")

    # 3. the whole, as `pantheon metrics` would run it
    cost = import_cost(max(5, args.runs))
    git_total = medians["git"] + m_medians["git"]
    py_total = cost + medians["pygit2"] + m_medians["pygit2"]
    mixed = cost + medians["pygit2"] + m_medians["git"]
    print()
    print(
        f"3. the whole history: git {git_total:.3f} s; pygit2 {py_total:.3f} s "
        f"(import pygit2 {cost * 1000:.0f} ms included); ratio {ratio(py_total, git_total)}"
    )
    print(
        f"   pygit2 for the pairs and git for the merges: {mixed:.3f} s; "
        f"ratio {ratio(mixed, git_total)}"
    )

    merge_bases(pygit2, root, merges[: args.merge_bases], args.runs)


def merge_bases(
    pygit2: ModuleType, root: Path, merges: Sequence[FirstParentCommit], runs: int
) -> None:
    def by_git() -> list[str]:
        return [git_merge_base(root, *m.parents[:2]) for m in merges]

    def by_pygit2() -> list[str]:
        repo = pygit2.Repository(str(root))  # opened each run: its caches start cold
        found = (repo.merge_base(*(pygit2.Oid(hex=p) for p in m.parents[:2])) for m in merges)
        return [str(oid) if oid is not None else "" for oid in found]

    medians, last = alternate({"git": by_git, "pygit2": by_pygit2}, runs)
    differ = [
        (m, a, b)
        for m, a, b in zip(merges, last["git"], last["pygit2"], strict=True)
        if a != b  # type: ignore[call-overload]
    ]
    each = {name: seconds / len(merges) * 1000 for name, seconds in medians.items()}
    print()
    print(f"4. merge bases of the parents of the newest {len(merges)} merges")
    print(
        f"   git merge-base, one process each: {medians['git']:.3f} s ({each['git']:.2f} ms "
        f"each); pygit2: {medians['pygit2']:.3f} s ({each['pygit2']:.3f} ms each); "
        f"ratio {ratio(medians['pygit2'], medians['git'])}"
    )
    if not differ:
        print("   identical for every merge")
    for merge, a, b in differ[:5]:
        every = git(root, "merge-base", "--all", *merge.parents[:2]).split()
        print(f"   {merge.sha[:10]}: git {a[:10]}, pygit2 {b[:10]} ({len(every)} best bases)")


def git_merge_base(root: Path, a: str, b: str) -> str:
    proc = subprocess.run(
        ["git", "merge-base", a, b], cwd=root, env=ENV, capture_output=True, text=True, check=False
    )
    return proc.stdout.strip()


if __name__ == "__main__":
    main()
