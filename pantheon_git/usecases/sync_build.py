"""Stories from Rally into the next cache generation, one page at a time.

A story is written as soon as its tasks are known; until then it waits, already mapped (the
costly part: Description HTML to Markdown), so the mapping runs while Rally is still sending
later pages. A story whose versions (its own, its tasks', its epic's name) are those the
cache was written from is left as it is (research §9: de-duplicate by ObjectID + VersionId).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pantheon_git.adapters.cache import epic_dir_name
from pantheon_git.adapters.cache_swap import Staging
from pantheon_git.domain import sync_index
from pantheon_git.domain.bmad.rally_form import tasks_from_rally
from pantheon_git.domain.keys import StoryKey
from pantheon_git.domain.mapping import MapSettings, story_from_rally
from pantheon_git.domain.story import Story
from pantheon_git.domain.sync_index import IndexEntry
from pantheon_git.errors import UsageError
from pantheon_git.usecases.sync_fetch import Item, task_count

Tasks = Mapping[int, Sequence[Item]]


@dataclass
class Builder:
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
    written: set[str] = field(default_factory=set)
    """Relative paths of story files written."""
    dropped: set[str] = field(default_factory=set)
    """Relative paths of cached story files that must not be carried over."""
    mark: str | None = None
    """The highest LastUpdateDate among the stories given to ``add``."""
    _pending: dict[int, tuple[Item, Story | None]] = field(default_factory=dict)
    _oids: set[int] = field(default_factory=set)
    _versions: dict[int, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._versions = {e.object_id: e.version for e in self.index.values() if e.object_id}

    def add(self, items: Sequence[Item], tasks: Tasks | None) -> None:
        """A page of stories; ``tasks`` when every task of the sync is already known (then
        the stories still waiting are written too)."""
        if tasks is not None and self._pending:
            self._drain(tasks)
        for raw in items:
            oid = int(raw["ObjectID"])
            if oid in self._oids:
                continue  # a repeat across pages
            self._oids.add(oid)
            stamp = raw.get("LastUpdateDate")
            if stamp and (self.mark is None or str(stamp) > self.mark):
                self.mark = str(stamp)
            mine = tasks.get(oid, ()) if tasks is not None else None
            if mine is not None and task_count(raw) in (None, len(mine)):
                self._finish(raw, mine, None)
                continue
            same_version = self._versions.get(oid) == str(raw.get("VersionId"))
            lazy = same_version and not self.rewrite
            self._pending[oid] = (raw, None if lazy else self._map(raw, ()))

    def pending(self) -> list[Item]:
        return [raw for raw, _ in self._pending.values()]

    def _drain(self, tasks: Tasks) -> None:
        """Write the waiting stories whose tasks are all there."""
        for oid, (raw, story) in list(self._pending.items()):
            mine = tasks.get(oid, ())
            if task_count(raw) in (None, len(mine)):
                del self._pending[oid]
                self._finish(raw, mine, story)

    def finish(self, tasks: Tasks) -> None:
        """Write every story still waiting, with its tasks."""
        waiting, self._pending = self._pending, {}
        for oid, (raw, story) in waiting.items():
            self._finish(raw, tasks.get(oid, ()), story)

    def forget(self, key: StoryKey) -> IndexEntry | None:
        """Take a story out of the cache (it vanished from Rally)."""
        entry = self.index.pop(key, None)
        if entry is not None:
            self.dropped.add(entry.path)
        return entry

    # --- one story --------------------------------------------------------------------------

    def _finish(self, raw: Item, tasks: Sequence[Item], story: Story | None) -> None:
        try:
            key = StoryKey.parse(str(raw.get("FormattedID") or ""))
        except UsageError:
            self.notes.append(f"Skipped a story without a usable FormattedID: {raw.get('_ref')}")
            return
        self.seen.add(key)
        epic = _epic(raw)
        epic_title = str(epic.get("Name") or epic.get("_refObjectName") or "") if epic else None
        fp = sync_index.fingerprint(raw, tasks, epic_title)
        old = self.index.get(key)
        same = old is not None and old.fingerprint == fp
        if same:
            self.unchanged += 1
            if not self.rewrite:
                return
        story = (
            self._map(raw, tasks) if story is None else story.with_(tasks=tasks_from_rally(tasks))
        )
        if story is None:
            return
        rel = f"stories/{epic_dir_name(story.epic)}/{key}.json"
        doc: dict[str, Any] = {
            "rally": raw,
            "tasks": [_lean(t) for t in tasks],
            "bmad": story.to_dict(),
        }
        size = self.stage.write_json(rel, doc, compact=True)
        self.written.add(rel)
        if old is not None and old.path != rel:
            self.dropped.add(old.path)
        self.index[key] = IndexEntry.of(story, rel, fp, size)
        if not same:
            (self.new if old is None else self.updated).append(str(key))

    def _map(self, raw: Item, tasks: Sequence[Item]) -> Story | None:
        """The BMAD form; a lock Rally holds in a form we cannot read is left out, with a
        note, rather than failing the whole sync."""
        try:
            return story_from_rally(raw, tasks=tasks, epic=_epic(raw), mapping=self.mapping)
        except UsageError as exc:
            problem = exc.message
        names = self.mapping.names.lock
        blank = {names.locked_by: "", names.locked_at: None, names.expiry: None}
        key = raw.get("FormattedID")
        try:
            story = story_from_rally(
                {**raw, **blank}, tasks=tasks, epic=_epic(raw), mapping=self.mapping
            )
        except UsageError as exc:
            self.notes.append(f"Skipped {key}: {exc.message}")
            return None
        note = f"{story.key}: {problem}; its lock is ignored until it is fixed in Rally."
        if note not in self.notes:
            self.notes.append(note)
        return story


def _epic(raw: Item) -> Mapping[str, Any] | None:
    """The story's portfolio item as the story query returned it (FormattedID and Name are
    among the fetched fields, so the reference carries them)."""
    parent = raw.get("PortfolioItem")
    return parent if isinstance(parent, Mapping) and parent.get("_ref") else None


_PRODUCT_KEEP = ("_ref", "_refObjectName", "_type", "FormattedID", "ObjectID")


def _lean(task: Item) -> Item:
    """A task as Rally sent it, except its WorkProduct, which repeats the story's fields
    (WSAPI applies the fetch list to referenced objects too): kept as a reference."""
    product = task.get("WorkProduct")
    if not isinstance(product, Mapping):
        return task
    return {**task, "WorkProduct": {k: product[k] for k in _PRODUCT_KEEP if k in product}}
