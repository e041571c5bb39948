"""``pantheon migrate --dry-run``: what a migration would create or update. Nothing is written:
no Rally change, no file, no journal, no archive. Rally is read (the epic, the stories files
already link to) when a key is set; without one, or offline, the plan is shown unchecked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pantheon_git.bmad.rally_form import TitleTooLong, rally_story
from pantheon_git.core.keys import EpicRef
from pantheon_git.errors import RallyError, RallyNotFound, UsageError
from pantheon_git.features.migrate.report import (
    MigrationResult,
    StoryOutcome,
    parser_notes,
    story_url,
)
from pantheon_git.features.migrate.run_files import Collected
from pantheon_git.rally import records
from pantheon_git.rally.epics import find_epic
from pantheon_git.rally.schema import criteria_field

if TYPE_CHECKING:
    from pantheon_git.app import App
    from pantheon_git.rally.client import RallyClient


def preview(app: App, collected: Collected, epic_ref: EpicRef) -> MigrationResult:

    notes: list[str] = []
    client: RallyClient | None = None
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
                StoryOutcome(candidate.rel, parsed.title, "failed", error=f"line 1: {exc}")
            )
            continue
        key = str(parsed.rally.key) if parsed.rally else None
        url = parsed.rally.url if parsed.rally else None
        if client is not None and parsed.rally:
            try:
                found = client.find_story(
                    parsed.rally.key, decode=records.entity, fetch=("ObjectID", "Name")
                )
                url = story_url(app.config.rally_url, found.object_id)
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
                schedule_state=form.schedule_state,
                tasks_created=0 if key else len(form.tasks),
                warnings=(*form.warnings, *parser_notes(parsed)),
            )
        )
    return MigrationResult(
        epic=epic_id,
        epic_name=epic_name,
        dry_run=True,
        stories=tuple(outcomes),
        skipped=collected.skipped,
        errors=collected.errors,
        notes=tuple(notes),
    )
