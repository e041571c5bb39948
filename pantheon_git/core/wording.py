"""Small wording helpers shared by the reports."""

from __future__ import annotations


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``count(1, "story")`` -> ``1 story``; ``count(2, "story", "stories")`` -> ``2 stories``."""
    word = singular if n == 1 else (plural or f"{singular}s")
    return f"{n} {word}"


def stories(n: int) -> str:
    return count(n, "story", "stories")
