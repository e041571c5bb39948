"""`pantheon ci` gives up on an unreachable Rally within its one deadline (`ci_deadline`),
retries included, and the job summary says what was and was not written.

Two kinds of unreachable, both real sockets: a refused port (nothing listens) and a silent
server (the kernel accepts the connection into a listening socket's backlog; nobody ever
reads or answers). The process is given three times its deadline before the test calls it
hung; the figures (time to give up) are `benchmarks/ci_deadline.py`'s.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from pantheon_git.core.deadline import Deadline
from tests.support.ci_runner import run_ci
from tests.support.ghevents import pr_event
from tests.support.gitrepo import GitRepo

DEADLINE = 5


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    config = git_repo.path / "_bmad" / "pantheon" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("pantheon:\n  identities:\n    Codertocat: alice@example.com\n")
    return git_repo


@pytest.fixture
def refused() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def silent() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        # Nobody listens: final at once, not retried until the deadline.
        ("refused", "Connection refused"),
        ("silent", f"the {DEADLINE} s deadline of pantheon ci"),
    ],
)
def test_gives_up_within_the_deadline_and_says_nothing_was_written(
    repo: GitRepo, tmp_path: Path, kind: str, says: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(kind)
    env = {
        "RALLY_URL": url,
        "RALLY_API_KEY": "_deadlineKey0123456789",
        "RALLY_WORKSPACE": "W",
        "PANTHEON_CI_DEADLINE": str(DEADLINE),
    }
    doc = pr_event(branch="story/US-121-add-login")
    run = run_ci(repo.path, "pull_request", doc, env=env, tmp=tmp_path, timeout=3 * DEADLINE)
    assert run.code == 5, run.stderr
    assert says in run.summary
    assert "Nothing was written" in run.summary
    assert any(a.startswith("::error") and says in a for a in run.annotations)
    assert "Traceback" not in run.stderr
    assert "_deadlineKey" not in run.everything()


def test_a_deadline_too_short_to_use_is_a_configuration_error(
    repo: GitRepo, tmp_path: Path, refused: str
) -> None:
    env = {"RALLY_URL": refused, "RALLY_API_KEY": "k" * 20, "PANTHEON_CI_DEADLINE": "0.5"}
    run = run_ci(
        repo.path, "pull_request", pr_event(branch="story/US-121-x"), env=env, tmp=tmp_path
    )
    assert run.code == 3
    assert "ci_deadline must be more than" in run.stderr


def test_the_deadline_counts_down_on_the_clock_it_is_given() -> None:
    now = [100.0]
    deadline = Deadline.after(30, clock=lambda: now[0], owner="pantheon ci")
    assert deadline.remaining() == 30
    now[0] = 110.0
    assert deadline.cap(60) == 20
    assert deadline.cap(5) == 5
    assert deadline.sooner(2).remaining() == 18
    assert deadline.sooner(2).describe() == "the 30 s deadline of pantheon ci"
    now[0] = 131.0
    assert deadline.passed
    assert deadline.remaining() == 0
