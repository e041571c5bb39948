"""The Rally reads of ``pantheon sync``: few, large and concurrent.

- Epics: one query for every portfolio item of ``epic_type`` in the project.
- Stories: one query (pages of 2000, fetched concurrently by the client) with each story's
  predecessor and successor keys in it as collection summaries
  (``Predecessors:summary[FormattedID]``, Broadcom KB 131935), not one request per story.
- Tasks: one query of ``Task`` for the same stories (``WorkProduct.LastUpdateDate >= ...``
  when incremental) rather than one ``/Tasks`` request per story; a selection of few stories
  asks for their tasks by ObjectID. A story whose task count (its ``Tasks`` summary) differs
  from the tasks found gets its tasks asked for again by ObjectID, in the whole workspace.

Epics, stories and tasks are requested at the same time when nothing depends on the epics.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pantheon_git.core.fields import FieldNames
from pantheon_git.rally import records
from pantheon_git.rally.client import PageSink, Progress, RallyClient
from pantheon_git.rally.mapping import story_fetch
from pantheon_git.rally.query import Query, all_of, any_of, eq, where
from pantheon_git.rally.records import (
    STORY,
    TASK,
    EpicRecord,
    StoryDecoder,
    StoryRecord,
    TaskRecord,
)

T = TypeVar("T")


class Sink(Protocol):
    """Receives pages of stories and of tasks as they arrive."""

    def stories(self, items: Sequence[StoryRecord]) -> None: ...

    def tasks(self, items: Sequence[TaskRecord]) -> None: ...


EPIC_FETCH = (
    "FormattedID", "Name", "State", "Owner", "EmailAddress", "UserName", "LastUpdateDate",
    "VersionId", "PercentDoneByStoryCount", "LeafStoryCount", "PlannedStartDate",
    "PlannedEndDate", "Project",
)  # fmt: skip
TASK_FETCH = (
    "ObjectID", "FormattedID", "Name", "State", "Description", "TaskIndex", "WorkProduct",
    "Estimate", "VersionId",
)  # fmt: skip
"""ObjectID is named so that each task's WorkProduct carries it too (WSAPI applies the fetch
list to referenced objects): the story a task belongs to is then read without parsing a URL.
VersionId goes into the story's fingerprint: a task edited alone is a changed story even where
Rally moves only the story's LastUpdateDate."""
BY_ID_CHUNK = 50
"""ObjectIDs per ORed query: keeps URLs near 2 KB [UNSURE: Rally's URL limit is unknown]."""
BY_ID_MAX = 500
"""Above this many stories, asking for their tasks by ObjectID costs more requests than
asking for every task in the project."""


def story_fields(names: FieldNames) -> list[str]:
    """The story fetch: the mapping's fields, predecessor/successor keys as summaries.

    The seed's custom fields are asked for whether or not the workspace has them: Rally
    leaves out fetched fields a type does not have [UNSURE: seen in every toolkit's use of
    ``fetch``, not stated by Broadcom], and the mapping then reads the acceptance criteria from
    the Description. So a sync spends no request on the workspace's attribute list."""
    summaries = {
        "Predecessors": "Predecessors:summary[FormattedID]",
        "Successors": "Successors:summary[FormattedID]",
    }
    # Feature repeats PortfolioItem (Rally derives it from PortfolioItem): not asked for.
    return [summaries.get(f, f) for f in story_fetch(names) if f != "Feature"]


def parallel(*calls: Callable[[], T]) -> list[T]:
    """Run the calls at once (the client caps requests in flight); results in order."""
    if len(calls) == 1:
        return [calls[0]()]
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="sync") as pool:
        futures = [pool.submit(call) for call in calls]
        return [f.result() for f in futures]


@dataclass(frozen=True)
class StoryFilter:
    """The story query of one sync; ``since`` is a Rally timestamp (incremental)."""

    epics: tuple[str, ...] = ()
    iteration: str | None = None
    since: str | None = None

    def story_query(self) -> Query | None:
        terms: list[Query] = []
        if self.epics:
            terms.append(any_of(*(eq("PortfolioItem.FormattedID", e) for e in self.epics)))
        if self.iteration is not None:
            terms.append(eq("Iteration.Name", self.iteration))
        if self.since:
            terms.append(where("LastUpdateDate", ">=", self.since))
        return all_of(*terms) if terms else None

    def task_query(self) -> Query | None:
        """The same stories' tasks, when the filter can be said of a task's work product
        (LastUpdateDate is on every artifact [UNSURE: dotted paths through WorkProduct are
        documented for FormattedID; we assume any common field works]). ``None`` with a
        selection: then tasks are asked for by the stories' ObjectIDs."""
        if self.since:
            return where("WorkProduct.LastUpdateDate", ">=", self.since)
        return None

    @property
    def selective(self) -> bool:
        return bool(self.epics) or self.iteration is not None


class Fetcher:
    def __init__(
        self,
        client: RallyClient,
        decoder: StoryDecoder,
        *,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.decoder = decoder
        self.story_fetch = story_fields(decoder.names)
        self.progress = progress

    def _report(self, what: str) -> Progress | None:
        say = self.progress
        if say is None:
            return None

        def report(done: int, total: int) -> None:
            say(f"Rally: {what} {done:,}/{total:,}")

        return report

    def epics(self) -> list[EpicRecord]:
        return self.client.query(
            self.client.epic_type,
            decode=records.epic,
            fetch=EPIC_FETCH,
            progress=self._report("epics"),
        )

    def all_tasks(
        self, where_: Query | None, *, on_page: PageSink[TaskRecord] | None = None
    ) -> list[TaskRecord]:
        return self.client.query(
            TASK,
            where_,
            decode=records.task,
            fetch=TASK_FETCH,
            progress=self._report("tasks"),
            on_page=on_page,
        )

    def tasks_of(self, story_oids: Iterable[int]) -> list[TaskRecord]:
        """Tasks of these stories, in chunks of ORed ObjectIDs, anywhere in the workspace."""
        oids = sorted(set(story_oids))
        chunks = [oids[i : i + BY_ID_CHUNK] for i in range(0, len(oids), BY_ID_CHUNK)]
        calls = [self._tasks_chunk(chunk) for chunk in chunks]
        return [task for found in parallel(*calls) for task in found] if calls else []

    def _tasks_chunk(self, oids: Sequence[int]) -> Callable[[], list[TaskRecord]]:
        query = any_of(*(eq("WorkProduct.ObjectID", oid) for oid in oids))
        return lambda: self.client.query(
            TASK, query, decode=records.task, fetch=TASK_FETCH, whole_workspace=True
        )

    def stories_by_id(
        self, oids: Iterable[int], *, whole_workspace: bool, fetch: Sequence[str] | None = None
    ) -> list[StoryRecord]:
        found: list[StoryRecord] = []
        ordered = sorted(set(oids))
        for start in range(0, len(ordered), BY_ID_CHUNK):
            chunk = ordered[start : start + BY_ID_CHUNK]
            found += self.client.query(
                STORY,
                any_of(*(eq("ObjectID", oid) for oid in chunk)),
                decode=self.decoder,
                fetch=list(fetch or self.story_fetch),
                whole_workspace=whole_workspace,
            )
        return found

    def stream(
        self, flt: StoryFilter, sink: Sink, *, with_epics: bool
    ) -> tuple[list[EpicRecord], int]:
        """Epics (if asked for) and every story and task of the filter, all requested at once
        where possible; pages go to ``sink`` in this thread as they arrive, stories and tasks
        in whatever order they come. Returns (epics, stories seen)."""
        by_scope = not flt.selective or flt.since is not None
        inbox: queue.Queue[tuple[Callable[[Any], None], list[Any] | None]] = queue.Queue()
        pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="sync")

        def into_inbox(take: PageSink[T], read: Callable[[PageSink[T]], list[T]]) -> list[T]:
            """Run ``read`` on a pool thread; its pages, then ``None``, go to the inbox."""
            try:
                return read(lambda page: inbox.put((take, page)))
            finally:
                inbox.put((take, None))

        def read_stories(on_page: PageSink[StoryRecord]) -> list[StoryRecord]:
            return self.client.query(
                STORY,
                flt.story_query(),
                decode=self.decoder,
                fetch=self.story_fetch,
                progress=self._report("stories"),
                on_page=on_page,
            )

        def read_tasks(on_page: PageSink[TaskRecord]) -> list[TaskRecord]:
            return self.all_tasks(flt.task_query(), on_page=on_page)

        try:
            epics_job = pool.submit(self.epics) if with_epics else None
            stories_job = pool.submit(into_inbox, sink.stories, read_stories)
            tasks_job = pool.submit(into_inbox, sink.tasks, read_tasks) if by_scope else None
            running = 2 if tasks_job is not None else 1
            while running:
                take, page = inbox.get()
                if page is None:
                    running -= 1
                else:
                    take(page)
            stories = stories_job.result()
            if tasks_job is not None:
                tasks_job.result()
            if not by_scope:
                if len(stories) <= BY_ID_MAX:
                    sink.tasks(self.tasks_of(s.object_id for s in stories))
                else:
                    sink.tasks(self.all_tasks(None))
            epics = epics_job.result() if epics_job is not None else []
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return epics, len(stories)

    def complete_tasks(
        self, stories: Sequence[StoryRecord], tasks: dict[int, list[TaskRecord]]
    ) -> dict[int, list[TaskRecord]]:
        """Ask again, by ObjectID, for the tasks of stories whose task count is not what was
        found (tasks in another project, or a task added while the queries ran)."""
        wanted = {s.object_id for s in stories}
        tasks = {oid: items for oid, items in tasks.items() if oid in wanted}
        short = [
            s.object_id
            for s in stories
            if s.task_count is not None and s.task_count != len(tasks.get(s.object_id, ()))
        ]
        if short:
            again = group_tasks(self.tasks_of(short))
            for oid in short:
                tasks[oid] = again.get(oid, [])
        return tasks


def group_tasks(tasks: Iterable[TaskRecord]) -> dict[int, list[TaskRecord]]:
    """Tasks by their story's ObjectID, each list in Rally's order."""
    grouped: dict[int, list[TaskRecord]] = {}
    for task in tasks:
        if task.story_oid is not None:
            grouped.setdefault(task.story_oid, []).append(task)
    for items in grouped.values():
        items.sort(key=lambda t: t.order)
    return grouped
