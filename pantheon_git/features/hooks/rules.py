"""What the git hooks decide, on plain values.

This module runs on every commit, so it holds no dataclasses (``dataclasses`` pulls in
``inspect``, ~15 ms) and no ``typing`` import: it repeats two small rules of ``keys.py`` and
``locks.py`` on strings, and ``tests/test_hooks_rules.py`` checks they agree with those modules
on generated inputs.

- story branch: ``branch_pattern`` (a regex with a ``key`` group), key case-insensitive;
- branch rules for other branches: ``protected_branches`` (glob patterns: no direct commits)
  and ``require_story_branch`` (no commits outside story branches);
- lock status: free, mine, theirs, expired (a lock expires at exactly its expiry);
- review fixes: a story in Code Review has no lock (the seed releases it there); its owner
  (Rally's ``Owner``) may still commit and push on its branch, nobody else may;
- commit messages: merge, revert, fixup/squash/amend messages are left alone; otherwise the
  story key is prepended (or required) when the message does not mention it.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

from pantheon_git.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

FREE = "free"
MINE = "mine"
THEIRS = "theirs"
EXPIRED = "expired"

CODE_REVIEW = "Code Review"
"""``states.CODE_REVIEW``; the workflow states from it on, in order (``states.WORKFLOW``)."""
DONE_STATES = ("Completed", "Accepted")

# keys._KEY_RE: "US-123", "us123", "US 123", leading zeros dropped.
_KEY_RE = re.compile(r"^\s*([A-Za-z]{1,3})[-_ ]?0*(\d{1,9})\s*$")


def short_branch(ref: str) -> str:
    """``refs/heads/x`` -> ``x``; ``refs/remotes/origin/x`` -> ``x``; anything else as is."""
    if ref.startswith("refs/heads/"):
        return ref[len("refs/heads/") :]
    if ref.startswith("refs/remotes/"):
        rest = ref[len("refs/remotes/") :]
        return rest.split("/", 1)[1] if "/" in rest else rest
    return ref


def story_key(branch: str, pattern: str) -> str | None:
    """The story key (``US-123``) of a story branch, or ``None`` for any other branch.

    Same answer as ``keys.branch_story_key(branch, pattern)``, as text.
    """
    text = _pattern_key(branch, pattern)
    return key_text(text) if text is not None else None


def malformed_key(branch: str, pattern: str) -> str | None:
    """What stands where the story key of ``branch`` should, when the branch is named as a
    story branch but holds no story key, else ``None``: what ``branch_pattern`` takes for the
    key and is none (``story/US-99999999999-x``: Rally numbers have at most 9 digits), or the
    rest of a branch under the pattern's fixed prefix that the pattern does not match
    (``story/US-12O-x``, a letter O typed for a zero; ``story/login``)."""
    text = _pattern_key(branch, pattern)
    if text is not None:
        return text if key_text(text) is None else None
    prefix = literal_prefix(pattern)
    name = short_branch(branch)
    if prefix and name.lower().startswith(prefix.lower()):
        return name[len(prefix) :]
    return None


_REGEX_SYNTAX = set("\\.^$*+?{}[]|()")


def literal_prefix(pattern: str) -> str:
    """The fixed text an anchored ``branch_pattern`` starts with (``story/`` of the default),
    up to its first regex syntax; ``""`` when it has none or is not anchored."""
    if not pattern.startswith("^"):
        return ""
    prefix = []
    for char in pattern[1:]:
        if char in _REGEX_SYNTAX:
            break
        prefix.append(char)
    return "".join(prefix)


def _pattern_key(branch: str, pattern: str) -> str | None:
    try:
        match = re.match(pattern, short_branch(branch), re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"branch_pattern {pattern!r} is not a valid regex: {exc}") from None
    if not match:
        return None
    try:
        text = match.group("key")
    except IndexError:
        raise ConfigError(
            f"branch_pattern {pattern!r} has no (?P<key>...) group",
            hint="Name the part that holds the story key: ^story/(?P<key>US-?\\d+)(-.*)?$",
        ) from None
    return text or ""


def key_text(text: str) -> str | None:
    """``us123`` -> ``US-123`` (``StoryKey`` printed), ``None`` when it is not a key."""
    found = _KEY_RE.match(text)
    if not found:
        return None
    return f"{found.group(1).upper()}-{int(found.group(2))}"


# --- branches that are not story branches ---------------------------------------------------


def protected_pattern(branch: str, patterns: Iterable[str]) -> str | None:
    """The first protected pattern (a glob: ``release/*``) matching the branch, if any."""
    name = short_branch(branch)
    for pattern in patterns:
        if fnmatchcase(name, pattern):
            return pattern
    return None


def branch_refusal(
    branch: str, patterns: Iterable[str], *, require_story_branch: bool, example: str
) -> tuple[str, str] | None:
    """(message, hint) when a commit on this non-story branch breaks a rule, else ``None``."""
    name = short_branch(branch)
    pattern = protected_pattern(name, patterns)
    if pattern is not None:
        return (
            f"commits on {name} are not allowed (rule: protected_branches, pattern {pattern!r})",
            f"Work on a story branch: `pantheon checkout US-123` (or `--epic <epic>`) takes a "
            "story and creates one "
            f"({example}). To allow commits on {name}, take {pattern!r} out of "
            f"protected_branches in _bmad/pantheon/config.yaml.",
        )
    if require_story_branch:
        return (
            f"{name} is not a story branch (rule: require_story_branch)",
            f"Commit on a story branch such as {example}: `pantheon checkout US-123` (or "
            "`--epic <epic>`) creates one.",
        )
    return None


def pushed_directly(commits: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Among the (sha, message) commits a push brings to a protected branch, those the
    pre-commit hook would have refused there: not merges (the caller leaves them out), not the
    reverts and cherry-picks git writes itself (exempt at commit time too)."""
    return [
        (sha, message)
        for sha, message in commits
        if generated_kind(message) is None and "\n(cherry picked from commit " not in message
    ]


def protected_push_refusal(
    branch: str, pattern: str, commits: list[tuple[str, str]]
) -> tuple[str, str]:
    """(message, hint) for a push that lands commits directly on a protected branch."""
    sha, message = commits[0]
    more = f" (and {len(commits) - 1} more)" if len(commits) > 1 else ""
    return (
        f"the push brings {len(commits)} commit(s) made directly on {branch} "
        f"(rule: protected_branches, pattern {pattern!r}): {sha[:7]} "
        f"{first_line(message)[:60]!r}{more}",
        f"Move the work to a story branch and open a pull request; to allow pushes to "
        f"{branch}, take {pattern!r} out of protected_branches in _bmad/pantheon/config.yaml.",
    )


# --- locks ----------------------------------------------------------------------------------


def same_person(a: str | None, b: str | None) -> bool:
    return bool(a and b) and a.strip().lower() == b.strip().lower()  # type: ignore[union-attr]


def lock_status(holder: str | None, expires: datetime | None, me: str, now: datetime) -> str:
    """``locks.status`` on plain values: free, expired, mine or theirs."""
    if not holder or not holder.strip():
        return FREE
    if expires is not None and now >= expires:
        return EXPIRED
    return MINE if same_person(holder, me) else THEIRS


def review_fix(status: str, state: str | None, owner: str | None, me: str) -> bool:
    """A commit (or push) of review fixes: the story is in Code Review, ``me`` is its owner
    and nobody holds a lock on it."""
    return state == CODE_REVIEW and status in (FREE, EXPIRED) and same_person(owner, me)


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "an unknown time"


def lock_refusal(
    key: str,
    status: str,
    holder: str | None,
    expires: datetime | None,
    me: str,
    *,
    state: str | None = None,
    owner: str | None = None,
) -> tuple[str, str]:
    """(message, hint) for a commit on a story the acting user does not hold (``state`` and
    ``owner``: the story's workflow state and Rally Owner, when known)."""
    if state == CODE_REVIEW and status != THEIRS:
        return (
            f"{key} is in Code Review: only its owner ({owner or 'nobody in Rally'}) commits "
            f"review fixes on its branch, not you ({me})",
            f"Take another story: `pantheon checkout --epic <epic>`, or ask "
            f"{owner or 'the team'} to make the fix.",
        )
    if state in DONE_STATES and status != THEIRS:
        return (
            f"{key} is {state}: new commits on its branch are not part of the finished story",
            "Take a new story: `pantheon checkout --epic <epic>`.",
        )
    if status == THEIRS:
        return (
            f"{key} is locked by {holder} until {when(expires)}; you ({me}) do not hold it",
            f"Take another story: `pantheon checkout {key}` names free ones of similar "
            f"size; or ask {holder} to run `pantheon release {key}`.",
        )
    if status == EXPIRED and same_person(holder, me):
        return (
            f"your lock on {key} expired at {when(expires)}",
            f"Run `pantheon renew {key}` to take it again (or `pantheon checkout --epic <epic>` "
            "for another story).",
        )
    if status == EXPIRED:
        return (
            f"{key} is not locked by you (the lock of {holder} expired at {when(expires)})",
            f"Run `pantheon checkout {key}` to take it.",
        )
    return (
        f"{key} is not locked by anyone; commits on its branch need your lock",
        f"Run `pantheon checkout {key}` to take it.",
    )


def age_text(seconds: float) -> str:
    """``45 s``, ``12 min``, ``3 h``, ``2 days``."""
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


# --- commit messages ------------------------------------------------------------------------

# The subjects git writes itself (merge, revert, commit --fixup/--squash).
_GENERATED = re.compile(
    r"^(?:(?P<fixup>fixup|squash|amend)! "
    r"|(?P<merge>Merge (?:branch|branches|remote-tracking branch|tag|commit|pull request) )"
    r'|(?P<revert>(?:Revert|Reapply) "))'
)


def generated_kind(message: str) -> str | None:
    """``merge``, ``revert``, ``fixup``, ``squash``, ``amend`` for messages git writes itself
    (and that autosquash must find unchanged), else ``None``."""
    found = _GENERATED.match(first_line(message))
    if found:
        return found.group("fixup") or ("merge" if found.group("merge") else "revert")
    if "\nThis reverts commit " in f"\n{message}":
        return "revert"
    return None


def first_line(message: str) -> str:
    """The first line that is neither blank nor a ``#`` comment (above the scissors)."""
    for line in written(message).splitlines():
        if line.strip():
            return line
    return ""


SCISSORS = "# ------------------------ >8 ------------------------"
"""The line under which ``git commit -v`` shows the diff; git cuts the message there
(``cleanup=scissors``, git's ``wt_status_add_cut_line``)."""


def written(message: str) -> str:
    """What git keeps of the message: the lines above the scissors line, without comments."""
    kept = []
    for line in message.splitlines():
        if line.startswith(SCISSORS):
            break
        if not line.startswith("#"):
            kept.append(line)
    return "\n".join(kept)


def mentions(message: str, key: str) -> bool:
    """Does the message name the story, in any of its forms (US-123, us123, US_123)? Only
    what git keeps counts: not comments, not the diff below ``git commit -v``'s scissors."""
    found = _KEY_RE.match(key)
    if not found:
        return False
    prefix, number = found.group(1), int(found.group(2))
    pattern = rf"(?<![A-Za-z0-9]){re.escape(prefix)}[-_]?0*{number}(?![A-Za-z0-9])"
    return re.search(pattern, written(message), re.IGNORECASE) is not None


def with_key(message: str, key: str) -> str:
    """``US-123: `` in front of the first line of the message (comments left alone)."""
    lines = message.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith(SCISSORS):
            break
        if line.strip() and not line.startswith("#"):
            lines[index] = f"{key}: {line.lstrip()}"
            return "".join(lines)
    return message
