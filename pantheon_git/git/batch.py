"""One long-lived git process for a whole batch (``--stdin`` commands), read as a stream.

Process count dominates batch work: ``git merge-tree`` costs 60-80 ms per pair as separate
processes and about 1-2 ms per pair through one ``--stdin`` process. This feeds all input
lines to one process from a thread and yields its output tokens as they come, so callers can
show progress and a deadline can stop the process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from pantheon_git.errors import GitError
from pantheon_git.git.env import git_env

_CHUNK = 1 << 16


def remaining(deadline: float | None) -> float | None:
    """Seconds left before ``deadline`` (a ``time.monotonic()`` value); raises when none."""
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise GitError("the git scan ran out of its time budget", argv=())
    return left


def stream_git(
    args: Sequence[str],
    lines: Sequence[str] | bytes,
    *,
    cwd: Path,
    sep: bytes = b"\0",
    env: Mapping[str, str] | None = None,
    deadline: float | None = None,
) -> Iterator[bytes]:
    """Run ``git *args`` with ``lines`` on stdin; yield stdout split on ``sep``.

    The trailing empty token after a final separator is not yielded; empty tokens inside the
    stream are (git uses them as section ends). Raises ``GitError`` with stderr on failure and
    when the deadline passes (the process is killed).
    """
    argv = ["git", *args]
    data = lines if isinstance(lines, bytes) else "".join(f"{x}\n" for x in lines).encode()
    import tempfile  # not on the warm hook path, which starts no batch

    timeout = remaining(deadline)
    with tempfile.TemporaryFile() as errfile:
        try:
            proc = subprocess.Popen(
                argv,
                cwd=cwd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errfile,
                env=git_env(env),
                # Its own process group, so a deadline or Ctrl-C also stops what git started.
                start_new_session=True,
            )
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH", argv=argv) from None
        timed_out = threading.Event()
        timer = None
        if timeout is not None:

            def kill() -> None:
                timed_out.set()
                _kill(proc)

            timer = threading.Timer(timeout, kill)
            timer.daemon = True
            timer.start()
        writer = threading.Thread(target=_feed, args=(proc, data), daemon=True)
        writer.start()
        try:
            yield from _tokens(proc, sep)
            code = proc.wait()
        finally:
            if timer is not None:
                timer.cancel()
            if proc.poll() is None:
                _kill(proc)
                proc.wait()
            writer.join()
            assert proc.stdout is not None
            proc.stdout.close()
        if timed_out.is_set():
            raise GitError(f"`{' '.join(argv[:3])}` ran out of its time budget", argv=argv)
        if code != 0:
            errfile.seek(0)
            stderr = errfile.read().decode("utf-8", "replace").strip()
            first = stderr.splitlines()[-1] if stderr else f"exit code {code}"
            raise GitError(
                f"`{' '.join(argv)}` failed: {first}", argv=argv, returncode=code, stderr=stderr
            )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    killpg = getattr(os, "killpg", None)  # POSIX; on Windows, git alone is stopped
    try:
        if killpg is None:
            raise OSError("no process groups here")
        killpg(proc.pid, signal.SIGKILL)
    except OSError:
        with contextlib.suppress(OSError):
            proc.kill()


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
    except (BrokenPipeError, OSError):
        pass  # git died or was killed; its exit code tells the story
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.close()


def _tokens(proc: subprocess.Popen[bytes], sep: bytes) -> Iterator[bytes]:
    assert proc.stdout is not None
    pending = b""
    while True:
        chunk = os.read(proc.stdout.fileno(), _CHUNK)
        if not chunk:
            break
        pending += chunk
        parts = pending.split(sep)
        pending = parts.pop()
        yield from parts
    if pending:
        yield pending


def decode_path(raw: bytes) -> str:
    """git path bytes -> str, exactly (undecodable bytes survive as surrogate escapes)."""
    return raw.decode("utf-8", "surrogateescape")
