"""Benchmark: the trial merges of ``pantheon conflicts --all --precise``, git beside pygit2.

On the repository of ``conflict_scan.py`` (1,000 story branches over 10,000 files), for the
stories whose branches overlap and their overlapping pairs, both ways in one run:

- git, as ``features/conflicts/run_trial.py`` runs it: every story onto the default branch in
  one ``git merge-tree --stdin`` process, then the pairs of clean results in another, the
  objects written to a throw-away folder;
- pygit2: ``Repository.merge_commits`` for each story onto the default branch, the clean
  results written as trees, then ``Repository.merge_trees`` for each pair with the default
  branch's tree as the base. pygit2 writes merged blobs and trees into the repository's
  object database, so it gets one whose writes go to a throw-away folder too.

The conflicted paths are compared story by story and pair by pair (differences printed).
``import pygit2`` is measured in fresh processes and added to pygit2's time.

Usage: python benchmarks/pygit2_trial.py [--repo PATH] [--branches 1000] [--files 10000]
       [--runs 3]
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

from benchpygit2 import alternate, import_cost, ratio, require, scratch_repo, version_line
from conflict_scan import drop_cache, ensure_built

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.conflicts.merges import Trials, normalize_pair
from pantheon_git.features.conflicts.run_trial import trial_merges
from pantheon_git.git.mergetrial import PREFIX, scratch
from pantheon_git.git.scan import Scanner

PATTERN = r"story/(?P<key>US-\d+)"
Pair = tuple[StoryKey, StoryKey]


def overlapping(scanner: Scanner) -> tuple[dict[StoryKey, str], list[Pair]]:
    """The tips of the stories that share a path with another, and those pairs."""
    scan = scanner.scan()
    by_path: dict[str, list[StoryKey]] = defaultdict(list)
    for key, change in scan.stories.items():
        for path in change.files:
            by_path[path].append(key)
    pairs = sorted(
        {
            normalize_pair(a, b)
            for keys in by_path.values()
            for a, b in itertools.combinations(keys, 2)
        }
    )
    tips = {k: scan.stories[k].tip for pair in pairs for k in pair}
    return tips, pairs


def trials_git(root: Path, tips: Mapping[StoryKey, str], pairs: Sequence[Pair]) -> Trials:
    drop_cache(root)
    return trial_merges(Scanner(root, pattern=PATTERN, default_branch="main"), tips, pairs)


def trials_pygit2(
    pygit2: ModuleType,
    objects: Path,
    base_tip: str,
    tips: Mapping[StoryKey, str],
    pairs: Sequence[Pair],
) -> tuple[dict[StoryKey, frozenset[str]], dict[Pair, frozenset[str]]]:
    def conflicted(index: object) -> frozenset[str]:
        paths: set[str] = set()
        for entries in index.conflicts or ():  # type: ignore[attr-defined]
            paths.update(e.path for e in entries if e is not None)
        return frozenset(paths)

    with tempfile.TemporaryDirectory(prefix=PREFIX, dir=scratch()) as tmp:
        repo = scratch_repo(pygit2, objects, tmp)
        base = repo.get(pygit2.Oid(hex=base_tip))  # type: ignore[attr-defined]
        drift: dict[StoryKey, frozenset[str]] = {}
        trees = {}
        for key, tip in sorted(tips.items()):
            index = repo.merge_commits(base.id, pygit2.Oid(hex=tip))  # type: ignore[attr-defined]
            drift[key] = conflicted(index)
            if not drift[key]:
                trees[key] = repo.get(index.write_tree(repo))  # type: ignore[attr-defined]
        results = {}
        for a, b in pairs:
            if a in trees and b in trees:
                index = repo.merge_trees(base.tree, trees[a], trees[b])  # type: ignore[attr-defined]
                results[(a, b)] = conflicted(index)
    return drift, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repo", type=Path, default=Path(tempfile.gettempdir()) / "pantheon-bench-conflicts"
    )
    parser.add_argument("--branches", type=int, default=1000)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--main-commits", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pygit2 = require()
    root: Path = args.repo
    ensure_built(root, args.branches, args.files, args.main_commits)
    drop_cache(root)
    scanner = Scanner(root, pattern=PATTERN, default_branch="main")
    tips, pairs = overlapping(scanner)
    objects = scanner.git_dir / "objects"
    loose_before = sorted(os.listdir(objects))
    print(
        f"repository: {root} ({len(scanner.story_refs())} story branches); {len(tips)} "
        f"stories overlap in {len(pairs)} pairs; {version_line(pygit2)}"
    )

    medians, last = alternate(
        {
            "git": lambda: trials_git(root, tips, pairs),
            "pygit2": lambda: trials_pygit2(pygit2, objects, scanner.base.tip, tips, pairs),
        },
        args.runs,
    )
    assert sorted(os.listdir(objects)) == loose_before, "a trial merge wrote into the repository"
    trials: Trials = last["git"]  # type: ignore[assignment]
    drift_py, pairs_py = last["pygit2"]  # type: ignore[misc]
    drift_git = {k: frozenset(o.paths) for k, o in trials.drift.items()}
    pairs_git = {p: frozenset(o.paths) for p, o in trials.pairs.items() if o.status != "skipped"}
    cost = import_cost(max(5, args.runs))
    merges = len(drift_git) + len(pairs_git)
    print()
    print(
        f"{len(drift_git)} stories onto main ({sum(1 for v in drift_git.values() if v)} "
        f"conflict), then {len(pairs_git)} pairs of clean results "
        f"({sum(1 for v in pairs_git.values() if v)} conflict); medians of {args.runs}"
    )
    print(
        f"   git merge-tree --stdin (2 processes): {medians['git']:.3f} s "
        f"({medians['git'] / merges * 1000:.2f} ms a merge)"
    )
    total = medians["pygit2"] + cost
    print(
        f"   pygit2 merge_commits + merge_trees:   {medians['pygit2']:.3f} s "
        f"({medians['pygit2'] / merges * 1000:.2f} ms a merge), {total:.3f} s with "
        f"import pygit2 ({cost * 1000:.0f} ms)"
    )
    print(f"   ratio {ratio(total, medians['git'])}")
    differ = [k for k in drift_git if drift_git[k] != drift_py.get(k)]
    differ_pairs = [
        p for p in pairs_git.keys() | pairs_py.keys() if pairs_git.get(p) != pairs_py.get(p)
    ]
    if differ or differ_pairs:
        print(f"   conflicted paths differ: {len(differ)} stories, {len(differ_pairs)} pairs")
    else:
        print("   conflicted paths identical for every story and pair")


if __name__ == "__main__":
    main()
