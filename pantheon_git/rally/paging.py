"""Paging math for Rally's 1-based ``start`` and ``pagesize`` (at most 2000)."""

from __future__ import annotations

MAX_PAGESIZE = 2000


def first_pagesize(pagesize: int, limit: int | None) -> int:
    """The page size to ask for: never more than Rally's maximum or than ``limit`` needs."""
    if not 1 <= pagesize <= MAX_PAGESIZE:
        raise ValueError(f"pagesize must be between 1 and {MAX_PAGESIZE}, not {pagesize}")
    if limit is not None:
        if limit < 0:
            raise ValueError(f"limit must not be negative, not {limit}")
        return max(1, min(pagesize, limit))
    return pagesize


def remaining_starts(total: int, pagesize: int, limit: int | None = None) -> list[int]:
    """``start`` of every page after the first (which starts at 1).

    ``remaining_starts(5000, 2000)`` -> ``[2001, 4001]``.
    """
    wanted = total if limit is None else min(total, limit)
    return list(range(1 + pagesize, wanted + 1, pagesize))
