"""SQLite store with an in-memory mirror, shared safely by threads and by processes.

Each object is one row (JSON). Every write transaction runs under ``BEGIN IMMEDIATE`` (one
writer at a time, across processes) and stamps the rows it touches with a new revision number;
a process brings its mirror up to date by reading the rows with a higher revision than it has
seen. Within a process one lock serialises access to the mirror. A transaction that raises is
rolled back and leaves both the file and the mirror as they were.

Objects are plain dicts: ``_type`` (the TypePath) plus attribute values. Refs are stored as
ObjectIDs (ints), stored collections as lists of ObjectIDs, dates as Rally's
``YYYY-MM-DDTHH:MM:SS.mmmZ`` strings (which sort as text).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pantheon_git.rally.emulator.schema import BUILTIN_TYPES

Obj = dict[str, Any]

_DDL = """
CREATE TABLE IF NOT EXISTS objects (
    oid INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    rev INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_rev ON objects(rev);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

FIRST_OID = 10_000
REV_COUNTER = "_rev"

# type path -> [(field, is_list)] for every stored ref: the inverse index is built from these.
REF_FIELDS: dict[str, list[tuple[str, bool]]] = {
    spec.path: [
        (a.name, a.type == "COLLECTION") for a in spec.attrs.values() if a.is_ref and a.stored
    ]
    for spec in BUILTIN_TYPES
}
SCHEMA_TYPES = frozenset({"TypeDefinition", "AttributeDefinition", "AllowedAttributeValue"})


class Conflict(Exception):
    """The write would change an object committed by another write since this one began."""

    def __init__(self, oid: int, type_path: str) -> None:
        super().__init__(f"{type_path} {oid} changed since the write began")
        self.oid = oid
        self.type_path = type_path


def copy_obj(obj: Obj) -> Obj:
    return {k: (list(v) if isinstance(v, list) else v) for k, v in obj.items()}


class Store:
    """Objects by ObjectID, by type, by FormattedID, and who refers to whom."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self.lock = threading.RLock()
        self._db = sqlite3.connect(
            path or ":memory:", check_same_thread=False, isolation_level=None, timeout=60
        )
        self._db.execute("PRAGMA busy_timeout = 60000")
        if path:
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
        with self.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for stmt in filter(None, (s.strip() for s in _DDL.split(";"))):
                    self._db.execute(stmt)
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('epoch', '0')")
                self._db.execute("INSERT OR IGNORE INTO counters VALUES ('oid', ?)", (FIRST_OID,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        self._clear_mirror()
        self._data_version = -1
        self._epoch = ""
        self.sync()

    # ---- the mirror ---------------------------------------------------------------------
    def _clear_mirror(self) -> None:
        self.objects: dict[int, Obj] = {}
        self.by_type: dict[str, dict[int, Obj]] = {}
        self.refs: dict[tuple[str, int], set[int]] = {}
        self.fids: dict[str, int] = {}
        self.revs: dict[int, int] = {}
        """ObjectID -> the revision that last changed it (deletions included)."""
        self.rev = 0
        self.schema_gen = 0

    def _index(self, oid: int, obj: Obj, add: bool) -> None:
        for name, is_list in REF_FIELDS.get(obj["_type"], ()):
            value = obj.get(name)
            targets = value if is_list and isinstance(value, list) else [value]
            for target in targets:
                if isinstance(target, int):
                    key = (name, target)
                    if add:
                        self.refs.setdefault(key, set()).add(oid)
                    elif key in self.refs:
                        self.refs[key].discard(oid)
        fid = obj.get("FormattedID")
        if isinstance(fid, str):
            if add:
                self.fids[fid] = oid
            elif self.fids.get(fid) == oid:
                del self.fids[fid]

    def _apply(self, oid: int, obj: Obj | None, rev: int) -> None:
        self.revs[oid] = rev
        old = self.objects.pop(oid, None)
        if old is not None:
            self._index(oid, old, add=False)
            self.by_type.get(old["_type"], {}).pop(oid, None)
            if old["_type"] in SCHEMA_TYPES:
                self.schema_gen += 1
        if obj is not None:
            self.objects[oid] = obj
            self.by_type.setdefault(obj["_type"], {})[oid] = obj
            self._index(oid, obj, add=True)
            if obj["_type"] in SCHEMA_TYPES:
                self.schema_gen += 1

    def sync(self) -> None:
        """Bring the mirror up to date with commits made by other processes."""
        with self.lock:
            version = self._db.execute("PRAGMA data_version").fetchone()[0]
            if version == self._data_version:
                return
            self._load_changes()
            self._data_version = version

    def _load_changes(self) -> None:
        epoch = self._db.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0]
        if epoch != self._epoch:
            self._clear_mirror()
            self._epoch = epoch
        rows = self._db.execute(
            "SELECT oid, rev, deleted, data FROM objects WHERE rev > ? ORDER BY rev", (self.rev,)
        ).fetchall()
        for oid, rev, deleted, data in rows:
            self._apply(oid, None if deleted else json.loads(data), rev)
            self.rev = max(self.rev, rev)

    # ---- reads --------------------------------------------------------------------------
    def get(self, oid: int) -> Obj | None:
        return self.objects.get(oid)

    def referrers(self, field: str, oid: int) -> set[int]:
        return self.refs.get((field, oid), set())

    def meta(self, key: str) -> str | None:
        with self.lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @contextmanager
    def read(self) -> Iterator[Store]:
        with self.lock:
            self.sync()
            yield self

    def current_rev(self) -> int:
        """The revision of the last commit seen (after catching up with other processes): a
        write that starts now passes it to :meth:`write` as ``since``."""
        with self.lock:
            self.sync()
            return self.rev

    # ---- writes -------------------------------------------------------------------------
    @contextmanager
    def write(self, since: int | None = None) -> Iterator[Tx]:
        """One atomic write: commit if the block returns, roll back (file and mirror) if not.

        ``since``: the revision the write began at; it raises :class:`Conflict` (and changes
        nothing) if it would change an object another write committed after that."""
        with self.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._load_changes()  # what other processes committed before we got the lock
                tx = Tx(self)
                yield tx
                if since is not None:
                    self._check_overlap(tx, since)
                rev = tx.flush()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            for oid, obj in tx.pending.items():
                self._apply(oid, obj, rev)
            self.rev = max(self.rev, rev)
            self._data_version = self._db.execute("PRAGMA data_version").fetchone()[0]

    def _check_overlap(self, tx: Tx, since: int) -> None:
        for oid in tx.pending:
            if self.revs.get(oid, 0) > since:
                old = self.objects.get(oid)
                raise Conflict(oid, old["_type"] if old else "Artifact")

    def wipe(self) -> None:
        """Remove every object and counter (a new epoch: other processes reload from scratch)."""
        with self.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM objects")
                self._db.execute("DELETE FROM counters")
                self._db.execute("INSERT INTO counters VALUES ('oid', ?)", (FIRST_OID,))
                self._db.execute("DELETE FROM meta WHERE key != 'epoch'")
                self._db.execute(
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'epoch'"
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._data_version = -1
            self.sync()

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @property
    def db(self) -> sqlite3.Connection:
        return self._db


class Tx:
    """Changes of one write transaction; reads see them before they are committed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pending: dict[int, Obj | None] = {}
        self.fids: set[str] = set()  # FormattedIDs put in this transaction
        self._db = store.db

    def get(self, oid: int) -> Obj | None:
        if oid in self.pending:
            return self.pending[oid]
        return self.store.objects.get(oid)

    def edit(self, oid: int) -> Obj | None:
        """A private copy of an object to change; put it back with :meth:`put`."""
        obj = self.get(oid)
        return None if obj is None else copy_obj(obj)

    def put(self, obj: Obj) -> None:
        self.pending[int(obj["ObjectID"])] = obj
        fid = obj.get("FormattedID")
        if isinstance(fid, str):
            self.fids.add(fid)

    def delete(self, oid: int) -> None:
        self.pending[oid] = None

    def next_oid(self, count: int = 1) -> int:
        """Reserve ``count`` ObjectIDs; returns the first."""
        row = self._db.execute(
            "UPDATE counters SET value = value + ? WHERE name = 'oid' RETURNING value", (count,)
        ).fetchone()
        return int(row[0]) - count + 1

    def counter(self, name: str) -> int:
        row = self._db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return 0 if row is None else int(row[0])

    def next_counter(self, name: str) -> int:
        """The next number of a FormattedID counter (US1, US2, ...)."""
        return self.raise_counter(name, self.counter(name) + 1)

    def raise_counter(self, name: str, at_least: int) -> int:
        """Make the counter at least ``at_least`` (seeded IDs keep their numbers)."""
        value = max(self.counter(name), at_least)
        self._db.execute(
            "INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = ?",
            (name, value, value),
        )
        return value

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = ?",
            (key, value, value),
        )

    def flush(self) -> int:
        """Write the pending rows under the next revision; returns it (0 if nothing changed).

        Revisions come from a counter in the same exclusive transaction, so every process sees
        them rise with commit order, and a transaction without rows takes none.
        """
        rows = []
        for oid, obj in self.pending.items():
            if obj is None:
                old = self.store.objects.get(oid)
                if old is None:
                    continue
                rows.append((oid, old["_type"], 1, json.dumps(old)))
            else:
                rows.append((oid, obj["_type"], 0, json.dumps(obj)))
        if not rows:
            return 0
        rev = self.next_counter(REV_COUNTER)
        self._db.executemany(
            "INSERT OR REPLACE INTO objects (oid, type, rev, deleted, data) VALUES (?, ?, ?, ?, ?)",
            [(oid, type_, rev, deleted, data) for oid, type_, deleted, data in rows],
        )
        return rev
