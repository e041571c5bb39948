"""The pre-push hook: for every story branch pushed, a fresh lock check in Rally (no cache),
the lease renewed when it is yours (heartbeat), a warning for a Completed story, then the
overlap check against other story branches (:func:`conflicts.prepush_check`).

It never blocks on its own trouble: a branch deletion, a non-story branch, a conflict check
out of time are reported and the push goes on. It blocks (exit 1) when the story is locked
by someone else or by nobody, when ``offline: block`` and Rally cannot be asked, and when
``conflicts: block`` says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from pantheon_git.app import App
from pantheon_git.core import states
from pantheon_git.core.keys import StoryKey, branch_story_key
from pantheon_git.core.policies import Offline
from pantheon_git.errors import CheckFailed, PantheonError, UsageError
from pantheon_git.features.conflicts.report import render_prepush
from pantheon_git.features.conflicts.run import NULL_SHA, prepush_check
from pantheon_git.features.hooks import rules
from pantheon_git.features.hooks import run_refresh as lockrefresh
from pantheon_git.git.command import run_git


@dataclass(frozen=True)
class PushedRef:
    """One line of git's pre-push input."""

    local_ref: str
    local_sha: str
    remote_ref: str
    remote_sha: str

    @property
    def deletion(self) -> bool:
        return self.local_sha == NULL_SHA or self.local_ref == "(delete)"


@dataclass
class PushOutcome:
    lines: list[str] = field(default_factory=list)
    blocked: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if self.blocked else 0

    def block(self, message: str, hint: str | None = None) -> None:
        self.blocked = True
        self.lines.append(f"pantheon: push blocked: {message}")
        if hint:
            self.lines.append(f"  {hint}")


def parse_refs(text: str) -> list[PushedRef]:
    """git's pre-push stdin: ``<local ref> <local sha> <remote ref> <remote sha>`` per line.
    Ref names cannot hold spaces, so splitting on them is exact."""
    refs = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(" ")
        if len(parts) != 4:
            raise UsageError(
                f"pre-push input line {number} is not '<local ref> <sha> <remote ref> <sha>': "
                f"{line[:200]!r}"
            )
        refs.append(PushedRef(*parts))
    return refs


def story_of(ref: PushedRef, pattern: str) -> StoryKey | None:
    """The pushed story: from the local ref, else the remote one (``git push origin
    HEAD:story/US-7-x``)."""
    return branch_story_key(ref.local_ref, pattern) or branch_story_key(ref.remote_ref, pattern)


def pre_push(app: App, refs: list[PushedRef], outcome: PushOutcome | None = None) -> PushOutcome:
    """Check every pushed ref into ``outcome`` (given, it holds what was found so far if the
    caller's time budget interrupts the run)."""
    config = app.config
    started = time.monotonic()
    outcome = PushOutcome() if outcome is None else outcome
    seen: set[StoryKey] = set()
    for ref in refs:
        if ref.deletion:
            continue
        key = story_of(ref, config.branch_pattern)
        if key is None:
            check_protected(app, ref, outcome)
            continue
        if key not in seen and config.rally_enabled:
            seen.add(key)
            check_lock(app, key, outcome)
        left = config.hook_budget - (time.monotonic() - started)
        result = prepush_check(
            app,
            local_ref=ref.local_ref,
            local_sha=ref.local_sha,
            remote_ref=ref.remote_ref,
            budget=max(left, 0.0),
        )
        outcome.lines += render_prepush(result.to_dict())
        if result.exit_code:
            outcome.blocked = True
    return outcome


def check_protected(app: App, ref: PushedRef, outcome: PushOutcome) -> None:
    """A push to a protected branch may not bring commits made directly on it (what the
    pre-commit hook refuses, made with ``--no-verify``); merges, reverts and cherry-picks
    pass, as they do at commit time, and so do commits the remote already has."""
    branch = rules.short_branch(ref.remote_ref)
    pattern = rules.protected_pattern(branch, app.config.protected_branches)
    if pattern is None:
        return
    known = ["--not", "--remotes"] + ([ref.remote_sha] if ref.remote_sha != NULL_SHA else [])
    out = run_git(
        ["log", "--no-merges", "-z", "--format=%H%n%B", ref.local_sha, *known, "--"],
        cwd=app.root,
    )
    commits = [tuple(item.split("\n", 1)) for item in out.split("\0") if item.strip()]
    direct = rules.pushed_directly((c[0], c[1] if len(c) > 1 else "") for c in commits)
    if direct:
        outcome.block(*rules.protected_push_refusal(branch, pattern, direct))


def check_lock(app: App, key: StoryKey, outcome: PushOutcome) -> None:
    """The lock, read fresh from Rally: yours (and renewed), or the push is blocked."""
    config = app.config
    me = app.user()
    try:
        fresh = lockrefresh.read_lock(app, key, timeout=config.hook_timeout)
    except lockrefresh.Unreachable as exc:
        if config.offline == Offline.BLOCK:
            outcome.block(
                f"cannot confirm your lock on {key}: Rally could not be asked ({exc.reason}) "
                "(policy offline: block)",
                "Push again when Rally answers.",
            )
        else:
            outcome.lines.append(
                f"pantheon: Rally could not be asked ({exc.reason}): the lock on {key} was "
                "not checked"
            )
        return
    except CheckFailed as exc:
        outcome.block(exc.message, exc.hint)
        return
    lock = fresh.lock
    holder, expires = (lock.holder, lock.expires) if lock else (None, None)
    status = rules.lock_status(holder, expires, me, app.now())
    lapsed = status == rules.EXPIRED and rules.same_person(holder, me)
    if rules.review_fix(status, fresh.state, fresh.owner, me):
        outcome.lines.append(
            f"pantheon: {key} is in Code Review: review fixes by its owner, no lock to renew"
        )
    elif status == rules.MINE or lapsed:
        heartbeat(app, key, outcome, me, lapsed_at=expires if lapsed else None)
    else:
        message, hint = rules.lock_refusal(
            str(key), status, holder, expires, me, state=fresh.state, owner=fresh.owner
        )
        outcome.block(message, hint)
    if states.rank(fresh.state) >= states.rank(states.COMPLETED):
        outcome.lines.append(
            f"pantheon: warning: {key} is {fresh.state} in Rally; new commits on its branch "
            "are not part of the finished story (`pantheon checkout --epic <epic>` takes a "
            "new one)"
        )


def heartbeat(
    app: App, key: StoryKey, outcome: PushOutcome, me: str, *, lapsed_at: datetime | None
) -> None:
    """Renew the lease of a story you are pushing (``pantheon renew``'s code). A lease that
    lapsed and that nobody took is taken again through the lock protocol; if someone took it
    meanwhile, the push is blocked. Rally trouble here only warns: the lock was just read."""
    # lazy: only a story that is pushed needs the lock protocol
    from pantheon_git.features.locks.run import renew

    try:
        report = renew(app, str(key), timeout=app.config.hook_timeout)
    except PantheonError as exc:
        if lapsed_at is not None:
            message, hint = rules.lock_refusal(str(key), rules.EXPIRED, me, lapsed_at, me)
            outcome.block(f"{message}; taking it again failed: {exc.message}", hint)
        else:
            outcome.lines.append(f"pantheon: warning: lease on {key} not renewed: {exc.message}")
        return
    until = rules.when(report.lock.expires) if report.lock else "?"
    if report.action == "renewed":
        outcome.lines.append(f"pantheon: lease on {key} renewed until {until}")
    elif report.action == "retaken":
        outcome.lines.append(f"pantheon: your lapsed lock on {key} was taken again, until {until}")
    else:
        holder = report.lock.holder if report.lock else None
        expires = report.lock.expires if report.lock else None
        status = rules.THEIRS if report.action in ("theirs", "lost") else rules.FREE
        message, hint = rules.lock_refusal(str(key), status, holder, expires, me)
        outcome.block(message, hint)
