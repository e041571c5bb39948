"""The settings that take one of a few words: each word once, here.

``config.py`` checks a setting against its enum (and its error lists the enum's words); the
features compare with the members. Members are strings, so a value read back from JSON (the
hooks' settings cache) compares equal to them.
"""

from __future__ import annotations

from enum import StrEnum


class Offline(StrEnum):
    """``offline``: what a hook does when Rally cannot be asked."""

    WARN = "warn"
    """Judge from the cache and say how old it is."""
    BLOCK = "block"


class Conflicts(StrEnum):
    """``conflicts``: the pre-push policy on overlapping story branches."""

    WARN = "warn"
    BLOCK = "block"
    PRECISE = "precise"
    """Warn, with trial merges."""


class CommitMsg(StrEnum):
    """``commit_msg``: the story key in commit messages."""

    PREPEND = "prepend"
    REQUIRE = "require"
    OFF = "off"


class CiFailOn(StrEnum):
    """``ci_fail_on``: when ``pantheon ci`` exits 1."""

    NEVER = "never"
    LOCK = "lock"
    """The story is missing or locked by someone else."""
    CONFLICT = "conflict"
    """``lock``, or the branch overlaps other story branches."""


class CiForks(StrEnum):
    """``ci_forks``: what an event whose head is a fork may write."""

    NONE = "none"
    AUTHOR_LOCK = "author-lock"
    """Only a story the pull request's author holds the lock of."""
