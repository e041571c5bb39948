"""``pantheon migrate``: BMAD markdown stories -> Rally user stories under an epic.

For each story file, in path order:

1. its bytes are kept (``migrate_backup/<run>/...`` with archive on, else inside the journal's
   folder) and recorded in the journal before anything changes;
2. a file with a ``Rally: US123`` line updates that story (fields that differ, ScheduleState
   only forward, tasks matched by name, missing ones created); any other file creates a story
   (Name, Description, acceptance criteria, ScheduleState, PortfolioItem = the epic, a marker
   in Notes) and its tasks. Every create is journaled as pending (with its marker) before it
   is sent and as created after, so a run killed at any point can be rolled back;
3. the ``Rally: US123 <url>`` line is written under the title.

An epics file gives one story per ``Story N.M`` heading (``--bmad-epic N`` picks BMAD epic N's):
the file is kept and journaled once, before its first story, and the Rally lines of all its
stories are written at once, under each story's heading, when its stories are done (also when
the run stops half way, so the file says which stories Rally has).

Rally rolls task states up to the story (research §10.2, on by default): creating or changing a
story's tasks may move its ScheduleState. So once a story's tasks are written, its state is
written again (last) when the rollup would leave it elsewhere: the story ends in the state its
file says (never behind where Rally had it), whether or not the workspace rolls up. States
only move forward, in the workspace's own ScheduleState order.

Then "depends on Story 1.2" references and an epics file's Prerequisites become Predecessors.
A file that is not a story is skipped, an unreadable story or a story Rally refuses is reported
and the run goes on; losing Rally (after retries) stops the run, and ``pantheon migrate
rollback`` undoes what it did.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantheon_git.bmad import ParsedStory, rally_line, with_rally_line
from pantheon_git.bmad.rally_form import (
    RallyStory,
    RallyTask,
    TitleTooLong,
    rally_story,
)
from pantheon_git.cache.journal import (
    FINISHED,
    MIGRATIONS,
    Journal,
    list_runs,
    migration_lock,
    new_run_id,
)
from pantheon_git.cache.store import ensure_gitignored
from pantheon_git.core import states
from pantheon_git.core.keys import EpicRef, StoryKey
from pantheon_git.errors import (
    CheckFailed,
    RallyError,
    RallyNotFound,
    RallyRetryableError,
    RallyValidationError,
)
from pantheon_git.features.migrate.candidates import Candidate
from pantheon_git.features.migrate.report import (
    MigrationResult,
    StoryOutcome,
    migrate_command,
    parser_notes,
    story_url,
)
from pantheon_git.features.migrate.run_files import collect, write_back
from pantheon_git.features.migrate.run_links import link_predecessors
from pantheon_git.features.migrate.run_preview import moved, preview, schedule_order
from pantheon_git.features.migrate.select import select_epic
from pantheon_git.rally import records
from pantheon_git.rally.epics import find_epic
from pantheon_git.rally.query import where
from pantheon_git.rally.records import (
    STORY,
    TASK,
    EpicRecord,
    StoryDecoder,
    StoryRecord,
    TaskRecord,
)
from pantheon_git.rally.refs import same_ref
from pantheon_git.rally.schema import criteria_field

if TYPE_CHECKING:
    from pantheon_git.app import App
    from pantheon_git.rally.client import RallyClient

STORY_FETCH = ("ObjectID", "FormattedID", "Name", "ScheduleState")
TASK_FETCH = ("ObjectID", "FormattedID", "Name", "State", "Description", "TaskIndex")


@dataclass(frozen=True)
class MigrateRequest:
    paths: tuple[Path, ...]
    epic: str
    dry_run: bool = False
    archive: bool | None = None
    """None: the ``migrate_archive`` setting."""
    bmad_epic: str | None = None
    """The BMAD epic of the epics files to migrate (a number, or ``all``)."""
    project: str | None = None
    """``--project`` as given (the App reads it): repeated in the commands a report names."""

    def command(self, *, epic: str | None = None, bmad_epic: str | None = None) -> str:
        """This run's command line, with ``epic`` or ``bmad_epic`` in place of the request's."""
        return migrate_command(
            self.paths,
            epic=epic or self.epic,
            bmad_epic=bmad_epic or self.bmad_epic,
            project=self.project,
            archive=self.archive,
        )


def migrate(app: App, request: MigrateRequest) -> MigrationResult:
    epic_ref = EpicRef.parse(request.epic)
    collected = collect(app.root, request.paths, story_dir=app.config.story_dir)
    collected = select_epic(
        collected, request.bmad_epic, command=lambda n: request.command(bmad_epic=n)
    )
    if request.dry_run:
        return _with_ids(preview(app, collected, epic_ref), collected.stories)
    with migration_lock(app.root):
        refuse_unfinished(app.root)
        ensure_gitignored(app.root)  # journals and archives are local, never committed
        client = app.rally()
        epic = find_epic(client, app.config.epic_type, epic_ref)
        archive = app.config.migrate_archive if request.archive is None else request.archive
        run = new_run_id(app.now())
        backups = (
            app.root / app.config.migrate_backup / run
            if archive
            else app.root / MIGRATIONS / run / "originals"
        )
        journal = Journal.start(
            app.root,
            run,
            now=app.now(),
            epic=epic.formatted_id,
            epic_ref=epic.ref,
            backups=backups.relative_to(app.root).as_posix(),
            archive=archive,
        )
        migration = _Migration(app, client, journal, epic, backups)
        try:
            outcomes = migration.run(collected.stories)
            outcomes, notes = link_predecessors(
                client,
                journal,
                collected.stories,
                outcomes,
                known=collected.epic_stories,
                progress=app.progress,
            )
        except BaseException:
            journal.finish("failed", app.now())
            raise
        journal.finish("complete", app.now())
        changed = journal.changed_anything
        if not changed:  # nothing to undo: `rollback` still finds the last run that did
            journal.discard()
    result = MigrationResult(
        epic=epic.formatted_id or "",
        epic_name=epic.name,
        dry_run=False,
        run=run if changed else None,
        stories=tuple(outcomes),
        skipped=collected.skipped,
        errors=collected.errors,
        backup=f"{backups.relative_to(app.root).as_posix()}/" if archive and changed else None,
        notes=tuple(notes),
    )
    return _with_ids(result, collected.stories)


def _with_ids(result: MigrationResult, stories: Sequence[Candidate]) -> MigrationResult:
    """Name each story of an epics file by its id too (the file alone does not say which)."""
    named = tuple(
        replace(o, bmad_id=c.bmad_id) for c, o in zip(stories, result.stories, strict=True)
    )
    return replace(result, stories=named)


def refuse_unfinished(root: Path) -> None:
    unfinished = [j for j in list_runs(root) if j.status not in FINISHED]
    if unfinished:
        run = unfinished[-1].run
        raise CheckFailed(
            f"migration run {run} did not finish ({unfinished[-1].status}); running again now "
            "could create its stories twice",
            hint=f"Undo it with `pantheon migrate rollback {run}`, then run the migration again.",
        )


class _Migration:
    def __init__(
        self,
        app: App,
        client: RallyClient,
        journal: Journal,
        epic: EpicRecord,
        backups: Path,
    ) -> None:
        self.app = app
        self.client = client
        self.journal = journal
        self.epic = epic
        self.backups = backups
        self.ac_field = criteria_field(client, app.config.field_name("acceptance_criteria"))
        self.progress: Callable[[str], None] = app.progress or (lambda message: None)
        self.epic_links: dict[str, tuple[Candidate, list[tuple[ParsedStory, str]]]] = {}

    def run(self, stories: Sequence[Candidate]) -> list[StoryOutcome]:
        outcomes: list[StoryOutcome] = []
        claimed: dict[StoryKey, str] = {}
        try:
            for index, candidate in enumerate(stories, start=1):
                self.progress(f"migrating {index}/{len(stories)}: {candidate.label}")
                link = candidate.parsed.rally
                if link and link.key in claimed:
                    outcomes.append(
                        _failed(
                            candidate,
                            f"{candidate.label} and {claimed[link.key]} both say "
                            f"Rally: {link.key.formatted_id}; keep the line in one of them",
                        )
                    )
                    continue
                if link:
                    claimed[link.key] = candidate.label
                outcomes.append(self._one(candidate, index))
        finally:
            self._write_epics_files()
        return outcomes

    def _one(self, candidate: Candidate, index: int) -> StoryOutcome:
        try:
            form = rally_story(
                candidate.parsed,
                status_map=self.app.config.migrate_status_map,
                criteria_field=self.ac_field is not None,
            )
        except TitleTooLong as exc:
            return _failed(candidate, f"line {candidate.parsed.title_line}: {exc}")
        form = replace(form, warnings=(*form.warnings, *parser_notes(candidate.parsed)))
        self.journal.keep_original(candidate.rel, candidate.data, self.backups / candidate.rel)
        try:
            if candidate.parsed.rally:
                outcome = self._update(candidate, form, candidate.parsed.rally.key)
            else:
                outcome = self._create(candidate, form, index)
        except (RallyValidationError, RallyNotFound) as exc:
            return _failed(candidate, exc.message, rally=isinstance(exc, RallyValidationError))
        except RallyRetryableError as exc:
            raise RallyError(
                f"{exc.message} (while migrating {candidate.rel}; the run stopped)",
                hint=f"Undo the run with `pantheon migrate rollback {self.journal.run}`, "
                "then run the migration again.",
            ) from exc
        self._write_link(candidate, outcome)
        return outcome

    # --- new stories ----------------------------------------------------------------------------

    def _create(self, candidate: Candidate, form: RallyStory, index: int) -> StoryOutcome:
        marker = f"pantheon-migrate:{self.journal.run}:{index}"
        fields = form.fields(criteria_field=self.ac_field)
        fields |= {
            "ScheduleState": form.schedule_state,
            "PortfolioItem": self.epic.ref,
            "Notes": _notes(candidate.label, self.journal.run, marker),
        }
        story = self._send_create(STORY, fields, marker, candidate.rel, STORY_FETCH)
        warnings = list(form.warnings)
        known: dict[int, str] = {}
        try:
            self._create_tasks(story, form.tasks, marker, candidate.rel, known)
        except RallyValidationError as exc:
            warnings.append(f"{len(form.tasks) - len(known)} tasks not created: {exc.message}")
        made = [_task_state(t) for position, t in enumerate(form.tasks) if position in known]
        self._hold_state(story.ref, form.schedule_state, made)
        key = StoryKey.parse(story.formatted_id or "")
        return StoryOutcome(
            path=candidate.rel,
            title=form.name,
            action="created",
            key=str(key),
            url=story_url(self.app.config.rally_url, story.object_id),
            schedule_state=form.schedule_state,
            tasks_created=len(known),
            warnings=tuple(warnings),
        )

    def _send_create(
        self, kind: str, fields: dict[str, Any], marker: str, rel: str, fetch: Sequence[str]
    ) -> records.Entity:

        self.journal.pending(kind, marker, rel)
        item = self.client.create(
            kind,
            fields,
            decode=records.entity,
            fetch=fetch,
            dedupe=where("Notes", "contains", marker),
        )
        self.journal.created(
            kind,
            object_id=item.object_id,
            ref=item.ref,
            formatted_id=item.formatted_id,
            marker=marker,
            file=rel,
        )
        return item

    def _create_tasks(
        self,
        story: records.Entity | StoryRecord,
        tasks: Sequence[RallyTask],
        marker: str,
        rel: str,
        known: dict[int, str],
    ) -> int:
        """Create the tasks not in ``known`` (flat index -> FormattedID); returns how many."""
        created = 0
        for position, task in enumerate(tasks):
            if position in known:
                continue
            parent = known.get(task.parent) if task.parent is not None else None
            task_marker = f"{marker}:t{position}"
            fields = {
                "Name": task.name,
                "WorkProduct": story.ref,
                "State": _task_state(task),
                "Description": task.description(parent),
                "TaskIndex": position,
                "Notes": f"<p>{html.escape(task_marker)}</p>",
            }
            item = self._send_create(TASK, fields, task_marker, rel, TASK_FETCH)
            known[position] = str(item.formatted_id)
            created += 1
        return created

    # --- stories already in Rally ------------------------------------------------------------

    def _update(self, candidate: Candidate, form: RallyStory, key: StoryKey) -> StoryOutcome:
        fetch = [*STORY_FETCH, "Description", "PortfolioItem"]
        if self.ac_field:
            fetch.append(self.ac_field)
        decode = StoryDecoder.from_config(self.app.config)
        try:
            current = self.client.find_story(key, decode=decode, fetch=fetch)
        except RallyNotFound:
            line = candidate.parsed.rally.line if candidate.parsed.rally else "?"
            raise RallyNotFound(
                f"line {line}: Rally has no story {key} (deleted?); remove the Rally line "
                "to create the story again"
            ) from None
        wanted = form.fields(criteria_field=self.ac_field)
        state = states.later_schedule_state(
            current.schedule_state, form.schedule_state, self._order(current, form)
        )
        if state:
            wanted["ScheduleState"] = state
        warnings = list(form.warnings)
        if not same_ref(current.epic.ref if current.epic else None, self.epic.ref):
            wanted["PortfolioItem"] = self.epic.ref
            if current.epic is not None:  # an unparented story is simply placed
                warnings.append(moved(current.epic, self.epic))
        held = {k: _value(v) for k, v in current.values(wanted).items()}
        changes = {k: v for k, v in wanted.items() if k == "PortfolioItem" or held[k] != v}
        if changes:
            before = {k: held[k] for k in changes}
            self.journal.updating(current.ref, before, candidate.rel, current.formatted_id)
            self.client.update(current, changes, decode=records.entity, fetch=("ObjectID",))
        tasks: list[str] | None = None
        try:
            created, updated, tasks = self._sync_tasks(current, form.tasks, candidate)
        except RallyValidationError as exc:
            created, updated = 0, 0
            warnings.append(f"tasks not brought up to date: {exc.message}")
        final = state or current.schedule_state
        if (created or updated) and final and tasks is not None:
            self._hold_state(
                current.ref,
                final,
                tasks,
                before=current.schedule_state,
                rel=candidate.rel,
                formatted_id=current.formatted_id,
            )
        action = "updated" if changes or created or updated else "unchanged"
        return StoryOutcome(
            path=candidate.rel,
            title=form.name,
            action=action,
            key=str(key),
            url=story_url(self.app.config.rally_url, current.object_id),
            schedule_state=str(state or current.schedule_state),
            tasks_created=created,
            tasks_updated=updated,
            warnings=tuple(warnings),
        )

    def _order(self, current: StoryRecord, form: RallyStory) -> states.ScheduleOrder:
        return schedule_order(self.client, current, form)

    def _hold_state(
        self,
        ref: str,
        state: str,
        task_states: Sequence[str],
        *,
        before: Any = None,
        rel: str | None = None,
        formatted_id: str | None = None,
    ) -> None:
        """Write the story's ScheduleState again, last, where rolling up its tasks' states
        would leave it in another state. ``rel``: the story existed before the run; its state
        before goes to the journal for rollback."""
        rolled = states.rolled_up(list(task_states))
        if rolled is None or rolled == state:
            return
        if rel is not None:
            self.journal.updating(ref, {"ScheduleState": before}, rel, formatted_id)
        self.client.update(
            ref, {"ScheduleState": state}, decode=records.entity, fetch=("ObjectID",)
        )

    def _sync_tasks(
        self, story: StoryRecord, tasks: Sequence[RallyTask], candidate: Candidate
    ) -> tuple[int, int, list[str]]:
        """Create the missing tasks and complete the done ones: how many of each, and the
        state of every task the story has afterwards."""
        existing = self.client.collection(
            story, "Tasks", decode=records.task, fetch=TASK_FETCH, order=("TaskIndex",)
        )
        pool: list[TaskRecord] = list(existing)
        known: dict[int, str] = {}
        after: list[str] = []
        updated = 0
        for position, task in enumerate(tasks):
            match = next((t for t in pool if t.name == task.name), None)
            if match is None:
                continue
            pool.remove(match)
            known[position] = str(match.formatted_id)
            state = match.state or "Defined"
            if task.done and not match.done:
                self.journal.updating(match.ref, {"State": match.state}, "", match.formatted_id)
                done = {"State": "Completed"}
                self.client.update(match, done, decode=records.entity, fetch=("ObjectID",))
                state = "Completed"
                updated += 1
            after.append(state)
        matched = set(known)
        marker = f"pantheon-migrate:{self.journal.run}:{story.formatted_id}"
        created = self._create_tasks(story, tasks, marker, candidate.rel, known)
        after += [_task_state(t) for p, t in enumerate(tasks) if p in known and p not in matched]
        after += [t.state or "Defined" for t in pool]  # tasks the file does not name
        return created, updated, after

    # --- the file -------------------------------------------------------------------------------

    def _write_link(self, candidate: Candidate, outcome: StoryOutcome) -> None:
        if outcome.key is None:
            return
        line = rally_line(StoryKey.parse(outcome.key), outcome.url)
        if candidate.from_epics:
            _, lines = self.epic_links.setdefault(candidate.rel, (candidate, []))
            lines.append((candidate.parsed, line))
            return
        self._write(candidate, with_rally_line(candidate.data, candidate.parsed, line))

    def _write_epics_files(self) -> None:
        """Each epics file once, with the Rally line of every story migrated so far: bottom
        up, so each story's line numbers still hold when its line goes in."""
        for candidate, lines in self.epic_links.values():
            data = candidate.data
            for parsed, line in sorted(lines, key=lambda item: -item[0].title_line):
                data = with_rally_line(data, parsed, line)
            self._write(candidate, data)
        self.epic_links.clear()

    def _write(self, candidate: Candidate, data: bytes) -> None:
        if data == candidate.data:
            return
        mode = self.journal.doc["files"][candidate.rel].get("mode")
        self.journal.will_write(candidate.rel, data)  # first, so a crash mid-write is undone too
        write_back(candidate.path, data, mode)


def _failed(candidate: Candidate, message: str, *, rally: bool = False) -> StoryOutcome:
    return StoryOutcome(
        path=candidate.rel,
        title=candidate.parsed.title,
        action="failed",
        error=message,
        rally_error=rally,
    )


def _notes(rel: str, run: str, marker: str) -> str:
    return (
        f"<p>Migrated from {html.escape(rel)} by pantheon migrate (run {html.escape(run)}).</p>"
        f"<p>{html.escape(marker)}</p>"
    )


def _task_state(task: RallyTask) -> str:
    """The State a task is created with."""
    return "Completed" if task.done else "Defined"


def _value(value: Any) -> Any:
    """A field as it would be written back (``StoryRecord.values``), nothing as ``""``."""
    return "" if value is None else value
