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


@pytest.mark.parametrize(
    ("branch", "pattern", "bad"),
    [
        ("story/US-123-login", DEFAULT_BRANCH_PATTERN, None),
        ("story/US-12O-login", DEFAULT_BRANCH_PATTERN, "US-12O-login"),  # O for 0
        ("Story/login-page", DEFAULT_BRANCH_PATTERN, "login-page"),
        ("story/US-99999999999-x", DEFAULT_BRANCH_PATTERN, "US-99999999999"),
        ("stories/US-1", DEFAULT_BRANCH_PATTERN, None),
        ("feature/US-1", DEFAULT_BRANCH_PATTERN, None),
        ("feat/US-x", r"^feat/(?P<key>US-\d+)/", "US-x"),
        ("feat/US-x", r"^(?:feat|story)/(?P<key>US-\d+)", None),  # no fixed prefix
        ("x/feat/US-x", r"feat/(?P<key>US-\d+)", None),  # not anchored
    ],
)
def test_a_branch_named_as_a_story_branch_without_a_key_is_malformed(
    branch: str, pattern: str, bad: str | None
) -> None:
    assert rules.malformed_key(branch, pattern) == bad


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
    assert "`pantheon checkout US-5` names free ones" in hint
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


def test_the_review_rule_uses_the_workflows_names() -> None:
    from pantheon_git.core import states

    assert rules.CODE_REVIEW == states.CODE_REVIEW
    assert (
        tuple(s for s in states.WORKFLOW if states.rank(s) >= states.rank(states.COMPLETED))
        == rules.DONE_STATES
    )


@pytest.mark.parametrize(
    ("status", "state", "owner", "allowed"),
    [
        (rules.FREE, "Code Review", "Alice@Example.com", True),
        (rules.EXPIRED, "Code Review", "alice@example.com", True),
        (rules.THEIRS, "Code Review", "alice@example.com", False),
        (rules.FREE, "Code Review", "bob@example.com", False),
        (rules.FREE, "Code Review", None, False),
        (rules.FREE, "In Progress", "alice@example.com", False),  # no lock, no review: checkout
        (rules.FREE, "Completed", "alice@example.com", False),
    ],
)
def test_review_fixes_are_the_owners_while_nobody_holds_a_lock(
    status: str, state: str, owner: str | None, allowed: bool
) -> None:
    assert rules.review_fix(status, state, owner, "alice@example.com") is allowed


def test_only_what_git_keeps_of_a_message_counts() -> None:
    message = (
        "add notes\n# Please enter the commit message\n"
        f"{rules.SCISSORS}\n# Do not modify or remove the line above.\n"
        "diff --git a/notes.txt b/notes.txt\n+see US-121 for the design\n"
    )
    assert not rules.mentions(message, "US-121")
    assert rules.first_line(message) == "add notes"
    assert rules.with_key(message, "US-121").startswith("US-121: add notes\n")
    assert rules.first_line(f"{rules.SCISSORS}\nUS-121 diff\n") == ""


def test_reverts_and_cherry_picks_on_a_protected_branch_were_allowed_at_commit_time() -> None:
    commits = [
        ("a" * 40, "quick fix\n"),
        ("b" * 40, 'Revert "quick fix"\n\nThis reverts commit aaaa.\n'),
        ("c" * 40, "port the fix\n\n(cherry picked from commit cccc)\n"),
    ]
    assert rules.pushed_directly(commits) == [commits[0]]
    message, hint = rules.protected_push_refusal("main", "main", commits[:1])
    assert "1 commit(s) made directly on main" in message
    assert "'quick fix'" in message
    assert "protected_branches" in hint
