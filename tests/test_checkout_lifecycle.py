"""``pantheon checkout`` and the story's lifecycle: Owner, review, released stories, the forms
and exit codes people meet first (emulator, real git)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from pantheon_git.rally import records
from pantheon_git.rally.users import users_by_email
from tests.support.gitrepo import GitRepo
from tests.support.locks import Run, client_for, lock_as, now, rally_fields, set_rally_fields

Pantheon = Callable[..., Run]
BOB = "bob@example.com"
IN_REVIEW = {"ScheduleState": "In-Progress", "c_PantheonStatus": "Code Review"}


def owner_of(server: Any, key: str) -> str | None:
    fields = rally_fields(server, key, ("FormattedID", "Owner", "EmailAddress"))
    return records.person(fields.get("Owner"))


def assign(server: Any, key: str, email: str) -> None:
    with client_for(server) as client:
        (user,) = users_by_email(client, email)
    set_rally_fields(server, key, {"Owner": user.ref})


def test_checkout_makes_you_the_owner_and_release_leaves_you_there(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    assign(lock_env, "US-121", BOB)  # someone worked on it before and gave it back
    result = pantheon("checkout", "US-121", "--no-branch")
    assert result.code == 0, result.err
    assert owner_of(lock_env, "US-121") == "alice@example.com"
    assert pantheon("release", "US-121").code == 0
    assert rally_fields(lock_env, "US-121")["c_LockedBy"] in ("", None)
    assert owner_of(lock_env, "US-121") == "alice@example.com"


def test_someone_rally_does_not_know_is_stopped_and_keeps_no_lock(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANTHEON_USER", "zed@example.com")
    before = repo.git("for-each-ref")
    result = pantheon("checkout", "US-121")
    assert result.code == 3
    assert "zed@example.com is not an active Rally user" in result.err
    assert "identities" in result.err
    assert rally_fields(lock_env, "US-121")["c_LockedBy"] in ("", None)
    assert repo.git("for-each-ref") == before


def test_a_story_in_review_is_nobodys_to_check_out(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    set_rally_fields(lock_env, "US-121", IN_REVIEW)
    assign(lock_env, "US-121", BOB)
    result = pantheon("checkout", "US-121")
    assert result.code == 1
    assert result.out.splitlines()[0] == "❌ Story In Code Review"
    assert f"Owner: {BOB}" in result.out
    assert "Available alternatives in Epic 17:" in result.out
    assert rally_fields(lock_env, "US-121")["c_LockedBy"] in ("", None)
    doc = pantheon("checkout", "US-121", "--json").json()
    assert (doc["outcome"], doc["owner"], doc["state"]) == ("in_review", BOB, "Code Review")
    assert "US-121" not in [a["story"] for a in doc["alternatives"]]


def test_your_own_story_in_review_says_where_review_fixes_go(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    set_rally_fields(lock_env, "US-121", {**IN_REVIEW, "c_Branch": "story/US-121-add-login"})
    assign(lock_env, "US-121", "alice@example.com")
    result = pantheon("checkout", "US-121")
    assert result.code == 1
    assert "review fixes need no lock" in result.err
    assert "git switch story/US-121-add-login" in result.err
    assert rally_fields(lock_env, "US-121")["c_LockedBy"] in ("", None)


def test_released_and_expired_stories_are_offered_again(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    # carol holds US-120 (US-121..125 wait for it); US-126 was started and released; US-127
    # was started and its lock ran out
    lock_as(lock_env, "US-120", "carol@example.com", now(), now() + timedelta(hours=8))
    set_rally_fields(lock_env, "US-126", {"ScheduleState": "In-Progress"})
    set_rally_fields(lock_env, "US-127", {"ScheduleState": "In-Progress"})
    lock_as(lock_env, "US-127", BOB, now() - timedelta(hours=30), now() - timedelta(hours=6))
    first = pantheon("checkout", "--epic", "17", "--no-branch", "--json")
    assert first.code == 0, first.err
    assert first.json()["story"] == "US-126"
    second = pantheon("checkout", "--epic", "17", "--no-branch", "--json")
    assert second.json()["story"] == "US-127"
    assert second.json()["replaced_expired_lock"] == BOB


def test_the_seeds_epic_list_takes_the_next_story_of_any(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    for n in range(120, 130):  # nothing free in epic 17
        lock_as(lock_env, f"US-{n}", BOB, now(), now() + timedelta(hours=8))
    result = pantheon("checkout", "--epic", "17,18", "--no-branch", "--json")
    assert result.code == 0, result.err
    assert result.json()["story"] == "US-200"


def test_a_story_rally_does_not_have_is_bad_input(repo: GitRepo, pantheon: Pantheon) -> None:
    result = pantheon("checkout", "US-999")
    assert result.code == 2
    assert result.err.startswith("error: story US-999 not found in Rally")
    assert len(result.err.splitlines()) == 2  # the error and its next step


def test_an_epic_given_as_a_story_names_the_epic_option(repo: GitRepo, pantheon: Pantheon) -> None:
    result = pantheon("checkout", "F17")
    assert result.code == 2
    assert "F17 is an epic (User Authentication), not a story" in result.err
    assert "pantheon checkout --epic F17" in result.err


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        (("RALLY_WORKSPACE", "No Such Workspace"), "workspace 'No Such Workspace' not found"),
        (("RALLY_PROJECT", "No Such Project"), "project 'No Such Project' not found"),
    ],
)
def test_an_unknown_workspace_or_project_is_configuration(
    repo: GitRepo, pantheon: Pantheon, monkeypatch: pytest.MonkeyPatch, setting: Any, words: str
) -> None:
    monkeypatch.setenv(*setting)
    result = pantheon("checkout", "US-121")
    assert result.code == 3, result.err
    assert words in result.err


# --- the next story: a dependency graph that answers for the epic ---------------------------


def taken_by_bob(server: Any, *numbers: int) -> None:
    for n in numbers:
        set_rally_fields(server, f"US-{n}", {"ScheduleState": "In-Progress"})
        lock_as(server, f"US-{n}", BOB, now(), now() + timedelta(hours=8))


BLOCKED_BY_120 = {f"US-{n}" for n in range(121, 126)}  # the seed's graph: they wait for US-120


def test_without_a_saved_graph_inferred_predecessors_still_block(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    taken_by_bob(lock_env, 120)
    assert not (repo.path / ".bmad" / "rally-cache" / "dependencies.json").exists()
    result = pantheon("checkout", "--epic", "17", "--no-branch", "--json")
    assert result.code == 0, result.err
    assert result.json()["story"] == "US-126"
    graph = json.loads((repo.path / ".bmad/rally-cache/dependencies.json").read_text())
    assert graph["scope"][0]["epics"] == ["F17"]


def test_a_graph_of_another_epic_does_not_answer_for_this_one(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    assert pantheon("sync").code == 0
    assert pantheon("deps", "--epic", "18").code == 0
    taken_by_bob(lock_env, 120)
    result = pantheon("checkout", "--epic", "17", "--no-branch", "--json")
    assert result.code == 0, result.err
    assert result.json()["story"] not in BLOCKED_BY_120
    graph = json.loads((repo.path / ".bmad/rally-cache/dependencies.json").read_text())
    assert graph["epics"] == ["F17", "F18"]  # merged into the project-wide graph


def test_a_graph_older_than_the_cache_is_analysed_again(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    assert pantheon("sync").code == 0
    assert pantheon("deps", "--epic", "17").code == 0  # US-126 waits for nobody
    taken_by_bob(lock_env, 120)
    text = (
        "<p>Add OAuth integration so people can sign in with GitHub or Google. The callback "
        "looks the person up through the user model and links the account to it.</p>"
    )
    set_rally_fields(lock_env, "US-126", {"Description": text})
    result = pantheon("checkout", "--epic", "17", "--no-branch", "--json")
    assert result.code == 0, result.err
    assert result.json()["story"] not in {*BLOCKED_BY_120, "US-126"}
    graph = json.loads((repo.path / ".bmad/rally-cache/dependencies.json").read_text())
    assert ("US-120", "US-126") in {(e["from"], e["to"]) for e in graph["edges"]}


def test_with_deps_inferred_off_a_graph_saved_with_the_texts_edges_is_not_used(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the team read its backlog and orders by Rally's predecessors alone: the texts' edges in
    # the graph saved before no longer hold a story back (the seed has no Rally links)
    assert pantheon("sync").code == 0
    assert pantheon("deps", "--epic", "17").code == 0
    taken_by_bob(lock_env, 120)
    monkeypatch.setenv("PANTHEON_RALLY_AUTO_SYNC", "false")  # the saved graph stays current
    monkeypatch.setenv("PANTHEON_DEPS_INFERRED", "false")
    result = pantheon("checkout", "--epic", "17", "--no-branch", "--json")
    assert result.code == 0, result.err
    assert result.json()["story"] in BLOCKED_BY_120
    graph = json.loads((repo.path / ".bmad/rally-cache/dependencies.json").read_text())
    assert [part["inferred"] for part in graph["scope"]] == [False]


def test_alternatives_never_wait_for_a_story_in_progress(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    taken_by_bob(lock_env, 120)
    lock_as(lock_env, "US-124", "carol@example.com", now(), now() + timedelta(hours=8))
    result = pantheon("checkout", "US-124", "--json")
    assert result.code == 1
    offered = {a["story"] for a in result.json()["alternatives"]}
    assert offered
    assert not offered & BLOCKED_BY_120


def test_without_auto_sync_a_cache_missing_the_epic_stops_before_the_lock(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANTHEON_RALLY_AUTO_SYNC", "false")
    result = pantheon("checkout", "--epic", "17", "--no-branch")
    assert result.code == 3
    assert "cannot tell which of them wait for others" in result.err
    assert "pantheon sync --epic F17" in result.err
    assert all(
        rally_fields(lock_env, f"US-{n}")["c_LockedBy"] in ("", None) for n in range(120, 130)
    )
    assert pantheon("sync", "--epic", "17").code == 0
    taken_by_bob(lock_env, 120)
    assert pantheon("checkout", "--epic", "17", "--no-branch", "--json").json()["story"] == (
        "US-126"
    )


def test_auto_sync_refreshes_the_cache_after_a_checkout(
    repo: GitRepo, lock_env: Any, pantheon: Pantheon
) -> None:
    assert pantheon("checkout", "US-122", "--no-branch").code == 0
    meta = json.loads((repo.path / ".bmad/rally-cache/meta.json").read_text())
    assert meta["last_sync_selection"] != ""
    cached = list((repo.path / ".bmad/rally-cache/stories").glob("*/US-12*.json"))
    assert len(cached) == 10  # the whole epic, not only the story taken
