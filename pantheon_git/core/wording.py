"""Small wording helpers shared by the reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``count(1, "story")`` -> ``1 story``; ``count(2, "story", "stories")`` -> ``2 stories``."""
    word = singular if n == 1 else (plural or f"{singular}s")
    return f"{n} {word}"


def stories(n: int) -> str:
    return count(n, "story", "stories")


def first_of(items: Sequence[str], limit: int) -> str:
    """The first ``limit`` items, comma-separated, and how many more: ``a, b and 3 more``."""
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def printable(path: str) -> str:
    """A path for reports and JSON: exact, except bytes that are not UTF-8, shown as ``\\xff``.

    Paths from git keep such bytes as surrogate escapes; printed raw they would make the JSON
    document invalid UTF-8.
    """
    if path.isascii():
        return path
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def printable_all(paths: Iterable[str]) -> list[str]:
    return [printable(p) for p in paths]


def describe_age(hours: float) -> str:
    if hours < 1 / 60:
        return "just now"
    if hours < 1:
        return f"{round(hours * 60)} min ago"
    if hours < 48:
        return f"{hours:.1f} h ago"
    return f"{hours / 24:.1f} days ago"
