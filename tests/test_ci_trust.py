"""Identity and the fork rules, as pure decisions over parsed events."""

from __future__ import annotations

import pytest

from pantheon_git.features.ci.event import parse_event
from pantheon_git.features.ci.trust import admit, identity, permit
from tests.support.ghevents import pr_event, push_event, workflow_run_event

IDS = {"Alice-GH": "alice@example.com"}


def test_identity_is_the_mapped_login_only() -> None:
    assert identity("alice-gh", IDS) == "alice@example.com"
    assert identity("ALICE-GH", IDS) == "alice@example.com"
    assert identity("bob-gh", IDS) is None
    assert identity("alice@example.com", IDS) is None  # an email is not a login
    assert identity(None, IDS) is None


@pytest.mark.parametrize("action", ["opened", "synchronize", "closed"])
def test_unmapped_author_is_refused_where_a_lock_is_judged(action: str) -> None:
    event = parse_event("pull_request", pr_event(action, branch="story/US-1-x", author="bob-gh"))
    found = permit(event, IDS, "none")
    assert found.refused is not None
    assert "`bob-gh`" in found.refused
    assert found.unverified


def test_a_merge_needs_no_identity_and_a_push_none_either() -> None:
    merged = parse_event(
        "pull_request", pr_event("closed", merged=True, branch="story/US-1-x", author="bob-gh")
    )
    assert permit(merged, IDS, "none").refused is None
    push = parse_event("push", push_event(["US-1 done"]))
    assert permit(push, IDS, "none").refused is None


def test_forks_write_nothing_by_default_whoever_they_are() -> None:
    doc = pr_event(branch="story/US-1-x", author="alice-gh", fork=True)
    for name in ("pull_request", "pull_request_target"):
        found = permit(parse_event(name, doc), IDS, "none")
        assert found.refused is not None
        assert "forker/Hello-World" in found.refused
        assert not found.unverified
    run = parse_event("workflow_run", workflow_run_event("story/US-1-x", actor="alice-gh"))
    assert permit(run, IDS, "none").refused is not None


def test_author_lock_requires_the_mapped_authors_own_lock() -> None:
    doc = pr_event(branch="patch-1", title="US-1 tweak", author="alice-gh", fork=True)
    found = permit(parse_event("pull_request_target", doc), IDS, "author-lock")
    assert found.refused is None
    assert found.author == "alice@example.com"
    assert found.require_own_lock
    stranger = pr_event(branch="patch-1", title="US-1", author="mallory", fork=True)
    assert permit(parse_event("pull_request_target", stranger), IDS, "author-lock").unverified
    merged = pr_event("closed", merged=True, branch="patch-1", title="US-1", fork=True)
    refused = permit(parse_event("pull_request_target", merged), IDS, "author-lock").refused
    assert refused is not None
    assert "ci_push_state" in refused


def test_a_deleted_fork_is_a_fork() -> None:
    doc = pr_event(branch="story/US-1-x", author="alice-gh")
    doc["pull_request"]["head"]["repo"] = None
    found = permit(parse_event("pull_request_target", doc), IDS, "none")
    assert found.refused is not None
    assert "since deleted" in found.refused


def test_admit_reports_the_first_reason() -> None:
    fork = parse_event("pull_request", pr_event(branch="story/US-1-x", fork=True))
    no_key = admit(fork, has_key=False, identities=IDS, forks="none")
    assert no_key.refused is not None
    assert "no secrets" in no_key.refused
    assert no_key.level == "notice"
    plain = parse_event("pull_request", pr_event(branch="feature/x", title="no key"))
    assert admit(plain, has_key=True, identities=IDS, forks="none").level is None
    ok = parse_event("pull_request", pr_event(branch="story/US-1-x", author="alice-gh"))
    assert admit(ok, has_key=True, identities=IDS, forks="none").refused is None
