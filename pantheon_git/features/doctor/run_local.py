"""The checks of ``pantheon doctor`` that need no Rally: git, hooks, cache."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from pantheon_git.cache import meta as cache_meta
from pantheon_git.cache.store import Cache
from pantheon_git.core.wording import describe_age
from pantheon_git.errors import CacheCorrupt, GitError
from pantheon_git.features.doctor import report as rules
from pantheon_git.features.doctor.report import FAIL, OK, WARN, Check, skipped
from pantheon_git.features.hooks import run_githooks as hooks_install
from pantheon_git.git import command as git


def git_check(root: Path | None, configured: str | None) -> Check:
    """A repository whose default branch exists (and an ``origin`` to see colleagues')."""
    if root is None or git.toplevel(root) is None:
        return Check(
            "git", "Git", FAIL, "not inside a git repository", "git init (or cd into your clone)"
        )
    try:
        branch = git.default_branch(root, configured)
    except GitError as exc:
        return Check("git", "Git", FAIL, exc.message, exc.hint)
    remote = git.run_git(["remote"], cwd=root, check=False).split()
    exists = git.ref_exists(f"refs/heads/{branch}", cwd=root) or git.ref_exists(
        f"refs/remotes/origin/{branch}", cwd=root
    )
    if not exists:
        return Check(
            "git",
            "Git",
            FAIL,
            f"{root}: the default branch {branch!r} does not exist",
            "Set default_branch in the config, or `git remote set-head origin --auto`",
        )
    if "origin" not in remote:
        return Check(
            "git",
            "Git",
            WARN,
            f"{root}, default branch {branch}; no remote `origin`, so colleagues' story "
            "branches are not seen",
            "git remote add origin <url>",
        )
    return Check("git", "Git", OK, f"{root}, default branch {branch}")


def hooks_check(root: Path | None) -> Check:
    """pantheon's hooks, plain (core.hooksPath or .git/hooks) or through pre-commit."""
    title = "Hooks"
    if root is None or git.toplevel(root) is None:
        return skipped("hooks", title, "not in a git repository")
    hooks_dir = hooks_install.hooks_dir(root)  # where git looks: core.hooksPath or .git/hooks
    config_path = root / ".pre-commit-config.yaml"
    precommit = config_path.read_text(errors="replace") if config_path.is_file() else None
    kinds: dict[str, str] = {}
    for stage in rules.HOOK_STAGES:
        kind = rules.hook_kind(rules.HookFile(stage, _hook_text(hooks_dir / stage)), precommit)
        if kind:
            kinds[stage] = kind
    missing = [s for s in rules.HOOK_STAGES if s not in kinds]
    fix = "pantheon hooks install"
    data = {"installed": kinds, "hooks_dir": str(hooks_dir)}
    if not kinds:
        return Check("hooks", title, FAIL, "no pantheon hook is installed", fix, data)
    how = ", ".join(sorted(set(kinds.values())))
    detail = f"{', '.join(kinds)} installed ({how})"
    if any(s in missing for s in rules.ESSENTIAL_STAGES):
        return Check("hooks", title, FAIL, f"{detail}; missing {', '.join(missing)}", fix, data)
    if missing:
        return Check("hooks", title, WARN, f"{detail}; missing {', '.join(missing)}", fix, data)
    return Check("hooks", title, OK, detail, data=data)


def _hook_text(path: Path) -> str | None:
    try:
        if not path.is_file() or not os.access(path, os.X_OK):
            return None
        with path.open("rb") as handle:
            return handle.read(65536).decode("utf-8", "replace")
    except OSError:
        return None


def cache_check(root: Path | None, stale_hours: float, now: datetime) -> Check:
    """The last sync, younger than ``stale_hours``."""
    title = "Cache"
    if root is None:
        return skipped("cache", title, "no project folder")
    cache = Cache(root)
    try:
        last = cache_meta.last_sync(cache)
    except CacheCorrupt as exc:
        return Check("cache", title, FAIL, exc.message, "pantheon sync --force")
    if last is None:
        return Check("cache", title, FAIL, "never synced from Rally", "pantheon sync")
    limit = stale_hours
    age = rules.cache_age_hours(last, now)
    detail = f"last sync {describe_age(age)}"
    data = {"age_hours": round(age, 3), "stale_after_hours": limit}
    if age > limit:
        return Check(
            "cache", title, FAIL, f"{detail}, older than {limit:g} h", "pantheon sync", data
        )
    return Check("cache", title, OK, detail, data=data)
