"""Stories from Rally into the next cache generation, one page at a time.

A story is mapped and written as soon as its tasks are known (the pages of stories and of tasks
come in any order, and are handed over while Rally is still sending later ones). A story that
must wait for its tasks is mapped without them at once, when it will be written anyway (new, or
a version the cache does not have): the work is done while later pages are on their way, and
what is left when the last page comes is its tasks and the file. A story whose versions (its
own, its tasks', its epic's name) are those the cache was written from is left as it is
(research §9: de-duplicate by ObjectID + VersionId).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pantheon_git.bmad.rally_form import tasks_from_rally
from pantheon_git.cache import stories as story_files
from pantheon_git.cache.index import IndexEntry
from pantheon_git.cache.swap import Staging
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story
from pantheon_git.features.sync import index as sync_index
from pantheon_git.rally.mapping import MapSettings, story_fields
from pantheon_git.rally.records import StoryRecord, TaskRecord, lean

Tasks = Mapping[int, Sequence[TaskRecord]]


@dataclass
class Builder:
    """A ``sync_fetch.Sink``: stories and tasks in, story files out as soon as each story's
    tasks are all there (as many as its ``Tasks`` count says)."""

    stage: Staging
    index: dict[StoryKey, IndexEntry]
    mapping: MapSettings
    rewrite: bool = False
    """Write every story even when its versions are the cached ones (``--force``)."""
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)
    seen: set[StoryKey] = field(default_factory=set)
    written: dict[StoryKey, Story] = field(default_factory=dict)
    """The stories whose files were written (boards use them rather than rebuild them from
    the index)."""
    dropped: set[str] = field(default_factory=set)
    """Relative paths of cached story files that must not be carried over."""
    mark: str | None = None
    """The highest LastUpdateDate among the stories given to ``stories``."""
    _pending: dict[int, StoryRecord] = field(default_factory=dict)
    _early: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Waiting stories mapped without their tasks: ``Story`` fields."""
    _tasks: dict[int, dict[int, TaskRecord]] = field(default_factory=dict)
    _oids: set[int] = field(default_factory=set)

    def stories(self, items: Sequence[StoryRecord]) -> None:
        """A page of stories: written now if their tasks are all there, else kept until they
        are."""
        for record in items:
            oid = record.object_id
            if oid in self._oids:
                continue  # a repeat across pages
            self._oids.add(oid)
            stamp = record.last_update
            if stamp and (self.mark is None or stamp > self.mark):
                self.mark = stamp
            if self._complete(record):
                self._finish(record, self._tasks_of(oid))
            else:
                self._pending[oid] = record
                self._map_early(oid, record)

    def tasks(self, items: Sequence[TaskRecord]) -> None:
        """A page of tasks: the stories waiting for them are written."""
        touched: set[int] = set()
        for task in items:
            oid = task.story_oid
            if oid is None:
                continue
            self._tasks.setdefault(oid, {})[task.object_id] = task
            touched.add(oid)
        for oid in touched & self._pending.keys():
            record = self._pending[oid]
            if self._complete(record):
                del self._pending[oid]
                self._finish(record, self._tasks_of(oid))

    @property
    def written_paths(self) -> set[str]:
        """Relative paths of the story files written."""
        return {self.index[key].path for key in self.written}

    def pending(self) -> list[StoryRecord]:
        return list(self._pending.values())

    def collected(self) -> dict[int, list[TaskRecord]]:
        """The tasks received so far, by story."""
        return {oid: self._tasks_of(oid) for oid in self._tasks}

    def finish(self, tasks: Tasks) -> None:
        """Write every story still waiting, with the tasks given for it."""
        waiting, self._pending = self._pending, {}
        for oid, record in waiting.items():
            self._finish(record, tasks.get(oid, ()))

    def _complete(self, record: StoryRecord) -> bool:
        count = record.task_count
        return count is not None and len(self._tasks.get(record.object_id, ())) == count

    def _tasks_of(self, oid: int) -> list[TaskRecord]:
        return sorted(self._tasks.get(oid, {}).values(), key=_task_order)

    def forget(self, key: StoryKey) -> IndexEntry | None:
        """Take a story out of the cache (it vanished from Rally)."""
        entry = self.index.pop(key, None)
        if entry is not None:
            self.dropped.add(entry.path)
        return entry

    # --- one story --------------------------------------------------------------------------

    def _finish(self, record: StoryRecord, tasks: Sequence[TaskRecord]) -> None:
        key = record.key
        if key is None:
            self.notes.append(f"Skipped a story without a usable FormattedID: {record.ref}")
            return
        self.seen.add(key)
        oid = record.object_id
        early = self._early.pop(oid, None)
        epic = record.epic
        epic_title = (epic.name or "") if epic else None
        fp = sync_index.fingerprint(
            oid, record.version_id, ((t.object_id, t.version_id) for t in tasks), epic_title
        )
        old = self.index.get(key)
        same = old is not None and old.fingerprint == fp
        if same:
            self.unchanged += 1
            if not self.rewrite:
                return
        fields = early if early is not None else self._map(record)
        story = Story(**fields, tasks=tasks_from_rally(tasks))
        tasks_raw = [lean(t.raw) for t in tasks]
        rel, size = story_files.stage(self.stage, story, lean(record.raw), tasks_raw)
        if old is not None and old.path != rel:
            self.dropped.add(old.path)
        self.index[key] = IndexEntry.of(story, rel, fp, size)
        self.written[key] = story
        if not same:
            (self.new if old is None else self.updated).append(str(key))

    def _map_early(self, oid: int, record: StoryRecord) -> None:
        """Map a story that waits for its tasks now, if it is going to be written."""
        key = record.key
        if key is None:
            return  # skipped, with a note, when its tasks are in
        old = self.index.get(key)
        if self.rewrite or old is None or old.version != str(record.version_id):
            self._early[oid] = self._map(record)

    def _map(self, record: StoryRecord) -> dict[str, Any]:
        """The BMAD form but the tasks (``Story`` fields); a lock Rally holds in a form we
        cannot read is left out, with a note, rather than failing the whole sync."""
        if record.lock_problem is not None:
            note = (
                f"{record.key}: {record.lock_problem}; its lock is ignored until it is fixed "
                "in Rally."
            )
            if note not in self.notes:
                self.notes.append(note)
        return story_fields(record, mapping=self.mapping, lock=False)


def _task_order(task: TaskRecord) -> tuple[float, int]:
    return task.order
