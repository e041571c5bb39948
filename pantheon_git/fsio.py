"""Crash-safe file writes: temp file in the same folder, fsync, rename."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

from pantheon_git.core import jsonio
from pantheon_git.errors import CheckFailed, UsageError


def _file_mode(path: Path) -> int:
    """The replaced file's permissions, or what a plain ``open`` would give (umask applied):
    ``mkstemp`` creates 0600 files, which would make story files in a work tree private."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_UMASK


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it; done once, at import (one thread)
    os.umask(mask)
    return mask


_UMASK = _umask()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_bytes(path, jsonio.dumps(data, pretty=True))


MAX_INPUT = 64 << 20
"""Largest JSON input read (GitHub caps webhook payloads at 25 MB)."""


def read_json_input(path: Path, what: str) -> Any:
    """A JSON file a user handed us (``what`` names it in messages); every problem is a one-line
    usage error (exit 2): missing, unreadable, empty, larger than ``MAX_INPUT`` (``/dev/zero``
    never ends), nested deeper than the parser goes, or not JSON (with line and column)."""

    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_INPUT + 1)
        if len(raw) > MAX_INPUT:
            raise UsageError(f"{what} {path} is larger than {MAX_INPUT >> 20} MB")
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {what} {path}: {exc}") from None
    if not text.strip():
        raise UsageError(f"{what} {path} is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{what} {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise UsageError(f"{what} {path} is nested too deeply to be read") from None


def wait_for_lock(fd: int, *, wait: float, busy: str) -> None:
    """Take the exclusive ``flock`` on ``fd`` (a lock file, or a folder), waiting up to ``wait``
    seconds; then ``CheckFailed`` (exit 1) saying ``busy``. Released when ``fd`` is closed,
    also when the process dies."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if time.monotonic() >= deadline:
                raise CheckFailed(
                    busy, hint="Wait for it to finish, then run the command again."
                ) from None
            time.sleep(0.05)
