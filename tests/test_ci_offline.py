"""`pantheon ci` as a process on paths that never reach Rally: forks without the secret,
no story, ignored events, bad payloads and coverage files (exit 2, Rally untouched).

RALLY_URL points at a closed port in every test: a request would fail with exit 5, so exit
0 or 2 here proves nothing was sent.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from pantheon_git.cache.store import Cache
from tests.support import cachefiles
from tests.support.ci_runner import run_ci
from tests.support.ghevents import HOSTILE_BRANCHES, load, pr_event, push_event
from tests.support.gitrepo import GitRepo

FIXTURES = Path(__file__).parent / "fixtures"


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def nowhere() -> dict[str, str]:
    return {"RALLY_URL": closed_port(), "RALLY_WORKSPACE": "W"}


def test_fork_without_secret_writes_nothing_and_says_why(
    git_repo: GitRepo, tmp_path: Path, nowhere: dict[str, str]
) -> None:
    doc = pr_event(branch="story/US-123-add-login", fork=True)
    run = run_ci(git_repo.path, "pull_request", doc, env=nowhere, tmp=tmp_path / "t")
    assert run.code == 0, run.stderr
    assert "comes from a fork" in run.summary
    assert any(a.startswith("::notice") and "fork" in a for a in run.annotations)
    assert run.outputs["story"] == "US-123"
    assert run.outputs["state"] == ""


def test_empty_key_on_own_repo_points_at_the_secret(
    git_repo: GitRepo, tmp_path: Path, nowhere: dict[str, str]
) -> None:
    doc = pr_event(branch="story/US-123-add-login")
    run = run_ci(git_repo.path, "pull_request", doc, env=nowhere, tmp=tmp_path / "t")
    assert run.code == 0
    assert "RALLY\\_API\\_KEY secret" in run.summary


def test_no_story_key_does_nothing_but_says_so(
    git_repo: GitRepo, tmp_path: Path, nowhere: dict[str, str]
) -> None:
    env = {**nowhere, "RALLY_API_KEY": "k" * 20}
    run = run_ci(git_repo.path, "pull_request", load("pull_request.opened"), env=env, tmp=tmp_path)
    assert run.code == 0, run.stderr
    assert "No story key" in run.summary
    assert run.outputs == {"story": "", "state": "", "coverage": ""}


@pytest.mark.parametrize(
    ("name", "doc"),
    [
        ("pull_request", load("pull_request.labeled")),
        ("push", load("push.tag-deleted")),
        ("push", push_event(["US-5 work"], branch="story/US-5-x")),
        ("issues", {"action": "opened", "repository": {"full_name": "o/r"}}),
    ],
)
def test_ignored_events_exit_0(
    git_repo: GitRepo, tmp_path: Path, nowhere: dict[str, str], name: str, doc: dict[str, object]
) -> None:
    env = {**nowhere, "RALLY_API_KEY": "k" * 20}
    run = run_ci(git_repo.path, name, doc, env=env, tmp=tmp_path)
    assert run.code == 0, run.stderr
    assert "Nothing to do" in run.summary


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("", "is empty"),
        ('{"action": ', "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"action": "opened", "repository": {"full_name": "o/r"}}', "pull_request.number"),
    ],
)
def test_malformed_payload_exit_2(
    git_repo: GitRepo, tmp_path: Path, nowhere: dict[str, str], payload: str, message: str
) -> None:
    env = {**nowhere, "RALLY_API_KEY": "k" * 20}
    run = run_ci(git_repo.path, "pull_request", payload, env=env, tmp=tmp_path)
    assert run.code == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert "Rally was not updated" in run.summary
    assert any(a.startswith("::error") for a in run.annotations)


def test_missing_event_name_and_path(git_repo: GitRepo, tmp_path: Path) -> None:
    run = run_ci(git_repo.path, "", pr_event(), tmp=tmp_path)
    assert run.code == 2
    assert "GITHUB_EVENT_NAME" in run.stderr


@pytest.mark.parametrize("content", [b"", b"garbage\n", b"<coverage"])
def test_bad_coverage_file_exit_2_before_rally(
    git_repo: GitRepo, tmp_path: Path, nowhere: dict[str, str], content: bytes
) -> None:
    bad = tmp_path / "coverage.xml"
    bad.write_bytes(content)
    env = {**nowhere, "RALLY_API_KEY": "k" * 20, "PANTHEON_COVERAGE_FILE": str(bad)}
    doc = pr_event(branch="story/US-123-x")
    run = run_ci(git_repo.path, "pull_request", doc, env=env, tmp=tmp_path / "t")
    assert run.code == 2, run.stderr
    assert str(bad) in run.stderr


def test_coverage_output_without_rally(
    git_repo: GitRepo, tmp_path: Path, nowhere: dict[str, str]
) -> None:
    env = {**nowhere, "PANTHEON_COVERAGE_FILE": str(FIXTURES / "coverage" / "gcovr-lcov.info")}
    doc = pr_event(branch="story/US-123-x", fork=True)
    run = run_ci(git_repo.path, "pull_request", doc, env=env, tmp=tmp_path)
    assert run.code == 0, run.stderr
    assert run.outputs["coverage"] == "80.0"
    assert "80.0%" in run.summary


@pytest.mark.parametrize("branch", HOSTILE_BRANCHES)
def test_hostile_branch_never_reaches_a_shell(
    git_repo: GitRepo, tmp_path: Path, nowhere: dict[str, str], branch: str
) -> None:
    doc = pr_event(branch=branch, title="US-1 $(touch pwned-title) `touch pwned-tick`", fork=True)
    run = run_ci(git_repo.path, "pull_request", doc, env=nowhere, tmp=tmp_path / "t")
    assert run.code == 0, run.stderr
    assert run.outputs["story"] == "US-1"
    assert not list(git_repo.path.rglob("pwned*"))
    assert not list(tmp_path.rglob("pwned*"))
    for line in run.stdout.splitlines():
        assert line.startswith("::"), line  # nothing but escaped workflow commands


def test_fail_on_value_is_checked(git_repo: GitRepo, tmp_path: Path) -> None:
    run = run_ci(
        git_repo.path,
        "pull_request",
        pr_event(),
        env={"PANTHEON_CI_FAIL_ON": "always"},
        tmp=tmp_path,
    )
    assert run.code == 2
    assert "always" in run.stderr


def test_json_mode_keeps_stdout_one_document(
    git_repo: GitRepo, tmp_path: Path, nowhere: dict[str, str]
) -> None:
    import json

    doc = pr_event(branch="story/US-7-x", fork=True)
    run = run_ci(git_repo.path, "pull_request", doc, env=nowhere, args=("--json",), tmp=tmp_path)
    assert run.code == 0
    parsed = json.loads(run.stdout)
    assert parsed["outputs"]["story"] == "US-7"
    assert "::notice" in run.stderr


def test_overlaps_reported_without_rally(
    git_repo: GitRepo, tmp_path: Path, nowhere: dict[str, str]
) -> None:
    git_repo.commit({"src/app.py": "a = 1\n", "src/other.py": "b = 1\n"}, "base")
    git_repo.git("push", "-q", "origin", "main")
    git_repo.git("checkout", "-q", "-b", "story/US-122-registration")
    git_repo.commit({"src/app.py": "a = 2\n"}, "US-122 registration")
    git_repo.git("push", "-q", "origin", "story/US-122-registration")
    git_repo.git("checkout", "-q", "-b", "story/US-121-login", "main")
    head = git_repo.commit({"src/app.py": "a = 3\n", "src/login.py": "x = 1\n"}, "US-121 login")
    git_repo.git("push", "-q", "origin", "story/US-121-login")
    git_repo.git("checkout", "-q", "main")
    doc = pr_event(branch="story/US-121-login", head_sha=head, fork=True)
    run = run_ci(git_repo.path, "pull_request", doc, env=nowhere, tmp=tmp_path / "1")
    assert run.code == 0, run.stderr
    assert "Overlaps with other open story branches" in run.summary
    assert "US-122" in run.summary
    assert "<code>src/app.py</code>" in run.summary
    overlap = [a for a in run.annotations if "title=pantheon%3A overlap" in a]
    assert len(overlap) == 1
    assert "src/app.py" in overlap[0]
    assert "src/login.py" not in overlap[0]
    strict = run_ci(
        git_repo.path,
        "pull_request",
        doc,
        env={**nowhere, "PANTHEON_CI_FAIL_ON": "conflict"},
        tmp=tmp_path / "2",
    )
    assert strict.code == 1


def test_dependency_graph_from_the_cache(
    git_repo: GitRepo, tmp_path: Path, nowhere: dict[str, str]
) -> None:
    titles = {
        "US-120": "Create user model",
        "US-121": "Add login endpoint",
        "US-124": "Session handling",
    }
    edges = [("US-120", "US-121"), ("US-121", "US-124"), ("US-122", "US-125")]
    cachefiles.write_graph(Cache(git_repo.path), list(titles), edges, titles=titles)
    doc = pr_event(branch="story/US-121-add-login-endpoint", fork=True)
    run = run_ci(git_repo.path, "pull_request", doc, env=nowhere, tmp=tmp_path)
    assert run.code == 0, run.stderr
    assert "```mermaid" in run.summary
    assert 'US120["US-120 Create user model"]' in run.summary
    assert "US120 --> US121" in run.summary
    assert "US121 --> US124" in run.summary
    assert "US125" not in run.summary


def test_a_dependency_graph_this_version_did_not_write_stops_before_rally(
    git_repo: GitRepo, tmp_path: Path, nowhere: dict[str, str]
) -> None:
    cache = git_repo.path / ".bmad" / "rally-cache"
    cache.mkdir(parents=True)
    (cache / "dependencies.json").write_text('{"edges": [{"from": "US-1", "to": "US-2"}]}')
    doc = pr_event(branch="story/US-121-add-login-endpoint", fork=True)
    run = run_ci(git_repo.path, "pull_request", doc, env=nowhere, tmp=tmp_path)
    assert run.code == 3
    message = (
        ".bmad/rally-cache/dependencies.json has no schema version (an older pantheon wrote "
        "it): run `pantheon deps` to rebuild it"
    )
    assert f"error: {message}" in run.stderr
    assert "Rally was not updated." in run.summary
