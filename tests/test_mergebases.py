"""``git/mergebases.py``: pygit2's merge bases are git's, and the scan is the same either way.

The repository has story branches that merged main back in (the scan's slow path), one that
did so twice, a criss-cross with main, one with its own history, odd file names and a rename;
the same checks run in a linked worktree and in shallow clones.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pantheon_git.core.keys import DEFAULT_BRANCH_PATTERN
from pantheon_git.git.mergebases import IN_PROCESS_FROM, merge_bases
from pantheon_git.git.scan import Scan, Scanner
from tests.support.gitrepo import GitRepo

UPDATED = IN_PROCESS_FROM  # story branches that merged main back in: enough for pygit2


def story(repo: GitRepo, n: int, files: dict[str, str], base: str = "main") -> str:
    branch = f"story/US-{n}-work"
    repo.git("checkout", "-q", "-b", branch, base)
    repo.commit(files, f"US-{n}: work")
    return branch


def merge_main(repo: GitRepo, branch: str, main: str = "main") -> None:
    repo.git("checkout", "-q", branch)
    repo.git("merge", "-q", "--no-edit", main)


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.commit({"src/a.py": "a\n", "src/with space/b c.py": "b\n"}, "base")
    for n in range(1, UPDATED + 1):
        branch = story(git_repo, n, {f"src/s{n}.py": f"{n}\n", "docs/公共/guide.md": f"{n}\n"})
        git_repo.git("checkout", "-q", "main")
        git_repo.commit({f"src/main{n}.py": "m\n"}, f"main moves {n}")
        merge_main(git_repo, branch)
    merge_main(git_repo, "story/US-1-work")  # twice
    git_repo.git("checkout", "-q", "main")
    git_repo.commit({"src/a.py": "aa\n"}, "main moves again")
    merge_main(git_repo, "story/US-2-work")
    git_repo.git("checkout", "-q", "main")  # main merges the story's first commit: criss-cross
    git_repo.git("merge", "-q", "--no-ff", "-m", "take US-3 early", "story/US-3-work~1")
    story(git_repo, 101, {"src/plain.py": "p\n"})
    git_repo.git("checkout", "-q", "-b", "story/US-102-renames", "main")
    (git_repo.path / "src/ünï").mkdir()
    git_repo.git("mv", "src/with space/b c.py", "src/ünï/naïve.py")
    git_repo.git("commit", "-q", "--no-verify", "-m", "US-102: rename")
    git_repo.git("checkout", "-q", "--orphan", "story/US-103-own-history")
    git_repo.git("rm", "-rfq", ".")
    git_repo.commit({"other.txt": "o\n"}, "US-103: unrelated")
    git_repo.git("checkout", "-q", "main")
    git_repo.git("push", "-q", "--all", "origin")
    return git_repo


def tips(repo: GitRepo) -> list[str]:
    out = repo.git("for-each-ref", "--format=%(objectname)", "refs/heads/story/")
    return sorted(set(out.split()))


def git_merge_base(repo: GitRepo, tip: str) -> str | None:
    return repo.git("merge-base", "main", tip, check=False).strip() or None


def common_dir(repo: GitRepo) -> Path:
    return Path(repo.git("rev-parse", "--path-format=absolute", "--git-common-dir").strip())


def scan(repo: GitRepo, in_process_from: int | None) -> Scan:
    (common_dir(repo) / "pantheon" / "scan-cache.json").unlink(missing_ok=True)
    return Scanner(
        repo.path,
        pattern=DEFAULT_BRANCH_PATTERN,
        default_branch="main",
        in_process_from=in_process_from,
    ).scan()


def boundaries(repo: GitRepo, main: str, refs: str = "refs/heads/story/") -> dict[str, set[str]]:
    """Each tip's candidates, as the scan's walk finds them: the commits on main's history
    that its own commits start from."""
    out = {}
    for tip in sorted(set(repo.git("for-each-ref", "--format=%(objectname)", refs).split())):
        lines = repo.git("rev-list", "--parents", tip, f"^{main}").splitlines()
        own = {line.split()[0]: line.split()[1:] for line in lines}
        out[tip] = {p for parents in own.values() for p in parents if p not in own}
    return {tip: found for tip, found in out.items() if len(found) > 1}


def test_pygit2_gives_gits_merge_base_where_it_is_unique(repo: GitRepo) -> None:
    main = repo.git("rev-parse", "main").strip()
    slow = boundaries(repo, main)
    assert len(slow) == UPDATED
    found = merge_bases(common_dir(repo), main, slow)
    assert found == {tip: git_merge_base(repo, tip) for tip in found}
    # US-3's criss-cross has two best merge bases of the same date: git picks one of them,
    # libgit2 the other, so it is left for git.
    us3 = repo.git("rev-parse", "story/US-3-work").strip()
    assert len(repo.git("merge-base", "--all", "main", us3).split()) == 2
    assert set(slow) - set(found) == {us3}


def test_a_scan_finds_the_same_either_way(repo: GitRepo) -> None:
    by_git = scan(repo, None)
    in_process = scan(repo, 1)
    assert in_process.stories == by_git.stories
    assert by_git.stats.merge_bases_in_process == 0
    assert in_process.stats.merge_bases_in_process == UPDATED - 1  # all but US-3
    assert by_git.stats.git_processes == in_process.stats.git_processes + UPDATED - 1
    # below the threshold, git answers
    assert scan(repo, UPDATED + 1).stats.merge_bases_in_process == 0


def test_the_same_in_a_linked_worktree(repo: GitRepo, tmp_path: Path) -> None:
    tree = tmp_path / "linked"
    repo.git("worktree", "add", "-q", str(tree), "story/US-101-work")
    linked = GitRepo(tree, repo.remote)
    assert scan(linked, 1).stories == scan(linked, None).stories


@pytest.mark.parametrize("depth", [2, 4])
def test_the_same_in_a_shallow_clone(repo: GitRepo, tmp_path: Path, depth: int) -> None:
    clone = tmp_path / "shallow"
    url = repo.remote.as_uri()
    subprocess.run(
        ["git", "clone", "-q", "--no-single-branch", f"--depth={depth}", url, str(clone)],
        check=True,
    )
    shallow = GitRepo(clone, repo.remote)
    assert shallow.git("rev-parse", "--is-shallow-repository").strip() == "true"
    main = shallow.git("rev-parse", "origin/main").strip()
    found = merge_bases(common_dir(shallow), main, boundaries(shallow, main, "refs/remotes/"))
    # At depth 2 the branches' merges of main have lost their parents' parents: one
    # candidate each, nothing left to ask.
    assert bool(found) is (depth > 2)
    assert found == {
        tip: shallow.git("merge-base", main, tip, check=False).strip() or None for tip in found
    }
    assert scan(shallow, 1).stories == scan(shallow, None).stories


def test_replaced_objects_are_left_to_git(repo: GitRepo) -> None:
    """libgit2 ignores ``refs/replace``: with one present, git answers."""
    first = repo.git("rev-parse", "story/US-101-work").strip()
    replacement = repo.git("commit-tree", "main~1^{tree}", "-m", "replacement").strip()
    repo.git("replace", first, replacement)
    main = repo.git("rev-parse", "main").strip()
    assert merge_bases(common_dir(repo), main, {first: {main}}) is None
    assert scan(repo, 1).stories == scan(repo, None).stories


def test_the_pre_push_check_never_loads_pygit2(repo: GitRepo) -> None:
    """Even with more branches to settle than the threshold, a hook's scan uses git alone;
    the command does load pygit2 there (so this test would see it)."""
    code = (
        "import json, sys\n"
        "from pantheon_git.app import App\n"
        "from pantheon_git.features.conflicts.run import check_branch\n"
        "report = check_branch(App.load(), 'story/US-101-work', hook=sys.argv[1] == 'hook')\n"
        "print(json.dumps([report.stats['merge_bases_in_process'], 'pygit2' in sys.modules]))\n"
    )
    seen = {}
    for mode in ("hook", "command"):
        (common_dir(repo) / "pantheon" / "scan-cache.json").unlink(missing_ok=True)
        proc = subprocess.run(
            [sys.executable, "-c", code, mode],
            cwd=repo.path,
            capture_output=True,
            text=True,
            check=True,
        )
        seen[mode] = json.loads(proc.stdout)
    assert seen == {"hook": [0, False], "command": [UPDATED - 1, True]}
