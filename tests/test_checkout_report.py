"""The checkout, refusal and lease reports (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock
from pantheon_git.features.checkout.choice import Alternative, Candidate
from pantheon_git.features.checkout.report import (
    CheckoutReport,
    Refusal,
    render_checkout,
    render_refusal,
)
from pantheon_git.features.locks.report import LeaseReport, lease_words, render_lease, show_time

NOW = datetime(2026, 2, 2, 10, 30, tzinfo=UTC)
KEY = StoryKey("US", 123)
BOBS = Lock("bob@example.com", NOW, NOW + timedelta(hours=24))


def test_times_are_shown_in_the_given_zone() -> None:
    assert show_time(NOW, UTC) == "2026-02-02 10:30 AM UTC"
    assert show_time(NOW, timezone(timedelta(hours=-5), "EST")) == "2026-02-02 05:30 AM EST"


def test_lease_words() -> None:
    lock = Lock("a", NOW, NOW + timedelta(hours=1))
    assert lease_words(lock, NOW) == "expires in 1 hour"
    assert lease_words(lock, NOW + timedelta(minutes=59)) == "expires in 1 minute"
    assert lease_words(Lock("a", NOW, NOW + timedelta(hours=36)), NOW) == "expires in 36 hours"


def test_success_without_a_branch_says_how_to_make_one() -> None:
    report = CheckoutReport(
        KEY, "Implement Login Form", Lock("a@x", NOW, NOW + timedelta(hours=24)), "won",
        branch="story/US-123-implement-login-form",
    )  # fmt: skip
    text = render_checkout(report, NOW)
    assert "➖ Branch not created (--no-branch): story/US-123-implement-login-form" in text
    assert "Ready to start:\n  pantheon checkout US-123   (when you start: " in text
    assert report.to_dict()["locked"] is True


def test_refusal_shapes() -> None:
    alternative = Alternative(Candidate(StoryKey("US", 125), "Add reset"), "higher")
    text = render_refusal(
        Refusal(KEY, "Login", "refused", BOBS, "F17", "Auth", (alternative,)), NOW, UTC
    )
    assert "Available alternatives in Epic 17:" in text
    assert "  1. US-125 - Add reset (higher complexity)" in text
    nobody = Refusal(KEY, "Login", "lost", None, "F17", reason="nobody kept it")
    text = render_refusal(nobody, NOW, UTC)
    assert text.startswith("❌ Story Not Taken")
    assert "Locked by" not in text
    assert "No other story is free and unblocked in Epic 17." in text
    doc = nobody.to_dict()
    assert (doc["locked"], doc["locked_by"], doc["expires"], doc["alternatives"]) == (
        False,
        None,
        None,
        [],
    )
    empty = render_refusal(
        Refusal(None, "", "none_free", epic="F17", reason="All taken."), NOW, UTC
    )
    assert empty.splitlines()[0] == "❌ No Story Available"


def test_lease_reports_and_exit_codes() -> None:
    cases = [
        (LeaseReport(KEY, "T", "release", "released", BOBS), 0, "🔓 Released US-123 - T"),
        (LeaseReport(KEY, "T", "release", "theirs", BOBS), 1, "bob@example.com holds it"),
        (LeaseReport(KEY, "T", "release", "not_locked"), 0, "is not locked"),
        (LeaseReport(KEY, "T", "renew", "not_locked"), 1, "You do not hold US-123"),
        (LeaseReport(KEY, "T", "renew", "renewed", BOBS), 0, "🔒 Renewed: US-123 - T"),
        (LeaseReport(KEY, "T", "renew", "lost", BOBS), 1, "won it just now"),
    ]
    for report, code, words in cases:
        assert report.exit_code == code, report
        assert words in render_lease(report, NOW, UTC)
