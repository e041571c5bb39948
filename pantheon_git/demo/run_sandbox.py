"""A throw-away place for ``pantheon demo``: a folder, an environment cut off from the user's,
and the processes started in it.

Every process gets an environment without the user's Rally, pantheon, git and GitHub
settings (their real API key and global git config must neither leak in nor be used): a git
config of the sandbox's own, its own HOME, and what the caller adds. Processes run in their
own session, so they can all be stopped at once; ``close()`` stops whatever still runs and
removes the folder unless it is to be kept.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pantheon_git.errors import GitError

_DROPPED = ("RALLY_", "PANTHEON_", "GIT_", "GITHUB_", "PRE_COMMIT")
PREFIX = "pantheon-tour-"
TIMEOUT = 120.0


@dataclass(frozen=True)
class Ran:
    argv: tuple[str, ...]
    code: int
    output: str
    """stdout and stderr as they interleaved."""
    seconds: float


class Sandbox:
    def __init__(self, keep: Path | None = None) -> None:
        if keep is None:
            self.root = Path(tempfile.mkdtemp(prefix=PREFIX)).resolve()
            self.keep = False
        else:
            self.root = keep.resolve()
            self.root.mkdir(parents=True, exist_ok=True)
            self.keep = True
        self.home = self.root / "home"
        self.home.mkdir(exist_ok=True)
        self.gitconfig = self.root / "gitconfig"
        self.gitconfig.write_text(
            "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
            "[commit]\n\tgpgsign = false\n[core]\n\tautocrlf = false\n",
            encoding="utf-8",
        )
        self.extra_env: dict[str, str] = {}
        self._running: list[subprocess.Popen[bytes]] = []

    # --- environment -------------------------------------------------------------------------

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED)}
        bindir = str(Path(sys.executable).parent)
        env.update(
            {
                "HOME": str(self.home),
                "XDG_CONFIG_HOME": str(self.home / ".config"),
                "GIT_CONFIG_GLOBAL": str(self.gitconfig),
                "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_TERMINAL_PROMPT": "0",
                "PYTHONIOENCODING": "utf-8",
                "PATH": bindir + os.pathsep + env.get("PATH", ""),
            }
        )
        env.update(self.extra_env)
        env.update(extra or {})
        return env

    # --- processes ---------------------------------------------------------------------------

    def start(
        self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None
    ) -> tuple[subprocess.Popen[bytes], float]:
        try:
            proc = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=self.env(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except FileNotFoundError:
            raise GitError(f"`{argv[0]}` is not installed or not on PATH", argv=argv) from None
        self._running.append(proc)
        return proc, time.monotonic()

    def finish(
        self,
        started: tuple[subprocess.Popen[bytes], float],
        argv: Sequence[str],
        *,
        timeout: float = TIMEOUT,
    ) -> Ran:
        proc, began = started
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(proc)
            out, _ = proc.communicate()
            text = out.decode("utf-8", "replace")
            return Ran(tuple(argv), 124, text + f"\n(stopped after {timeout:g}s)", timeout)
        finally:
            if proc in self._running and proc.poll() is not None:
                self._running.remove(proc)
        return Ran(
            tuple(argv),
            proc.returncode,
            out.decode("utf-8", "replace"),
            time.monotonic() - began,
        )

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        timeout: float = TIMEOUT,
    ) -> Ran:
        return self.finish(self.start(argv, cwd=cwd, env=env), argv, timeout=timeout)

    def git(self, cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> Ran:
        return self.run(["git", *args], cwd=cwd, env=env)

    # --- files -------------------------------------------------------------------------------

    @staticmethod
    def write(base: Path, files: Mapping[str, str]) -> None:
        for name, text in files.items():
            path = base / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    # --- the end -----------------------------------------------------------------------------

    def stop_all(self) -> None:
        for proc in self._running:
            _stop(proc)
        self._running.clear()

    def close(self) -> None:
        self.stop_all()
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
