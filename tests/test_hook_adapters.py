"""The hooks' light adapters on real repositories: .git read directly, one cache entry, the
settings cache, the alarm."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pantheon_git.cache import peek as cachepeek
from pantheon_git.cache import pending
from pantheon_git.cache import store as cache_mod
from pantheon_git.cache import stories as cached_stories
from pantheon_git.config import load_config
from pantheon_git.features.hooks import run_settings as hooksettings
from pantheon_git.features.hooks.run_alarm import Alarm
from pantheon_git.git import gitdir
from tests.support.gitrepo import GitRepo
from tests.support.hooks import seed_lock

# --- the repository -------------------------------------------------------------------------


def rev_parse(cwd: Path, *args: str) -> list[str]:
    out = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.splitlines()


def test_find_repo_agrees_with_git_in_a_subfolder_and_a_linked_worktree(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    (git_repo.path / "src" / "deep").mkdir(parents=True)
    found = gitdir.find_repo(str(git_repo.path / "src" / "deep"), {})
    expected = rev_parse(git_repo.path, "--show-toplevel", "--git-dir", "--git-common-dir")
    assert [found.worktree, found.git_dir, found.common_dir] == expected
    other = tmp_path / "linked"
    git_repo.git("worktree", "add", "-q", "-b", "story/US-3-x", str(other))
    found = gitdir.find_repo(str(other), {})
    expected = rev_parse(other, "--show-toplevel", "--git-dir", "--git-common-dir")
    assert [found.worktree, found.git_dir, found.common_dir] == expected
    assert gitdir.head_ref(found, {}) == "refs/heads/story/US-3-x"


def test_find_repo_asks_git_when_git_dir_is_set(git_repo: GitRepo, tmp_path: Path) -> None:
    env = {"GIT_DIR": str(git_repo.path / ".git"), "GIT_WORK_TREE": str(git_repo.path)}
    found = gitdir.find_repo(str(tmp_path), env)
    assert found.git_dir == str(git_repo.path / ".git")
    assert found.worktree == str(git_repo.path)


def test_head_ref_with_hostile_and_unicode_names_and_detached(git_repo: GitRepo) -> None:
    repo = gitdir.find_repo(str(git_repo.path), {})
    names = ("story/US-1-$(touch${IFS}x)", "story/US-2-it's", "story/US-3-ünïcødé", "a;b|c&`id`")
    for name in names:
        git_repo.git("checkout", "-q", "-b", name)
        assert gitdir.head_ref(repo, {}) == f"refs/heads/{name}"
    git_repo.git("checkout", "-q", "--detach")
    assert gitdir.head_ref(repo, {}) is None
    assert not (git_repo.path / "x").exists()


def test_operation_in_progress(git_repo: GitRepo) -> None:
    repo = gitdir.find_repo(str(git_repo.path), {})
    assert gitdir.operation(repo) is None
    git_repo.git("checkout", "-q", "-b", "side")
    git_repo.commit({"README.md": "side\n"}, "side")
    git_repo.git("checkout", "-q", "main")
    git_repo.commit({"README.md": "main\n"}, "main")
    git_repo.git("merge", "side", check=False)
    assert gitdir.operation(repo) == "merge"
    git_repo.git("merge", "--abort")
    git_repo.git("rebase", "side", check=False)
    assert gitdir.operation(repo) == "rebase"
    git_repo.git("rebase", "--abort")
    first = git_repo.commit({"README.md": "one\n"}, "one")
    git_repo.commit({"README.md": "two\n"}, "two")
    git_repo.git("revert", "--no-edit", first, check=False)  # conflicts: README changed since
    assert gitdir.operation(repo) == "revert"


@pytest.mark.parametrize(
    ("argv", "options"),
    [
        (["git", "commit", "--fixup=HEAD"], ["--fixup=HEAD"]),
        (["/usr/bin/git", "-c", "a=b", "-C", "dir", "commit", "-m", "x"], ["-m", "x"]),
        (["git", "--no-pager", "commit"], []),
        (["git", "merge", "x"], None),
        (["python", "-m", "pre_commit"], None),
        ([], None),
    ],
)
def test_commit_options(argv: list[str], options: list[str] | None) -> None:
    assert gitdir._commit_options(argv) == options


def test_fixup_and_squash_options() -> None:
    assert gitdir.fixup_commit(["--fixup=abc"])
    assert gitdir.fixup_commit(["-q", "--squash", "abc"])
    assert not gitdir.fixup_commit(["-m", "fix the login"])
    assert not gitdir.fixup_commit(["--", "--fixup=x"])
    assert not gitdir.fixup_commit(None)


def test_commit_options_of_this_process_tree() -> None:
    # The test runner is no `git commit`: nothing is found, nothing breaks.
    assert gitdir.commit_options() is None


def test_run_git_scrubs_the_hook_variables(git_repo: GitRepo) -> None:
    environ = {**os.environ, "GIT_DIR": "/nonexistent", "GIT_INDEX_FILE": "/nonexistent"}
    code, out = gitdir.run_git(["rev-parse", "--abbrev-ref", "HEAD"], cwd=str(git_repo.path),
                               environ=environ)  # fmt: skip
    assert (code, out.strip()) == (0, "main")
    code, _ = gitdir.run_git(["no-such-command"], cwd=str(git_repo.path), environ=os.environ)
    assert code != 0


# --- one cache entry ------------------------------------------------------------------------


def test_cache_layout_matches_the_cache_module() -> None:
    assert Path(*cachepeek.CACHE_PARTS) == cache_mod.CACHE_RELPATH
    assert cached_stories.KIND.schema == cachepeek.STORY_SCHEMA
    assert Path(*cachepeek.PENDING_PARTS).name == pending.FOLDER_NAME
    assert pending.SCHEMA == cachepeek.PENDING_SCHEMA


def test_story_entry_reads_one_story_and_its_age(git_repo: GitRepo) -> None:
    path = seed_lock(git_repo.path, "US-5", "alice@example.com", age=120)
    seed_lock(git_repo.path, "US-6", None)
    entry = cachepeek.story_entry(str(git_repo.path), "US-5")
    assert entry is not None
    assert entry.lock is not None
    assert entry.lock["holder"] == "alice@example.com"
    assert entry.mtime == path.stat().st_mtime  # the age is the file's
    unlocked = cachepeek.story_entry(str(git_repo.path), "US-6")
    assert unlocked is not None
    assert unlocked.lock is None
    assert cachepeek.story_entry(str(git_repo.path), "US-7") is None
    Path(entry.path).write_text("{broken")
    assert cachepeek.story_entry(str(git_repo.path), "US-5") is None
    for schema in (None, 0, 2, True, "1"):  # another version wrote it: a miss, Rally is asked
        doc = json.loads(Path(unlocked.path).read_text())
        doc["schema"] = schema
        Path(unlocked.path).write_text(json.dumps(doc))
        assert cachepeek.story_entry(str(git_repo.path), "US-6") is None, schema


# --- settings -------------------------------------------------------------------------------


def write_config(root: Path, text: str) -> Path:
    path = root / "_bmad" / "pantheon" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_settings_come_from_load_config_and_are_cached(git_repo: GitRepo) -> None:
    write_config(git_repo.path, "pantheon:\n  offline: block\n  protected_branches: [trunk]\n")
    repo = gitdir.find_repo(str(git_repo.path), {})
    env = {"PANTHEON_LOCK_CHECK_TTL": "30"}
    settings = hooksettings.load(repo, str(git_repo.path), env)
    config = load_config(cwd=git_repo.path, environ=env)
    assert settings["offline"] == config.offline == "block"
    assert settings["protected_branches"] == list(config.protected_branches) == ["trunk"]
    assert settings["lock_check_ttl"] == 30.0
    cached = json.loads((Path(repo.git_dir) / "pantheon" / hooksettings.FILE_NAME).read_text())
    assert cached["settings"] == settings
    # the environment is kept as a checksum: no names, no values
    assert "PANTHEON_LOCK_CHECK_TTL" not in json.dumps(cached)
    assert isinstance(cached["key"][-1], int)


def test_settings_reload_when_the_file_or_the_environment_changes(git_repo: GitRepo) -> None:
    path = write_config(git_repo.path, "pantheon:\n  commit_msg: off\n")
    repo = gitdir.find_repo(str(git_repo.path), {})
    assert hooksettings.load(repo, str(git_repo.path), {})["commit_msg"] == "off"
    path.write_text("pantheon:\n  commit_msg: require\n")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    assert hooksettings.load(repo, str(git_repo.path), {})["commit_msg"] == "require"
    env = {"PANTHEON_COMMIT_MSG": "prepend"}
    assert hooksettings.load(repo, str(git_repo.path), env)["commit_msg"] == "prepend"
    assert hooksettings.load(repo, str(git_repo.path), {})["commit_msg"] == "require"


def test_a_warm_settings_load_does_not_parse_yaml(git_repo: GitRepo) -> None:
    write_config(git_repo.path, "pantheon:\n  offline: block\n")
    code = (
        "import os, sys; from pantheon_git.git import gitdir;"
        "from pantheon_git.features.hooks import run_settings as hooksettings;"
        "repo = gitdir.find_repo(os.getcwd(), os.environ);"
        "s = hooksettings.load(repo, os.getcwd(), os.environ);"
        "print(s['offline'], 'yaml' in sys.modules)"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=git_repo.path,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs == [["block", "True"], ["block", "False"]]


# --- the alarm ------------------------------------------------------------------------------


def inner_then_sleep() -> None:
    with Alarm(0.1, TimeoutError()):
        pass
    time.sleep(5)


def test_alarm_interrupts_a_wait_and_gives_an_outer_alarm_its_time_back() -> None:
    """The waits are real (SIGALRM is the operating system's timer); which exception ends
    each one says which alarm fired, and no timer is left running after."""
    with pytest.raises(TimeoutError), Alarm(0.2, TimeoutError()):
        time.sleep(5)
    with pytest.raises(KeyError, match="outer"), Alarm(0.6, KeyError("outer")):
        inner_then_sleep()  # the inner alarm ended in time and re-armed the outer one
    # the outer alarm is due before the inner one: it fires
    with (
        pytest.raises(KeyError, match="outer"),
        Alarm(0.2, KeyError("outer")),
        Alarm(5, TimeoutError()),
    ):
        time.sleep(5)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
