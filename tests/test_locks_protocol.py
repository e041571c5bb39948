"""The lock protocol step by step, against the emulator, with the clock and the waits in the
test's hands: void attempts, lost races, withdrawal that never clears someone else's lock."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pantheon_git.core import fields as lockfields
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.timefmt import parse_time
from pantheon_git.features.locks import rules as locks
from pantheon_git.features.locks.rules import Outcome
from pantheon_git.features.locks.run_protocol import Locking, Timing
from pantheon_git.rally.backoff import TIMED_BACKOFF
from pantheon_git.rally.client import RallyClient
from tests.support.locks import client_for, lock_as, rally_fields

ME = "alice@example.com"
BOB = "bob@example.com"
T, D = 3.0, 4.0


class Clock:
    """Monotonic time the test moves; ``on_tick`` runs Rally changes at chosen ticks."""

    def __init__(self) -> None:
        self.t = 100.0
        self.calls = 0
        self.jumps: dict[int, float] = {}
        self.actions: dict[int, Callable[[], None]] = {}
        self.slept: list[float] = []

    def __call__(self) -> float:
        self.calls += 1
        self.t += self.jumps.get(self.calls, 0.01)
        if self.calls in self.actions:
            self.actions[self.calls]()
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


@pytest.fixture
def client(rally_thread: Any) -> Iterator[RallyClient]:
    with client_for(rally_thread) as c:
        yield c


def ops_for(
    client: RallyClient, clock: Clock, sleep: Callable[[float], None] | None = None
) -> Locking:
    return Locking(
        client=client,
        names=lockfields.LockFields(),
        timing=Timing(T, D),
        default_hours=24,
        now=lambda: datetime.now(UTC),
        clock=clock,
        sleep=sleep or clock.sleep,
    )


def ref_of(client: RallyClient, key: str) -> str:
    return str(client.wire.find_story(StoryKey.parse(key), fetch=("FormattedID",))["_ref"])


def soon(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def test_a_free_story_is_won_after_waiting_d(client: RallyClient, rally_thread: Any) -> None:
    clock = Clock()
    attempt = ops_for(client, clock).acquire(ref_of(client, "US-121"), ME, 24)
    assert attempt.outcome is Outcome.WON
    assert clock.slept == [D]
    fields = rally_fields(rally_thread, "US-121")
    assert locks.holds_token(lockfields.from_fields(fields, 24), attempt.lock)  # type: ignore[arg-type]
    assert fields["ScheduleState"] == "Defined"  # nothing but the lock is written
    assert not fields["c_Branch"]


def test_someone_elses_lock_is_refused_without_writing(
    client: RallyClient, rally_thread: Any
) -> None:
    lock_as(rally_thread, "US-121", BOB, datetime.now(UTC), soon(1))
    before = rally_fields(rally_thread, "US-121", fetch=("VersionId", "c_LockedBy"))
    attempt = ops_for(client, Clock()).acquire(ref_of(client, "US-121"), ME, 24)
    assert attempt.outcome is Outcome.REFUSED
    assert attempt.lock is not None
    assert attempt.lock.holder == BOB
    assert rally_fields(rally_thread, "US-121", fetch=("VersionId", "c_LockedBy")) == before


def test_a_fresh_lock_is_looked_at_again_t_later(client: RallyClient, rally_thread: Any) -> None:
    ref = ref_of(client, "US-121")
    lock_as(rally_thread, "US-121", BOB, datetime.now(UTC), soon(24))
    clock = Clock()
    attempt = ops_for(client, clock).acquire(ref, ME, 24)
    assert attempt.outcome is Outcome.REFUSED
    assert clock.slept == [T]  # one look again, then the refusal names the holder

    clock = Clock()

    def bob_withdraws(seconds: float) -> None:  # bob's attempt was void: he clears it
        if not clock.slept:
            client.wire.update(ref, lockfields.to_fields(None), fetch=("ObjectID",))
        clock.sleep(seconds)

    attempt = ops_for(client, clock, bob_withdraws).acquire(ref, ME, 24)
    assert attempt.outcome is Outcome.WON
    assert clock.slept == [T, D]


def test_an_old_lock_is_refused_at_once(client: RallyClient, rally_thread: Any) -> None:
    lock_as(rally_thread, "US-121", BOB, datetime.now(UTC) - timedelta(minutes=5), soon(1))
    clock = Clock()
    attempt = ops_for(client, clock).acquire(ref_of(client, "US-121"), ME, 24)
    assert attempt.outcome is Outcome.REFUSED
    assert clock.slept == []


def test_a_later_write_during_the_wait_wins_the_race(
    client: RallyClient, rally_thread: Any
) -> None:
    clock = Clock()

    def bob_writes_late(seconds: float) -> None:  # bob read before our write, wrote after it
        lock_as(rally_thread, "US-121", BOB, datetime.now(UTC), soon(24))
        clock.sleep(seconds)

    attempt = ops_for(client, clock, bob_writes_late).acquire(ref_of(client, "US-121"), ME, 24)
    assert attempt.outcome is Outcome.LOST
    assert attempt.lock is not None
    assert attempt.lock.holder == BOB
    assert rally_fields(rally_thread, "US-121")["c_LockedBy"] == BOB


def test_a_round_nobody_won_is_played_again(client: RallyClient, rally_thread: Any) -> None:
    clock = Clock()
    waits = iter(range(10))

    def first_wait_sees_the_lock_withdrawn(seconds: float) -> None:
        if next(waits) == 0:  # a slow racer wrote over ours, then withdrew its own
            client.wire.update(
                ref_of(client, "US-121"), lockfields.to_fields(None), fetch=("ObjectID",)
            )
        clock.sleep(seconds)

    ops = ops_for(client, clock, first_wait_sees_the_lock_withdrawn)
    attempt = ops.acquire(ref_of(client, "US-121"), ME, 24)
    assert attempt.outcome is Outcome.WON
    assert clock.slept == [D, D]


def test_an_attempt_over_t_is_void_and_withdrawn(client: RallyClient, rally_thread: Any) -> None:
    clock = Clock()
    clock.jumps[2] = T  # clock call 1: read sent; 2: before the write; the write is then late
    ref = ref_of(client, "US-121")
    attempt = ops_for(client, clock).acquire(ref, ME, 24)
    assert attempt.outcome is Outcome.TOO_SLOW
    assert attempt.withdrawn is None  # nothing was written: the read used up the budget
    assert not rally_fields(rally_thread, "US-121")["c_LockedBy"]

    clock = Clock()
    clock.jumps[3] = T  # 3: after the write's reply
    attempt = ops_for(client, clock).acquire(ref, ME, 24)
    assert attempt.outcome is Outcome.TOO_SLOW
    assert attempt.withdrawn is True
    assert attempt.elapsed is not None
    assert attempt.elapsed > T
    fields = rally_fields(rally_thread, "US-121")
    assert not fields["c_LockedBy"]
    assert fields["c_LockedAt"] is None
    assert clock.slept == []  # a void attempt does not wait for the verdict


def test_a_void_attempt_never_clears_someone_elses_lock(
    client: RallyClient, rally_thread: Any
) -> None:
    clock = Clock()
    clock.jumps[3] = T
    clock.actions[3] = lambda: lock_as(rally_thread, "US-121", BOB, datetime.now(UTC), soon(24))
    attempt = ops_for(client, clock).acquire(ref_of(client, "US-121"), ME, 24)
    assert attempt.outcome is Outcome.TOO_SLOW
    assert attempt.withdrawn is False
    assert rally_fields(rally_thread, "US-121")["c_LockedBy"] == BOB


def test_release_and_renew_leave_others_alone(client: RallyClient, rally_thread: Any) -> None:
    ops = ops_for(client, Clock())
    ref = ref_of(client, "US-121")
    lock_as(rally_thread, "US-121", BOB, datetime.now(UTC), soon(1))
    assert ops.release(ref, ME)[0] == "theirs"
    assert ops.renew(ref, ME, 24).action == "theirs"
    assert rally_fields(rally_thread, "US-121")["c_LockedBy"] == BOB


def test_a_lock_about_to_expire_is_taken_again_not_extended(
    client: RallyClient, rally_thread: Any
) -> None:
    ref = ref_of(client, "US-121")
    started = datetime.now(UTC) - timedelta(hours=24)
    lock_as(rally_thread, "US-121", ME, started, datetime.now(UTC) + timedelta(seconds=2))
    renewal = ops_for(client, Clock()).renew(ref, ME, 24)
    assert renewal.action == "retaken"
    fields = rally_fields(rally_thread, "US-121")
    assert parse_time(fields["c_LockedAt"]) > started  # a new stamp: a new lock
    assert ops_for(client, Clock()).release(ref, "carol@example.com")[0] == "theirs"


def test_locking_imports_without_click() -> None:
    code = (
        "import sys, pantheon_git.features.locks.run as m; "
        "assert 'click' not in sys.modules, 'click'; assert 'httpx' not in sys.modules, 'httpx'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_write_rally_refuses_as_a_conflict_leaves_nothing_and_names_the_holder(
    rally_thread_factory: Callable[..., Any],
) -> None:
    """Bob's lock lands while each of our lock writes is in progress (research §10.5): Rally
    refuses ours every time, so nothing of ours is in Rally, and we report Bob, not "too
    slow"."""
    state = {"armed": False, "busy": False, "calls": 0}
    handle: Any = None

    def rally_sleep(seconds: float) -> None:
        """The emulator's latency: half before a request is applied (Bob writes then), half
        before its reply leaves."""
        if state["busy"]:
            time.sleep(seconds)
            return
        state["calls"] += 1
        if state["armed"] and state["calls"] % 2 == 1:
            state["busy"] = True
            try:
                lock_as(handle, "US-122", BOB, datetime.now(UTC), soon(24), token="bob")
            finally:
                state["busy"] = False
        time.sleep(seconds)

    handle = rally_thread_factory(latency_ms=20, sleep=rally_sleep)
    # The checkout's own retries (few and quick), and a T long enough that they, not T, end
    # the write: a try still in flight when T ends may have landed, which is "too slow"
    # (right, but another test's case) and happened on a loaded machine with T = 1.5 s.
    lock_client = RallyClient(
        url=handle.url,
        api_key=handle.api_key,
        workspace=handle.workspace,
        project=handle.project,
        backoff=TIMED_BACKOFF,
    )
    with lock_client as client:
        ref = ref_of(client, "US-122")
        clock = Clock()

        def token() -> str:  # drawn just before our write is sent
            state["armed"], state["calls"] = True, 0
            return "mine"

        ops = Locking(
            client=client,
            names=lockfields.LockFields(),
            timing=Timing(5.0, 6.0),
            default_hours=24,
            now=lambda: datetime.now(UTC),
            clock=clock,
            sleep=clock.sleep,
            token=token,
        )
        attempt = ops.acquire(ref, ME, 24)
        retries = client.counts().get("retries", 0)
    state["armed"] = False
    assert attempt.outcome is Outcome.REFUSED
    assert attempt.lock is not None
    assert attempt.lock.holder == BOB
    assert retries >= 1, attempt  # our write was sent again within T, and refused again
    assert lockfields.from_fields(rally_fields(handle, "US-122"), 24).token == "bob"  # type: ignore[union-attr]
