"""Event payloads -> story, SHA and stage, on real octokit payloads and edited copies."""

from __future__ import annotations

from typing import Any

import pytest

from pantheon_git.core.keys import StoryKey
from pantheon_git.errors import UsageError
from pantheon_git.features.ci.event import parse_event, story_from
from pantheon_git.features.complete.rules import Stage
from tests.support.ghevents import (
    HEAD_SHA,
    HOSTILE_BRANCHES,
    HOSTILE_TITLES,
    MERGE_SHA,
    REPO,
    load,
    pr_event,
    push_event,
    workflow_run_event,
)

US123 = StoryKey("US", 123)


@pytest.mark.parametrize("action", ["opened", "reopened", "ready_for_review", "synchronize"])
def test_review_actions_use_the_head_sha(action: str) -> None:
    event = parse_event("pull_request", pr_event(action, branch="story/US-123-add-login"))
    assert event.stage is Stage.REVIEW
    assert event.sha == HEAD_SHA
    assert (event.story, event.story_source) == (US123, "branch")
    assert event.target_state == "Code Review"
    assert event.repository == REPO
    assert event.pull_request is not None
    assert event.pull_request.number == 2
    assert event.pull_request.author == "Codertocat"
    assert not event.fork


def test_unedited_octokit_payloads_parse() -> None:
    for name in (
        "pull_request.opened",
        "pull_request.reopened",
        "pull_request.ready_for_review",
        "pull_request.synchronize",
        "pull_request.closed",
        "pull_request.closed-merged",
        "pull_request.labeled",
    ):
        event = parse_event("pull_request", load(name))
        # branch `changes`, title without a key: no story
        assert event.story is None, name
    assert parse_event("push", load("push.with-new-branch")).stage is Stage.PUSH


def test_merged_uses_merge_commit_sha() -> None:
    event = parse_event(
        "pull_request", pr_event("closed", merged=True, branch="story/US-123-add-login")
    )
    assert (event.stage, event.sha, event.target_state) == (Stage.MERGED, MERGE_SHA, "Completed")


def test_closed_unmerged_is_not_a_merge_despite_merge_commit_sha() -> None:
    doc = pr_event("closed", branch="story/US-123-x")
    assert doc["pull_request"]["merge_commit_sha"]  # octokit's closed example has one
    event = parse_event("pull_request", doc)
    assert (event.stage, event.sha, event.target_state) == (Stage.CLOSED, HEAD_SHA, None)


def test_draft_pull_requests_do_not_go_to_review() -> None:
    event = parse_event("pull_request", pr_event("opened", branch="story/US-5-x", draft=True))
    assert event.stage is Stage.DRAFT
    assert event.target_state is None


def test_other_actions_are_ignored_with_a_reason() -> None:
    event = parse_event("pull_request", pr_event("labeled", branch="story/US-5-x"))
    assert event.stage is Stage.IGNORED
    assert "labeled" in event.reason


def test_story_from_title_when_branch_has_none() -> None:
    event = parse_event(
        "pull_request", pr_event(branch="feature/login", title="Add login (us-77, US-78)")
    )
    assert (event.story, event.story_source) == (StoryKey("US", 77), "title")


def test_branch_wins_over_title() -> None:
    assert story_from("story/US-1-x", "US-2 title") == (StoryKey("US", 1), "branch")
    assert story_from("main", "no key") == (None, None)


def test_fork_detection() -> None:
    assert parse_event("pull_request", pr_event(fork=True)).fork
    doc = pr_event()
    doc["pull_request"]["head"]["repo"] = None  # the fork was deleted
    assert parse_event("pull_request", doc).fork


@pytest.mark.parametrize("branch", HOSTILE_BRANCHES)
def test_hostile_branch_names_yield_only_the_key(branch: str) -> None:
    event = parse_event("pull_request", pr_event(branch=branch))
    assert event.story == StoryKey("US", 1)
    assert event.pull_request is not None
    assert event.pull_request.head_ref == branch  # kept verbatim, for escaped display only


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles(title: str) -> None:
    event = parse_event("pull_request", pr_event(branch="feature/x", title=title))
    assert event.story == StoryKey("US", 1)
    assert event.story_source == "title"


def test_push_to_default_branch_collects_keys_per_commit() -> None:
    doc = push_event(
        ["US-5 first part", "Fix us7 and US-5 again", "Merge pull request #9 from o/story/US-8-x"]
    )
    event = parse_event("push", doc)
    assert event.stage is Stage.PUSH
    assert event.sha == doc["after"]
    latest = event.push_keys
    assert set(latest) == {StoryKey("US", 5), StoryKey("US", 7), StoryKey("US", 8)}
    assert latest[StoryKey("US", 5)].sha == "02" * 20  # the newest commit naming it


def test_push_elsewhere_or_deleted_is_ignored() -> None:
    other = parse_event("push", push_event(["US-5 x"], branch="story/US-5-x"))
    assert other.stage is Stage.IGNORED
    assert "not to the default branch" in other.reason
    deleted = parse_event("push", load("push.tag-deleted"))
    assert deleted.stage is Stage.IGNORED
    assert "deleted" in deleted.reason


def test_configured_default_branch_overrides_payload() -> None:
    event = parse_event("push", push_event(["US-5"], branch="trunk"), default_branch="trunk")
    assert event.stage is Stage.PUSH


def test_unknown_event_is_ignored() -> None:
    event = parse_event("issues", {"action": "opened", "repository": {"full_name": REPO}})
    assert event.stage is Stage.IGNORED


def test_workflow_run_after_a_fork_pr() -> None:
    doc = workflow_run_event("story/US-9-fork-work", actor="forker", triggering_actor="maint")
    event = parse_event("workflow_run", doc)
    assert event.stage is Stage.REVIEW
    assert event.via_workflow_run
    assert event.fork
    assert event.story == StoryKey("US", 9)
    assert event.sha == HEAD_SHA
    # the run's actor (who the run is for), not who re-ran it
    assert event.actor == "forker"
    assert event.time == "2020-10-05T16:33:24Z"
    failed = parse_event("workflow_run", workflow_run_event("story/US-9-x", conclusion="failure"))
    assert failed.stage is Stage.IGNORED
    pushed = workflow_run_event("story/US-9-x")
    pushed["workflow_run"]["event"] = "push"
    assert parse_event("workflow_run", pushed).stage is Stage.IGNORED


def test_the_actor_is_what_github_names() -> None:
    pr = parse_event("pull_request", pr_event(branch="story/US-9-x", author="octo"))
    assert pr.actor == "octo"
    assert pr.time == "2019-05-15T15:20:33Z"
    push = parse_event("push", push_event(["US-9 x"]))
    assert push.actor == "Codertocat"
    assert push.time == "2019-05-15T15:20:57.000Z"  # repository.pushed_at, epoch seconds
    merged = parse_event("pull_request", pr_event("closed", merged=True, branch="story/US-9-x"))
    assert merged.time == "2019-05-15T15:21:18Z"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("repository"), "`repository.full_name` is missing"),
        (lambda d: d["pull_request"].pop("head"), "`pull_request.head.ref` is missing"),
        (lambda d: d["pull_request"]["head"].update(sha="zzz"), "not a commit SHA"),
        (lambda d: d["pull_request"]["head"].update(sha="$(id)"), "not a commit SHA"),
        (lambda d: d["pull_request"].update(number="2"), "should be int"),
        (lambda d: d["pull_request"].update(number=True), "should be int"),
        (lambda d: d.update(action=["opened"]), "should be str"),
    ],
)
def test_malformed_pull_request_payloads(mutate: Any, message: str) -> None:
    doc = pr_event()
    mutate(doc)
    with pytest.raises(UsageError, match="event payload") as info:
        parse_event("pull_request", doc)
    assert message in info.value.message
    assert info.value.exit_code == 2


def test_merged_without_merge_sha_is_malformed() -> None:
    doc = pr_event("closed", merged=True)
    doc["pull_request"]["merge_commit_sha"] = None
    with pytest.raises(UsageError, match="merge_commit_sha"):
        parse_event("pull_request", doc)


def test_payload_of_the_wrong_event() -> None:
    with pytest.raises(UsageError, match="`ref` is missing"):
        parse_event("push", pr_event())
    with pytest.raises(UsageError, match="missing"):
        parse_event("pull_request", load("push.with-new-branch"))


def test_not_an_object_and_no_event_name() -> None:
    with pytest.raises(UsageError, match="JSON object"):
        parse_event("push", [1, 2])
    with pytest.raises(UsageError, match="GITHUB_EVENT_NAME"):
        parse_event("", pr_event())


def test_malformed_push_commits() -> None:
    doc = push_event(["US-1"])
    doc["commits"][0]["id"] = "not-a-sha"
    with pytest.raises(UsageError, match=r"commits\.id|commits\[0\]"):
        parse_event("push", doc)
    doc = push_event(["US-1"])
    doc["commits"] = "nope"
    with pytest.raises(UsageError, match="not a list"):
        parse_event("push", doc)
