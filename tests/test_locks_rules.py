from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pantheon_git.core import fields as lockfields
from pantheon_git.core.story import Lock
from pantheon_git.errors import UsageError
from pantheon_git.features.locks import rules as locks
from pantheon_git.features.locks.rules import LockStatus

NOW = datetime(2026, 2, 2, 10, 30, tzinfo=UTC)
people = st.sampled_from(
    ["alice@example.com", "ALICE@example.com", "bob@example.com", " bob@example.com"]
)
offsets = st.integers(min_value=-(10**9), max_value=10**9).map(
    lambda ms: timedelta(milliseconds=ms)
)


@given(holder=people, me=people, age=offsets, lease=offsets)
def test_status_at_every_boundary(holder: str, me: str, age: timedelta, lease: timedelta) -> None:
    lock = Lock(holder, NOW - age, NOW - age + lease)
    result = locks.status(lock, me, NOW)
    if lock.expires <= NOW:
        assert result is LockStatus.EXPIRED
    elif holder.strip().lower() == me.strip().lower():
        assert result is LockStatus.MINE
    else:
        assert result is LockStatus.THEIRS
    assert locks.can_take(result) == (result is not LockStatus.THEIRS)


def test_exact_expiry_instant_is_free() -> None:
    lock = Lock("bob@example.com", NOW - timedelta(hours=24), NOW)
    assert locks.status(lock, "alice@example.com", NOW) is LockStatus.EXPIRED
    assert (
        locks.status(lock, "alice@example.com", NOW - timedelta(milliseconds=1))
        is LockStatus.THEIRS
    )


def test_no_lock_or_blank_holder_is_free() -> None:
    assert locks.status(None, "a@x", NOW) is LockStatus.FREE
    assert locks.status(Lock("  ", NOW, NOW + timedelta(hours=1)), "a@x", NOW) is LockStatus.FREE


@given(me=people, hours=st.floats(min_value=0.01, max_value=1000), micro=st.integers(0, 999_999))
def test_fields_round_trip_and_token(me: str, hours: float, micro: int) -> None:
    lock = locks.new_lock(me, NOW.replace(microsecond=micro), hours, "story/US-1-x", "a1b2")
    back = lockfields.from_fields(lockfields.to_fields(lock), default_hours=24)
    assert back is not None
    assert back.holder == me.strip()
    assert back.locked_at == lock.locked_at
    assert back.token == "a1b2"
    assert locks.holds_token(back, lock)


def test_someone_elses_write_replaces_the_token() -> None:
    mine = locks.new_lock("alice@example.com", NOW, 24, None, "t1")
    theirs = locks.new_lock("bob@example.com", NOW, 24, None, "t2")  # same millisecond
    assert not locks.holds_token(theirs, mine)
    again = locks.new_lock("alice@example.com", NOW, 24, None, "t3")  # same person, same time
    assert not locks.holds_token(again, mine)
    assert not locks.holds_token(None, mine)
    stolen = Lock("bob@example.com", mine.locked_at, mine.expires, None, "t1")  # edited by hand
    assert not locks.holds_token(stolen, mine)
    assert not locks.holds_token(Lock("alice@example.com", NOW, NOW, None, None), mine)


def test_a_token_is_one_word() -> None:
    for bad in ("", "two words"):
        with pytest.raises(ValueError, match="token"):
            locks.new_lock("alice@example.com", NOW, 24, None, bad)


def test_cleared_fields_mean_no_lock() -> None:
    assert lockfields.from_fields(lockfields.to_fields(None), default_hours=24) is None
    assert lockfields.from_fields({}, default_hours=24) is None


def test_hand_edited_locks() -> None:
    only_holder = lockfields.from_fields({"c_LockedBy": "bob@example.com"}, default_hours=24)
    assert only_holder is not None
    assert locks.status(only_holder, "alice@example.com", NOW) is LockStatus.EXPIRED
    no_expiry = lockfields.from_fields(
        {"c_LockedBy": "bob@example.com", "c_LockedAt": "2026-02-02T10:00:00.000Z"},
        default_hours=24,
    )
    assert no_expiry is not None
    assert no_expiry.expires == datetime(2026, 2, 3, 10, 0, tzinfo=UTC)
    with pytest.raises(UsageError, match="c_LockExpiry"):
        lockfields.from_fields({"c_LockedBy": "b", "c_LockExpiry": "tomorrow"}, default_hours=24)


@pytest.mark.parametrize(
    ("sent", "replied", "ok"), [(0.0, 2.999, True), (0.0, 3.0, True), (0.0, 3.001, False)]
)
def test_attempt_in_time(sent: float, replied: float, ok: bool) -> None:
    assert locks.attempt_in_time(sent, replied, bound=3.0) is ok


@pytest.mark.parametrize(("bound", "settle"), [(3, 3), (3, 2), (0, 1), (-1, 4)])
def test_timing_must_have_settle_greater_than_bound(bound: float, settle: float) -> None:
    with pytest.raises(UsageError):
        locks.check_timing(bound, settle)
    locks.check_timing(3, 4)
