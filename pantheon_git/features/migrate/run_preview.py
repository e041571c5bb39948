"""``pantheon migrate --dry-run``: what a migration would create or update. Nothing is written:
no Rally change, no file, no journal, no archive. Rally is read (the epic, the stories files
already link to) when a key is set; without one, or offline, the plan is shown unchecked. The
predecessors each story would get are shown too: a story the run would create as ``Story 1.2``."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from pantheon_git.bmad.rally_form import RallyStory, TitleTooLong, rally_story
from pantheon_git.core import states
from pantheon_git.core.keys import EpicRef
from pantheon_git.errors import RallyError, RallyNotFound, UsageError
from pantheon_git.features.migrate.candidates import Candidate, Collected
from pantheon_git.features.migrate.links import plan_links
from pantheon_git.features.migrate.report import (
    MigrationResult,
    StoryOutcome,
    epic_move,
    parser_notes,
    story_url,
)
from pantheon_git.rally.epics import find_epic
from pantheon_git.rally.records import EpicRecord, StoryDecoder, StoryRecord
from pantheon_git.rally.refs import same_ref
from pantheon_git.rally.schema import criteria_field

if TYPE_CHECKING:
    from pantheon_git.app import App
    from pantheon_git.rally.client import RallyClient


def preview(app: App, collected: Collected, epic_ref: EpicRef) -> MigrationResult:

    notes: list[str] = []
    client: RallyClient | None = None
    epic: EpicRecord | None = None
    epic_id, epic_name = f"E{epic_ref.number}", None
    field_name = app.config.field_name("acceptance_criteria")
    ac_field: str | None = field_name
    if not app.config.api_key:
        notes.append("RALLY_API_KEY is not set: the plan was not checked against Rally")
    else:
        try:
            client = app.rally()
            epic = find_epic(client, app.config.epic_type, epic_ref)
            epic_id, epic_name = epic.formatted_id or epic_id, epic.name
            ac_field = criteria_field(client, field_name)
        except UsageError:
            raise
        except RallyError as exc:
            notes.append(f"could not check against Rally: {exc.message}")
            client = None
    if client is not None and ac_field is None:
        notes.append("this workspace has no acceptance criteria field: they go in the Description")
    outcomes: list[StoryOutcome] = []
    for candidate in collected.stories:
        parsed = candidate.parsed
        try:
            form = rally_story(
                parsed, status_map=app.config.migrate_status_map, criteria_field=bool(ac_field)
            )
        except TitleTooLong as exc:
            outcomes.append(
                StoryOutcome(
                    candidate.rel, parsed.title, "failed", error=f"line {parsed.title_line}: {exc}"
                )
            )
            continue
        key = str(parsed.rally.key) if parsed.rally else None
        url = parsed.rally.url if parsed.rally else None
        state, warnings = form.schedule_state, [*form.warnings, *parser_notes(parsed)]
        if client is not None and parsed.rally:
            try:
                found = client.find_story(
                    parsed.rally.key,
                    decode=StoryDecoder.from_config(app.config),
                    fetch=("ObjectID", "FormattedID", "Name", "ScheduleState", "PortfolioItem"),
                )
                url = story_url(app.config.rally_url, found.object_id)
                # what the run will do: states only move forward, the story goes to the epic
                later = states.later_schedule_state(
                    found.schedule_state, form.schedule_state, schedule_order(client, found, form)
                )
                state = later or found.schedule_state or state
                if epic and found.epic and not same_ref(found.epic.ref, epic.ref):
                    warnings.append(moved(found.epic, epic))
            except RallyNotFound:
                outcomes.append(
                    StoryOutcome(
                        candidate.rel,
                        parsed.title,
                        "failed",
                        error=f"line {parsed.rally.line}: Rally has no story {parsed.rally.key}",
                    )
                )
                continue
        outcomes.append(
            StoryOutcome(
                path=candidate.rel,
                title=form.name,
                action="would update" if key else "would create",
                key=key,
                url=url,
                schedule_state=state,
                tasks_created=0 if key else len(form.tasks),
                warnings=tuple(warnings),
            )
        )
    keys = [_planned_key(c, o) for c, o in zip(collected.stories, outcomes, strict=True)]
    planned, link_notes = plan_links(collected.stories, keys, collected.epic_stories)
    outcomes = [replace(o, predecessors=p) for o, p in zip(outcomes, planned, strict=True)]
    return MigrationResult(
        epic=epic_id,
        epic_name=epic_name,
        dry_run=True,
        stories=tuple(outcomes),
        skipped=collected.skipped,
        errors=collected.errors,
        notes=(*notes, *link_notes),
    )


def _planned_key(candidate: Candidate, outcome: StoryOutcome) -> str | None:
    """What the run would call the story: its Rally key, ``Story 1.2`` for one it would
    create, None for one it would not migrate."""
    if outcome.action == "would create":
        return f"Story {candidate.parsed.story_id}"
    return outcome.key if outcome.action == "would update" else None


def schedule_order(
    client: RallyClient, current: StoryRecord, form: RallyStory
) -> states.ScheduleOrder:
    """The workspace's ScheduleState order, read from Rally only when a state outside the
    fixed four is involved."""
    fixed = states.SCHEDULE_STATES
    if current.schedule_state in (None, *fixed) and form.schedule_state in fixed:
        return fixed
    return client.schedule_states()


def moved(current: EpicRecord, target: EpicRecord) -> str:
    return epic_move(
        (current.formatted_id, current.name), (target.formatted_id or "?", target.name)
    )
