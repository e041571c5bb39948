"""`pantheon ci` as a process against the Rally emulator as a real server, driven by the
octokit payloads (edited copies for story branch names): every event path, reruns, out-of-order
events, locks, Rally down, and the API key never leaking."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.ci_runner import CiRun, run_ci
from tests.support.ghevents import HEAD_SHA, MERGE_SHA, REPO, pr_event, push_event
from tests.support.gitrepo import GitRepo
from tests.support.rally import RallyProcess, Wsapi

ALICE = "alice@example.com"
COVERAGE = Path(__file__).parent / "fixtures" / "coverage" / "gcovr-cobertura.xml"
SECRET = "_pantheonS3cr3tKey0123456789"


@pytest.fixture
def rally(rally_process_factory: Callable[..., RallyProcess]) -> RallyProcess:
    return rally_process_factory(seed="demo", api_key=SECRET)


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    config = git_repo.path / "_bmad" / "pantheon" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(
        "pantheon:\n  identities:\n"
        "    Codertocat: alice@example.com\n"
        "    jdoe-gh: john.doe@example.com\n"
    )
    return git_repo


@contextmanager
def wsapi(rally: RallyProcess) -> Iterator[Wsapi]:
    api = Wsapi(rally)
    try:
        yield api
    finally:
        api.close()


class Story:
    def __init__(self, rally: RallyProcess, fid: str) -> None:
        self.rally = rally
        self.fid = fid

    def get(self, path: str, **params: Any) -> Any:
        with wsapi(self.rally) as api:
            return api.get(path, **params)

    def fields(self) -> dict[str, Any]:
        reply = self.get(
            "hierarchicalrequirement",
            query=f'(FormattedID = "{self.fid}")',
            fetch="ObjectID,FormattedID,ScheduleState,VersionId,c_PantheonStatus,c_CommitSHA,"
            "c_Branch,c_Coverage,c_LockedBy,c_LockedAt,c_LockExpiry",
            workspace="null",
        )
        results = reply["QueryResult"]["Results"]
        assert len(results) == 1, reply
        item: dict[str, Any] = results[0]
        return item

    def update(self, **fields: Any) -> None:
        oid = self.fields()["ObjectID"]
        with wsapi(self.rally) as api:
            reply = api.post(f"hierarchicalrequirement/{oid}", {"HierarchicalRequirement": fields})
        assert reply["OperationResult"]["Errors"] == [], reply

    def lock(self, holder: str = ALICE) -> None:
        self.update(
            ScheduleState="In-Progress",
            c_PantheonStatus="In Progress",
            c_LockedBy=holder,
            c_LockedAt="2026-01-05T09:00:00.000Z",
            c_LockExpiry="2099-01-01T00:00:00.000Z",
            c_Branch=f"story/{self.fid}-work",
        )

    def posts(self) -> list[str]:
        oid = self.fields()["ObjectID"]
        reply = self.get(f"hierarchicalrequirement/{oid}/Discussion", fetch="Text")
        return [str(p["Text"]) for p in reply["QueryResult"]["Results"]]


def ci(repo: GitRepo, rally: RallyProcess, tmp: Path, name: str, doc: Any, **env: str) -> CiRun:
    full = {**rally.env(), **env}
    return run_ci(repo.path, name, doc, env=full, tmp=tmp)


def no_secret(run: CiRun, story: Story | None = None) -> None:
    assert SECRET not in run.everything()
    if story is not None:
        for text in story.posts():
            assert SECRET not in text


def test_opened_moves_to_code_review_with_everything(
    repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    story = Story(rally, "US121")
    story.lock(ALICE)
    doc = pr_event(branch="story/US-121-add-login-endpoint")
    run = ci(repo, rally, tmp_path, "pull_request", doc, PANTHEON_COVERAGE_FILE=str(COVERAGE))
    assert run.code == 0, run.stderr
    f = story.fields()
    assert f["ScheduleState"] == "In-Progress"
    assert f["c_PantheonStatus"] == "Code Review"
    assert f["c_CommitSHA"] == HEAD_SHA
    assert f["c_Branch"] == "story/US-121-add-login-endpoint"
    assert float(f["c_Coverage"]) == 80.0
    assert not f["c_LockedBy"]
    assert run.outputs == {"story": "US-121", "state": "Code Review", "coverage": "80.0"}
    assert "In Progress → **Code Review**" in run.summary
    assert "released (alice@example.com)" in run.summary
    posts = story.posts()
    assert len(posts) == 1
    note = html.unescape(posts[0])
    for expected in (
        f"https://github.com/{REPO}/pull/2",
        HEAD_SHA[:12],
        "80.0%",
        f"https://github.com/{REPO}/actions/runs/4242",
    ):
        assert expected in note
    no_secret(run, story)


def test_rerun_and_synchronize_do_not_duplicate(
    repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    story = Story(rally, "US121")
    story.lock(ALICE)
    doc = pr_event(branch="story/US-121-add-login-endpoint")
    assert ci(repo, rally, tmp_path / "1", "pull_request", doc).code == 0
    version = story.fields()["VersionId"]
    again = ci(repo, rally, tmp_path / "2", "pull_request", doc)
    assert again.code == 0
    assert story.fields()["VersionId"] == version  # nothing written at all
    assert "already there" in again.summary
    # b is in no repository: the event's time orders it (stamped now, after the writes above)
    sync = pr_event(
        "synchronize",
        branch="story/US-121-add-login-endpoint",
        head_sha="b" * 40,
        at=datetime.now(UTC) + timedelta(seconds=1),
    )
    assert ci(repo, rally, tmp_path / "3", "pull_request", sync).code == 0
    assert story.fields()["c_CommitSHA"] == "b" * 40
    assert len(story.posts()) == 1


def test_merge_completes_and_old_events_cannot_move_it_back(
    repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    story = Story(rally, "US122")
    story.lock(ALICE)
    branch = "story/US-122-add-registration-endpoint"
    assert ci(repo, rally, tmp_path / "1", "pull_request", pr_event(branch=branch)).code == 0
    merged = pr_event(
        "closed", merged=True, branch=branch, at=datetime.now(UTC) + timedelta(seconds=1)
    )
    run = ci(repo, rally, tmp_path / "2", "pull_request", merged)
    assert run.code == 0, run.stderr
    f = story.fields()
    assert f["ScheduleState"] == "Completed"
    assert f["c_CommitSHA"] == MERGE_SHA
    assert run.outputs["state"] == "Completed"
    assert len(story.posts()) == 2
    assert any("merged" in p for p in story.posts())
    # A re-run of the old synchronize job after the merge:
    late = pr_event("synchronize", branch=branch, head_sha="d" * 40)
    stale = ci(repo, rally, tmp_path / "3", "pull_request", late, PANTHEON_CI_FAIL_ON="lock")
    assert stale.code == 0
    after = story.fields()
    assert after["ScheduleState"] == "Completed"
    assert after["c_CommitSHA"] == MERGE_SHA
    assert after["VersionId"] == f["VersionId"]
    assert "older news" in stale.summary
    assert stale.outputs["state"] == "Completed"


def test_accepted_story_is_never_moved_back(
    repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    story = Story(rally, "US125")
    story.update(ScheduleState="Accepted")
    run = ci(repo, rally, tmp_path, "pull_request", pr_event(branch="story/US-125-x"))
    assert run.code == 0
    assert story.fields()["ScheduleState"] == "Accepted"
    assert story.posts() == []


def test_locked_by_someone_else(repo: GitRepo, rally: RallyProcess, tmp_path: Path) -> None:
    story = Story(rally, "US203")  # the demo locks it for john.doe
    before = story.fields()
    doc = pr_event(branch="story/US-203-x")
    soft = ci(repo, rally, tmp_path / "1", "pull_request", doc)
    assert soft.code == 0
    assert any(a.startswith("::warning") and "john.doe@example.com" in a for a in soft.annotations)
    strict = ci(repo, rally, tmp_path / "2", "pull_request", doc, PANTHEON_CI_FAIL_ON="lock")
    assert strict.code == 1
    after = story.fields()
    assert after["VersionId"] == before["VersionId"]
    assert after["c_LockedBy"] == "john.doe@example.com"
    assert story.posts() == []
    mine = pr_event(branch="story/US-203-x", author="jdoe-gh")
    assert (
        ci(repo, rally, tmp_path / "3", "pull_request", mine, PANTHEON_CI_FAIL_ON="lock").code == 0
    )
    assert story.fields()["c_PantheonStatus"] == "Code Review"


def test_closed_without_merge_releases_lock_keeps_state(
    repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    story = Story(rally, "US124")
    story.lock(ALICE)
    run = ci(repo, rally, tmp_path, "pull_request", pr_event("closed", branch="story/US-124-x"))
    assert run.code == 0, run.stderr
    f = story.fields()
    assert not f["c_LockedBy"]
    assert f["c_PantheonStatus"] == "In Progress"
    assert f["ScheduleState"] == "In-Progress"
    posts = story.posts()
    assert len(posts) == 1
    assert "closed without merging" in posts[0]


def test_draft_records_without_moving(repo: GitRepo, rally: RallyProcess, tmp_path: Path) -> None:
    story = Story(rally, "US126")
    story.lock(ALICE)
    run = ci(repo, rally, tmp_path, "pull_request", pr_event(branch="story/US-126-x", draft=True))
    assert run.code == 0
    f = story.fields()
    assert f["c_CommitSHA"] == HEAD_SHA
    assert f["c_PantheonStatus"] == "In Progress"
    assert f["c_LockedBy"] == ALICE
    assert story.posts() == []
    # the lock as Rally holds it, not "none"
    assert "| Lock | held by alice@example.com |" in run.summary


def test_story_missing_from_rally(repo: GitRepo, rally: RallyProcess, tmp_path: Path) -> None:
    doc = pr_event(branch="story/US-999-ghost")
    run = ci(repo, rally, tmp_path / "1", "pull_request", doc)
    assert run.code == 0
    assert "not in Rally" in run.summary
    strict = ci(repo, rally, tmp_path / "2", "pull_request", doc, PANTHEON_CI_FAIL_ON="lock")
    assert strict.code == 1


def test_story_from_title(repo: GitRepo, rally: RallyProcess, tmp_path: Path) -> None:
    doc = pr_event(branch="feature/registration", title="Registration endpoint (US-127)")
    run = ci(repo, rally, tmp_path, "pull_request", doc)
    assert run.code == 0, run.stderr
    assert Story(rally, "US127").fields()["c_PantheonStatus"] == "Code Review"
    assert "from the PR title" in run.summary


def test_push_to_default_branch_links_named_stories(
    repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    shas = ["1" * 40, "2" * 40, "3" * 40]
    doc = push_event(
        ["US-128 first part", "Fix us128 and US_129 edge case", "Unrelated docs"], shas=shas
    )
    run = ci(repo, rally, tmp_path / "1", "push", doc, PANTHEON_CI_CHANGESETS="true")
    assert run.code == 0, run.stderr
    assert "c\\_CommitSHA; changeset created" in run.summary
    assert Story(rally, "US128").fields()["c_CommitSHA"] == shas[1]
    assert Story(rally, "US129").fields()["c_CommitSHA"] == shas[1]
    assert Story(rally, "US128").fields()["ScheduleState"] == "Defined"
    assert run.outputs["story"] == "US-128 US-129"
    ghost = push_event(["Fix S3 upload and US-99999"], shas=["4" * 40])
    unknown = ci(repo, rally, tmp_path / "3", "push", ghost, PANTHEON_CI_FAIL_ON="lock")
    assert unknown.code == 0, unknown.stderr
    assert "not in Rally" in unknown.summary
    moved = ci(repo, rally, tmp_path / "2", "push", doc, PANTHEON_CI_PUSH_STATE="Completed")
    assert moved.code == 0
    assert Story(rally, "US128").fields()["ScheduleState"] == "Completed"


def test_changesets_created_once(repo: GitRepo, rally: RallyProcess, tmp_path: Path) -> None:
    story = Story(rally, "US120")
    story.lock(ALICE)
    doc = pr_event(branch="story/US-120-create-user-model")
    env = {"PANTHEON_CI_CHANGESETS": "true"}
    first = ci(repo, rally, tmp_path / "1", "pull_request", doc, **env)
    assert first.code == 0
    assert f"| Changeset | created for `{HEAD_SHA[:7]}` |" in first.summary
    again = ci(repo, rally, tmp_path / "2", "pull_request", doc, **env)
    assert again.code == 0
    assert f"| Changeset | already there for `{HEAD_SHA[:7]}` |" in again.summary
    story_api = Story(rally, "US120")
    reply = story_api.get(
        "changeset",
        query=f'(Revision = "{HEAD_SHA}")',
        fetch="Revision,Artifacts,SCMRepository,Uri",
        workspace="null",
    )
    found = reply["QueryResult"]["Results"]
    assert len(found) == 1, reply
    artifacts = story_api.get(found[0]["Artifacts"]["_ref"].split("/v2.0/")[1], fetch="FormattedID")
    assert [a["FormattedID"] for a in artifacts["QueryResult"]["Results"]] == ["US120"]
    repos = story_api.get(
        "scmrepository", query=f'(Name = "{REPO}")', fetch="Name", workspace="null"
    )
    assert repos["QueryResult"]["TotalResultCount"] == 1


@pytest.mark.parametrize(
    "branch",
    [
        "story/US-121-$(touch${IFS}pwned)",
        "story/US-121-`touch pwned`;rm -rf x",
        'story/US-121-<b>"quoted"</b>&amp;',
    ],
)
def test_hostile_names_are_stored_as_text(
    repo: GitRepo, rally: RallyProcess, tmp_path: Path, branch: str
) -> None:
    story = Story(rally, "US121")
    title = "US-121 <script>alert(1)</script> $(touch pwned)"
    run = ci(repo, rally, tmp_path / "t", "pull_request", pr_event(branch=branch, title=title))
    assert run.code == 0, run.stderr
    assert story.fields()["c_Branch"] == branch
    note = story.posts()[0]
    assert "<script>" not in note
    assert html.escape(branch) in note  # the literal name, escaped: no markup of its own
    assert not list(repo.path.rglob("pwned*"))
    assert not list(tmp_path.rglob("pwned*"))


def test_rally_down_exits_5_with_a_summary(
    repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    env = rally.env()
    rally.stop()
    run = run_ci(
        repo.path,
        "pull_request",
        pr_event(branch="story/US-121-x"),
        env={**env, "PANTHEON_RALLY_DEADLINE": "3", "PANTHEON_RALLY_TIMEOUT": "1"},
        tmp=tmp_path,
    )
    assert run.code == 5, run.stderr
    assert "Rally failed" in run.summary
    assert "Nothing was written" in run.summary
    assert any(a.startswith("::error") for a in run.annotations)
    assert "Traceback" not in run.stderr
    no_secret(run)


def test_wrong_key_exits_5_without_echoing_it(
    repo: GitRepo, rally: RallyProcess, tmp_path: Path
) -> None:
    wrong = "_wrongKey9876543210abcdef"
    run = run_ci(
        repo.path,
        "pull_request",
        pr_event(branch="story/US-121-x"),
        env={**rally.env(), "RALLY_API_KEY": wrong},
        tmp=tmp_path,
    )
    assert run.code == 5, run.stderr
    assert wrong not in run.everything()


def test_json_output(repo: GitRepo, rally: RallyProcess, tmp_path: Path) -> None:
    Story(rally, "US121").lock(ALICE)
    env = {**rally.env()}
    run = run_ci(
        repo.path,
        "pull_request",
        pr_event(branch="story/US-121-x"),
        env=env,
        args=("--json",),
        tmp=tmp_path,
    )
    doc = json.loads(run.stdout)
    assert doc["decisions"][0]["after"] == "Code Review"
    assert doc["notes"] == {"US-121": "posted"}
    assert doc["decisions"][0]["lock"] == {"held_by": None, "expired": False, "released": ALICE}
    no_secret(run)
