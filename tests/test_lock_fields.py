"""A lock as Rally's fields hold it, at every precision a workspace may keep custom DATE fields
to (research §10.8: the millisecond, the second or the day, nobody knows): the token in the
String field ``c_LockToken`` gives the exact times back, hand edits of the DATE fields are
believed, and locks without a token (older pantheon, or by hand) are read as held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pantheon_git.core import fields as lockfields
from pantheon_git.core.story import Lock
from pantheon_git.core.timefmt import format_time
from pantheon_git.features.locks import rules as locks
from pantheon_git.rally.emulator.workspace import PRECISIONS, keep_precision

NOW = datetime(2026, 2, 2, 10, 30, 15, 123_000, tzinfo=UTC)
NAMES = lockfields.LockFields()


def as_rally_keeps(fields: dict[str, object], precision: str) -> dict[str, object]:
    """The fields as a workspace keeping DATE fields to ``precision`` returns them."""
    out = dict(fields)
    for name in (NAMES.locked_at, NAMES.expiry):
        value = out.get(name)
        if isinstance(value, str):
            out[name] = keep_precision(value, precision)
    return out


@given(
    taken=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
    ),
    hours=st.floats(min_value=0.01, max_value=24 * 30),
    precision=st.sampled_from(PRECISIONS),
)
def test_the_exact_lock_comes_back_at_every_precision(
    taken: datetime, hours: float, precision: str
) -> None:
    lock = locks.new_lock("alice@example.com", taken, hours, None, "9f86d081884c7d65")
    stored = as_rally_keeps(lockfields.to_fields(lock), precision)
    back = lockfields.from_fields(stored, default_hours=24)
    assert back == lock  # holder, both times to the millisecond, token
    assert locks.holds_token(back, lock)


def test_a_day_lock_lasts_a_day_where_rally_keeps_only_the_day() -> None:
    lock = locks.new_lock("bob@example.com", NOW, 24, None, "abc123")
    stored = as_rally_keeps(lockfields.to_fields(lock), "day")
    assert stored[NAMES.expiry] == "2026-02-03T00:00:00.000Z"
    back = lockfields.from_fields(stored, default_hours=24)
    assert back is not None
    almost = NOW + timedelta(hours=23, minutes=59)
    assert locks.status(back, "alice@example.com", almost) is locks.LockStatus.THEIRS
    later = NOW + timedelta(hours=24)
    assert locks.status(back, "alice@example.com", later) is locks.LockStatus.EXPIRED


def test_the_token_field_holds_the_token_and_exact_times() -> None:
    lock = Lock("a@x.io", NOW, NOW + timedelta(hours=24), None, "abc123")
    text = lockfields.token_text(lock)
    assert text == "pantheon-lock/1 abc123 2026-02-02T10:30:15.123Z 2026-02-03T10:30:15.123Z"
    assert len(lockfields.token_text(Lock("a", NOW, NOW, None, "0" * 16))) == (
        lockfields.TOKEN_LENGTH
    )
    assert lockfields.to_fields(None)[NAMES.token] == ""


def test_dates_changed_by_hand_in_rally_are_believed() -> None:
    lock = locks.new_lock("bob@example.com", NOW, 24, None, "abc123")
    fields = lockfields.to_fields(lock)
    fields[NAMES.expiry] = "2026-02-10T00:00:00.000Z"  # a week later, set in Rally's UI
    back = lockfields.from_fields(fields, default_hours=24)
    assert back is not None
    assert back.expires == datetime(2026, 2, 11, tzinfo=UTC)  # the end of that day
    assert back.locked_at == lock.locked_at
    assert back.token == "abc123"  # still the same lock for the protocol


@pytest.mark.parametrize(
    ("expiry", "read_as"),
    [
        ("2026-02-03T10:30:15.123Z", datetime(2026, 2, 3, 10, 30, 15, 123_000, tzinfo=UTC)),
        ("2026-02-03T10:30:15.000Z", datetime(2026, 2, 3, 10, 30, 15, tzinfo=UTC)),
        ("2026-02-03T00:00:00.000Z", datetime(2026, 2, 4, tzinfo=UTC)),  # a day: to its end
    ],
)
def test_locks_without_a_token_are_held_until_their_expiry(expiry: str, read_as: datetime) -> None:
    """Written by an older pantheon (or by hand): read as held, never as ending early."""
    fields = {
        NAMES.locked_by: "carol@example.com",
        NAMES.locked_at: format_time(NOW),
        NAMES.expiry: expiry,
    }
    back = lockfields.from_fields(fields, default_hours=24)
    assert back is not None
    assert back.token is None
    assert back.expires == read_as
    assert locks.status(back, "alice@example.com", NOW) is locks.LockStatus.THEIRS
    mine = locks.new_lock("carol@example.com", NOW, 24, None, "zz")
    assert not locks.holds_token(back, mine)


def test_a_token_this_version_did_not_write_is_opaque() -> None:
    fields = {
        NAMES.locked_by: "dan@example.com",
        NAMES.locked_at: "2026-02-02T10:00:00.000Z",
        NAMES.expiry: "2026-02-03T10:00:00.000Z",
        NAMES.token: "  something-else  ",
    }
    back = lockfields.from_fields(fields, default_hours=24)
    assert back is not None
    assert back.token == "something-else"
    assert back.expires == datetime(2026, 2, 3, 10, tzinfo=UTC)
    bad_times = {**fields, NAMES.token: "pantheon-lock/1 abc not-a-time 2026-02-03T10:00:00.000Z"}
    assert lockfields.parse_token(bad_times[NAMES.token]).locked_at is None
