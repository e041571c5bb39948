"""Story branches in the work tree: where to start one, whether switching is safe, switching.

Branch names come from story titles, which anyone in Rally can write: they only ever travel
as one argv element (never through a shell), and are checked with ``git check-ref-format``
in their full ``refs/heads/...`` form, so a name can never be read as an option.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pantheon_git.core.wording import first_of
from pantheon_git.errors import GitError, UsageError
from pantheon_git.git.command import default_branch, ref_exists, run_git

REMOTE = "origin"
FETCH_TIMEOUT = 60.0


def valid_branch_name(name: str, *, cwd: Path | None = None) -> bool:
    if not name or name.startswith("-") or name == "HEAD":
        return False
    return _ok(["check-ref-format", f"refs/heads/{name}"], cwd)


def _ok(args: list[str], cwd: Path | None) -> bool:
    try:
        run_git(args, cwd=cwd)
    except GitError:
        return False
    return True


def require_branch_name(name: str, *, cwd: Path | None = None) -> str:
    if not valid_branch_name(name, cwd=cwd):
        raise UsageError(
            f"the story branch name {name!r} is not a valid git branch name",
            hint="Check the branch_template setting (default story/{key}-{slug}).",
        )
    return name


def has_remote(cwd: Path, remote: str = REMOTE) -> bool:
    names = run_git(["remote"], cwd=cwd, check=False).split()
    return remote in names


def fetch(cwd: Path, branch: str, story: str, remote: str = REMOTE) -> str | None:
    """Fetch the default ``branch`` and, if someone pushed it, the ``story`` branch (a glob
    refspec: it matches nothing without failing when the story branch is not there).
    Returns a warning instead of failing: work can start from what is local."""
    specs = [
        f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}",
        f"+refs/heads/{story}*:refs/remotes/{remote}/{story}*",
    ]
    try:
        run_git(["fetch", "--quiet", remote, *specs], cwd=cwd, timeout=FETCH_TIMEOUT)
    except GitError as exc:
        return f"could not fetch {remote}/{branch} ({exc.message}); starting from what is local"
    return None


def current_commit(cwd: Path) -> str | None:
    out = run_git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cwd=cwd, check=False)
    return out.strip() or None


def dirty_paths(cwd: Path) -> set[str]:
    """Paths with uncommitted changes: staged, unstaged and untracked (not ignored)."""
    out = run_git(["status", "--porcelain=v1", "-z", "--untracked-files=all"], cwd=cwd)
    paths: set[str] = set()
    fields = out.split("\0")
    i = 0
    while i < len(fields):
        entry = fields[i]
        i += 1
        if len(entry) < 4:
            continue
        status, path = entry[:2], entry[3:]
        paths.add(path)
        if "R" in status or "C" in status:  # the next field is the rename's source
            if i < len(fields) and fields[i]:
                paths.add(fields[i])
            i += 1
    return paths


def changed_between(cwd: Path, a: str, b: str) -> set[str]:
    out = run_git(["diff", "--name-only", "-z", "--no-renames", a, b, "--"], cwd=cwd)
    return {p for p in out.split("\0") if p}


@dataclass(frozen=True)
class BranchPlan:
    """How to get onto a story branch: switch to it, or create it from ``base``."""

    root: Path
    """The work tree."""
    name: str
    exists: bool
    base: str | None
    """The start point when the branch is created (``origin/main``, or a remote story branch)."""
    track: bool = False
    """Create the local branch tracking ``base`` (a story branch someone pushed before)."""
    carried: tuple[str, ...] = ()
    """Uncommitted paths that git will carry over unchanged."""
    warning: str | None = None


def plan_switch(cwd: Path, name: str, *, configured_default: str | None = None) -> BranchPlan:
    """Decide where the story branch starts, fetching the default branch first when there is a
    remote. Refuses (exit 4) when switching would overwrite uncommitted work."""
    require_branch_name(name, cwd=cwd)
    warning = None
    remote = has_remote(cwd)
    main = default_branch(cwd, configured_default)
    if remote:
        warning = fetch(cwd, main, name)
    exists = ref_exists(f"refs/heads/{name}", cwd=cwd)
    track = False
    if exists:
        target, base = f"refs/heads/{name}", None
    elif remote and ref_exists(f"refs/remotes/{REMOTE}/{name}", cwd=cwd):
        target = base = f"{REMOTE}/{name}"
        track = True
    elif remote and ref_exists(f"refs/remotes/{REMOTE}/{main}", cwd=cwd):
        target = base = f"{REMOTE}/{main}"
    elif ref_exists(f"refs/heads/{main}", cwd=cwd):
        target = base = main
    else:
        raise GitError(
            f"cannot find the default branch {main!r} to start {name} from",
            hint="Set default_branch in _bmad/pantheon/config.yaml, or commit to main first.",
        )
    dirty = dirty_paths(cwd)
    head = current_commit(cwd)
    changed = changed_between(cwd, head, target) if head else set(dirty)
    clash = sorted(dirty & changed)
    if clash:
        raise GitError(
            f"switching to {name} would overwrite uncommitted changes in {first_of(clash, 5)}",
            hint="Commit them, or run `git stash push --include-untracked`, then run the "
            "checkout again (`git stash pop` brings them back).",
        )
    return BranchPlan(cwd, name, exists, base, track, tuple(sorted(dirty)), warning)


def switch(plan: BranchPlan) -> Literal["switched", "created"]:
    """Carry out the plan; returns ``switched`` or ``created``."""
    if plan.exists:
        run_git(["switch", "--quiet", plan.name], cwd=plan.root)
        return "switched"
    assert plan.base is not None
    track = ["--track"] if plan.track else ["--no-track"]
    run_git(["switch", "--quiet", *track, "-c", plan.name, plan.base], cwd=plan.root)
    return "created"


def exclude_locally(cwd: Path, pattern: str) -> bool:
    """Keep ``pattern`` out of ``git status`` through ``.git/info/exclude`` (never committed,
    so the work tree does not change). Returns True when the file changed."""
    probe = pattern.rstrip("/") + "/probe"
    if _ok(["check-ignore", "--quiet", "--no-index", probe], cwd):
        return False
    path = Path(run_git(["rev-parse", "--git-path", "info/exclude"], cwd=cwd).strip())
    if not path.is_absolute():
        path = cwd / path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    prefix = "" if not text or text.endswith("\n") else "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"{prefix}{pattern}\n")
    return True
