"""Benchmark: the branch scan behind ``pantheon conflicts --all`` and ``pantheon ci``, git
beside pygit2 in one run.

On the repository of ``conflict_scan.py`` (1,000 story branches over 10,000 files by default),
cold cache (as on a CI runner's fresh clone); with ``--merged-main F``, on a copy where a
fraction F of the branches merged main back in (GitHub's "Update branch"), the case where git
needs one ``git merge-base`` process per such branch:

1. in process: the merge base of every story branch with main, by the scan with git alone
   (one ``git rev-list --stdin`` walked in Python, plus one ``git merge-base`` per branch that
   merged main), by the scan as shipped (pygit2 for those branches when there are
   ``IN_PROCESS_FROM`` or more: ``git/mergebases.py``), and by pygit2's ``merge_base`` for
   every branch; then the changed paths of every branch (one ``git diff-tree --stdin``)
   against pygit2's ``diff`` of the two trees per branch;
2. ``pantheon ci``'s git reads for one pull request as whole processes, alternated: the refs,
   the scan above and the head commit's author email (``ci/run.py``), with git alone, as
   shipped, and all through pygit2 (``import pygit2`` included).

Merge bases, paths and the author must be identical every way (asserted).

Usage: python benchmarks/pygit2_scan.py [--repo PATH] [--branches 1000] [--files 10000]
       [--merged-main 0.3] [--runs 5] [--no-commit-graph]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from benchgit import ENV, git
from benchpygit2 import alternate, ratio, require, version_line
from conflict_scan import drop_cache, ensure_built

from pantheon_git.git.mergebases import IN_PROCESS_FROM
from pantheon_git.git.mergetrial import parse_merge_tree
from pantheon_git.git.scan import Scanner

PATTERN = r"story/(?P<key>US-\d+)"

GIT_CHILD = """
import json, sys
from pathlib import Path
from pantheon_git.git.command import run_git
from pantheon_git.git.scan import Scanner
root, pattern, head, threshold = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
in_process_from = None if threshold == "none" else int(threshold)
scanner = Scanner(root, pattern=pattern, default_branch="main", in_process_from=in_process_from)
scan = scanner.scan()
author = run_git(["log", "-1", "--format=%ae", head, "--"], cwd=root).strip()
files = {str(k): sorted(c.files) for k, c in scan.stories.items()}
print(json.dumps({"files": files, "author": author}, sort_keys=True))
"""

PYGIT2_CHILD = """
import json, sys
import pygit2
from pantheon_git.core.keys import branch_story_key
root, pattern, head = sys.argv[1], sys.argv[2], sys.argv[3]
repo = pygit2.Repository(root)
main = repo.references["refs/heads/main"].target
files = {}
for name in repo.references:
    if not name.startswith(("refs/heads/", "refs/remotes/")) or name == "refs/heads/main":
        continue
    key = branch_story_key(name, pattern)
    if key is None:
        continue
    tip = repo.references[name].resolve().target
    base = repo.merge_base(main, tip)
    diff = repo.diff(repo[base].tree, repo[tip].tree)
    paths = {p for d in diff.deltas for p in (d.old_file.path, d.new_file.path)}
    files[str(key)] = sorted(paths)
author = repo[pygit2.Oid(hex=head)].author.email
print(json.dumps({"files": files, "author": author}, sort_keys=True))
"""


def with_main_merged(source: Path, fraction: float, seed: int = 3) -> Path:
    """A copy of ``source`` where ``fraction`` of the story branches merged main (an older
    main, up to 50 commits back) when that merges cleanly. Built once per fraction."""
    repo = Path(f"{source}-merged-{round(fraction * 100)}")
    marker = repo / ".git" / "bench-merged"
    if marker.exists() and marker.read_text() == (source / ".git" / "bench-version").read_text():
        return repo
    if repo.exists():
        shutil.rmtree(repo)
    subprocess.run(
        ["git", "clone", "-q", "--no-local", str(source), str(repo)], env=ENV, check=True
    )
    git(repo, "fetch", "-q", "--update-head-ok", "origin", "+refs/heads/*:refs/heads/*")
    git(repo, "remote", "remove", "origin")
    rnd = random.Random(seed)
    refs = [
        line.split()
        for line in git(
            source, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/story/"
        ).splitlines()
    ]
    chosen = [
        (ref, sha, f"main~{rnd.randint(0, 50)}")
        for ref, sha in rnd.sample(refs, round(len(refs) * fraction))
    ]
    tokens = iter(
        git(
            repo,
            "merge-tree",
            "--stdin",
            "-z",
            "--name-only",
            "--messages",
            data="".join(f"{older} {sha}\n" for _, sha, older in chosen).encode(),
        )
        .encode("utf-8", "surrogateescape")
        .split(b"\0")[:-1]
    )
    updates = []
    for (ref, sha, older), (tree, outcome) in zip(chosen, parse_merge_tree(tokens), strict=True):
        if outcome.clean:
            msg = f"Merge branch 'main' into {ref.removeprefix('refs/heads/')}"
            commit = git(repo, "commit-tree", tree, "-p", sha, "-p", older, "-m", msg).strip()
            updates.append(f"update {ref} {commit}\n")
    git(repo, "update-ref", "--stdin", data="".join(updates).encode())
    git(repo, "gc", "-q")
    print(f"built {repo}: {len(updates)} of {len(refs)} story branches merged main back in")
    marker.write_text((source / ".git" / "bench-version").read_text())
    return repo


def in_process(pygit2: ModuleType, root: Path, runs: int) -> None:
    drop_cache(root)

    def scanner(in_process_from: int | None) -> Scanner:
        return Scanner(
            root, pattern=PATTERN, default_branch="main", in_process_from=in_process_from
        )

    first = scanner(None)
    tips = sorted({first.table.refs[r] for r, _ in first.story_refs()})
    repo = pygit2.Repository(str(root))
    main = pygit2.Oid(hex=first.base.tip)
    stats = {}

    def scan_bases(in_process_from: int | None) -> dict[str, str | None]:
        used = scanner(in_process_from)
        found = used.merge_bases(tips)
        stats[in_process_from] = used.stats
        return found

    medians, last = alternate(
        {
            "git": lambda: scan_bases(None),
            "shipped": lambda: scan_bases(IN_PROCESS_FROM),
            "pygit2": lambda: {t: str(repo.merge_base(main, pygit2.Oid(hex=t))) for t in tips},
        },
        runs,
    )
    bases: dict[str, str] = last["git"]  # type: ignore[assignment]
    assert last["shipped"] == bases, "the scan as shipped and git alone differ"
    assert last["pygit2"] == bases, "pygit2's merge bases differ from git's"
    print(f"1. {len(tips)} story branches, in process, medians of {runs}")
    print(
        f"   merge bases: git alone {medians['git']:.3f} s ({stats[None].git_processes} git "
        f"processes); as shipped {medians['shipped']:.3f} s "
        f"({stats[IN_PROCESS_FROM].merge_bases_in_process} in process); pygit2 for every "
        f"branch {medians['pygit2']:.3f} s; identical"
    )
    shipped = ("as shipped", "git alone")
    print(f"   ratio {ratio(medians['shipped'], medians['git'], shipped)}")

    def diff(tip: str) -> frozenset[str]:
        delta = repo.diff(repo[pygit2.Oid(hex=bases[tip])].tree, repo[pygit2.Oid(hex=tip)].tree)
        return frozenset(p for d in delta.deltas for p in (d.old_file.path, d.new_file.path))

    medians, last = alternate(
        {
            "git": lambda: scanner(None).changed_files([(bases[t], t) for t in tips]),
            "pygit2": lambda: {(bases[t], t): diff(t) for t in tips},
        },
        runs,
    )
    assert last["git"] == last["pygit2"], "changed paths differ"
    print(
        f"   changed paths: git {medians['git']:.3f} s, pygit2 {medians['pygit2']:.3f} s; "
        f"ratio {ratio(medians['pygit2'], medians['git'])}; identical"
    )


def whole_process(root: Path, runs: int) -> None:
    head = git(root, "rev-parse", "story/US-1-bench").strip()

    def child(code: str, *extra: str) -> bytes:
        drop_cache(root)
        argv = [sys.executable, "-c", code, str(root), PATTERN, head, *extra]
        return subprocess.run(argv, env=ENV, capture_output=True, check=True).stdout

    medians, last = alternate(
        {
            "git": lambda: child(GIT_CHILD, "none"),
            "shipped": lambda: child(GIT_CHILD, str(IN_PROCESS_FROM)),
            "pygit2": lambda: child(PYGIT2_CHILD),
            "python": lambda: subprocess.run([sys.executable, "-c", "pass"], env=ENV, check=True),
        },
        runs,
    )
    expected = json.loads(last["git"])  # type: ignore[arg-type]
    assert json.loads(last["shipped"]) == expected, "ci reads differ"  # type: ignore[arg-type]
    assert json.loads(last["pygit2"]) == expected, "ci reads differ"  # type: ignore[arg-type]
    print()
    print(f"2. pantheon ci's git reads for one pull request, whole processes, medians of {runs}")
    print(
        f"   git alone {medians['git']:.3f} s, as shipped {medians['shipped']:.3f} s, all "
        f"pygit2 {medians['pygit2']:.3f} s (python -c pass {medians['python']:.3f} s); identical"
    )
    print(f"   ratio {ratio(medians['pygit2'], medians['git'], ('all pygit2', 'git alone'))}")
    print(f"   ratio {ratio(medians['shipped'], medians['git'], ('as shipped', 'git alone'))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path)
    parser.add_argument("--branches", type=int, default=1000)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--main-commits", type=int, default=300)
    parser.add_argument("--merged-main", type=float, default=0.0, metavar="FRACTION")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-commit-graph", action="store_true")
    args = parser.parse_args()
    pygit2 = require()
    shared = Path(tempfile.gettempdir()) / "pantheon-bench-conflicts"
    default = args.branches == 1000 and args.files == 10_000
    root: Path = args.repo or (shared if default else Path(f"{shared}-{args.branches}"))
    ensure_built(root, args.branches, args.files, args.main_commits)
    if args.merged_main:
        root = with_main_merged(root, args.merged_main)
    graph = root / ".git" / "objects" / "info" / "commit-graph"
    if args.no_commit_graph:
        graph.unlink(missing_ok=True)
    print(
        f"repository: {root} (commit-graph {'present' if graph.exists() else 'absent'}); "
        f"{version_line(pygit2)}"
    )
    print()
    in_process(pygit2, root, args.runs)
    whole_process(root, args.runs)


if __name__ == "__main__":
    main()
