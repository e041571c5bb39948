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
from pantheon_git.errors import UsageError
from pantheon_git.features.sync import index as sync_index
from pantheon_git.features.sync.run_fetch import Item, story_of, task_count, task_order
from pantheon_git.rally.mapping import MapSettings, story_fields

Tasks = Mapping[int, Sequence[Item]]


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
    _pending: dict[int, Item] = field(default_factory=dict)
    _early: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    """Waiting stories mapped without their tasks: ``Story`` fields (``None``: it cannot be
    mapped, and that is noted)."""
    _tasks: dict[int, dict[int, Item]] = field(default_factory=dict)
    _oids: set[int] = field(default_factory=set)

    def stories(self, items: Sequence[Item]) -> None:
        """A page of stories: written now if their tasks are all there, else kept until they
        are."""
        for raw in items:
            oid = int(raw["ObjectID"])
            if oid in self._oids:
                continue  # a repeat across pages
            self._oids.add(oid)
            stamp = raw.get("LastUpdateDate")
            if stamp and (self.mark is None or str(stamp) > self.mark):
                self.mark = str(stamp)
            if self._complete(raw):
                self._finish(raw, self._tasks_of(oid))
            else:
                self._pending[oid] = raw
                self._map_early(oid, raw)

    def tasks(self, items: Sequence[Item]) -> None:
        """A page of tasks: the stories waiting for them are written."""
        touched: set[int] = set()
        for task in items:
            oid = story_of(task)
            if oid is None or task.get("ObjectID") is None:
                continue
            self._tasks.setdefault(oid, {})[int(task["ObjectID"])] = task
            touched.add(oid)
        for oid in touched & self._pending.keys():
            raw = self._pending[oid]
            if self._complete(raw):
                del self._pending[oid]
                self._finish(raw, self._tasks_of(oid))

    @property
    def written_paths(self) -> set[str]:
        """Relative paths of the story files written."""
        return {self.index[key].path for key in self.written}

    def pending(self) -> list[Item]:
        return list(self._pending.values())

    def collected(self) -> dict[int, list[Item]]:
        """The tasks received so far, by story."""
        return {oid: self._tasks_of(oid) for oid in self._tasks}

    def finish(self, tasks: Tasks) -> None:
        """Write every story still waiting, with the tasks given for it."""
        waiting, self._pending = self._pending, {}
        for oid, raw in waiting.items():
            self._finish(raw, tasks.get(oid, ()))

    def _complete(self, raw: Item) -> bool:
        count = task_count(raw)
        return count is not None and len(self._tasks.get(int(raw["ObjectID"]), ())) == count

    def _tasks_of(self, oid: int) -> list[Item]:
        return sorted(self._tasks.get(oid, {}).values(), key=task_order)

    def forget(self, key: StoryKey) -> IndexEntry | None:
        """Take a story out of the cache (it vanished from Rally)."""
        entry = self.index.pop(key, None)
        if entry is not None:
            self.dropped.add(entry.path)
        return entry

    # --- one story --------------------------------------------------------------------------

    def _finish(self, raw: Item, tasks: Sequence[Item]) -> None:
        try:
            key = StoryKey.parse(str(raw.get("FormattedID") or ""))
        except UsageError:
            self.notes.append(f"Skipped a story without a usable FormattedID: {raw.get('_ref')}")
            return
        self.seen.add(key)
        oid = int(raw["ObjectID"])
        mapped_early = oid in self._early
        early = self._early.pop(oid, None)
        epic = _epic(raw)
        epic_title = str(epic.get("Name") or epic.get("_refObjectName") or "") if epic else None
        fp = sync_index.fingerprint(raw, tasks, epic_title)
        old = self.index.get(key)
        same = old is not None and old.fingerprint == fp
        if same:
            self.unchanged += 1
            if not self.rewrite:
                return
        fields = early if mapped_early else self._map(raw, epic)
        if fields is None:
            return
        story = Story(**fields, tasks=tasks_from_rally(tasks))
        rel, size = story_files.stage(self.stage, story, lean(raw), [lean(t) for t in tasks])
        if old is not None and old.path != rel:
            self.dropped.add(old.path)
        self.index[key] = IndexEntry.of(story, rel, fp, size)
        self.written[key] = story
        if not same:
            (self.new if old is None else self.updated).append(str(key))

    def _map_early(self, oid: int, raw: Item) -> None:
        """Map a story that waits for its tasks now, if it is going to be written."""
        key = StoryKey.try_parse(str(raw.get("FormattedID") or ""))
        if key is None:
            return  # skipped, with a note, when its tasks are in
        old = self.index.get(key)
        if self.rewrite or old is None or old.version != str(raw.get("VersionId")):
            self._early[oid] = self._map(raw, _epic(raw))

    def _map(self, raw: Item, epic: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The BMAD form but the tasks (``Story`` fields); a lock Rally holds in a form we
        cannot read is left out, with a note, rather than failing the whole sync."""
        try:
            return story_fields(raw, epic=epic, mapping=self.mapping)
        except UsageError as exc:
            problem = exc.message
        names = self.mapping.names.lock
        blank = {names.locked_by: "", names.locked_at: None, names.expiry: None}
        key = raw.get("FormattedID")
        try:
            fields = story_fields({**raw, **blank}, epic=epic, mapping=self.mapping)
        except UsageError as exc:
            self.notes.append(f"Skipped {key}: {exc.message}")
            return None
        note = f"{fields['key']}: {problem}; its lock is ignored until it is fixed in Rally."
        if note not in self.notes:
            self.notes.append(note)
        return fields


def _epic(raw: Item) -> Mapping[str, Any] | None:
    """The story's portfolio item as the story query returned it (FormattedID and Name are
    among the fetched fields, so the reference carries them)."""
    parent = raw.get("PortfolioItem")
    return parent if isinstance(parent, Mapping) and parent.get("_ref") else None


_REF_KEEP = frozenset(
    {"_ref", "_refObjectName", "_type", "ObjectID", "FormattedID", "Name", "EmailAddress",
     "UserName", "Count", "Summary"}
)  # fmt: skip


def lean(item: Item) -> Item:
    """An object as Rally sent it, its references cut down to who they are: WSAPI applies the
    fetch list to referenced objects too, so a story's PortfolioItem, and a task's
    WorkProduct, arrive with every fetched field of their own."""
    out = item.copy()
    for name, value in item.items():
        if type(value) is dict and "_ref" in value:  # JSON objects: exactly dict, and fast
            out[name] = {k: v for k, v in value.items() if k in _REF_KEEP}
    return out
