"""The hooks' rules on plain values, and their agreement with keys.py and locks.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pantheon_git.core.keys import DEFAULT_BRANCH_PATTERN, StoryKey, branch_story_key
from pantheon_git.core.story import Lock
from pantheon_git.errors import ConfigError
from pantheon_git.features.hooks import rules
from pantheon_git.features.locks import rules as locks

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

branch_text = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda pre, sep, num, tail: f"story/{pre}{sep}{num}{tail}",
        st.sampled_from(["US", "us", "Us", "S", "DE", "ABCD", "", "U1"]),
        st.sampled_from(["-", "", "_", " ", "--"]),
        st.sampled_from(["0", "7", "007", "123", "1234567890", "x"]),
        st.sampled_from(["", "-slug", "/x", "slug", "-$(touch x)", "-é"]),
    ),
    st.builds(lambda b: f"refs/remotes/origin/{b}", st.sampled_from(["story/US-9-a", "main"])),
    st.builds(lambda b: f"refs/heads/{b}", st.sampled_from(["story/us_12-a", "feature/x"])),
)


@given(branch_text)
def test_story_key_agrees_with_keys_module(branch: str) -> None:
    expected = branch_story_key(branch, DEFAULT_BRANCH_PATTERN)
    assert rules.story_key(branch, DEFAULT_BRANCH_PATTERN) == (str(expected) if expected else None)


@pytest.mark.parametrize(
    ("branch", "pattern", "key"),
    [
        ("story/US-123-login", DEFAULT_BRANCH_PATTERN, "US-123"),
        ("STORY/us123", DEFAULT_BRANCH_PATTERN, "US-123"),
        ("story/US-1-$(touch x)", DEFAULT_BRANCH_PATTERN, "US-1"),
        ("feature/US-1", DEFAULT_BRANCH_PATTERN, None),
        ("main", DEFAULT_BRANCH_PATTERN, None),
        ("feat/US-7/login", r"^feat/(?P<key>US-\d+)/", "US-7"),
    ],
)
def test_story_key_examples(branch: str, pattern: str, key: str | None) -> None:
    assert rules.story_key(branch, pattern) == key


def test_a_bad_branch_pattern_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a valid regex"):
        rules.story_key("story/US-1", "story/(")
    with pytest.raises(ConfigError, match="no \\(\\?P<key>"):
        rules.story_key("story/US-1", r"^story/(US-\d+)")


holders = st.sampled_from(["", "  ", "alice@example.com", "ALICE@example.com ", "bob@example.com"])
offsets = st.integers(min_value=-3, max_value=3)


@given(holders, offsets, st.sampled_from(["alice@example.com", "bob@EXAMPLE.com"]))
def test_lock_status_agrees_with_locks_module(holder: str, hours: int, me: str) -> None:
    expires = NOW + timedelta(hours=hours)
    lock = Lock(holder, NOW - timedelta(hours=5), expires) if holder else None
    assert rules.lock_status(holder, expires, me, NOW) == locks.status(lock, me, NOW).value


def test_a_lock_expires_at_exactly_its_expiry() -> None:
    assert rules.lock_status("a@x", NOW, "a@x", NOW) == rules.EXPIRED
    assert rules.lock_status("a@x", NOW + timedelta(milliseconds=1), "a@x", NOW) == rules.MINE


def test_refusals_name_the_holder_the_time_and_the_next_command() -> None:
    until = NOW + timedelta(hours=2)
    message, hint = rules.lock_refusal("US-5", rules.THEIRS, "jane@x", until, "me@x")
    assert "jane@x" in message
    assert "2026-01-05 14:00 UTC" in message
    assert "`pantheon checkout`" in hint
    message, hint = rules.lock_refusal("US-5", rules.EXPIRED, "me@x", NOW, "ME@x")
    assert "expired" in message
    assert "pantheon renew US-5" in hint
    message, hint = rules.lock_refusal("US-5", rules.FREE, None, None, "me@x")
    assert "not locked" in message
    assert "pantheon checkout US-5" in hint


def test_branch_rules() -> None:
    protected = ("main", "release/*")
    free = rules.branch_refusal("feature/x", protected, require_story_branch=False, example="e")
    assert free is None
    refusal = rules.branch_refusal(
        "release/2.0", protected, require_story_branch=False, example="e"
    )
    assert refusal is not None
    assert "protected_branches" in refusal[0]
    refusal = rules.branch_refusal("feature/x", protected, require_story_branch=True, example="e")
    assert refusal is not None
    assert "require_story_branch" in refusal[0]
    assert rules.branch_refusal("Main", protected, require_story_branch=False, example="e") is None


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("fixup! US-1: login\n", "fixup"),
        ("squash! login\n\nmore", "squash"),
        ("amend! login\n", "amend"),
        ("Merge branch 'main' into story/US-1-x\n", "merge"),
        ("Merge remote-tracking branch 'origin/main'\n", "merge"),
        ('Revert "add login"\n\nThis reverts commit 0123456789abcdef.\n', "revert"),
        ('Reapply "add login"\n', "revert"),
        ("# comment first\nfixup! x\n", "fixup"),
        ("Merge logic into the parser\n", None),
        ("Reverting is hard\n", None),
        ("add login\n", None),
    ],
)
def test_generated_messages_are_recognised(message: str, kind: str | None) -> None:
    assert rules.generated_kind(message) == kind


keys_text = st.builds(
    lambda p, sep, n: f"{p}{sep}{n}",
    st.sampled_from(["US", "us", "S", "X"]),
    st.sampled_from(["-", "", "_"]),
    st.integers(min_value=0, max_value=2000),
)


@given(
    st.lists(st.one_of(keys_text, st.sampled_from(["fix", "US-12a", "aUS-12", " ", "\n"]))),
    st.sampled_from(["US-12", "US-0", "S-7", "US-1999"]),
)
def test_mentions_agrees_with_find_all(parts: list[str], key: str) -> None:
    message = " ".join(parts)
    assert rules.mentions(message, key) == (StoryKey.parse(key) in StoryKey.find_all(message))


def test_mentions_ignores_comment_lines() -> None:
    assert not rules.mentions("fix login\n# On branch story/US-12-x\n", "US-12")
    assert rules.mentions("fix login (us_12)\n", "US-12")


def test_with_key_prepends_to_the_first_line_only() -> None:
    assert rules.with_key("fix login\n\nbody\n# comment\n", "US-5") == (
        "US-5: fix login\n\nbody\n# comment\n"
    )
    assert rules.with_key("\n# only a comment\n\n  indented subject\n", "US-5") == (
        "\n# only a comment\n\nUS-5: indented subject\n"
    )
    assert rules.with_key("# nothing\n", "US-5") == "# nothing\n"
    assert rules.with_key("crlf\r\nbody\r\n", "US-5") == "US-5: crlf\r\nbody\r\n"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(5, "5 s"), (600, "10 min"), (3 * 3600, "3 h"), (3 * 86400, "3 days"), (-4, "0 s")],
)
def test_age_text(seconds: float, text: str) -> None:
    assert rules.age_text(seconds) == text
