"""Hostile inputs to the CLI, as real processes: each ends with the right exit code and a
one-line message, never a traceback or exit 70, within bounded time and memory.

Config files (alias bombs, deep nesting, values out of range), environment (credentials in
RALLY_URL, event payloads that never end or nest 100,000 deep, an unwritable job summary),
arguments (``plan --developers 100000000``), and story branches whose key is no key.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from pantheon_git.config import CONFIG_RELPATH
from tests.support.gitrepo import GitRepo

MEMORY = 1 << 30
"""Address space a command may use (bytes): an alias bomb took 2.8 GB."""
TIME = 30.0

ALIAS_BOMB = """\
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
pantheon:
  protected_branches: [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@dataclass
class Ran:
    code: int
    out: str
    err: str
    seconds: float

    def one_line_error(self) -> str:
        lines = [line for line in self.err.strip().splitlines() if line.startswith("error:")]
        assert len(lines) == 1, self.err
        assert "Traceback" not in self.err + self.out
        assert len(self.err.strip().splitlines()) <= 3, self.err
        return lines[0]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> Ran:
    full = {**os.environ, **(env or {})}
    at = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pantheon_git", *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
        check=False,
    )
    return Ran(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - at)


def write_config(repo: GitRepo, text: str) -> None:
    path = repo.path / CONFIG_RELPATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (ALIAS_BOMB, "aliases are expanded"),
        ("pantheon:\n  identities: " + "[" * 20_000 + "]" * 20_000 + "\n", "nested more than"),
        ("pantheon:\n  lock_settle_delay: .inf\n", "expected a finite number"),
        ("pantheon:\n  lock_settle_delay: .nan\n", "expected a finite number"),
        ("pantheon:\n  rally_lock_hours: 1e300\n", "out of range"),
        ("pantheon:\n  rally_timeout: .nan\n", "expected a finite number"),
        ("pantheon:\n  rally_max_concurrency: 1e9\n", "out of range"),
        ("pantheon:\n  max_parallel_developers: 100000000\n", "out of range"),
        ("pantheon:\n  branch_pattern: '(['\n", "not a valid regular expression"),
        ("pantheon:\n  branch_pattern: '^story/(.*)$'\n", "no (?P<key>...) group"),
        ("pantheon:\n  branch_template: 'story/{nope}'\n", "not a branch template"),
        ("pantheon:\n  rally_url: http://me:hunter2@127.0.0.1:9\n", "user name or password"),
        ("pantheon:\n  rally_url: http://127.0.0.1:99999\n", "not a valid URL"),
    ],
    ids=[
        "alias-bomb",
        "deep-nesting",
        "settle-inf",
        "settle-nan",
        "lock-hours-1e300",
        "timeout-nan",
        "concurrency",
        "developers",
        "pattern-regex",
        "pattern-group",
        "template",
        "url-credentials",
        "url-port",
    ],
)
@pytest.mark.parametrize("command", ["status", "checkout"])
def test_a_bad_config_is_exit_3_in_one_line(
    git_repo: GitRepo, text: str, says: str, command: str
) -> None:
    write_config(git_repo, text)
    args = ("checkout", "US-121") if command == "checkout" else ("status",)
    env = {"RALLY_API_KEY": "k-demo-key-long-enough", "PANTHEON_USER": "alice@example.com"}
    ran = run(git_repo.path, *args, env=env)
    assert ran.code == 3, ran.err
    assert says in ran.one_line_error()
    assert "hunter2" not in ran.err + ran.out
    assert ran.seconds < TIME


def test_doctor_names_the_credentials_in_the_url_without_showing_them(git_repo: GitRepo) -> None:
    env = {"RALLY_URL": "https://me:hunter2@rally.example.com", "RALLY_API_KEY": "k" * 20}
    for args in (("doctor",), ("doctor", "--json")):
        ran = run(git_repo.path, *args, env=env)
        assert ran.code == 1
        assert "hunter2" not in ran.out + ran.err
        assert "user name or password" in ran.out


def test_init_refuses_credentials_in_the_url_and_writes_nothing(git_repo: GitRepo) -> None:
    ran = run(git_repo.path, "init", "--rally-url", "https://me:hunter2@rally.example.com")
    assert ran.code == 2
    assert "user name or password" in ran.one_line_error()
    assert "hunter2" not in ran.out + ran.err
    assert not (git_repo.path / CONFIG_RELPATH).exists()


def test_plan_refuses_a_hundred_million_developers(git_repo: GitRepo) -> None:
    ran = run(git_repo.path, "plan", "--developers", "100000000")
    assert ran.code == 2
    assert "at most 1000" in ran.one_line_error()


def _ci_env(tmp_path: Path, payload_path: str, summary: str | None = None) -> dict[str, str]:
    return {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": payload_path,
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_STEP_SUMMARY": summary or str(tmp_path / "summary.md"),
        "RALLY_API_KEY": "k" * 20,
        "RALLY_URL": "http://127.0.0.1:9",
    }


def test_an_event_payload_that_never_ends_is_exit_2(git_repo: GitRepo, tmp_path: Path) -> None:
    ran = run(git_repo.path, "ci", env=_ci_env(tmp_path, "/dev/zero"))
    assert ran.code == 2, ran.err
    assert "larger than" in ran.one_line_error()


def test_a_deeply_nested_event_payload_is_exit_2(git_repo: GitRepo, tmp_path: Path) -> None:
    payload = tmp_path / "deep.json"
    payload.write_text('{"pull_request": ' + "[" * 100_000 + "]" * 100_000 + "}")
    ran = run(git_repo.path, "ci", env=_ci_env(tmp_path, str(payload)))
    assert ran.code == 2, ran.err
    assert "nested too deeply" in ran.one_line_error()


def test_an_unwritable_job_summary_is_a_warning(git_repo: GitRepo, tmp_path: Path) -> None:
    payload = tmp_path / "event.json"
    payload.write_text(json.dumps({"action": "opened"}))
    env = _ci_env(tmp_path, str(payload), summary=str(tmp_path / "no" / "such" / "dir" / "s.md"))
    ran = run(git_repo.path, "ci", env=env)
    assert ran.code == 2, ran.err  # the payload is no pull request: bad input, said once
    assert "cannot write the job summary" in ran.err
    assert "Traceback" not in ran.err


def test_a_story_branch_whose_key_is_no_key_is_refused_by_the_commit_hook(
    git_repo: GitRepo,
) -> None:
    git_repo.git("checkout", "-q", "-b", "story/US-99999999999999999999999-x")
    env = {"RALLY_API_KEY": "k" * 20, "RALLY_URL": "http://127.0.0.1:9"}
    ran = run(git_repo.path, "hook", "pre-commit", env=env)
    assert ran.code == 1, ran.err
    assert "is no story key" in ran.err
    # a letter O typed for a zero: the branch is no story branch of any story, so no lock
    # was ever checked for it; it is refused the same way, not let through
    git_repo.git("checkout", "-q", "-b", "story/US-12O-login")
    ran = run(git_repo.path, "hook", "pre-commit", env=env)
    assert ran.code == 1, ran.err
    assert "'US-12O-login' is no story key" in ran.err
    assert "git branch -m" in ran.err
