"""``git/mergehistory.py``: the merges to re-run, found with one ``git rev-list`` for the whole
window, are those ``git rev-list --merges theirs ^ours`` names for each merge on its own."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pantheon_git.git.mergehistory import (
    FirstParentCommit,
    first_parent_log,
    history_graph,
    merge_pairs,
    story_merges,
)
from tests.support.gitrepo import GitRepo

PATTERN = r"^story/(?P<key>US-\d+)"
DEADLINE = None


def story(repo: GitRepo, n: int, files: dict[str, str], start: str = "main") -> str:
    branch = f"story/US-{n}-work"
    repo.git("checkout", "-q", "-b", branch, start)
    if files:
        repo.commit(files, f"US-{n}: work")
    return branch


def land(repo: GitRepo, branch: str, message: str | None = None) -> None:
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", message or f"Merge branch '{branch}'", branch)


def merge_in(repo: GitRepo, branch: str, other: str, resolved: dict[str, str]) -> None:
    """``other`` merged into ``branch``, conflicts settled with ``resolved``."""
    repo.git("checkout", "-q", branch)
    repo.git("merge", "-q", "--no-edit", other, check=False)
    repo.write(resolved)
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-edit", "--no-verify", check=False)


@pytest.fixture
def history(git_repo: GitRepo) -> GitRepo:
    """Story merges of every shape: plain, a PR that merged main back in twice (once with a
    conflict), a story built on another story that had merged main, a criss-cross, a rename
    onto a path with spaces and non-ASCII letters, a squash, a story that merged another
    project's history, and a merge that is no story's."""
    repo = git_repo
    repo.commit({"src/shared.py": "VALUE = 1\n", "src/with space/a b.py": "x = 1\n"}, "base")
    land(repo, story(repo, 1, {"src/one.py": "1\n"}))

    b2 = story(repo, 2, {"src/shared.py": "VALUE = 2\n"})
    repo.git("checkout", "-q", "main")
    repo.commit({"src/shared.py": "VALUE = 'hotfix'\n"}, "hotfix")
    merge_in(repo, b2, "main", {"src/shared.py": "VALUE = 'both'\n"})
    repo.git("checkout", "-q", "main")
    repo.commit({"docs/公共/guide.md": "guide\n"}, "docs")
    merge_in(repo, b2, "main", {})
    b3 = story(repo, 3, {"src/three.py": "3\n"}, start=b2)
    land(repo, b3, f"Merge pull request #3 from acme/{b3}\n\nStacked on US-2")
    repo.git("checkout", "-q", b2)
    repo.commit({"src/two.py": "2\n"}, "US-2: after US-3 landed")
    land(repo, b2)

    b4 = story(repo, 4, {"src/four.py": "4\n"})
    repo.git("checkout", "-q", "main")
    repo.commit({"src/main.py": "m\n"}, "main moves")
    merge_in(repo, b4, "main", {})  # the story merges main, main merges the story's
    repo.git("checkout", "-q", "main")  # first commit: a criss-cross
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'story/US-4-work'", f"{b4}^1")
    repo.git("checkout", "-q", b4)
    repo.commit({"src/four.py": "44\n"}, "US-4: more")
    land(repo, b4)

    b5 = story(repo, 5, {})
    (repo.path / "src/ünï").mkdir()
    repo.git("mv", "src/with space/a b.py", "src/ünï/naïve b.py")
    repo.git("commit", "-q", "--no-verify", "-m", "US-5: rename")
    repo.git("checkout", "-q", "main")
    repo.commit({"src/with space/a b.py": "x = 2\n"}, "edit the old path")
    land(repo, b5)

    repo.commit({"src/six.py": "6\n"}, "US-6: squashed (#6)")
    b7 = story(repo, 7, {"src/seven.py": "7\n"})
    repo.git("checkout", "-q", "--orphan", "vendor")
    repo.git("rm", "-rfq", ".")
    repo.commit({"vendor/lib.py": "lib\n"}, "a library's own history")
    repo.git("checkout", "-q", b7)
    repo.git("merge", "-q", "--allow-unrelated-histories", "-m", "subtree merge", "vendor")
    land(repo, b7)
    other = "release/1.0"
    repo.git("checkout", "-q", "-b", other, "main")
    repo.commit({"CHANGELOG": "1.0\n"}, "changelog")
    land(repo, other)
    return repo


def per_merge(root: Path, merges: list[FirstParentCommit]) -> set[tuple[str, str, str]]:
    """The oracle: one ``git rev-list --merges`` per merge."""
    pairs = set()
    for merge in merges:
        ours, theirs = merge.parents[:2]
        pairs.add((merge.sha, ours, theirs))
        out = subprocess.run(
            ["git", "rev-list", "--merges", "--parents", theirs, f"^{ours}", "--"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        pairs.update((merge.sha, *line.split()[1:3]) for line in out.splitlines())  # type: ignore[misc]
    return pairs


def all_merges(root: Path) -> list[FirstParentCommit]:
    log = first_parent_log(root, "main", since=None, deadline=DEADLINE)
    return [c for c in log if len(c.parents) >= 2]


def test_the_pairs_are_those_of_one_rev_list_per_merge(history: GitRepo) -> None:
    merges = all_merges(history.path)
    assert len(merges) == 8
    for window in (merges, merges[:3], merges[2:5], merges[-1:]):
        found = merge_pairs(window, history_graph(history.path, window, DEADLINE))
        assert len(found) == len(set(found))
        assert set(found) == per_merge(history.path, window)
    inner = len(merge_pairs(merges, history_graph(history.path, merges, DEADLINE))) - len(merges)
    # US-3 brings US-2's two merges of main (none left for US-2), US-4 one, US-7 one
    assert inner == 4


def test_each_story_merge_with_its_conflicts(history: GitRepo) -> None:
    merges = {m.story: m for m in story_merges(history.path, "main", pattern=PATTERN)}
    assert sorted(merges) == ["US-1", "US-2", "US-3", "US-4", "US-5", "US-6", "US-7"]
    # US-3 landed first, with the merge of main that settled US-2's conflict: it counts for
    # the pull request that brought it.
    assert merges["US-3"].paths == ("src/shared.py",)
    assert merges["US-2"].conflicted is False
    assert merges["US-1"].conflicted is False
    assert merges["US-4"].conflicted is False
    assert merges["US-5"].conflicted is False  # the rename follows the edit
    assert merges["US-6"].conflicted is None  # squashed: nothing to re-merge
    assert merges["US-7"].conflicted is None  # git refuses to re-merge unrelated histories


@pytest.mark.parametrize(
    ("depth", "us5"),
    [(6, False), (5, None)],
    ids=["merge-base-kept", "merge-base-cut"],
)
def test_a_shallow_clone_reads_the_history_it_has(
    history: GitRepo, tmp_path: Path, depth: int, us5: bool | None
) -> None:
    history.git("push", "-q", "origin", "main")
    shallow = tmp_path / "shallow"
    url = history.remote.as_uri()
    subprocess.run(["git", "clone", "-q", f"--depth={depth}", url, str(shallow)], check=True)
    merges = all_merges(shallow)
    assert len(merges) == 3  # the release, US-7 and US-5: older ones are cut off
    found = merge_pairs(merges, history_graph(shallow, merges, DEADLINE))
    assert set(found) == per_merge(shallow, merges)
    stories = {m.story: m.conflicted for m in story_merges(shallow, "main", pattern=PATTERN)}
    # US-5's merge can be re-run only when the clone holds its merge base.
    assert stories == {"US-7": None, "US-6": None, "US-5": us5}
