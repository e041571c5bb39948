"""``pantheon doctor``'s lock check: each lock field's type, a token field with room for a
token, and what the workspace keeps of lock times (research §10.8), judged from the locks
Rally holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from pantheon_git.core import fields as lockfields
from pantheon_git.features.doctor import lockfields as judge
from pantheon_git.features.doctor.report import FAIL, OK
from pantheon_git.features.doctor.run_locks import locks_check
from pantheon_git.features.locks import rules as locks
from pantheon_git.rally.emulator.server import EmulatorHandle
from pantheon_git.rally.emulator.workspace import PRECISIONS, WorkspaceSettings
from tests.support.locks import client_for, set_rally_fields

WRITTEN = datetime(2026, 3, 4, 15, 16, 17, 189_000, tzinfo=UTC)
Factory = Callable[..., EmulatorHandle]


@pytest.mark.parametrize(
    ("kept", "written", "precision"),
    [
        (WRITTEN, WRITTEN, "ms"),
        (WRITTEN.replace(microsecond=0), WRITTEN, "second"),
        (WRITTEN.replace(hour=0, minute=0, second=0, microsecond=0), WRITTEN, "day"),
        (WRITTEN, None, "ms"),  # no token: a millisecond proves the workspace keeps them
        (WRITTEN.replace(microsecond=0), None, None),  # ...and its absence proves nothing
        (datetime(2030, 1, 1, tzinfo=UTC), WRITTEN, None),  # changed by hand: nothing
    ],
)
def test_one_lock_date_and_what_it_proves(
    kept: datetime, written: datetime | None, precision: str | None
) -> None:
    assert judge.precision_of(judge.Sample("US-1", kept, written)) == precision


def test_the_coarsest_precision_seen_wins() -> None:
    day = WRITTEN.replace(hour=0, minute=0, second=0, microsecond=0)
    samples = [
        judge.Sample("US-1", WRITTEN, WRITTEN),
        judge.Sample("US-2", day, WRITTEN),
        judge.Sample("US-3", WRITTEN.replace(microsecond=0), WRITTEN),
    ]
    assert judge.workspace_precision(samples) == ("day", "US-2")
    assert judge.workspace_precision([]) == (None, None)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_the_check_names_the_types_and_the_precision(
    rally_thread_factory: Factory, precision: str
) -> None:
    handle = rally_thread_factory(settings=WorkspaceSettings(date_precision=precision))
    lock = locks.new_lock("alice@example.com", WRITTEN, 24, None, "abc123")
    set_rally_fields(handle, "US-125", lockfields.to_fields(lock))
    with client_for(handle) as client:
        check = locks_check(client, {})
    assert check.status == OK
    assert check.detail.startswith(
        "c_LockedBy STRING, c_LockedAt DATE, c_LockExpiry DATE, c_LockToken STRING; "
    )
    assert check.data["precision"] == precision
    assert check.detail.endswith("(seen on US-125)") or precision != "day"


def test_without_any_lock_the_precision_is_unknown_and_harmless(
    rally_thread_factory: Factory,
) -> None:
    handle = rally_thread_factory(seed=None)
    with client_for(handle) as client:
        check = locks_check(client, {})
    assert check.status == OK
    assert check.data["precision"] is None
    assert "does not matter to pantheon" in check.detail


def test_a_token_field_too_short_or_missing_fails(rally_thread_factory: Factory) -> None:
    short = rally_thread_factory(settings=WorkspaceSettings(max_length={"c_LockToken": 40}))
    with client_for(short) as client:
        check = locks_check(client, {})
    assert check.status == FAIL
    assert f"c_LockToken holds 40 characters; a lock token needs {lockfields.TOKEN_LENGTH}" in (
        check.detail
    )
    assert "lock_token:" in (check.fix or "")
    fields = {
        "Locked By": "STRING",
        "Locked At": "DATE",
        "Lock Expiry": "DATE",
        "Branch": "STRING",
    }
    old = rally_thread_factory(custom_fields=fields)  # set up for an older pantheon
    with client_for(old) as client:
        check = locks_check(client, {})
    assert check.status == FAIL
    assert "c_LockToken missing" in check.detail
    assert "--create-fields" in (check.fix or "")
