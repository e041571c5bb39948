"""Every command that waits on Rally ends within its deadline when Rally stops answering, as
real processes against a hostile server: one that accepts and never answers, and one that
sends its headers and then a byte at a time (which no per-read timeout ever catches).

The README's promises are checked with their default values (checkout and the lock commands
within ``lock_deadline``, 15 s; doctor within 10 s); the other commands with a short
``command_deadline``, which proves the same mechanism without a long test. A refused
connection, an unknown host and a malformed ``RALLY_URL`` end at once with a one-line error.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.gitrepo import GitRepo
from tests.support.hostile import HostileServer, refused_url
from tests.support.locks import FAST_TIMING, rally_env
from tests.support.sync import pantheon_process

STARTUP = 10.0
"""Seconds a process may need beyond its deadline: start-up and imports, with every other
process of the test starting at the same time on a small machine."""
SHORT = "3"


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    env: dict[str, str]
    limit: float
    codes: tuple[int, ...]


CASES: dict[str, Case] = {
    "checkout (default lock_deadline)": Case(("checkout", "US-122"), {}, 15, (5,)),
    "doctor (default)": Case(("doctor",), {}, 10, (1,)),
    "release": Case(("release", "US-121"), {"PANTHEON_LOCK_DEADLINE": SHORT}, 3, (5,)),
    "renew": Case(("renew", "US-121"), {"PANTHEON_LOCK_DEADLINE": SHORT}, 3, (5,)),
    "sync": Case(("sync",), {"PANTHEON_COMMAND_DEADLINE": SHORT}, 3, (5,)),
    "sync --force": Case(("sync", "--force"), {"PANTHEON_COMMAND_DEADLINE": SHORT}, 3, (5,)),
    "complete": Case(("complete", "US-121"), {"PANTHEON_COMMAND_DEADLINE": SHORT}, 3, (5,)),
    "pre-commit hook": Case(
        ("hook", "pre-commit"),
        {"PANTHEON_HOOK_BUDGET": SHORT, "PANTHEON_LOCK_CHECK_TTL": "0"},
        3,
        (0, 1),
    ),
    "pre-push hook": Case(("hook", "pre-push"), {"PANTHEON_HOOK_BUDGET": SHORT}, 3, (0, 1)),
}


@pytest.fixture(scope="module")
def working_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GitRepo, Any]]:
    """A repository synced from the demo emulator, holding US-121 on its story branch."""
    from pantheon_git.rally.emulator.server import start
    from tests.support.gitrepo import make_repo

    base = tmp_path_factory.mktemp("deadlines")
    repo = make_repo(base)
    with start(seed="demo") as rally:
        env = {**rally_env(rally), **FAST_TIMING, "HOME": str(base)}
        for args in (["sync"], ["checkout", "US-121"]):
            proc = pantheon_process(args, repo.path, env)
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
        # work of its own on the branch: `complete` records only such a commit
        repo.commit({"src/login.py": "def login(): ...\n"}, "US-121: login")
        yield repo, rally


def _run_all(repo: GitRepo, url: str) -> dict[str, tuple[int, float, str]]:
    base = {"RALLY_URL": url, "RALLY_API_KEY": "demo", "PANTHEON_USER": "alice@example.com"}
    base.update(RALLY_WORKSPACE="Demo Workspace", RALLY_PROJECT="Demo Project")
    started: dict[str, tuple[subprocess.Popen[str], float]] = {}
    for name, case in CASES.items():
        stdin = subprocess.PIPE if case.args[-1] == "pre-push" else subprocess.DEVNULL
        proc = pantheon_process(list(case.args), repo.path, {**base, **case.env}, stdin=stdin)
        started[name] = (proc, time.monotonic())
    sha = repo.git("rev-parse", "HEAD").strip()
    push = f"refs/heads/story/US-121 {sha} refs/heads/story/US-121 {'0' * 40}\n"
    results: dict[str, tuple[int, float, str]] = {}

    def wait(name: str, proc: subprocess.Popen[str], at: float) -> None:
        feed = push if proc.stdin is not None else None
        _, err = proc.communicate(feed, timeout=120)
        results[name] = (proc.returncode, time.monotonic() - at, err)

    waiters = [
        threading.Thread(target=wait, args=(name, proc, at)) for name, (proc, at) in started.items()
    ]
    for waiter in waiters:
        waiter.start()
    for waiter in waiters:
        waiter.join()
    return results


@pytest.mark.parametrize("mode", ["silent", "trickle"])
def test_every_command_ends_within_its_deadline(
    working_repo: tuple[GitRepo, Any], mode: str
) -> None:
    repo, _ = working_repo
    with HostileServer(mode, interval=0.5) as server:
        results = _run_all(repo, server.url)
    late = {
        name: f"{took:.1f}s (code {code}): {err[-300:]}"
        for name, (code, took, err) in results.items()
        if took > CASES[name].limit + STARTUP or code not in CASES[name].codes
    }
    assert late == {}
    for name, (_, _, err) in results.items():
        assert "Traceback" not in err, name


def _one(repo: GitRepo, url: str, *args: str) -> tuple[int, float, str]:
    env = {"RALLY_URL": url, "RALLY_API_KEY": "demo", "PANTHEON_USER": "alice@example.com"}
    at = time.monotonic()
    proc = pantheon_process(list(args), repo.path, env)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, time.monotonic() - at, err


@pytest.mark.parametrize("args", [("sync",), ("complete", "US-121"), ("checkout", "US-122")])
@pytest.mark.parametrize(
    "where", ["refused", "http://pantheon-no-such-host.invalid"], ids=["refused", "no-such-host"]
)
def test_a_definite_network_failure_ends_at_once(
    working_repo: tuple[GitRepo, Any], args: tuple[str, ...], where: str
) -> None:
    repo, _ = working_repo
    url = refused_url() if where == "refused" else where
    code, took, err = _one(repo, url, *args)
    assert code == 5, err
    assert took < 3.0 + STARTUP / 2
    assert "gave up" not in err  # not retried
    assert "error: cannot reach Rally" in err


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.1:99999", "not a valid URL"),
        ("http://user:secret-pass@127.0.0.1:9", "user name or password"),
        ("rally1.rallydev.com", "must look like https://"),
        ("https://rally1.rallydev.com/?x=1", "query"),
    ],
)
def test_a_malformed_rally_url_is_a_configuration_error(
    working_repo: tuple[GitRepo, Any], url: str, says: str
) -> None:
    repo, _ = working_repo
    for args in (("sync",), ("checkout", "US-122")):
        code, _, err = _one(repo, url, *args)
        assert code == 3, err
        assert says in err
        assert "secret-pass" not in err
        assert len(err.strip().splitlines()) <= 2


def test_the_repository_is_unchanged_by_the_failures(working_repo: tuple[GitRepo, Any]) -> None:
    repo, _ = working_repo
    assert repo.git("branch", "--show-current").strip().startswith("story/US-121")
    assert not (Path(repo.path) / "docs" / "stories" / "US-122.md").exists()
