"""Pure pieces of the client: paging math and backoff delays."""

from __future__ import annotations

import pytest

from pantheon_git.rally.backoff import Backoff, parse_retry_after
from pantheon_git.rally.paging import MAX_PAGESIZE, first_pagesize, remaining_starts


@pytest.mark.parametrize(
    ("total", "size", "limit", "starts"),
    [
        (0, 2000, None, []),
        (2000, 2000, None, []),
        (2001, 2000, None, [2001]),
        (5000, 2000, None, [2001, 4001]),
        (5000, 200, 450, [201, 401]),
        (10, 3, None, [4, 7, 10]),
    ],
)
def test_remaining_starts_are_one_based(
    total: int, size: int, limit: int | None, starts: list[int]
) -> None:
    assert remaining_starts(total, size, limit) == starts


def test_first_pagesize() -> None:
    assert first_pagesize(2000, None) == 2000
    assert first_pagesize(2000, 7) == 7
    assert first_pagesize(200, 0) == 1
    for bad in (0, MAX_PAGESIZE + 1):
        with pytest.raises(ValueError, match="pagesize"):
            first_pagesize(bad, None)
    with pytest.raises(ValueError, match="limit"):
        first_pagesize(10, -1)


def test_backoff_grows_is_jittered_and_capped() -> None:
    policy = Backoff(base=1.0, cap=8.0)
    assert [policy.delay(n, 0.0) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert [policy.delay(n, 0.999) for n in (1, 5)] == pytest.approx([0.9995, 7.996])
    assert policy.delay(1, 0.0, retry_after=5.0) == 5.0
    assert policy.delay(1, 0.0, retry_after=60.0) == 8.0


def test_retry_after_header() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert parse_retry_after("-1") is None
