"""``pantheon sync``: Rally -> ``.bmad/rally-cache/`` (the seed's /rally-sync).

1. Take the cache lock (a second sync waits, then exits 1); read ``meta.json`` and
   ``index.json`` of the live cache.
2. Full or incremental: incremental when an earlier sync of the same place covered this
   selection (``sync_index.bound``). It asks only for stories whose ``LastUpdateDate`` is at
   or after that watermark minus an overlap, and leaves alone those whose versions it has.
3. Read epics, stories and tasks (``sync_fetch``), mapping and writing stories into the next
   cache generation while later pages arrive (``sync_build``); on a full sync, find the
   cached stories that vanished.
4. Swap the new generation in (``cache_swap``): a sync killed at any point leaves the previous
   cache whole.

The incremental bound is Rally's own ``LastUpdateDate`` (the highest one seen), never the
local clock.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from pantheon_git.app import App
from pantheon_git.cache import assignments as cached_assignments
from pantheon_git.cache import epics as cached_epics
from pantheon_git.cache import index as cached_index
from pantheon_git.cache import meta as cache_meta
from pantheon_git.cache import pending
from pantheon_git.cache.backup import keep_aside
from pantheon_git.cache.meta import Meta
from pantheon_git.cache.store import CACHE_RELPATH, RESYNC_HINT, Cache, ensure_gitignored
from pantheon_git.cache.stories import FOLDER
from pantheon_git.cache.swap import Staging
from pantheon_git.core.fields import FieldNames
from pantheon_git.core.keys import EpicRef, number_of
from pantheon_git.core.perf import paused_gc
from pantheon_git.core.timefmt import format_time, parse_time
from pantheon_git.errors import (
    CacheCorrupt,
    PantheonError,
    RallyError,
    RallyNotFound,
    UsageError,
)
from pantheon_git.features.status import board
from pantheon_git.features.sync import index as sync_index
from pantheon_git.features.sync import report as sync_report
from pantheon_git.features.sync.index import Selection
from pantheon_git.features.sync.report import Removed, SyncSummary
from pantheon_git.features.sync.run_build import Builder
from pantheon_git.features.sync.run_fetch import Fetcher, StoryFilter
from pantheon_git.features.sync.run_state import Previous, epics_doc, public_url
from pantheon_git.git.storybranch import exclude_locally
from pantheon_git.rally import records
from pantheon_git.rally.client import RallyClient
from pantheon_git.rally.mapping import MapSettings
from pantheon_git.rally.query import eq
from pantheon_git.rally.records import EpicRecord, StoryRecord
from pantheon_git.rally.scope import Scope


def _local_only(rel: str) -> bool:
    """A file of the cache no sync writes (the checkout log, dependencies, workstreams)."""
    return rel not in SYNC_FILES and not rel.startswith(f"{FOLDER}/")


SYNC_FILES = frozenset(
    kind.name
    for kind in (cached_index.KIND, cached_epics.KIND, cached_assignments.KIND, cache_meta.KIND)
)
WHERE_FETCH = ("FormattedID", "Project")


@dataclass(frozen=True)
class SyncOptions:
    epics: tuple[str, ...] = ()
    """As typed: ``17``, ``E17``, ``F17``."""
    iteration: str | None = None
    force: bool = False
    gitignore: bool = True
    """Add ``.bmad/`` to ``.gitignore`` (other commands keep it out through
    ``.git/info/exclude`` and leave the work tree alone)."""


@dataclass
class SyncOutcome:
    summary: SyncSummary
    groups: list[board.EpicGroup]
    now: datetime

    def to_dict(self) -> dict[str, Any]:
        return sync_report.to_dict(self.summary, self.groups, self.now)

    def render(self) -> str:
        return sync_report.render(self.summary, self.groups, self.now)


def run(app: App, options: SyncOptions) -> SyncOutcome:
    refs = [EpicRef.parse(e) for e in options.epics]
    if options.iteration is not None and not options.iteration.strip():
        raise UsageError("--iteration needs a name", hint="Give the iteration's name in Rally.")
    cache = app.cache
    try:
        with (
            cache.exclusive(wait=app.config.sync_lock_wait, what="another pantheon sync"),
            paused_gc(),
        ):
            return _Sync(app, cache, options, refs).run()
    except RallyError as exc:
        raise _with_offline_hint(exc, cache) from None


def refresh(app: App, epics: Sequence[str]) -> SyncOutcome | None:
    """``rally_auto_sync``: bring the cache up to date with Rally for ``epics`` (an incremental
    sync of them) after checkout or completion wrote to Rally, or before checkout chooses
    from them. Off, or when the sync cannot be done (Rally, a busy cache), nothing happens
    but a warning: Rally already holds the truth, and the next sync brings it."""
    if not app.config.rally_auto_sync or not epics:
        return None
    if app.toplevel is not None:  # local files: out of `git status`, .gitignore left alone
        exclude_locally(app.toplevel, f"{CACHE_RELPATH.parts[0]}/")
    try:
        return run(app, SyncOptions(epics=tuple(epics), gitignore=False))
    except PantheonError as exc:
        app.warn(f"the cache was not refreshed (rally_auto_sync): {exc.message}")
        return None


def _with_offline_hint(exc: RallyError, cache: Cache) -> RallyError:
    try:
        meta = cache_meta.read(cache)
    except CacheCorrupt:
        meta = None
    if meta is not None:
        synced = format_time(meta.last_sync)
        extra = f"`pantheon status` shows the board from the cache of {synced}."
        exc.hint = f"{exc.hint} {extra}" if exc.hint else extra
    return exc


class _Sync:
    def __init__(self, app: App, cache: Cache, options: SyncOptions, refs: list[EpicRef]):
        self.app = app
        self.cache = cache
        self.options = options
        self.refs = refs
        self.notes: list[str] = []
        config = app.config
        self.names = FieldNames.from_config(config.fields)
        self.mapping = MapSettings(
            names=self.names,
            state_map=config.state_map,
            default_lock_hours=config.rally_lock_hours,
            criteria_field=True,
        )

    def say(self, message: str) -> None:
        if self.app.progress is not None:
            self.app.progress(message)

    def run(self) -> SyncOutcome:
        started = time.monotonic()
        now = self.app.now()
        if self.cache.recovered:
            self.notes.append(f"Note: {self.cache.recovered}.")
        previous = Previous.load(self.cache, force=self.options.force)
        client = self.app.rally()
        first_request, first_retry = client.request_count, client.retry_count
        url = public_url(client.base_url)
        self.mapping = replace(self.mapping, rally_url=url, schedule_order=client.schedule_states)
        self.say("Rally: workspace and project")
        scope, reused = self._scope(client, previous.meta, url)
        place = self._place(previous.meta, scope, url, now)
        meta = previous.meta if place == "same" else None
        fetcher = Fetcher(client, self.mapping.decoder, progress=self.app.progress)
        with self.cache.staging() as stage:
            index = {} if place == "moved" else dict(previous.index)
            builder = Builder(stage, index, self.mapping, rewrite=self.options.force)
            try:
                epics, selection, since, seconds = self._fetch(fetcher, builder, meta)
            except RallyNotFound as exc:
                if reused:
                    exc.hint = (
                        "The workspace or project the cache names may be gone. " + RESYNC_HINT
                    )
                raise
            removed = self._vanished(fetcher, builder, selection) if since is None else []
            old_marks = dict(meta.watermarks) if meta else {}
            watermarks = sync_index.advance(old_marks, selection, builder.mark)
            full = since is None
            new_meta = _meta_doc(
                scope,
                url=url,
                epic_type=client.epic_type,
                settings=_settings(self.app),
                now=now,
                kind="full" if full else "incremental",
                selection=selection,
                last_full=now if full and selection.everything else _last_full(meta),
                watermarks=watermarks,
                fetch_seconds=seconds,
                counts=(len(builder.index), len(epics)),
            )
            self.say(f"Writing the cache ({len(builder.written):,} story files written)")
            self._commit(stage, builder, epics, new_meta, now, keep_others=place != "moved")
        added = ensure_gitignored(self.app.root) if self.options.gitignore else False
        summary = SyncSummary(
            kind="full" if full else "incremental",
            selection=selection.describe(),
            workspace=scope.workspace_name,
            project=scope.project_name,
            since=since,
            watermark=sync_index.bound(watermarks, selection),
            new=tuple(builder.new),
            updated=tuple(builder.updated),
            removed=tuple(removed),
            unchanged=builder.unchanged,
            requests=client.request_count - first_request,
            retries=client.retry_count - first_retry,
            seconds=time.monotonic() - started,
            cache=f"{CACHE_RELPATH.as_posix()}/",
            notes=tuple(self.notes + builder.notes),
            gitignore_added=added,
            epics_fetched=len(epics),
            me=self._me(),
        )
        return SyncOutcome(summary, _groups(builder, epics, selection), now)

    def _me(self) -> str | None:
        """Who runs the sync, for the board; ``None`` when git and the config cannot tell."""
        try:
            return self.app.user()
        except PantheonError:
            return None

    # --- steps -----------------------------------------------------------------------------

    def _place(self, held: Meta | None, scope: Scope, url: str, now: datetime) -> str:
        """``same``, ``respelled`` (the same workspace and project reached by another URL:
        nothing local is dropped, everything is read again) or ``moved`` (another workspace or
        project: only with ``--force``, and the cache's own files are kept aside first)."""
        if held is None:
            return "same"
        ours = (scope.workspace_oid, scope.project_oid)
        before = held.project or held.workspace
        now_holds = scope.project_name or scope.workspace_name
        if (held.workspace_oid, held.project_oid) == ours:
            if held.rally_url == url:
                return "same"
            self.notes.append(
                f"Rally is now reached at {url} (the cache was read from {held.rally_url}): "
                "the same workspace and project, so everything is read again and nothing "
                "local is dropped."
            )
            return "respelled"
        if not self.options.force:
            raise UsageError(
                f"the cache holds {before} of {held.rally_url}; this sync reads {now_holds} "
                f"of {url}",
                hint="Run `pantheon sync --force` to replace it (its checkout log, dependencies "
                "and workstreams are kept in .bmad/rally-cache-backup/), or set "
                "RALLY_PROJECT/RALLY_URL back.",
            )
        kept = keep_aside(self.cache, _local_only, now)
        aside = (
            f" Its own files are kept in {kept.relative_to(self.app.root).as_posix()}/."
            if kept
            else ""
        )
        self.notes.append(
            f"The cache held {before} of {held.rally_url}; it now holds {now_holds}.{aside}"
        )
        return "moved"

    def _scope(self, client: RallyClient, meta: Meta | None, url: str) -> tuple[Scope, bool]:
        """The cached workspace/project when the settings are the ones it was resolved
        from (saves the requests resolving names costs); ``--force`` resolves them again."""
        if (
            meta is not None
            and not self.options.force
            and meta.rally_url == url
            and meta.settings == _settings(self.app)
        ):
            scope = Scope(meta.workspace_oid, meta.workspace, meta.project_oid, meta.project)
            client.adopt_scope(scope)
            return scope, True
        return client.scope(), False

    def _fetch(
        self, fetcher: Fetcher, builder: Builder, meta: Meta | None
    ) -> tuple[list[EpicRecord], Selection, str | None, float]:
        """Epics and stories into ``builder``; (epics, selection, since, seconds)."""
        epics: list[EpicRecord] | None = None
        if self.refs:
            epics = fetcher.epics()
            chosen = _resolve_epics(self.refs, epics, fetcher.client)
            selection = Selection(chosen, self.options.iteration)
        else:
            selection = Selection((), self.options.iteration)
        since = None
        if meta is not None and not self.options.force:
            mark = sync_index.bound(meta.watermarks, selection)
            if mark:
                last = 2 * meta.fetch_seconds
                overlap = max(self.app.config.sync_overlap, last)
                since = format_time(parse_time(mark) - timedelta(seconds=overlap))
        flt = StoryFilter(selection.epics, selection.iteration, since)
        started = time.monotonic()
        got, count = fetcher.stream(flt, builder, with_epics=epics is None)
        builder.finish(fetcher.complete_tasks(builder.pending(), builder.collected()))
        seconds = time.monotonic() - started
        iteration = selection.iteration
        cached = (e for e in builder.index.values() if e.iteration == iteration)
        if iteration is not None and not count and next(cached, None) is None:
            _check_iteration(fetcher.client, iteration)
        return (epics if epics is not None else got), selection, since, seconds

    def _vanished(self, fetcher: Fetcher, builder: Builder, selection: Selection) -> list[Removed]:
        """Cached stories of this selection the full query did not return: asked for again by
        ObjectID in the project (one may have moved to another epic, or shifted between pages
        while they were read), then removed with what Rally says about them."""
        gone = {
            k: e
            for k, e in builder.index.items()
            if k not in builder.seen and selection.covers(e.epic, e.iteration)
        }
        oids = {e.object_id for e in gone.values() if e.object_id is not None}
        if oids:
            builder.stories(fetcher.stories_by_id(oids, whole_workspace=False))
            builder.finish(fetcher.complete_tasks(builder.pending(), builder.collected()))
            gone = {k: e for k, e in gone.items() if k not in builder.seen}
        missing = [e.object_id for e in gone.values() if e.object_id is not None]
        found = fetcher.stories_by_id(missing, whole_workspace=True, fetch=WHERE_FETCH)
        elsewhere = {s.object_id: s for s in found}
        removed = []
        for key, entry in sorted(gone.items()):
            where = elsewhere.get(entry.object_id or -1)
            reason = _moved_to(where) if where else "deleted in Rally (or in its Recycle Bin)"
            removed.append(Removed(str(key), reason))
            builder.forget(key)
        return removed

    def _commit(
        self,
        stage: Staging,
        builder: Builder,
        epics: list[EpicRecord],
        meta: Meta,
        now: datetime,
        *,
        keep_others: bool,
    ) -> None:
        keep_paths = {e.path for e in builder.index.values()} - builder.written_paths

        def keep(rel: str) -> bool:
            if rel in SYNC_FILES or rel in builder.dropped:
                return False
            if rel.startswith("stories/"):
                return rel in keep_paths
            return keep_others

        counts: dict[str | None, int] = {}
        for entry in builder.index.values():
            counts[entry.epic] = counts.get(entry.epic, 0) + 1
        stage.carry_over(keep)
        # Lock changes recorded beside the cache while this sync ran are newer than its read.
        waiting = pending.read_all(self.cache)
        for key in pending.apply(self.cache, stage, builder.index, waiting, since=now):
            self.notes.append(f"Kept the lock change on {key} made while this sync ran.")
            if key in builder.written:
                builder.written[key] = builder.written[key].with_(lock=builder.index[key].lock)
        cached_index.write(stage, builder.index.values())
        cached_epics.write(stage, epics_doc(epics, counts, meta, now))
        locked = (e.as_story() for e in builder.index.values() if e.lock is not None)
        cached_assignments.write(stage, cached_assignments.Assignments.of(locked, now))
        cache_meta.commit(stage, meta)
        for record in waiting:  # taken in, or older than this sync's own read
            pending.discard(record)


def _meta_doc(
    scope: Scope,
    *,
    url: str,
    epic_type: str,
    settings: dict[str, Any],
    now: datetime,
    kind: str,
    selection: Selection,
    last_full: datetime | None,
    watermarks: dict[str, str],
    fetch_seconds: float,
    counts: tuple[int, int],
) -> Meta:
    """``meta.json``: written last, it is what makes a cache generation complete."""
    return Meta(
        rally_url=url,
        workspace=scope.workspace_name,
        workspace_oid=scope.workspace_oid,
        project=scope.project_name,
        project_oid=scope.project_oid,
        epic_type=epic_type,
        settings=settings,
        last_sync=now,
        last_sync_kind=kind,
        last_sync_selection=selection.describe(),
        last_full_sync=last_full,
        watermarks=watermarks,
        fetch_seconds=fetch_seconds,
        stories=counts[0],
        epics=counts[1],
    )


def _last_full(meta: Meta | None) -> datetime | None:
    return meta.last_full_sync if meta else None


def _settings(app: App) -> dict[str, Any]:
    return {"workspace": app.config.rally_workspace, "project": app.config.rally_project}


def _groups(
    builder: Builder, epics: list[EpicRecord], selection: Selection
) -> list[board.EpicGroup]:
    written = builder.written
    covered = [
        written.get(e.key) or e.as_story()
        for e in builder.index.values()
        if selection.covers(e.epic, e.iteration)
    ]
    titles = _titles(epics)
    always: Sequence[str] = list(titles) if selection.everything else selection.epics
    return board.group_by_epic(covered, titles, always=always)


def _titles(epics: Sequence[EpicRecord]) -> dict[str, str]:
    return {e.formatted_id: e.name or "" for e in epics if e.formatted_id}


def _resolve_epics(
    refs: Sequence[EpicRef], epics: Sequence[EpicRecord], client: RallyClient
) -> tuple[str, ...]:
    """The FormattedIDs of the epics asked for; unknown ones are a usage error (exit 2) that
    names the epics there are."""
    names = _titles(epics)
    chosen: list[str] = []
    unknown: list[str] = []
    for ref in refs:
        matches = [i for i in names if ref.matches(i)]
        if not matches:
            unknown.append(f"{ref.prefix or ''}{ref.number}")
        chosen += [m for m in sorted(matches) if m not in chosen]
    if unknown:
        listing = ", ".join(f"{i} {names[i]}".strip() for i in sorted(names, key=number_of)[:30])
        raise UsageError(
            f"no epic {', '.join(unknown)} ({client.epic_type}) in "
            f"{client.scope().describe()}; epics there: {listing or 'none'}",
            hint="Run `pantheon sync --epic <one of them>`, or `pantheon sync` for all of them.",
        )
    return tuple(chosen)


def _check_iteration(client: RallyClient, name: str) -> None:
    if client.query("Iteration", eq("Name", name), decode=records.entity, fetch=("Name",), limit=1):
        return
    known = client.query(
        "Iteration",
        decode=records.entity,
        fetch=("Name", "StartDate"),
        order=("StartDate DESC",),
        limit=20,
    )
    where = client.scope().describe()
    if not known:
        raise UsageError(
            f"no iteration {name!r} in {where}, which has no iterations",
            hint="Run `pantheon sync` without --iteration.",
        )
    names = ", ".join(str(i.name) for i in known)
    raise UsageError(
        f"no iteration {name!r} in {where}; recent iterations: {names}",
        hint="Run `pantheon sync --iteration <one of them>`.",
    )


def _moved_to(story: StoryRecord) -> str:
    where = f" (now in project {story.project})" if story.project else ""
    return f"moved out of this sync's scope{where}"
