"""Many developers check out the same story at the same moment: exactly one gets it.

Each racer is its own ``pantheon checkout`` process (a different PANTHEON_USER, its own
folder, ``--no-branch``) against the emulator running as a real server with latency jitter.
The processes start, load everything, then wait at a barrier (a file) so that their Rally
calls really overlap: the race is between requests, not between Python start-ups.

Timings: emulator latency 20 ms + up to 20 ms of jitter per request. T = 0.5 s, D = 0.7 s
where a void attempt (exit 5) is an allowed outcome; T = 2 s, D = 2.5 s where every racer must
end with exit 0 or 1, so that a racer the busy 2-core machine leaves unscheduled for half a
second does not count as "Rally too slow".

The racers' lock writes overlap in time, so Rally refuses most of them as concurrency conflicts
(research §10.5), and the race runs in workspaces that keep custom DATE fields to the second
and to the day (§10.8): the lock's token lives in a String field, so precision cannot matter.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.core import fields as lockfields
from pantheon_git.core.timefmt import format_time
from tests.support.locks import rally_fields
from tests.support.race import Racer, race

N = 16
FAST = {"PANTHEON_LOCK_WRITE_BOUND": "0.5", "PANTHEON_LOCK_SETTLE_DELAY": "0.7"}
ROOMY = {"PANTHEON_LOCK_WRITE_BOUND": "2.0", "PANTHEON_LOCK_SETTLE_DELAY": "2.5"}


def winners(results: list[Racer]) -> list[Racer]:
    return [r for r in results if r.code == 0]


@pytest.fixture(scope="module", params=["second", "day"])
def jittery(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.support.rally import spawn_rally

    server = spawn_rally(
        tmp_path_factory.mktemp("race-rally"),
        latency_ms=20,
        jitter_ms=20,
        extra_args=("--date-precision", request.param),
    )
    yield server
    server.stop()


STORIES = ["US-120", "US-121"]
MORE = ["US-126", "US-127", "US-128", "US-129"]
"""Raced only while no race has overlapped yet: on a loaded machine the racers released at the
barrier can be scheduled one after another, and each then finds the story already taken."""


def test_exactly_one_of_sixteen_wins_each_story(jittery: Any, tmp_path: Path) -> None:
    outcomes: Counter[str] = Counter()
    jittery.control("POST", "stats/reset")
    more = iter(MORE)
    keys = list(STORIES)
    while keys:
        key = keys.pop(0)
        results = race(jittery, key, tmp_path / key, n=N, timing=ROOMY)
        for r in results:
            assert "Traceback" not in r.err, r.err
        codes = Counter(r.code for r in results)
        assert codes == {0: 1, 1: N - 1}, [(r.user, r.code, r.err) for r in results]
        (winner,) = winners(results)
        won = winner.doc()
        assert won["locked"] is True
        assert won["locked_by"] == winner.user
        for r in results:
            if r.code == 1:
                doc = r.doc()
                assert doc["locked"] is False
                assert doc["locked_by"] == winner.user, (r.user, doc)
                outcomes[doc["outcome"]] += 1
        fields = rally_fields(jittery, key)
        assert fields["c_LockedBy"] == winner.user
        assert fields["ScheduleState"] == "In-Progress"
        lock = lockfields.from_fields(fields, 24)
        assert lock is not None
        assert format_time(lock.expires) == won["expires"]  # exact, whatever Rally keeps
        raced = outcomes["lost"] + jittery.control("GET", "stats")["conflicts"] > 0
        if not keys and not raced:
            keys += list(islice(more, 1))  # not yet: one more story
    # the race was real: lock writes overlapped (Rally refused some as conflicts), or landed
    # and lost to a later one
    conflicts = jittery.control("GET", "stats")["conflicts"]
    assert outcomes["lost"] + conflicts >= 1, (outcomes, conflicts)


def test_never_two_winners_when_rally_fails(
    rally_process_factory: Callable[..., Any], tmp_path: Path
) -> None:
    server = rally_process_factory(latency_ms=20, jitter_ms=20, fault_rate=0.3, fault_seed=11)
    for key in ("US-125", "US-126"):
        results = race(server, key, tmp_path / key, n=N, timing=FAST)
        for r in results:
            assert r.code in (0, 1, 5), (r.user, r.code, r.err)
            assert "Traceback" not in r.err, r.err
        won = winners(results)
        assert len(won) <= 1, [r.user for r in won]
        holder = rally_fields(server, key)["c_LockedBy"]
        if won:
            assert holder == won[0].user
        for r in results:
            if r.code == 1:
                assert r.doc()["locked"] is False


@pytest.mark.parametrize("latency_ms", [300, 700])
def test_when_rally_is_slower_than_t_nobody_holds_the_story(
    rally_process_factory: Callable[..., Any], tmp_path: Path, latency_ms: int
) -> None:
    # 300 ms: the read fits in T = 0.5 s but read + write does not (written, then withdrawn);
    # 700 ms: the read alone takes longer than T (nothing is written).
    server = rally_process_factory(latency_ms=latency_ms)
    results = race(server, "US-127", tmp_path / "slow", n=6, timing=FAST)  # T = 0.5 s
    slow = {r.user for r in results if r.code == 5}
    for r in results:
        # A racer whose write Rally refused (it overlapped another racer's: a concurrency
        # conflict) may see, and name, a lock its writer is about to withdraw.
        assert r.code in (1, 5), (r.user, r.code, r.err)
        if r.code == 5:
            assert "Rally too slow, try again" in r.err
        else:
            assert r.doc()["locked_by"] in slow, (r.user, r.doc())
    assert slow
    time.sleep(latency_ms / 1000)  # let any request still in flight land
    fields = rally_fields(server, "US-127")
    assert not fields["c_LockedBy"]
    assert fields["ScheduleState"] == "Defined"
