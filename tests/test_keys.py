from __future__ import annotations

import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pantheon_git.core.keys import (
    EpicRef,
    StoryKey,
    branch_story_key,
    key_order,
    slugify,
    sorted_keys,
    story_branch,
)
from pantheon_git.errors import UsageError


@pytest.mark.parametrize(
    "text", ["US-123", "us123", "US123", "Us-123", " US 123 ", "US_123", "US-0123"]
)
def test_story_key_forms_are_equal(text: str) -> None:
    key = StoryKey.parse(text)
    assert key == StoryKey("US", 123)
    assert str(key) == "US-123"
    assert key.formatted_id == "US123"


@pytest.mark.parametrize("text", ["", "US-", "123-US", "US-12a", "U$-1", "story/US-1", "US--1"])
def test_bad_story_keys_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="not a story key"):
        StoryKey.parse(text)


def test_find_all_ignores_words_like_s3_unless_asked() -> None:
    assert StoryKey.find_all("fix S3 upload for US-7") == [StoryKey("US", 7)]
    assert StoryKey.find_all("S42 done", prefixes=("US", "S")) == [StoryKey("S", 42)]


def test_find_all_in_commit_messages() -> None:
    text = "US123: fix login; also us-124 and US_125 (see US123). BUS12 and US12x are not keys"
    assert [str(k) for k in StoryKey.find_all(text)] == ["US-123", "US-124", "US-125"]


@given(st.sampled_from(["US", "DE", "TA", "S"]), st.integers(min_value=0, max_value=10**9 - 1))
def test_story_key_round_trips(prefix: str, number: int) -> None:
    key = StoryKey(prefix, number)
    assert StoryKey.parse(str(key)) == key
    assert StoryKey.parse(key.formatted_id.lower()) == key


def test_sorted_keys_are_distinct_and_in_key_order() -> None:
    texts = ["US10", "us-9", "DE2", "US9", "US-10", "US100", "US 9"]
    assert [str(k) for k in sorted_keys(texts)] == ["DE-2", "US-9", "US-10", "US-100"]
    assert sorted_keys([]) == ()


@given(st.lists(st.tuples(st.sampled_from(["US", "DE", "S"]), st.integers(0, 10**6))))
def test_key_order_is_the_keys_own_order(pairs: list[tuple[str, int]]) -> None:
    keys = [StoryKey(p, n) for p, n in pairs]
    assert sorted(keys, key=key_order) == sorted(keys)
    assert list(sorted_keys(k.formatted_id for k in keys)) == sorted(set(keys))


@pytest.mark.parametrize(
    ("text", "number", "prefix"),
    [
        ("17", 17, None),
        ("E17", 17, "E"),
        ("f17", 17, "F"),
        ("epic-17", 17, None),
        ("Epic 17", 17, None),
    ],
)
def test_epic_ref_parse(text: str, number: int, prefix: str | None) -> None:
    assert EpicRef.parse(text) == EpicRef(number, prefix)


def test_epic_ref_matching() -> None:
    assert EpicRef.parse("17").matches("F17")
    assert EpicRef.parse("E17").matches("F17")  # the seed calls every epic "E"
    assert EpicRef.parse("F17").matches("F17")
    assert not EpicRef.parse("I17").matches("F17")
    assert not EpicRef.parse("18").matches("F17")
    with pytest.raises(UsageError):
        EpicRef.parse("seventeen")


def test_seed_branch_name() -> None:
    assert story_branch(StoryKey.parse("US-123"), "Implement Login Form") == (
        "story/US-123-implement-login-form"
    )


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Don't break: the /api/users path", "dont-break-the-api-users-path"),
        ("Crème brûlée façade", "creme-brulee-facade"),
        ("$(touch pwned) `rm -rf /` ..", "touch-pwned-rm-rf"),
        ("🎉🎉", "story"),
        ("", "story"),
        ("a" * 300, "a" * 48),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def check_ref_format(name: str) -> bool:
    proc = subprocess.run(
        ["git", "check-ref-format", "--branch", name], check=False, capture_output=True
    )
    return proc.returncode == 0


@settings(max_examples=60)
@given(st.text(max_size=300))
def test_any_title_gives_a_valid_ref(title: str) -> None:
    branch = story_branch(StoryKey("US", 42), title)
    assert len(branch) <= len("story/US-42-") + 48
    assert check_ref_format(branch), branch


@pytest.mark.parametrize(
    ("branch", "key"),
    [
        ("story/US-123-login", "US-123"),
        ("story/us123-login", "US-123"),
        ("refs/heads/story/US-7", "US-7"),
        ("refs/remotes/origin/story/US-8-x", "US-8"),
        ("main", None),
        ("feature/US-1-x", None),
        ("story/not-a-key", None),
    ],
)
def test_branch_story_key(branch: str, key: str | None) -> None:
    found = branch_story_key(branch)
    assert (str(found) if found else None) == key
