"""The repository as a hook sees it, read from ``.git`` with ``os`` alone.

A hook pays for every import and process: ``subprocess`` and ``pathlib`` cost more to import
than reading ``HEAD`` and a few marker files does. So this module finds the git directory,
the checked-out branch and an operation in progress (rebase, merge, revert, cherry-pick) by
reading files, and runs git, when it must, through ``os.posix_spawnp`` (the ``subprocess``
module where there is none, as on Windows). Anything unusual
(``GIT_DIR`` pointing elsewhere, a reftable repository, a bare repository) is asked of git.
"""

from __future__ import annotations

import os

from pantheon_git.errors import GitError
from pantheon_git.git.env import git_env

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

# Marker files and folders in the git dir, in the order they are checked.
_OPERATIONS = (
    ("rebase-merge", "rebase"),
    ("rebase-apply", "rebase"),
    ("MERGE_HEAD", "merge"),
    ("REVERT_HEAD", "revert"),
    ("CHERRY_PICK_HEAD", "cherry-pick"),
)


class Repo:
    """``worktree`` (where hooks run), ``git_dir`` (this worktree's), ``common_dir`` (shared)."""

    __slots__ = ("common_dir", "git_dir", "worktree")

    def __init__(self, worktree: str, git_dir: str, common_dir: str) -> None:
        self.worktree = worktree
        self.git_dir = git_dir
        self.common_dir = common_dir

    def __repr__(self) -> str:
        return f"Repo({self.worktree!r}, {self.git_dir!r}, {self.common_dir!r})"


def find_repo(cwd: str, environ: Mapping[str, str]) -> Repo:
    """The repository containing ``cwd``; git itself is asked when the layout is unusual."""
    if not environ.get("GIT_DIR") and not environ.get("GIT_WORK_TREE"):
        folder = os.path.abspath(cwd)
        while True:
            dotgit = os.path.join(folder, ".git")
            git_dir = _git_dir_of(dotgit, folder)
            if git_dir is not None:
                return Repo(folder, git_dir, _common_dir(git_dir))
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
    return _ask_git(cwd, environ)


def _git_dir_of(dotgit: str, folder: str) -> str | None:
    if os.path.isdir(dotgit):
        return dotgit if os.path.isfile(os.path.join(dotgit, "HEAD")) else None
    if os.path.isfile(dotgit):  # a linked worktree or a submodule: "gitdir: <path>"
        try:
            with open(dotgit, encoding="utf-8", errors="surrogateescape") as handle:
                line = handle.readline().strip()
        except OSError:
            return None
        if line.startswith("gitdir:"):
            target = line[len("gitdir:") :].strip()
            return os.path.normpath(os.path.join(folder, target))
    return None


def _common_dir(git_dir: str) -> str:
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            return os.path.normpath(os.path.join(git_dir, handle.read().strip()))
    except OSError:
        return git_dir


def _ask_git(cwd: str, environ: Mapping[str, str]) -> Repo:
    code, out = run_git(
        ["rev-parse", "--path-format=absolute", "--show-toplevel", "--git-dir", "--git-common-dir"],
        cwd=cwd,
        environ=environ,
        keep_git_dir=True,
    )
    lines = out.splitlines()
    if code != 0 or len(lines) != 3:
        raise GitError(
            f"not inside a git work tree: {cwd}",
            hint="Run the hook from your project's work tree.",
        )
    return Repo(*lines)


# --- HEAD and operations in progress --------------------------------------------------------


def head_ref(repo: Repo, environ: Mapping[str, str]) -> str | None:
    """The full ref HEAD points at (``refs/heads/...``), or ``None`` when detached."""
    try:
        with open(
            os.path.join(repo.git_dir, "HEAD"), encoding="utf-8", errors="surrogateescape"
        ) as handle:
            head = handle.read().strip()
    except OSError:
        head = ""
    if head.startswith("ref: ") and head != "ref: refs/heads/.invalid":
        return head[len("ref: ") :]
    if head and not head.startswith("ref:"):
        return None  # a commit id: detached
    # The reftable backend keeps HEAD elsewhere: ask git.
    code, out = run_git(["symbolic-ref", "--quiet", "HEAD"], cwd=repo.worktree, environ=environ)
    return out.strip() or None if code == 0 else None


def operation(repo: Repo) -> str | None:
    """``rebase``, ``merge``, ``revert`` or ``cherry-pick`` when one is in progress."""
    for name, kind in _OPERATIONS:
        if os.path.exists(os.path.join(repo.git_dir, name)):
            return kind
    return None


def commit_options() -> list[str] | None:
    """The options of the ``git commit`` that runs this hook (``--fixup=...``), found by
    walking up the process tree through ``/proc``; ``None`` where there is no ``/proc`` or
    no ``git commit`` among the ancestors. pre-commit puts its own process in between."""
    pid = os.getppid()
    for _ in range(6):
        if pid <= 1:
            return None
        argv = _proc_argv(pid)
        if argv is None:
            return None
        options = _commit_options(argv)
        if options is not None:
            return options
        pid = _proc_parent(pid)
    return None


def _proc_argv(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    return [a.decode("utf-8", "surrogateescape") for a in raw.split(b"\0") if a]


def _proc_parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return 0
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    fields = stat[stat.rfind(b")") + 2 :].split()
    return int(fields[1]) if len(fields) > 1 else 0


def _commit_options(argv: Sequence[str]) -> list[str] | None:
    """``git [-c k=v] [-C dir] commit OPTIONS`` -> OPTIONS; anything else -> ``None``."""
    if not argv or os.path.basename(argv[0]) not in ("git", "git.exe"):
        return None
    rest = list(argv[1:])
    while rest and rest[0].startswith("-"):
        takes_value = rest[0] in ("-c", "-C", "--git-dir", "--work-tree", "--namespace")
        rest = rest[2:] if takes_value else rest[1:]
    if rest[:1] != ["commit"]:
        return None
    return rest[1:]


def fixup_commit(options: Sequence[str] | None) -> bool:
    """``git commit --fixup=X`` / ``--squash=X`` (or the two-argument forms)."""
    for option in options or ():
        if option == "--":
            break
        if option in ("--fixup", "--squash") or option.startswith(("--fixup=", "--squash=")):
            return True
    return False


# --- running git without the subprocess module ----------------------------------------------


def run_git(
    args: Sequence[str],
    *,
    cwd: str,
    environ: Mapping[str, str],
    keep_git_dir: bool = False,
    command_config: bool = False,
) -> tuple[int, str]:
    """``git -C cwd *args``: (exit code, stdout). stdin and stderr are ``/dev/null``.

    ``keep_git_dir`` passes ``GIT_DIR``/``GIT_WORK_TREE`` through (to locate the repository
    the way git would); every other call gets git's hook variables removed.
    ``command_config`` keeps the ``git -c`` settings of the command running the hook.
    """
    env = git_env(environ=environ, command_config=command_config)
    if keep_git_dir:
        env.update({k: environ[k] for k in ("GIT_DIR", "GIT_WORK_TREE") if k in environ})
    if not hasattr(os, "posix_spawnp"):  # Windows: the subprocess module it is
        return _run_git_subprocess(["git", "-C", cwd, *args], env)
    read_end, write_end = os.pipe()
    try:
        pid = os.posix_spawnp(
            "git",
            ["git", "-C", cwd, *args],
            env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, write_end, 1),
                (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_CLOSE, read_end),
            ],
        )
    except FileNotFoundError:
        os.close(read_end)
        raise GitError("git is not installed or not on PATH", argv=["git", *args]) from None
    finally:
        os.close(write_end)
    chunks = []
    try:
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8", "surrogateescape")


def _run_git_subprocess(argv: list[str], env: Mapping[str, str]) -> tuple[int, str]:
    # lazy: only where posix_spawnp is missing (the module costs the hook path ~5 ms)
    import subprocess

    try:
        proc = subprocess.run(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, check=False,
        )  # fmt: skip
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH", argv=argv) from None
    return proc.returncode, proc.stdout.decode("utf-8", "surrogateescape")


def committer_email(cwd: str, environ: Mapping[str, str]) -> str | None:
    """The email git records as the committer of a commit made now, in git's own order
    (``git var GIT_COMMITTER_IDENT``): ``GIT_COMMITTER_EMAIL``, then ``committer.email``,
    then ``user.email`` (a ``git -c`` of the running command first), then ``EMAIL``.
    ``None`` when git cannot tell (it would refuse the commit itself)."""
    code, out = run_git(
        ["var", "GIT_COMMITTER_IDENT"], cwd=cwd, environ=environ, command_config=True
    )
    return ident_email(out) if code == 0 else None


def ident_email(ident: str) -> str | None:
    """``Name <email> 1767607200 +0000`` -> ``email``."""
    start, end = ident.rfind("<"), ident.rfind(">")
    email = ident[start + 1 : end].strip() if 0 <= start < end else ""
    return email or None


def config_value(repo: Repo, key: str, environ: Mapping[str, str]) -> str | None:
    code, out = run_git(["config", "--get", key], cwd=repo.worktree, environ=environ)
    return out.strip() or None if code == 0 else None
