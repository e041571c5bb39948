"""The commit-time hooks: pre-commit (the lock), commit-msg (the story key), post-checkout.

These run on every commit and checkout, so the common case touches no network and imports
nothing heavy: the branch comes from ``.git/HEAD``, the settings from a small JSON cache, the
lock from the story's cache entry. Only a stale or missing cache entry (older than
``lock_check_ttl``) sends the pre-commit hook to Rally, through :mod:`lockrefresh`.
"""

from __future__ import annotations

import os
import time

from pantheon_git.cache import peek as cachepeek
from pantheon_git.core.policies import CommitMsg, Offline
from pantheon_git.core.timefmt import parse_time
from pantheon_git.errors import CheckFailed, ConfigError, UsageError
from pantheon_git.features.hooks import rules
from pantheon_git.features.hooks import run_settings as hooksettings
from pantheon_git.git import gitdir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime
    from typing import Any

EXAMPLE_BRANCH = "story/US-123-short-title"


class HookRun:
    """One hook invocation: the repository, the settings and the environment."""

    __slots__ = ("environ", "repo", "settings")

    def __init__(
        self, repo: gitdir.Repo, settings: dict[str, Any], environ: Mapping[str, str]
    ) -> None:
        self.repo = repo
        self.settings = settings
        self.environ = environ

    @classmethod
    def here(cls, environ: Mapping[str, str] | None = None) -> HookRun:
        env = os.environ if environ is None else environ
        cwd = os.getcwd()
        repo = gitdir.find_repo(cwd, env)
        return cls(repo, hooksettings.load(repo, cwd, env), env)

    def branch(self) -> str | None:
        ref = gitdir.head_ref(self.repo, self.environ)
        return ref[len("refs/heads/") :] if ref and ref.startswith("refs/heads/") else None

    def story_key(self, branch: str) -> str | None:
        return rules.story_key(branch, self.settings["branch_pattern"])

    def user(self) -> str:
        """``PANTHEON_USER`` (or the config's ``user``), else the email git records as the
        committer of this commit (``GIT_COMMITTER_EMAIL``, a ``git -c user.email=``, the
        config: git's own order), mapped through ``identities``: what ``App.user()``
        answers, without loading the config."""
        who = self.settings.get("user") or gitdir.committer_email(self.repo.worktree, self.environ)
        if not who:
            raise ConfigError(
                "cannot tell who you are: PANTHEON_USER is not set and git has no user.email",
                hint='Run `git config user.email "you@example.com"` or export PANTHEON_USER.',
            )
        who = who.strip()
        identities = {str(k).lower(): str(v) for k, v in self.settings["identities"].items()}
        return identities.get(who.lower(), who)

    def exemption(self) -> str | None:
        """Why this commit is never blocked: a rebase, merge, revert or cherry-pick in
        progress, or ``git commit --fixup/--squash``."""
        operation = gitdir.operation(self.repo)
        if operation is not None:
            return operation
        return "fixup" if gitdir.fixup_commit(gitdir.commit_options()) else None


# --- pre-commit -----------------------------------------------------------------------------


class Subject:
    """The story being committed to, who commits, and what the cache says (``entry``, written
    ``age`` seconds before ``clock``): its lock, workflow state and Rally Owner."""

    __slots__ = ("age", "clock", "entry", "key", "me", "owner", "state")

    def __init__(self, key: str, me: str, entry: cachepeek.Entry | None, clock: float) -> None:
        self.key = key
        self.me = me
        self.entry = entry
        self.clock = clock
        self.age = clock - entry.mtime if entry is not None else None
        self.state = entry.state if entry is not None else None
        self.owner = entry.owner if entry is not None else None

    def readable(self) -> bool:
        """The cached lock has the shape pantheon writes (no lock, or a holder and an expiry
        that parses); anything else was not written by pantheon and is read again from Rally
        rather than judged (a holder of the wrong type would block the real holder)."""
        if self.entry is None:
            return False
        raw = self.entry.bmad.get("lock")
        if raw is None:
            return True
        if not isinstance(raw, dict):
            return False
        holder, expires = raw.get("holder"), raw.get("expires")
        if holder is None and expires is None:
            return True
        return bool(isinstance(holder, str) and holder and isinstance(expires, str)) and (
            _time(expires) is not None
        )

    def cached_status(self) -> tuple[str, str | None, datetime | None]:
        lock = self.entry.lock if self.entry is not None else None
        return _judge(lock, self.me, self.clock)

    def allowed(self, status: str) -> bool:
        """Your lock, or a review fix of your story in Code Review."""
        return status == rules.MINE or rules.review_fix(status, self.state, self.owner, self.me)

    def refuse(self, status: str, holder: str | None, expires: datetime | None) -> CheckFailed:
        message, hint = rules.lock_refusal(
            self.key, status, holder, expires, self.me, state=self.state, owner=self.owner
        )
        return CheckFailed(message, hint=hint)


def pre_commit(run: HookRun, *, now: float | None = None) -> list[str]:
    """Check the commit about to be made; returns warning lines, raises ``CheckFailed``."""
    settings = run.settings
    branch = run.branch()
    if branch is None:
        return []  # detached HEAD: a rebase, a bisect, a commit nobody's branch will hold
    key = run.story_key(branch)
    bad = rules.malformed_key(branch, settings["branch_pattern"]) if key is None else None
    if bad is not None and not run.exemption():
        raise CheckFailed(
            f"{branch} is named as a story branch, but {bad[:40]!r} is no story key "
            "(letters, then a Rally number of at most 9 digits: US-123), so its lock "
            "cannot be checked",
            hint=f"Rename the branch (`git branch -m {EXAMPLE_BRANCH}`), or take a story "
            "with `pantheon checkout US-123` (or `--epic <epic>`).",
        )
    if key is None:
        refusal = rules.branch_refusal(
            branch,
            settings["protected_branches"],
            require_story_branch=settings["require_story_branch"],
            example=EXAMPLE_BRANCH,
        )
        if refusal is None or run.exemption():
            return []
        raise CheckFailed(refusal[0], hint=refusal[1])
    if not settings["rally_enabled"]:
        return []
    clock = time.time() if now is None else now
    subject = Subject(key, run.user(), cachepeek.story_entry(run.repo.worktree, key), clock)
    fresh = subject.age is not None and subject.age <= settings["lock_check_ttl"]
    if fresh and subject.readable():
        status, holder, expires = subject.cached_status()
        if subject.allowed(status) or run.exemption():
            return []
        raise subject.refuse(status, holder, expires)
    if run.exemption():
        return []
    return _judge_online(run, subject)


def _judge(
    lock: Mapping[str, Any] | None, me: str, clock: float
) -> tuple[str, str | None, datetime | None]:
    holder = str(lock.get("holder") or "") if lock else ""
    expires = _time(lock.get("expires")) if lock else None
    return rules.lock_status(holder, expires, me, _utc(clock)), holder or None, expires


def _judge_online(run: HookRun, subject: Subject) -> list[str]:
    """The cached lock is stale or missing: ask Rally (within ``hook_timeout``, and the whole
    hook within ``hook_budget``)."""
    # lazy: Rally is asked only when the cached lock is stale
    from pantheon_git.features.hooks import run_refresh as lockrefresh
    from pantheon_git.features.hooks.run_alarm import Alarm

    settings = run.settings
    budget = float(settings["hook_budget"])
    try:
        with Alarm(budget, lockrefresh.Unreachable(f"the hook's {budget:g} s budget ran out")):
            fresh = lockrefresh.read_lock(
                _app(run), _story_key(subject.key), timeout=float(settings["hook_timeout"])
            )
    except lockrefresh.Unreachable as exc:
        return _offline(run, subject, exc.reason)
    holder = fresh.lock.holder if fresh.lock else None
    expires = fresh.lock.expires if fresh.lock else None
    status = rules.lock_status(holder, expires, subject.me, _utc(subject.clock))
    subject.state, subject.owner = fresh.state, fresh.owner
    if subject.allowed(status):
        return []
    raise subject.refuse(status, holder, expires)


def _offline(run: HookRun, subject: Subject, reason: str) -> list[str]:
    """Rally could not be asked: ``offline: warn`` judges from the cache and says how old
    it is; ``offline: block`` refuses."""
    key = subject.key
    if run.settings["offline"] == Offline.BLOCK:
        raise CheckFailed(
            f"cannot confirm your lock on {key}: Rally could not be asked ({reason}) "
            "(policy offline: block)",
            hint="Try again when Rally answers, or commit with --no-verify if your team allows it.",
        )
    if subject.age is None or not subject.readable():
        return [
            f"pantheon: Rally could not be asked ({reason}) and {key} is not in the local "
            "cache: lock not checked"
        ]
    age = rules.age_text(subject.age)
    status, holder, expires = subject.cached_status()
    if not subject.allowed(status):
        refusal = subject.refuse(status, holder, expires)
        refusal.message += f" (from a cache {age} old; Rally could not be asked: {reason})"
        raise refusal
    return [
        f"pantheon: Rally could not be asked ({reason}); your lock on {key} was checked from "
        f"a cache {age} old"
    ]


def _app(run: HookRun) -> Any:
    # lazy: the fresh-cache path builds no App (commit start-up time)
    from pathlib import Path

    from pantheon_git.app import App

    return App.load(cwd=Path(run.repo.worktree), warn=lambda message: None, deadline="hook_budget")


def _story_key(key: str) -> Any:
    # lazy: the fresh-cache path parses no story key
    from pantheon_git.core.keys import StoryKey

    return StoryKey.parse(key)


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return parse_time(str(value))
    except UsageError:
        return None


def _utc(clock: float) -> datetime:
    # lazy: the fresh-cache path compares plain numbers
    from datetime import UTC, datetime

    return datetime.fromtimestamp(clock, UTC)


# --- commit-msg -----------------------------------------------------------------------------


def commit_msg(run: HookRun, message_file: str) -> list[str]:
    """Prepend (or require) the story key in the commit message. Merge, revert, fixup and
    squash messages, and commits during a rebase or a cherry-pick, are left alone."""
    policy = run.settings["commit_msg"]
    if policy == CommitMsg.OFF:
        return []
    branch = run.branch()
    key = run.story_key(branch) if branch else None
    if key is None or gitdir.operation(run.repo) is not None:
        return []
    path = message_file  # relative to where git runs hooks: the work tree's root
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            message = handle.read()
    except FileNotFoundError:
        raise UsageError(f"commit message file not found: {message_file}") from None
    except (OSError, UnicodeDecodeError):
        return []  # not UTF-8: leave it as the author wrote it
    if rules.generated_kind(message) or rules.mentions(message, key):
        return []
    if not rules.first_line(message):
        return []  # an empty message: git aborts the commit itself
    if policy == CommitMsg.REQUIRE:
        raise CheckFailed(
            f"the commit message does not name the story {key} (rule: commit_msg: require)",
            hint=f'Start it with "{key}: ", for example: git commit -m "{key}: what changed"',
        )
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(rules.with_key(message, key))
    return []


# --- post-checkout --------------------------------------------------------------------------


def post_checkout(run: HookRun, *, branch_checkout: bool, now: float | None = None) -> list[str]:
    """One line when the branch checked out is a story branch you do not hold (from the
    cache: never the network, never a failure)."""
    branch = run.branch() if branch_checkout and run.settings["rally_enabled"] else None
    key = run.story_key(branch) if branch else None
    if key is None:
        return []
    clock = time.time() if now is None else now
    subject = Subject(key, run.user(), cachepeek.story_entry(run.repo.worktree, key), clock)
    line = _holder_line(subject)
    return [f"pantheon: {line}"] if line else []


def _holder_line(subject: Subject) -> str | None:
    key = subject.key
    if subject.age is None:
        return f"{key} is not in the local Rally cache; `pantheon sync` shows who holds it"
    status, holder, expires = subject.cached_status()
    if status == rules.MINE:
        return None
    if status == rules.THEIRS:
        return (
            f"{key} is locked by {holder} until {rules.when(expires)} (cache, "
            f"{rules.age_text(subject.age)} old); `pantheon checkout {key}` names free ones "
            "of similar size"
        )
    if subject.allowed(status):
        return None  # the owner's review fixes go through
    return _not_yours_line(subject, status, holder, expires)


def _not_yours_line(
    subject: Subject, status: str, holder: str | None, expires: datetime | None
) -> str:
    key = subject.key
    if subject.state == rules.CODE_REVIEW or subject.state in rules.DONE_STATES:
        # checkout would refuse such a story: say what the commit hook will say
        return rules.lock_refusal(
            key, status, holder, expires, subject.me, state=subject.state, owner=subject.owner
        )[0]
    if status == rules.EXPIRED and rules.same_person(holder, subject.me):
        return (
            f"your lock on {key} expired at {rules.when(expires)}; "
            f"`pantheon renew {key}` takes it again"
        )
    return f"{key} is not locked by you; `pantheon checkout {key}` takes it"
