"""Story branch overlaps and trial merges on real repositories with a bare remote."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pantheon_git import errors
from pantheon_git.app import App
from pantheon_git.cache import assignments
from pantheon_git.cli import main as cli_main
from pantheon_git.config import Config
from pantheon_git.core.keys import DEFAULT_BRANCH_PATTERN, StoryKey
from pantheon_git.core.story import Lock, Story
from pantheon_git.errors import GitError, UsageError
from pantheon_git.features.conflicts.run import check_all, check_branch, prepush_check
from pantheon_git.git.batch import stream_git
from pantheon_git.git.commitgraph import ensure_commit_graph, has_commit_graph
from pantheon_git.git.scan import Scanner
from tests.support import cachefiles
from tests.support.gitrepo import GitRepo

K = StoryKey.parse
BASE_FILES = {f"src/m{i}.py": "".join(f"line {j}\n" for j in range(1, 21)) for i in range(6)}


def edit(repo: GitRepo, path: str, line: int, text: str) -> dict[str, str]:
    """Replace one line of a file in the work tree; returns the mapping for commit()."""
    lines = (repo.path / path).read_text().splitlines(keepends=True)
    lines[line - 1] = text + "\n"
    return {path: "".join(lines)}


def story(repo: GitRepo, branch: str, *changes: dict[str, str], base: str = "main") -> str:
    repo.git("checkout", "-q", "-b", branch, base)
    for i, files in enumerate(changes):
        repo.write(files)
        repo.git("add", "-A")  # not `add -- paths`: ":name" would be pathspec magic
        repo.git("commit", "-q", "--no-verify", "-m", f"{branch}: step {i}")
    tip = repo.git("rev-parse", "HEAD").strip()
    repo.git("checkout", "-q", "main")
    return tip


def app_for(repo: GitRepo, **settings: object) -> App:
    return App(config=Config(**settings), root=repo.path)  # type: ignore[arg-type]


def naive(repo: GitRepo, branch: str, base: str = "main") -> set[str]:
    out = repo.git("diff", "--name-only", "-z", "--no-renames", f"{base}...{branch}")
    return set(out.split("\0")) - {""}


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.commit(BASE_FILES, "base files")
    git_repo.git("push", "-q", "origin", "main")
    return git_repo


def cli(monkeypatch: pytest.MonkeyPatch, where: Path, *args: str) -> int:
    monkeypatch.chdir(where)
    return cli_main(list(args))


# --- overlaps --------------------------------------------------------------------------------


def test_two_developers_see_each_others_overlap(repo: GitRepo, tmp_path: Path) -> None:
    alice = repo.clone(tmp_path / "alice")
    bob = repo.clone(tmp_path / "bob")
    bob.git("config", "user.email", "bob@example.com")
    story(alice, "story/US-10-login", edit(alice, "src/m1.py", 3, "alice"))
    alice.git("push", "-q", "origin", "story/US-10-login")
    story(bob, "story/US-11-signup", edit(bob, "src/m1.py", 15, "bob"), {"src/new.py": "x\n"})
    bob.git("push", "-q", "origin", "story/US-11-signup")
    alice.git("fetch", "-q", "origin")
    bob.git("fetch", "-q", "origin")

    mine = check_branch(app_for(alice), "story/US-10-login")
    assert [(str(o.story), o.branch, o.files) for o in mine.overlaps] == [
        ("US-11", "origin/story/US-11-signup", ("src/m1.py",))
    ]
    theirs = check_branch(app_for(bob), "story/US-11-signup")
    assert [(str(o.story), o.branch, o.files) for o in theirs.overlaps] == [
        ("US-10", "origin/story/US-10-login", ("src/m1.py",))
    ]
    assert theirs.files == ("src/m1.py", "src/new.py")


def test_scan_matches_git_diff_three_dot_for_every_kind_of_branch(repo: GitRepo) -> None:
    story(repo, "story/US-1-plain", edit(repo, "src/m0.py", 1, "a"), {"docs/a.md": "a\n"})
    story(repo, "story/US-2-stacked", {"src/m2.py": "b\n"}, base="story/US-1-plain")
    story(repo, "story/US-3-empty")  # at main: changes nothing
    story(repo, "story/US-4-merged", {"src/m3.py": "merged\n"})
    old_main = repo.git("rev-parse", "main").strip()
    repo.git("merge", "-q", "--no-ff", "-m", "merge US-4", "story/US-4-merged")
    repo.commit(edit(repo, "src/m5.py", 2, "main moved"), "main moves")
    # main merged into a story: two parents outside the story-only commits
    story(repo, "story/US-5-merges-main", {"src/m4.py": "c\n"}, base=old_main)
    repo.git("checkout", "-q", "story/US-5-merges-main")
    repo.git("merge", "-q", "--no-edit", "main")
    repo.commit({"src/m4.py": "d\n"}, "after merging main")
    repo.git("checkout", "-q", "main")
    story(repo, "story/US-6-removes")
    repo.git("checkout", "-q", "story/US-6-removes")
    repo.git("rm", "-q", "src/m0.py")
    repo.git("mv", "src/m1.py", "src/renamed.py")
    repo.git("commit", "-q", "-m", "remove and rename")
    repo.git("checkout", "-q", "main")

    scan = Scanner(repo.path, pattern=DEFAULT_BRANCH_PATTERN).scan()
    for key, changes in scan.stories.items():
        assert changes.files == naive(repo, changes.ref), key
    assert scan.stories[K("US-6")].files == {"src/m0.py", "src/m1.py", "src/renamed.py"}
    assert scan.stories[K("US-4")].files == frozenset()
    assert scan.stories[K("US-3")].files == frozenset()
    assert scan.stats.git_processes >= 4  # one merge-base for the branch that merged main


def test_local_and_remote_twin_count_once_preferring_the_one_ahead(
    repo: GitRepo, tmp_path: Path
) -> None:
    story(repo, "story/US-7-x", {"src/a.py": "1\n"})
    repo.git("push", "-q", "origin", "story/US-7-x")
    story(repo, "story/US-8-y", {"src/b.py": "1\n"})
    # local ahead of its remote-tracking twin
    repo.git("checkout", "-q", "story/US-7-x")
    repo.commit({"src/c.py": "2\n"}, "local only")
    repo.git("checkout", "-q", "main")
    scan = Scanner(repo.path, pattern=DEFAULT_BRANCH_PATTERN).scan()
    assert scan.stats.story_refs == 3
    assert len(scan.stories) == 2
    us7 = scan.stories[K("US-7")]
    assert us7.ref == "refs/heads/story/US-7-x"
    assert us7.files == {"src/a.py", "src/c.py"}
    assert us7.twins == ("origin/story/US-7-x",)

    # someone else pushed on top: the remote-tracking ref is ahead now
    other = repo.clone(tmp_path / "other")
    other.git("checkout", "-q", "story/US-7-x")
    other.git("reset", "-q", "--hard", "origin/story/US-7-x")
    other.commit({"src/d.py": "3\n"}, "pushed by someone else")
    other.git("push", "-q", "-f", "origin", "story/US-7-x")
    repo.git("fetch", "-q", "origin")
    repo.git("branch", "-f", "story/US-7-x", "origin/story/US-7-x~1")
    scan = Scanner(repo.path, pattern=DEFAULT_BRANCH_PATTERN).scan()
    assert scan.stories[K("US-7")].ref == "refs/remotes/origin/story/US-7-x"
    assert scan.stories[K("US-7")].files == {"src/a.py", "src/d.py"}

    # diverged: the newer commit wins
    repo.git("checkout", "-q", "story/US-7-x")
    repo.write({"src/e.py": "4\n"})
    repo.git("add", "src/e.py")
    older = {"GIT_COMMITTER_DATE": "2025-12-01T00:00:00+00:00"}
    repo.git("commit", "-q", "-m", "diverged, older", env=older)
    repo.git("checkout", "-q", "main")
    scan = Scanner(repo.path, pattern=DEFAULT_BRANCH_PATTERN).scan()
    assert scan.stories[K("US-7")].ref == "refs/remotes/origin/story/US-7-x"
    newer = {"GIT_COMMITTER_DATE": "2026-02-01T00:00:00+00:00"}
    repo.git("checkout", "-q", "story/US-7-x")
    repo.git("commit", "-q", "--amend", "--no-edit", env=newer)
    repo.git("checkout", "-q", "main")
    scan = Scanner(repo.path, pattern=DEFAULT_BRANCH_PATTERN).scan()
    assert scan.stories[K("US-7")].ref == "refs/heads/story/US-7-x"
    assert scan.stories[K("US-7")].files == {"src/a.py", "src/e.py"}


def test_hostile_branch_and_file_names_are_reported_exactly(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = "story/US-1-$(touch${IFS}pwned)"
    quoted = 'story/US-2-it\'s"q"`id`;|&{}'
    uni = "story/US-3-ünïcødé"
    names = ["src/ü n\"i'q.py", "src/公共/$(touch pwned2).txt", "src/tab\there.py", ":colon"]
    sha_named = "0123456789abcdef0123456789abcdef01234567"
    story(repo, hostile, dict.fromkeys(names, "a\n") | {sha_named: "x\n"})
    story(repo, quoted, {names[0]: "b\n", sha_named: "y\n"})
    story(repo, uni, {names[1]: "c\n", names[2]: "c\n", names[3]: "c\n"})

    report = check_branch(app_for(repo), hostile)
    assert set(report.files) == {*names, sha_named}
    got = {str(o.story): (o.branch, set(o.files)) for o in report.overlaps}
    assert got == {
        "US-2": (quoted, {names[0], sha_named}),
        "US-3": (uni, {names[1], names[2], names[3]}),
    }
    repo.git("checkout", "-q", hostile)
    assert cli(monkeypatch, repo.path, "conflicts", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["branch"] == hostile
    assert {o["branch"] for o in doc["overlaps"]} == {quoted, uni}
    assert cli(monkeypatch, repo.path, "conflicts", "--all", "--precise") == 0
    text = capsys.readouterr().out
    assert "src/ü n\"i'q.py" in text
    assert not (repo.path / "pwned").exists()
    assert not list(repo.path.rglob("pwned*"))


# --- precise ---------------------------------------------------------------------------------


def test_precise_finds_a_real_conflict_and_passes_a_clean_same_file_change(repo: GitRepo) -> None:
    story(repo, "story/US-1-a", edit(repo, "src/m1.py", 3, "US-1 says"))
    story(repo, "story/US-2-b", edit(repo, "src/m1.py", 3, "US-2 says otherwise"))
    story(repo, "story/US-3-c", edit(repo, "src/m1.py", 18, "US-3, far away"))
    objects_before = repo.git("count-objects", "-v")

    report = check_branch(app_for(repo), "story/US-1-a", precise=True)
    assert {str(o.story) for o in report.overlaps} == {"US-2", "US-3"}
    assert report.trials is not None
    conflict = report.trials.pair(K("US-1"), K("US-2"))
    assert conflict is not None
    assert conflict.conflicted
    assert [(c.path, c.kind) for c in conflict.conflicts] == [("src/m1.py", "contents")]
    clean = report.trials.pair(K("US-1"), K("US-3"))
    assert clean is not None
    assert clean.clean
    # trial merges write their objects elsewhere: the repository is untouched
    assert repo.git("count-objects", "-v") == objects_before
    names = sorted(p.name for p in (repo.path / ".git" / "pantheon").iterdir())
    assert names == ["scan-cache.json", "trial-cache.json"]

    matrix = check_all(app_for(repo), precise=True)
    assert matrix.trials is not None
    statuses = {(str(a), str(b)): o.status for (a, b), o in matrix.trials.pairs.items()}
    assert statuses == {
        ("US-1", "US-2"): "conflict",
        ("US-1", "US-3"): "clean",
        ("US-2", "US-3"): "clean",
    }


def test_precise_separates_main_drift_from_story_conflicts(repo: GitRepo) -> None:
    """A tip-against-tip merge would blame US-2 for main's change; rebased on main it is clean."""
    old = repo.git("rev-parse", "main").strip()
    story(repo, "story/US-1-old", edit(repo, "src/m2.py", 5, "US-1 on old main"), base=old)
    repo.commit(edit(repo, "src/m2.py", 5, "main changed this line"), "main moves")
    story(repo, "story/US-2-new", edit(repo, "src/m2.py", 12, "US-2 elsewhere"))
    story(repo, "story/US-3-new", edit(repo, "src/m2.py", 12, "US-3 same line"))
    tip_vs_tip = subprocess.run(
        ["git", "merge-tree", "--write-tree", "story/US-1-old", "story/US-2-new"],
        cwd=repo.path,
        capture_output=True,
        check=False,
    )
    assert tip_vs_tip.returncode == 1  # what a naive check would report

    matrix = check_all(app_for(repo), precise=True)
    assert matrix.trials is not None
    drift = {str(k): v.status for k, v in matrix.trials.drift.items()}
    assert drift == {"US-1": "conflict", "US-2": "clean", "US-3": "clean"}
    pairs = {(str(a), str(b)): o for (a, b), o in matrix.trials.pairs.items()}
    assert pairs[("US-1", "US-2")].status == "skipped"
    assert "US-1 does not merge cleanly onto main" in (pairs[("US-1", "US-2")].reason or "")
    assert pairs[("US-2", "US-3")].status == "conflict"


# --- cache -----------------------------------------------------------------------------------


def test_a_warm_run_starts_no_git_process_beyond_listing_refs(repo: GitRepo) -> None:
    for i in range(5):
        story(repo, f"story/US-{i}-s", {f"src/s{i}.py": "x\n", "src/shared.py": f"{i}\n"})
    cold = Scanner(repo.path, pattern=DEFAULT_BRANCH_PATTERN)
    cold.scan()
    cold.save()
    assert cold.stats.diffs_computed == 5
    assert cold.stats.cache_written
    warm = Scanner(repo.path, pattern=DEFAULT_BRANCH_PATTERN)
    scan = warm.scan()
    warm.save()
    assert (warm.stats.git_processes, warm.stats.diffs_computed) == (1, 0)  # for-each-ref
    assert warm.stats.merge_bases_computed == 0
    assert not warm.stats.cache_written
    assert scan.stories[K("US-3")].files == {"src/s3.py", "src/shared.py"}


def test_cache_follows_a_moved_tip_and_a_moved_base(repo: GitRepo) -> None:
    story(repo, "story/US-1-a", {"src/a.py": "1\n"})
    story(repo, "story/US-2-b", {"src/b.py": "1\n"})
    scanner = Scanner(repo.path, pattern=DEFAULT_BRANCH_PATTERN)
    scanner.scan()
    scanner.save()

    repo.git("checkout", "-q", "story/US-1-a")
    repo.commit({"src/a2.py": "2\n"}, "tip moves")
    repo.git("checkout", "-q", "main")
    moved = Scanner(repo.path, pattern=DEFAULT_BRANCH_PATTERN)
    scan = moved.scan()
    moved.save()
    assert scan.stories[K("US-1")].files == {"src/a.py", "src/a2.py"}
    assert (moved.stats.merge_bases_computed, moved.stats.diffs_computed) == (1, 1)

    # the base moves and takes US-2 in: its merge base changes, its changes vanish
    repo.git("merge", "-q", "--no-ff", "-m", "take US-2", "story/US-2-b")
    repo.git("push", "-q", "origin", "main")
    based = Scanner(repo.path, pattern=DEFAULT_BRANCH_PATTERN)
    scan = based.scan()
    based.save()
    assert based.stats.merge_bases_computed == 2
    assert based.stats.diffs_computed == 0  # US-1's (merge base, tip) is unchanged
    assert scan.stories[K("US-2")].files == frozenset()
    assert scan.stories[K("US-1")].files == {"src/a.py", "src/a2.py"}
    doc = json.loads((repo.path / ".git" / "pantheon" / "scan-cache.json").read_text())
    assert len(doc["merge_bases"]) == 2  # entries for the old base tip were dropped


@pytest.mark.parametrize("content", [b"{not json", b'{"version": 99}', b"[]", b"\xff\xfe"])
def test_a_corrupt_cache_is_ignored_and_rebuilt(repo: GitRepo, content: bytes) -> None:
    story(repo, "story/US-1-a", {"src/a.py": "1\n"})
    path = repo.path / ".git" / "pantheon" / "scan-cache.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    scanner = Scanner(repo.path, pattern=DEFAULT_BRANCH_PATTERN)
    scan = scanner.scan()
    scanner.save()
    assert scan.stories[K("US-1")].files == {"src/a.py"}
    assert any("scan-cache.json" in n for n in scan.notes)
    assert json.loads(path.read_text())["version"] == 1


def test_a_branch_pointing_at_something_else_than_a_commit_is_skipped(repo: GitRepo) -> None:
    story(repo, "story/US-1-a", {"src/a.py": "1\n"})
    tree = repo.git("rev-parse", "main^{tree}").strip()
    # git refuses this for refs/heads, not for remote-tracking refs (a fetch can bring one)
    repo.git("update-ref", "refs/remotes/origin/story/US-2-tree", tree)
    scanner = Scanner(repo.path, pattern=DEFAULT_BRANCH_PATTERN)
    scan = scanner.scan()
    assert scan.stories[K("US-1")].files == {"src/a.py"}
    assert scan.stories[K("US-2")].files == frozenset()
    assert f"{tree[:10]} is a tree, not a commit: skipped" in scan.notes
    report = check_branch(app_for(repo), "story/US-1-a")
    assert report.overlaps == []


def test_the_cache_lives_in_the_common_git_dir_of_linked_worktrees(
    repo: GitRepo, tmp_path: Path
) -> None:
    story(repo, "story/US-1-a", {"src/a.py": "1\n"})
    repo.git("worktree", "add", "-q", str(tmp_path / "wt"), "story/US-1-a")
    report = check_branch(App(config=Config(), root=tmp_path / "wt"))
    assert report.key == K("US-1")
    assert (repo.path / ".git" / "pantheon" / "scan-cache.json").is_file()
    assert not (tmp_path / "wt" / ".git").is_dir()


# --- holders and declared files --------------------------------------------------------------


def test_holders_and_declared_files_come_from_the_rally_cache(repo: GitRepo) -> None:
    story(repo, "story/US-1-a", {"src/a.py": "1\n", "src/b.py": "1\n"})
    story(repo, "story/US-2-b", {"src/a.py": "2\n"})
    app = app_for(repo)
    now = datetime.now(UTC)
    later, earlier = now + timedelta(hours=8), now - timedelta(hours=30)
    locks = [
        Story(K("US-2"), "b", epic="F17", lock=Lock("jane@example.com", now, later)),
        Story(K("US-9"), "z", epic="F17", lock=Lock("bob@example.com", now, later)),
        Story(K("US-8"), "y", epic="F17", lock=Lock("old@example.com", earlier, now)),
    ]
    assignments.write(app.cache, assignments.Assignments.of(locks, now))
    declared = {"US-9": ["src/b.py", "/src/z.py", ""], "US-8": ["src/b.py"]}  # US-8: expired
    cachefiles.write_graph(app.cache, ["US-8", "US-9"], files=declared)
    report = check_branch(app, "story/US-1-a")
    got = [(str(o.story), o.holder, o.branch, o.files, o.declared) for o in report.overlaps]
    assert got == [
        ("US-2", "jane@example.com", "story/US-2-b", ("src/a.py",), ()),
        ("US-9", "bob@example.com", None, (), ("src/b.py",)),
    ]


@pytest.mark.parametrize("name", ["assignments.json", "dependencies.json"])
def test_a_cache_document_this_version_did_not_write_stops_the_check(
    repo: GitRepo,
    name: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tip = story(repo, "story/US-1-a", {"src/a.py": "1\n"})
    story(repo, "story/US-2-b", {"src/a.py": "2\n"})
    app = app_for(repo)
    app.cache.dir.mkdir(parents=True)
    (app.cache.dir / name).write_text('{"schema": 99}')
    rebuild = "pantheon sync" if name == "assignments.json" else "pantheon deps"
    expected = (
        f".bmad/rally-cache/{name} was written by a newer pantheon (schema 99; this one "
        f"reads {1 if name == 'assignments.json' else 2}): run `{rebuild}` to rebuild it"
    )
    assert cli(monkeypatch, repo.path, "conflicts", "story/US-1-a") == errors.CONFIG
    assert capsys.readouterr().err == f"error: {expected}\n"
    # the pre-push hook says so and lets the push go on
    result = prepush_check(app, local_ref="refs/heads/story/US-1-a", local_sha=tip)
    assert (result.checked, result.exit_code) == (False, 0)
    assert result.skipped == f"conflict check not run: {expected}"


# --- errors and edge cases -------------------------------------------------------------------


def test_detached_head_non_story_branch_and_unknown_branch(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    story(repo, "story/US-1-a", {"src/a.py": "1\n"})
    assert cli(monkeypatch, repo.path, "conflicts") == errors.USAGE
    assert "main is not a story branch" in capsys.readouterr().err
    repo.git("checkout", "-q", "--detach", "main")
    assert cli(monkeypatch, repo.path, "conflicts") == errors.USAGE
    err = capsys.readouterr().err
    assert "HEAD is detached" in err
    assert "pantheon conflicts --all" in err
    assert cli(monkeypatch, repo.path, "conflicts", "story/US-404-nope") == errors.USAGE
    assert "no branch named 'story/US-404-nope'" in capsys.readouterr().err
    # a story key works as well as a branch name
    assert cli(monkeypatch, repo.path, "conflicts", "us-1", "--json") == 0
    assert json.loads(capsys.readouterr().out)["branch"] == "story/US-1-a"
    assert cli(monkeypatch, repo.path, "conflicts", "--all", "story/US-1-a") == errors.USAGE


def test_no_default_branch_is_a_clear_git_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "lonely"
    subprocess.run(["git", "init", "-q", "-b", "story/US-1-first", str(path)], check=True)
    repo = GitRepo(path, path)
    repo.commit({"a.py": "1\n"}, "first")
    assert cli(monkeypatch, path, "conflicts") == errors.GIT
    err = capsys.readouterr().err
    assert "cannot find the default branch" in err
    assert "default_branch" in err
    with pytest.raises(GitError, match="'trunk' does not exist"):
        check_branch(App(config=Config(default_branch="trunk"), root=path))


def test_json_is_one_document_and_text_is_the_report(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    story(repo, "story/US-1-a", {"src/a.py": "1\n"})
    story(repo, "story/US-2-b", {"src/a.py": "2\n"})
    repo.git("checkout", "-q", "story/US-1-a")
    assert cli(monkeypatch, repo.path, "conflicts", "--json", "--precise") == 0
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert doc["story"] == "US-1"
    assert doc["overlaps"][0]["trial_merge"]["status"] == "conflict"
    assert cli(monkeypatch, repo.path, "conflicts", "--all", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(p["a"], p["b"], p["files"]) for p in doc["pairs"]] == [("US-1", "US-2", ["src/a.py"])]
    assert cli(monkeypatch, repo.path, "conflicts") == 0
    text = capsys.readouterr().out
    assert "Conflict Check: story/US-1-a" in text
    assert "US-2  story/US-2-b  (no lock in the cache)" in text


def test_the_installed_command_end_to_end(repo: GitRepo) -> None:
    story(repo, "story/US-1-a", {"src/a.py": "1\n"})
    story(repo, "story/US-2-b", {"src/a.py": "2\n"})
    exe = Path(sys.executable).parent / "pantheon"
    proc = subprocess.run(
        [str(exe), "conflicts", "story/US-2-b", "--json"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["overlaps"][0]["story"] == "US-1"
    assert proc.stderr == ""  # no progress when stderr is not a terminal


# --- the pre-push hook's entry ---------------------------------------------------------------


def test_prepush_check_applies_the_policy(repo: GitRepo) -> None:
    story(repo, "story/US-1-a", edit(repo, "src/m1.py", 2, "a"))
    tip = story(repo, "story/US-2-b", edit(repo, "src/m1.py", 19, "b"))
    warn = prepush_check(app_for(repo), local_ref="refs/heads/story/US-2-b", local_sha=tip)
    assert warn.checked
    assert warn.exit_code == 0
    assert warn.report is not None
    assert [str(o.story) for o in warn.report.overlaps] == ["US-1"]
    blocked = prepush_check(
        app_for(repo, conflicts="block"), local_ref="refs/heads/story/US-2-b", local_sha=tip
    )
    assert blocked.exit_code == 1
    assert "US-1" in blocked.decision.reason
    precise = prepush_check(
        app_for(repo, conflicts="block", conflicts_precise=True),
        local_ref="refs/heads/story/US-2-b",
        local_sha=tip,
    )
    assert precise.exit_code == 0  # the two edits merge cleanly
    assert precise.to_dict()["report"]["overlaps"][0]["trial_merge"]["status"] == "clean"


def test_prepush_checks_the_pushed_commit_not_the_ref(repo: GitRepo) -> None:
    story(repo, "story/US-1-a", {"src/a.py": "1\n"})
    first = story(repo, "story/US-2-b", {"src/b.py": "1\n"}, {"src/a.py": "2\n"})
    parent = repo.git("rev-parse", f"{first}~1").strip()
    result = prepush_check(
        app_for(repo, conflicts="block"), local_ref="refs/heads/story/US-2-b", local_sha=parent
    )
    assert result.report is not None
    assert result.report.files == ("src/b.py",)
    assert result.exit_code == 0
    # pushing a detached commit to a story branch name: the remote ref names the story
    result = prepush_check(
        app_for(repo, conflicts="block"),
        local_ref="HEAD",
        local_sha=first,
        remote_ref="refs/heads/story/US-2-b",
    )
    assert result.exit_code == 1


def test_prepush_never_blocks_on_its_own_trouble(repo: GitRepo) -> None:
    tip = story(repo, "story/US-1-a", {"src/a.py": "1\n"})
    app = app_for(repo, conflicts="block")
    deletion = prepush_check(app, local_ref="(delete)", local_sha="0" * 40)
    assert (deletion.checked, deletion.exit_code, deletion.skipped) == (False, 0, "branch deletion")
    other = prepush_check(app, local_ref="refs/heads/feature/x", local_sha=tip)
    assert other.skipped == "feature/x is not a story branch"
    late = prepush_check(app, local_ref="refs/heads/story/US-1-a", local_sha=tip, budget=1e-9)
    assert not late.checked
    assert late.exit_code == 0
    assert "time budget" in (late.skipped or "")


def test_a_batch_process_is_killed_at_its_deadline(repo: GitRepo, tmp_path: Path) -> None:
    """git and what it started (here a shell that became ``sleep``) are killed, not waited
    for: the sleep is gone long before it would have ended."""
    pidfile = tmp_path / "pid"
    with pytest.raises(GitError, match="time budget"):
        list(
            stream_git(
                ["-c", f"alias.slow=!echo $$ > '{pidfile}'; exec sleep 60", "slow"],
                [],
                cwd=repo.path,
                deadline=time.monotonic() + 0.3,
            )
        )
    pid = int(pidfile.read_text())
    for _ in range(200):  # the kill is sent; give the process a moment to be gone
        if not running(pid):
            break
        time.sleep(0.05)
    assert not running(pid)


def running(pid: int) -> bool:
    """The process exists and is not a zombie (dead, waiting to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_git_failures_in_a_batch_carry_stderr(repo: GitRepo) -> None:
    with pytest.raises(GitError) as info:
        list(stream_git(["merge-tree", "--stdin"], ["nope nada"], cwd=repo.path))
    assert "nope" in info.value.stderr


# --- the hook path stays light ---------------------------------------------------------------


def test_the_hook_path_imports_no_heavy_library() -> None:
    code = (
        "import sys; import pantheon_git.features.conflicts.run, "
        "pantheon_git.features.conflicts.run_trial, pantheon_git.git.commitgraph, "
        "pantheon_git.features.conflicts.report; "
        "print(','.join(sorted(m for m in ('click', 'httpx', 'networkx', 'pygit2', 'yaml') "
        "if m in sys.modules)))"
    )
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == ""
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()[1:]}
    assert not imported & {"click", "httpx", "networkx", "pygit2"}


def test_commit_graph_is_written_when_missing(repo: GitRepo) -> None:
    assert not has_commit_graph(repo.path)
    assert ensure_commit_graph(repo.path)
    assert has_commit_graph(repo.path)
    assert not ensure_commit_graph(repo.path)


def test_bad_commit_argument_is_a_usage_error(repo: GitRepo) -> None:
    story(repo, "story/US-1-a", {"src/a.py": "1\n"})
    with pytest.raises(UsageError, match="not a full commit id"):
        check_branch(app_for(repo), "story/US-1-a", commit="HEAD~1")


def test_a_path_that_is_not_utf8_is_shown_escaped_and_json_stays_valid(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    import os

    for branch, content in (("story/US-1-a", b"a"), ("story/US-2-b", b"b")):
        repo.git("checkout", "-q", "-b", branch, "main")
        fd = os.open(bytes(repo.path) + b"/raw\xffname.txt", os.O_CREAT | os.O_WRONLY)
        os.write(fd, content)
        os.close(fd)
        repo.git("add", "-A")
        repo.git("commit", "-q", "-m", branch)
    report = check_branch(app_for(repo), "story/US-1-a")
    assert report.files == ("raw\udcffname.txt",)  # exact inside
    assert cli(monkeypatch, repo.path, "conflicts", "--json", "--precise") == 0
    out = capsysbinary.readouterr().out
    doc = json.loads(out.decode("utf-8"))  # strict UTF-8
    assert doc["files"] == ["raw\\xffname.txt"]
    assert doc["overlaps"][0]["trial_merge"]["conflicts"][0]["path"] == "raw\\xffname.txt"


def test_trial_folders_left_by_a_killed_run_are_swept(tmp_path: Path) -> None:
    import os

    from pantheon_git.git.mergetrial import _sweep

    old = tmp_path / "pantheon-trial-old"
    fresh = tmp_path / "pantheon-trial-fresh"
    other = tmp_path / "someone-else"
    for folder in (old, fresh, other):
        (folder / "objects").mkdir(parents=True)
    os.utime(old, (time.time() - 2 * 86400, time.time() - 2 * 86400))
    os.utime(other, (time.time() - 2 * 86400, time.time() - 2 * 86400))
    _sweep(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pantheon-trial-fresh", "someone-else"]


def test_the_default_branch_is_origins_unless_the_local_one_is_ahead(repo: GitRepo) -> None:
    story(repo, "story/US-1-a", {"src/a.py": "1\n"})
    repo.commit({"src/local.py": "unpushed\n"}, "local main ahead")
    scanner = Scanner(repo.path, pattern=DEFAULT_BRANCH_PATTERN)
    assert (scanner.base.ref, scanner.base.short) == ("refs/heads/main", "main")
    scanner.scan()
    scanner.save()
    again = Scanner(repo.path, pattern=DEFAULT_BRANCH_PATTERN)
    assert again.stats.git_processes == 1  # the ancestry answer was cached
    repo.git("push", "-q", "origin", "main")
    repo.git("reset", "-q", "--hard", "main~1")  # local main now behind origin/main
    behind = Scanner(repo.path, pattern=DEFAULT_BRANCH_PATTERN)
    assert behind.base.ref == "refs/remotes/origin/main"
    assert behind.base.short == "origin/main"


def test_progress_goes_to_stderr_only_when_it_is_a_terminal(repo: GitRepo) -> None:
    import os
    import pty

    story(repo, "story/US-1-a", {"src/a.py": "1\n"})
    story(repo, "story/US-2-b", {"src/a.py": "2\n"})
    master, slave = pty.openpty()
    exe = Path(sys.executable).parent / "pantheon"
    proc = subprocess.run(
        [str(exe), "conflicts", "--all", "--precise", "--json"],
        cwd=repo.path,
        stdout=subprocess.PIPE,
        stderr=slave,
        check=False,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.returncode == 0
    progress = b"".join(chunks).decode()
    assert "listing changed files of 2 branches" in progress
    assert "trial merges: 2 stories onto origin/main" in progress
    assert "trial merges: 1 overlapping pair\r\n" in progress
    assert json.loads(proc.stdout)["pairs"][0]["trial_merge"]["status"] == "conflict"
