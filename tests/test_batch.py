"""``pantheon batch`` (the seed's /batch-stories) against the emulator: a list of stories or
the next N of an epic, locks checked, the free unblocked ones taken at once, the rest reported
with why; two developers batching the same stories at once never both get one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.app import App
from pantheon_git.errors import UsageError
from pantheon_git.features.checkout.run import lease_hours
from pantheon_git.rally import records
from tests.support.gitrepo import GitRepo
from tests.support.locks import Run, rally_env, rally_fields, spawn_pantheon

Pantheon = Callable[..., Run]
ALICE = "alice@example.com"
FETCH = ("FormattedID", "ScheduleState", "c_PantheonStatus", "c_LockedBy", "c_Branch", "Owner",
         "EmailAddress")  # fmt: skip


@pytest.fixture
def repo(git_repo: GitRepo, lock_env: Any, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    monkeypatch.chdir(git_repo.path)
    return git_repo


def test_a_list_takes_the_free_ones_and_says_why_not_for_the_rest(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    result = pantheon("batch", "US-120", "US-126", "US-203", "US-206", "US-121", "US-999",
                      "--json")  # fmt: skip
    assert result.code == 1, result.err
    doc = result.json()
    by = {s["story"]: s for s in doc["stories"]}
    assert [s["story"] for s in doc["stories"]] == [
        "US-120", "US-126", "US-203", "US-206", "US-121", "US-999"
    ]  # fmt: skip
    assert (doc["wanted"], doc["taken"], doc["complete"]) == (6, ["US-120", "US-126"], False)
    assert by["US-120"]["outcome"] == by["US-126"]["outcome"] == "taken"
    assert by["US-203"]["outcome"] == "locked"
    assert by["US-203"]["holder"] == "john.doe@example.com"
    assert by["US-206"]["outcome"] == "done"
    assert (by["US-121"]["outcome"], by["US-121"]["waits_for"]) == ("blocked", ["US-120"])
    assert by["US-999"]["outcome"] == "not_found"
    for key in ("US-120", "US-126"):
        fields = rally_fields(lock_env, key, FETCH)
        assert fields["c_LockedBy"] == ALICE
        assert fields["c_PantheonStatus"] == "In Progress"
        assert records.person(fields["Owner"]) == ALICE
        assert fields["c_Branch"].startswith(f"story/{key}-")
    assert rally_fields(lock_env, "US-121")["c_LockedBy"] in ("", None)
    assert repo.git("symbolic-ref", "--short", "HEAD").strip() == "main"  # no branch switched
    assert not (repo.path / "docs").exists()  # `pantheon checkout` writes the story file


def test_the_report(repo: GitRepo, lock_env: Any, pantheon: Pantheon) -> None:
    result = pantheon("batch", "US-126", "US-203")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == "Batch Checkout"
    assert any(
        ln.startswith("✅ US-126 - Add OAuth integration: locked by you until ") for ln in lines
    )
    assert any(ln.startswith("❌ US-203 - Sync partner accounts: locked by john.doe@example.com")
               for ln in lines)  # fmt: skip
    assert "Took 1 of 2 stories (locking took " in result.out
    assert lines[-1] == "Start one: pantheon checkout US-126   (switches to its branch)"
    again = pantheon("batch", "US-126")  # yours already: renewed
    assert again.code == 0
    assert "✅ US-126 - Add OAuth integration: already yours: lock renewed" in again.out


def test_the_next_n_of_an_epic_in_checkouts_order(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    result = pantheon("batch", "--epic", "17", "--count", "3", "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["taken"] == ["US-120", "US-126", "US-127"]  # the critical path first, then rank
    assert doc["epics"] == ["F17"]
    waiting = {s["story"]: s["waits_for"] for s in doc["unavailable"]}
    assert waiting == {
        "US-121": ["US-120"], "US-122": ["US-120"], "US-123": ["US-120"],
        "US-124": ["US-121"], "US-125": ["US-122"],
    }  # fmt: skip
    more = pantheon("batch", "--epic", "17", "--count", "3", "--json").json()
    assert more["taken"] == ["US-128", "US-129"]  # only two left free
    assert more["complete"] is False


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "give either stories or --epic with --count"),
        (["US-120", "--epic", "17"], "give either stories or --epic with --count"),
        (["US-120", "--count", "2"], "--count goes with --epic"),
        (["--epic", "17"], "--epic needs --count N"),
        (["--epic", "17", "--count", "0"], "--epic needs --count N"),
        (["not-a-key"], "not a story key"),
        (["US-121", "--lock-hours", "0"], "'--lock-hours': 0.0 is not in the range"),
    ],
)
def test_bad_input_exits_2_before_rally_is_asked(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon, args: list[str], words: str
) -> None:
    result = pantheon("batch", *args)
    assert result.code == 2
    assert words in result.err


def test_two_developers_batching_the_same_stories_never_share_one(
    git_repo: GitRepo, rally_process: Any, tmp_path: Path
) -> None:
    rally_process.control("POST", "users", {"email": "bob@example.com"})
    stories = ["US-126", "US-127", "US-128", "US-129"]
    procs = []
    for who in ("alice@example.com", "bob@example.com"):
        folder = tmp_path / who.split("@")[0]
        folder.mkdir()
        env = rally_env(rally_process, who)
        procs.append((who, spawn_pantheon(["batch", *stories, "--json"], cwd=folder, env=env)))
    taken: dict[str, list[str]] = {}
    for who, proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode in (0, 1, 5), err  # 5: Rally too slow for the bound, withdrawn
        assert "Traceback" not in err
        if proc.returncode != 5:
            taken[who] = json.loads(out)["taken"]
    for key in stories:
        owners = [who for who, keys in taken.items() if key in keys]
        assert len(owners) <= 1, (key, taken)  # never held by two at once
        if owners:
            assert rally_fields(rally_process, key)["c_LockedBy"] == owners[0]
    if len(taken) == 2:  # both finished: every story went to one of them
        assert sorted(k for keys in taken.values() for k in keys) == stories


def test_the_lease_is_the_one_asked_for_or_the_configs(tmp_path: Path) -> None:
    app = App.load(cwd=tmp_path)
    assert lease_hours(app, None) == app.config.rally_lock_hours
    assert lease_hours(app, 2.5) == 2.5
    for bad in (0.0, -1.0):
        with pytest.raises(UsageError, match="--lock-hours must be more than 0"):
            lease_hours(app, bad)
