"""``pantheon migrate rollback [RUN]`` and ``pantheon migrate list``.

Rollback undoes one run from its journal, whatever state the run ended in (complete, failed,
or killed half way): creates whose reply never came are found by their marker and deleted,
links the run added are removed, the objects it created are deleted (newest first), fields it
changed get their old values back (tasks' before their stories'), and every file it changed
gets its original bytes back. A file changed again since the run is left alone (and named)
unless ``force``.

The order matters where Rally rolls task states up to the story (research §10.2): deleting a
task or restoring its state moves the story's ScheduleState, so the stories' own fields,
ScheduleState included, are written last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pantheon_git.cache.journal import Journal, list_runs, migration_lock, sha256
from pantheon_git.errors import RallyNotFound, UsageError
from pantheon_git.features.migrate.report import RollbackResult
from pantheon_git.features.migrate.run_files import write_back
from pantheon_git.rally import records
from pantheon_git.rally.query import where

if TYPE_CHECKING:
    from pantheon_git.app import App
    from pantheon_git.rally.client import RallyClient


def rollback(app: App, run: str | None = None, *, force: bool = False) -> RollbackResult:
    with migration_lock(app.root):
        journal = Journal.load(app.root, run) if run else _latest(app)
        if journal.status == "rolled-back":
            return _files_left(app, journal, force=force)
        client = app.rally()
        # Said before anything is undone: a rollback killed half-way is listed as such (and
        # is taken up again by the next rollback), never as the run it undid.
        journal.mark("rolling-back")
        deleted = _delete_pending(client, journal)
        created_refs = {_key(c["ref"]) for c in journal.doc["created"] if c.get("ref")}
        unlinked = _unlink(client, journal, created_refs)
        deleted += _delete_created(client, journal)
        restored_fields = _restore_fields(client, journal, created_refs)
        restored, kept = _restore_files(app, journal, force=force)
        journal.finish(
            "rolled-back",
            app.now(),
            rolled_back_files=restored,
            kept_files=[rel for rel, _ in kept],  # for a later `rollback RUN --force`
        )
    return RollbackResult(
        run=journal.run,
        deleted=tuple(deleted),
        restored_fields=tuple(restored_fields),
        unlinked=tuple(unlinked),
        restored_files=tuple(restored),
        kept_files=tuple(kept),
    )


def list_migrations(app: App) -> list[dict[str, Any]]:
    runs = []
    for journal in list_runs(app.root):
        doc = journal.doc
        runs.append(
            {
                "run": journal.run,
                "status": journal.status,
                "started": doc.get("started"),
                "finished": doc.get("finished"),
                "epic": doc.get("epic"),
                "created": sum(1 for c in doc["created"] if c["type"] != "Task"),
                "tasks_created": sum(1 for c in doc["created"] if c["type"] == "Task"),
                "updated": len({u["ref"] for u in doc["updated"] if u.get("file")}),
                "files": len(doc["files"]),
                "backups": doc.get("backups"),
            }
        )
    return runs


def _files_left(app: App, journal: Journal, *, force: bool) -> RollbackResult:
    """A run already rolled back in Rally: the files it left because they had changed since
    the migration are named again, and restored with ``force``."""
    left = list(journal.doc.get("kept_files") or [])
    if not left:
        return RollbackResult(run=journal.run, already=True)
    if not force:
        kept = tuple((rel, "changed since the migration") for rel in left)
        return RollbackResult(run=journal.run, already=True, kept_files=kept)
    restored, kept_now = _restore_files(app, journal, force=True, only=set(left))
    done = [*journal.doc.get("rolled_back_files", []), *restored]
    journal.finish("rolled-back", app.now(), rolled_back_files=done, kept_files=[])
    return RollbackResult(
        run=journal.run, restored_files=tuple(restored), kept_files=tuple(kept_now)
    )


def _latest(app: App) -> Journal:
    """The newest run not rolled back yet, or whose rollback left changed files behind."""
    runs = list_runs(app.root)
    candidates = [j for j in runs if j.status != "rolled-back" or j.doc.get("kept_files")]
    if not candidates:
        raise UsageError(
            "there is no migration run to roll back",
            hint="Run `pantheon migrate list` to see the runs.",
        )
    return candidates[-1]


def _delete_pending(client: RallyClient, journal: Journal) -> list[str]:
    """Creates sent but never confirmed: find them by their marker."""

    deleted: list[str] = []
    for entry in journal.doc["pending"]:
        found = client.query(
            entry["type"],
            where("Notes", "contains", entry["marker"]),
            decode=records.entity,
            fetch=("ObjectID", "FormattedID"),
            whole_workspace=True,
        )
        for item in found:
            client.delete(item, missing_ok=True)
            deleted.append(item.formatted_id or str(item.object_id))
    journal.doc["pending"] = []
    journal.save()
    return deleted


def _unlink(client: RallyClient, journal: Journal, created: set[str]) -> list[str]:
    done: list[str] = []
    for link in reversed(journal.doc["linked"]):
        if _key(link["ref"]) in created or _key(link["item"]) in created:
            continue  # goes with the object the run created
        try:
            client.collection_remove(link["ref"], link["collection"], [link["item"]])
        except RallyNotFound:
            continue
        done.append(f"{_key(link['ref'])} {link['collection']} {_key(link['item'])}")
    return done


def _restore_fields(client: RallyClient, journal: Journal, created: set[str]) -> list[str]:
    """Newest change first, so each field ends with its value from before the run; every
    other object's before the stories' (a task's state moves its story's)."""
    done: list[str] = []
    entries = list(reversed(journal.doc["updated"]))
    entries.sort(key=lambda e: _key(e["ref"]).startswith("hierarchicalrequirement/"))
    for entry in entries:
        if _key(entry["ref"]) in created:
            continue
        try:
            client.update(entry["ref"], entry["before"], decode=records.entity, fetch=("ObjectID",))
        except RallyNotFound:
            continue
        name = entry.get("formatted_id") or _key(entry["ref"])  # older journals: the ref
        done.append(f"{name} ({', '.join(sorted(entry['before']))})")
    return done


def _delete_created(client: RallyClient, journal: Journal) -> list[str]:
    deleted: list[str] = []
    for entry in reversed(journal.doc["created"]):
        ref = entry.get("ref")
        if not ref:
            continue
        client.delete(ref, missing_ok=True)
        deleted.append(str(entry.get("formatted_id") or entry.get("object_id")))
    return deleted


def _restore_files(
    app: App, journal: Journal, *, force: bool, only: set[str] | None = None
) -> tuple[list[str], list[tuple[str, str]]]:
    restored: list[str] = []
    kept: list[tuple[str, str]] = []
    for rel, entry in journal.doc["files"].items():
        if only is not None and rel not in only:
            continue
        path = app.root / rel
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            current = None
        state = sha256(current) if current is not None else None
        if state == entry["sha256"]:
            continue  # never changed, or already restored
        if state != entry.get("written") and not force:
            why = "deleted" if current is None else "changed since the migration"
            kept.append((rel, why))
            continue
        write_back(path, journal.original(rel), entry.get("mode"))
        restored.append(rel)
    return restored, kept


def _key(ref: str) -> str:
    """``https://.../hierarchicalrequirement/123`` -> ``hierarchicalrequirement/123``."""
    return "/".join(str(ref).rstrip("/").lower().split("/")[-2:])
