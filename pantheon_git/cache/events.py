"""``.bmad/rally-cache/events.jsonl``: an append-only log of lock events, for ``pantheon metrics``.

One JSON object per line: ``{"time", "event", "story", "user", "outcome", ...}`` (``elapsed``,
``holder`` when known). It has no schema version: a log outlives the versions that append to
it, so readers take what they understand from each line and count the rest. Each line is
written with a single ``write`` on a file opened with ``O_APPEND``, so lines from concurrent
processes never interleave (a line stays far below the pipe-buffer size). Only what is passed
in is written; secrets never are (the values go through ``redact`` as well).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pantheon_git.core import jsonio
from pantheon_git.core.timefmt import format_time
from pantheon_git.errors import UsageError, redact

EVENTS_FILE = "events.jsonl"
MAX_LINE = 4000


def append_event(
    cache_dir: Path, *, now: datetime, event: str, story: str, user: str, outcome: str,
    **details: Any,
) -> None:  # fmt: skip
    record: dict[str, Any] = {
        "time": format_time(now),
        "event": event,
        "story": story,
        "user": user,
        "outcome": outcome,
    }
    record.update({k: v for k, v in details.items() if v is not None})
    line = redact(json.dumps(record, ensure_ascii=False, default=str))
    if len(line) > MAX_LINE:  # keep lines atomic: drop the details, keep the facts
        line = redact(json.dumps({k: record[k] for k in list(record)[:5]}, ensure_ascii=False))
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(log_path(cache_dir), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def log_path(cache_dir: Path) -> Path:
    """This clone's checkout log."""
    return cache_dir / EVENTS_FILE


def read_log(path: Path) -> tuple[list[dict[str, Any]], int]:
    """The JSON objects of a checkout log (this clone's, or a colleague's copy) in the order
    they were written, and how many non-empty lines were not one (torn, foreign). A missing
    file has none; one that cannot be read is a usage error naming it."""
    try:
        handle = path.open(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return [], 0
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    records: list[dict[str, Any]] = []
    skipped = 0
    with handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                record = jsonio.loads(line)  # orjson: too deep a line is a decode error
            except ValueError:
                record = None
            if isinstance(record, dict):
                records.append(record)
            else:
                skipped += 1
    return records, skipped


def read_events(cache_dir: Path) -> Iterator[Mapping[str, Any]]:
    """Every readable event of this clone's log, in the order they were written."""
    yield from read_log(log_path(cache_dir))[0]
