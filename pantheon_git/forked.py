"""A pure computation run in a second process beside this one, for batches big enough to repay
it (Linux: the child is forked, so it starts with this process's memory and only its result
travels back, pickled through a pipe).

The result is always the one ``fn()`` gives in this process: where no child can run (not
Linux, one core, other threads running, a failed fork) or the child fails in any way, ``fn``
runs here instead.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TypeVar

T = TypeVar("T")


def usable() -> bool:
    """Whether a child can help: Linux, no other thread (a fork copies only the calling
    thread; a lock another thread holds would stay held), and a core for it that no other
    process is using now (sharing one, the two processes would finish later than one)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        if len(os.listdir("/proc/self/task")) != 1:
            return False
        cores = len(os.sched_getaffinity(0))
        return cores >= 2 and _least_running() < cores
    except (OSError, ValueError, IndexError):
        return False


def _least_running() -> int:
    """Threads running or waiting for a core on the machine, this one included: the least of
    three looks a millisecond apart (a short-lived process is not a busy core)."""
    seen = []
    for look in range(3):
        if look:
            time.sleep(0.001)
        with open("/proc/loadavg", encoding="ascii") as f:
            seen.append(running_in(f.read()))
    return min(seen)


def running_in(loadavg: str) -> int:
    """``3`` for ``/proc/loadavg``'s ``0.52 0.61 0.70 3/412 9917``."""
    return int(loadavg.split()[3].split("/", maxsplit=1)[0])


@contextmanager
def beside(fn: Callable[[], T]) -> Iterator[Callable[[], T]]:
    """Start ``fn()`` in a child process; yield a function that returns its result (waiting
    for it). Leaving the block stops a child whose result was not asked for."""
    started = _start(fn) if usable() else None
    if started is None:
        yield fn
        return
    pid, read_fd = started
    done = False

    def result() -> T:
        nonlocal done
        data = _read_all(read_fd)
        code = _reap(pid)
        done = True
        if code != 0 or not data:
            return fn()
        # Bytes the child forked just now wrote whole (it exits 0 only after the last one)
        # through a pipe only the two processes hold.
        return pickle.loads(data)  # type: ignore[no-any-return]  # noqa: S301

    try:
        yield result
    finally:
        if not done:
            _stop(pid)
        os.close(read_fd)


def _start(fn: Callable[[], object]) -> tuple[int, int] | None:
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: compute, send, and leave without running the parent's exit code
        code = 1
        try:
            for sig in (signal.SIGINT, signal.SIGTERM):  # no handler of the parent's runs here
                signal.signal(sig, signal.SIG_DFL)
            os.close(read_fd)
            data = pickle.dumps(fn(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(data)
            code = 0
        finally:  # whatever went wrong, the parent computes it instead
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _read_all(fd: int) -> bytes:
    chunks = []
    try:
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    except OSError:
        return b""
    return b"".join(chunks)


def _reap(pid: int) -> int:
    """The child's exit code (-1 when it was killed or cannot be waited for)."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return -1
    return os.waitstatus_to_exitcode(status)


def _stop(pid: int) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _reap(pid)
