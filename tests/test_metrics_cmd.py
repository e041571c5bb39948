"""``pantheon metrics`` on a real repository with story merges, a Rally cache, a real plan and a
checkout log."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.app import App
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock
from pantheon_git.core.timefmt import format_time
from pantheon_git.features.metrics import work_hours
from pantheon_git.features.metrics.run import MetricsRequest, run_metrics
from pantheon_git.git.mergehistory import story_merges
from pantheon_git.main import main
from tests.support import cachefiles
from tests.support.gitrepo import GitRepo
from tests.support.planning import PlanCache, epic17_stories

MON = datetime(2026, 1, 5, tzinfo=UTC)
NOW = datetime(2026, 1, 16, 12, tzinfo=UTC)  # Friday of the following week


def at(day: int, hour: float) -> datetime:
    return MON + timedelta(days=day, hours=hour)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def dated(moment: datetime) -> dict[str, str]:
    return {"GIT_AUTHOR_DATE": stamp(moment), "GIT_COMMITTER_DATE": stamp(moment)}


def merge_story(repo: GitRepo, number: int, when: datetime, *, subject: str | None = None) -> None:
    branch = f"story/US-{number}-work"
    repo.git("checkout", "-q", "-b", branch, "main")
    repo.commit({f"src/us{number}.py": f"# US-{number}\n"}, f"US-{number}: work")
    repo.git("checkout", "-q", "main")
    message = subject or f"Merge branch '{branch}'"
    repo.git("merge", "-q", "--no-ff", "-m", message, branch, env=dated(when))


def merge_with_conflict(repo: GitRepo, number: int, when: datetime) -> None:
    """The story and main change the same line; the story merges main in, resolving it by
    hand, and then merges cleanly (as a PR updated with the base branch does)."""
    branch = f"story/US-{number}-work"
    repo.git("checkout", "-q", "-b", branch, "main")
    repo.commit({"src/shared.py": "VALUE = 'story'\n"}, f"US-{number}: change the value")
    repo.git("checkout", "-q", "main")
    repo.commit({"src/shared.py": "VALUE = 'main'\n"}, "hotfix on main")
    repo.git("checkout", "-q", branch)
    repo.git("merge", "-q", "main", check=False)
    repo.write({"src/shared.py": "VALUE = 'both'\n"})
    repo.git("add", "src/shared.py")
    repo.git("commit", "-q", "--no-edit")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", f"Merge branch '{branch}'", branch, env=dated(when))


def event(moment: datetime, story: str, user: str, outcome: str, **more: Any) -> str:
    record = {"time": format_time(moment), "event": "checkout", "story": story, "user": user}
    return json.dumps({**record, "outcome": outcome, **more})


@pytest.fixture
def project(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """Epic 17 planned for 4 developers, every story checked out and merged within three days;
    one merge needed a conflict resolved; one more story's lock expired."""
    monkeypatch.chdir(git_repo.path)
    git_repo.commit({"src/shared.py": "VALUE = 'base'\n", ".gitignore": ".bmad/\n"}, "base")
    plan_cache = PlanCache(git_repo.path)
    plan_cache.epic17()
    assert main(["plan", "--epic", "17", "--developers", "4"]) == 0

    # Work: every Epic 17 story merged Monday..Wednesday; US-121 with a conflict.
    for number in range(120, 130):
        when = at(2, 17) if number == 129 else at(0, 12 + number - 120)
        if number == 121:
            merge_with_conflict(git_repo, number, when)
        elif number == 122:
            subject = "Merge pull request #7 from acme/story/US-122-work\n\nAdd registration"
            merge_story(git_repo, number, when, subject=subject)
        else:
            merge_story(git_repo, number, when)
    git_repo.git("checkout", "-q", "-b", "release/1.0", "main")
    git_repo.commit({"CHANGELOG": "1.0\n"}, "changelog")
    git_repo.git("checkout", "-q", "main")
    git_repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'release/1.0'", "release/1.0")
    git_repo.commit({"src/tweak.py": "x = 1\n"}, "US-131: tweak the login copy (#9)")

    # Rally now: Epic 17 done, US-130 still In Progress under an expired lock.
    done = epic17_stories(**{f"US-{n}": {"state": "Completed"} for n in range(120, 130)})
    lock = Lock("dave@example.com", at(1, 9), at(2, 9), "story/US-130-x")
    extra = done[0].with_(key=StoryKey("US", 130), title="Add audit log", state="In Progress",
                          lock=lock)  # fmt: skip
    plan_cache.write_stories([*done, extra])
    cache = plan_cache.cache
    cachefiles.write_meta(cache, last_sync=NOW)

    users = ["alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com"]
    lines = [
        event(at(0, 8 + 50 / 60), "US-120", "bob@example.com", "refused", holder="x"),
        event(at(0, 9 + 5 / 60), "US-121", "carol@example.com", "lost", elapsed=4.0),
    ]
    for i, number in enumerate(range(120, 131)):
        who = users[i % 4]
        when = at(0, 9) if number == 120 else at(0, 9 + 20 / 60) if who.startswith("bob") else None
        when = when or (at(0, 11 + 5 / 60) if who.startswith("carol") else at(0, 9 + i / 10))
        lines.append(event(when, f"US-{number}", who, "won", elapsed=4.0))
    lines.append('{"time": "2026-01-05T10:00:00.000Z", "story": "US-1')  # a torn line
    (cache.dir / "events.jsonl").write_text("\n".join(lines) + "\n")
    return git_repo


def metrics_of(root: Path, since: datetime | None = None) -> dict[str, dict[str, Any]]:
    app = App.load(cwd=root)
    app.now = lambda: NOW
    outcome = run_metrics(app, MetricsRequest(since=since))
    return {x.key: x.to_dict() for x in outcome.metrics}


def test_story_merges_found_in_history(project: GitRepo) -> None:
    merges = {
        m.story: m for m in story_merges(project.path, "main", pattern=r"^story/(?P<key>US-\d+)")
    }
    assert sorted(merges) == [f"US-{n}" for n in range(120, 130)] + ["US-131"]
    assert merges["US-121"].conflicted is True
    assert merges["US-121"].paths == ("src/shared.py",)
    assert merges["US-122"].conflicted is False  # the GitHub "Merge pull request" form
    assert merges["US-131"].conflicted is None  # a squash merge: not known
    assert merges["US-129"].time == at(2, 17)


def test_the_six_metrics_on_a_real_project(project: GitRepo) -> None:
    loose_before = sorted(p.name for p in (project.path / ".git" / "objects").rglob("*"))
    got = metrics_of(project.path)
    plan = json.loads((project.path / ".bmad/rally-cache/workstreams.json").read_text())

    # 11 stories checked out, none held by two developers at once (the refusal and the lost
    # race are the lock doing its job)
    assert got["story_conflicts"]["value"] == 0.0
    assert got["story_conflicts"]["status"] == "pass"
    assert got["story_conflicts"]["data"] == {
        "stories": 11, "doubled": [], "refused": 1, "lost": 1
    }  # fmt: skip

    # 1 of 10 known merges conflicted (US-121); US-131 was squashed
    assert got["merge_conflicts"]["value"] == 10.0
    assert got["merge_conflicts"]["status"] == "miss"
    assert got["merge_conflicts"]["data"]["unknown"] == 1

    # bob: 30 min from refusal to his next win; carol: 2 h, capped at 1 h; 12 protocol runs
    # of 4 s, each with the default 4 s settle wait; the log spans hours: one 14-day sprint
    hours = 0.5 + 1.0 + 12 * (4 + 4) / 3600
    assert got["coordination"]["value"] == round(hours, 2)
    assert got["coordination"]["status"] == "pass"

    assert got["lane_balance"]["value"] == round(plan["balance_sigma_pct"], 1)

    # 10 locks reached review, dave's on US-130 expired
    assert got["lock_expiry"]["value"] == round(100 / 11, 1)
    assert got["lock_expiry"]["data"]["reviewed"] == 10

    # first lock Monday 09:00, last merge Wednesday 17:00
    elapsed = work_hours(at(0, 9), at(2, 17), 8.0)
    assert got["parallelization"]["data"]["elapsed_work_hours"] == round(elapsed, 2)
    assert got["parallelization"]["value"] == round(100 * plan["lower_bound"] / elapsed, 1)

    loose_after = sorted(p.name for p in (project.path / ".git" / "objects").rglob("*"))
    assert loose_after == loose_before  # the trial merges wrote nothing into the repository


def test_since_leaves_out_older_records(project: GitRepo) -> None:
    got = metrics_of(project.path, since=at(0, 9 + 1 / 60))
    assert got["story_conflicts"]["data"]["refused"] == 0  # the refusal at 08:50 is out
    assert got["story_conflicts"]["data"]["stories"] == 10  # so is the win of US-120 at 09:00
    assert got["merge_conflicts"]["data"]["known"] == 10


def test_the_command_report_and_json(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["metrics"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("Success Metrics\n")
    for name in (
        "Story conflict rate",
        "Merge conflict rate",
        "Coordination time",
        "Lane balance",
        "Lock expiry rate",
        "Parallelization efficiency",
    ):
        assert name in out
    assert "From:  checkout log: 13 events" in out
    assert "git: 11 story merges into main" in out
    assert "1 unreadable line in the checkout log skipped" in err

    assert main(["metrics", "--json", "--since", "2026-01-06"]) == 0
    doc = json.loads(capsys.readouterr()[0])
    assert doc["since"] == "2026-01-06T00:00:00.000Z"
    assert [x["key"] for x in doc["metrics"]] == [
        "story_conflicts",
        "merge_conflicts",
        "coordination",
        "lane_balance",
        "lock_expiry",
        "parallelization",
    ]
    assert all(x["target"] for x in doc["metrics"])


def test_bad_since_and_missing_extra_log(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["metrics", "--since", "last week"]) == 2
    assert "--since: not a date" in capsys.readouterr()[1]
    assert main(["metrics", "--events", "nowhere.jsonl"]) == 2
    assert "no such file" in capsys.readouterr()[1]


def test_a_since_in_the_future_says_so(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["metrics", "--json", "--since", "2999-01-01"]) == 0
    out, err = capsys.readouterr()
    note = "--since 2999-01-01T00:00:00.000Z is in the future: nothing has happened since"
    assert note in err
    assert note in json.loads(out)["notes"]


def test_a_colleagues_log_adds_their_checkouts(
    project: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    theirs = tmp_path / "events.jsonl"
    lines = [
        event(at(3, 9), "US-130", "erin@example.com", "refused"),
        # erin's clone also shows her taking US-124 while alice's lock on it still ran
        event(at(0, 12), "US-124", "erin@example.com", "won"),
    ]
    theirs.write_text("\n".join(lines) + "\n")
    assert main(["metrics", "--json", "--events", str(theirs)]) == 0
    doc = json.loads(capsys.readouterr()[0])
    conflicts = next(x for x in doc["metrics"] if x["key"] == "story_conflicts")
    assert conflicts["data"]["refused"] == 2
    assert conflicts["data"]["doubled"] == ["US-124"]
    assert conflicts["value"] == round(100 / 11, 1)
