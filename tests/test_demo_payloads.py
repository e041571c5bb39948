"""The demo's pull request events: GitHub's example payloads with the demo's facts, read back by
the same parser ``pantheon ci`` uses; and the pure text helpers of the demo."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from pantheon_git.core.keys import StoryKey
from pantheon_git.demo.payloads import PullRequestFacts, pull_request_event
from pantheon_git.demo.script import Shown, heading, offered_alternative, render_run
from pantheon_git.features.ci.event import parse_event
from pantheon_git.features.complete.rules import Stage

HEAD = "a" * 40
BASE = "b" * 40
MERGE = "c" * 40


def template(name: str) -> Any:
    text = resources.files("pantheon_git.demo").joinpath("github", name).read_text("utf-8")
    return json.loads(text)


def facts(**changes: Any) -> PullRequestFacts:
    base = {
        "repo": "acme/webapp",
        "number": 7,
        "title": "US-120: Create user model",
        "author": "alice-gh",
        "branch": "story/US-120-create-user-model",
        "head_sha": HEAD,
        "base_branch": "main",
        "base_sha": BASE,
    }
    return PullRequestFacts(**{**base, **changes})


def test_the_shipped_templates_are_the_test_fixtures() -> None:
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures" / "github"
    names = ("opened", "synchronize", "closed-merged")
    for name in (f"pull_request.{n}.json" for n in names):
        assert template(name) == json.loads((fixtures / name).read_text("utf-8"))


def test_opened_event_reads_back_as_a_review_of_the_story() -> None:
    payload = pull_request_event(template("pull_request.opened.json"), facts())
    event = parse_event("pull_request", payload)
    assert event.stage is Stage.REVIEW
    assert event.story == StoryKey.parse("US-120")
    assert event.story_source == "branch"
    assert event.sha == HEAD
    assert event.repository == "acme/webapp"
    assert not event.fork
    pr = event.pull_request
    assert pr is not None
    assert (pr.number, pr.author, pr.base_ref) == (7, "alice-gh", "main")
    assert pr.url == "https://github.com/acme/webapp/pull/7"
    text = json.dumps(payload)
    assert "Hello-World" not in text
    assert "Codertocat" not in text


def test_merged_event_carries_the_merge_commit() -> None:
    payload = pull_request_event(
        template("pull_request.closed-merged.json"),
        facts(merge_sha=MERGE, when="2026-02-02T10:00:00.000Z"),
    )
    event = parse_event("pull_request", payload)
    assert event.stage is Stage.MERGED
    assert event.sha == MERGE
    assert payload["pull_request"]["merged_at"] == "2026-02-02T10:00:00.000Z"
    assert payload["pull_request"]["merged_by"]["login"] == "alice-gh"


def test_synchronize_event_is_a_review_of_the_pushed_head() -> None:
    payload = pull_request_event(
        template("pull_request.synchronize.json"),
        facts(pushed_over=BASE, when="2026-02-02T11:00:00.000Z"),
    )
    assert (payload["action"], payload["before"], payload["after"]) == ("synchronize", BASE, HEAD)
    event = parse_event("pull_request", payload)
    assert event.stage is Stage.REVIEW
    assert event.sha == HEAD
    assert "Codertocat" not in json.dumps(payload)


def test_the_template_is_not_changed() -> None:
    original = template("pull_request.opened.json")
    copy = json.loads(json.dumps(original))
    pull_request_event(original, facts())
    assert original == copy


def test_the_alternative_a_refusal_offers() -> None:
    refusal = (
        "❌ Story Already Locked\n"
        "Available alternatives in Epic 17:\n"
        "  1. US-127 - Add MFA support (similar complexity)\n"
        "     pantheon checkout US-127\n"
        "  2. US-128 - Add password reset (similar complexity)\n"
        "     pantheon checkout US-128\n\n"
        "Checkout alternative story:\n"
        "  pantheon checkout US-128\n"
    )
    assert offered_alternative(refusal) == "US-128"
    assert offered_alternative(refusal.split("Checkout alternative", maxsplit=1)[0]) == "US-127"
    assert offered_alternative("❌ Story Already Locked\nno free stories\n") is None


def test_headings_and_commands() -> None:
    line = heading(3, 13, "Doctor")
    assert line.startswith("\n━━━ Step 3/13 · Doctor ")
    assert len(line.strip()) == 78
    run = Shown("bob", "git commit -m 'A fix'", 1, "error: blocked\n", 0.1)
    assert render_run(run) == "bob $ git commit -m 'A fix'\nerror: blocked\n(exit code 1)"
