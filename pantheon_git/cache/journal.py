"""The migration journal, ``.bmad/migrations/<run>.json``: written (atomically) before and
after every change a ``pantheon migrate`` run makes, so ``pantheon migrate rollback`` can undo a
run that finished, failed or was killed half way.

What it records: each file (hashes before and after, where its original bytes are kept), each
Rally object the run created (and, before the create is sent, a ``pending`` entry with the
marker that finds the object if the reply never arrived), each existing story it changed with
the field values it had before, and each collection link it added.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from pantheon_git.core.timefmt import format_time
from pantheon_git.errors import CacheCorrupt, UsageError
from pantheon_git.fsio import atomic_write_bytes, atomic_write_json, wait_for_lock

SCHEMA = 1
MIGRATIONS = Path(".bmad") / "migrations"
FINISHED = ("complete", "rolled-back")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_run_id(now: datetime) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(2)}"


class Journal:
    def __init__(self, root: Path, doc: dict[str, Any]) -> None:
        self.root = root
        self.doc = doc

    # --- lifecycle ----------------------------------------------------------------------------

    @classmethod
    def start(cls, root: Path, run: str, *, now: datetime, **facts: Any) -> Journal:
        doc: dict[str, Any] = {
            "schema": SCHEMA,
            "run": run,
            "status": "running",
            "started": format_time(now),
            "finished": None,
            **facts,
            "files": {},
            "created": [],
            "pending": [],
            "updated": [],
            "linked": [],
        }
        journal = cls(root, doc)
        journal.save()
        return journal

    @classmethod
    def load(cls, root: Path, run: str) -> Journal:
        path = journal_path(root, run)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(
                f"no migration run {run!r} in {root / MIGRATIONS}",
                hint="Run `pantheon migrate list` to see the runs.",
            ) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise CacheCorrupt(f"cannot read migration journal {path}: {exc}") from None
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
            raise CacheCorrupt(f"migration journal {path} has an unknown format")
        return cls(root, doc)

    @property
    def run(self) -> str:
        return str(self.doc["run"])

    @property
    def status(self) -> str:
        return str(self.doc["status"])

    @property
    def path(self) -> Path:
        return journal_path(self.root, self.run)

    def save(self) -> None:
        atomic_write_json(self.path, self.doc)

    def mark(self, status: str) -> None:
        """Record a status now (the run goes on): ``rolling-back`` while a rollback runs."""
        self.doc["status"] = status
        self.save()

    def finish(self, status: str, now: datetime, **facts: Any) -> None:
        self.doc.update(status=status, finished=format_time(now), **facts)
        self.save()

    @property
    def changed_anything(self) -> bool:
        """Whether the run created, changed or linked anything in Rally, or wrote a file."""
        doc = self.doc
        written = any(entry["written"] for entry in doc["files"].values())
        return written or any(doc[key] for key in ("created", "pending", "updated", "linked"))

    def discard(self) -> None:
        """Forget a run that changed nothing: its journal and the copies of the files it kept
        (with the run's folders they leave empty), so ``rollback`` without a run still undoes
        the last run that did something."""
        for entry in self.doc["files"].values():
            backup = self.root / str(entry["backup"])
            backup.unlink(missing_ok=True)
            _remove_empty(backup.parent, self.run)
        self.path.unlink(missing_ok=True)

    # --- files --------------------------------------------------------------------------------

    def keep_original(self, rel: str, data: bytes, backup: Path) -> None:
        """Copy the file's bytes to ``backup`` and record it, before anything changes it. A file
        already kept (an epics file, kept for its first story) keeps its first bytes."""
        if rel in self.doc["files"]:
            return
        atomic_write_bytes(backup, data)
        self.doc["files"][rel] = {
            "sha256": sha256(data),
            "backup": _rel(self.root, backup),
            "mode": _mode(self.root / rel),
            "written": None,
        }
        self.save()

    def will_write(self, rel: str, data: bytes) -> None:
        """Record the bytes about to replace the file (before writing them)."""
        self.doc["files"][rel]["written"] = sha256(data)
        self.save()

    def original(self, rel: str) -> bytes:
        entry = self.doc["files"][rel]
        data = Path(self.root, str(entry["backup"])).read_bytes()
        if sha256(data) != entry["sha256"]:
            raise CacheCorrupt(f"the backup of {rel} ({entry['backup']}) was changed")
        return data

    # --- Rally objects ------------------------------------------------------------------------

    def pending(self, kind: str, marker: str, file: str) -> None:
        self.doc["pending"].append({"type": kind, "marker": marker, "file": file})
        self.save()

    def created(
        self,
        kind: str,
        *,
        object_id: int,
        ref: str,
        formatted_id: str | None,
        marker: str,
        file: str,
    ) -> None:
        self.doc["pending"] = [p for p in self.doc["pending"] if p["marker"] != marker]
        self.doc["created"].append(
            {
                "type": kind,
                "object_id": object_id,
                "ref": ref,
                "formatted_id": formatted_id,
                "file": file,
                "marker": marker,
            }
        )
        self.save()

    def updating(
        self, ref: str, before: dict[str, Any], file: str, formatted_id: str | None = None
    ) -> None:
        """Record an existing object's values before the run changes them (``formatted_id``:
        how a report names it, US123 or TA45)."""
        entry = {"ref": ref, "before": before, "file": file}
        if formatted_id:
            entry["formatted_id"] = formatted_id
        self.doc["updated"].append(entry)
        self.save()

    def linked(self, ref: str, collection: str, item: str) -> None:
        self.doc["linked"].append({"ref": ref, "collection": collection, "item": item})
        self.save()


def journal_path(root: Path, run: str) -> Path:
    if not run or "/" in run or run.startswith("."):
        raise UsageError(f"not a migration run id: {run!r}")
    return root / MIGRATIONS / f"{run}.json"


def list_runs(root: Path) -> list[Journal]:
    folder = root / MIGRATIONS
    if not folder.is_dir():
        return []
    runs = [Journal.load(root, p.stem) for p in sorted(folder.glob("*.json"))]
    return sorted(runs, key=lambda j: str(j.doc.get("started")))


@contextmanager
def migration_lock(root: Path) -> Iterator[None]:
    """One migrate or rollback at a time in a repository (released if the process dies)."""

    folder = root / MIGRATIONS
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a+") as handle:
        busy = "another `pantheon migrate` is running in this repository"
        wait_for_lock(handle.fileno(), wait=0, busy=busy)
        yield


def _remove_empty(folder: Path, run: str) -> None:
    """Remove ``folder`` and the parents it leaves empty, up to and including the run's own
    folder (``<migrate_backup>/<run>`` or ``.bmad/migrations/<run>``, wherever
    ``migrate_backup`` points), never above it."""
    if run not in folder.parts:
        return
    while True:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (a file of the user's)
        if folder.name == run:
            return
        folder = folder.parent


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _mode(path: Path) -> int | None:
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return None
