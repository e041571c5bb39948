"""Results of ``pantheon migrate`` and their reports (the seed's "Rally Migration Complete")."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from pantheon_git.bmad.model import ParsedStory
from pantheon_git.core.wording import stories
from pantheon_git.errors import OK, RALLY, USAGE

RULE = "━" * 47


@dataclass(frozen=True)
class StoryOutcome:
    path: str
    title: str
    action: str
    """``created``, ``updated``, ``unchanged``, ``would create``, ``would update`` or ``failed``."""
    key: str | None = None
    url: str | None = None
    schedule_state: str | None = None
    tasks_created: int = 0
    tasks_updated: int = 0
    predecessors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None
    rally_error: bool = False
    bmad_id: str | None = None
    """The story's id in its epics file (``1.2``); None for a story file."""

    @property
    def source(self) -> str:
        return story_place(self.path, self.bmad_id)


def migrate_command(
    paths: Sequence[object],
    *,
    epic: str,
    bmad_epic: str | None = None,
    project: str | None = None,
    archive: bool | None = None,
) -> str:
    """The ``pantheon migrate`` command line for these options, quoted for a shell."""
    return shlex.join(
        [
            "pantheon",
            "migrate",
            *map(str, paths),
            *(["--bmad-epic", bmad_epic] if bmad_epic else []),
            *(["--project", project] if project else []),
            *([] if archive is None else ["--archive" if archive else "--no-archive"]),
            "--epic",
            epic,
        ]
    )


def story_place(path: str, bmad_id: str | None) -> str:
    """Where a story is written: its file, and its id when the file is an epics file."""
    return f"{path} (Story {bmad_id})" if bmad_id else path


@dataclass(frozen=True)
class MigrationResult:
    epic: str
    epic_name: str | None
    dry_run: bool
    run: str | None = None
    stories: tuple[StoryOutcome, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()
    errors: tuple[tuple[str, str], ...] = ()
    """Files that could not be read as stories: (path, message)."""
    backup: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def migrated(self) -> tuple[StoryOutcome, ...]:
        return tuple(s for s in self.stories if s.action != "failed")

    @property
    def exit_code(self) -> int:
        if any(s.rally_error for s in self.stories):
            return RALLY
        if self.errors or any(s.action == "failed" for s in self.stories):
            return USAGE
        return OK

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["skipped"] = [{"path": p, "reason": r} for p, r in self.skipped]
        doc["errors"] = [{"path": p, "message": m} for p, m in self.errors]
        return doc


def render_migration(result: MigrationResult, *, again: str | None = None) -> str:
    """The report; ``again``: the command that does what a dry run showed (the same paths and
    options, :meth:`~pantheon_git.features.migrate.run.MigrateRequest.command`), named in its
    next step."""
    done = result.migrated
    epic = f"Rally Epic {result.epic}" + (f": {result.epic_name}" if result.epic_name else "")
    if result.dry_run:
        lines = ["Rally Migration Preview (dry run: nothing was changed)", RULE]
        lines.append(f"Would migrate {stories(len(done))} to {epic}")
    else:
        lines = ["Rally Migration Complete", RULE]
        counts = _counts(done)
        lines.append(
            f"Migrated {stories(len(done))} to {epic}" + (f" ({counts})" if counts else "")
        )
    for story in done:
        lines += ["", *_story_lines(story)]
    failed = [s for s in result.stories if s.action == "failed"]
    if failed or result.errors:
        lines += ["", "Not migrated (fix and run again):"]
        lines += [f"  ❌ {s.source}: {s.error}" for s in failed]
        lines += [f"  ❌ {message}" for _path, message in result.errors]
    if result.skipped:
        lines += ["", "Skipped (not stories):"]
        lines += [f"  - {path}: {reason}" for path, reason in result.skipped]
    if result.notes:
        lines += ["", "Notes:", *(f"  - {note}" for note in result.notes)]
    lines += ["", *_next_steps(result, again)]
    return "\n".join(lines)


def _story_lines(story: StoryOutcome) -> list[str]:
    mark = {"created": "✅", "unchanged": "✅", "would create": "➕"}.get(story.action, "🔄")
    key = story.key or "US-?"
    if story.action == "would create":
        head = f"{mark} new story: {story.title}"
    elif story.action == "would update":
        head = f"{mark} {key}: {story.title} (update)"
    else:
        head = f"{mark} {key}: {story.title}" + (" (updated)" if story.action == "updated" else "")
    lines = [head, f"   From: {story.source}"]
    if story.url:
        lines.append(f"   Rally: {story.url}")
    details = []
    if story.schedule_state:
        details.append(story.schedule_state)
    if story.tasks_created:
        tasks = f"{story.tasks_created} {'task' if story.tasks_created == 1 else 'tasks'}"
        details.append(
            f"{tasks} to create" if story.action.startswith("would") else f"{tasks} created"
        )
    if story.tasks_updated:
        details.append(f"{story.tasks_updated} tasks updated")
    if story.predecessors:
        details.append("after " + ", ".join(story.predecessors))
    if details:
        lines.append(f"   {' · '.join(details)}")
    lines += [f"   ⚠ {w}" for w in story.warnings]
    return lines


def _next_steps(result: MigrationResult, again: str | None) -> list[str]:
    epic = result.epic
    if result.dry_run:
        return ["Next Steps:", f"  Run `{again or f'pantheon migrate --epic {epic}'}` to do it."]
    later = [
        f"Switch to Rally-driven workflow: pantheon checkout --epic {epic}",
        f"Run `pantheon sync --epic {epic}` to pull back from Rally",
    ]
    if not result.run and not result.migrated:  # every story failed, or none was found
        return ["Nothing changed: no story was migrated."]
    if not result.run:  # a rerun that found Rally as the files say: no journal, no undo
        steps = ["Nothing changed: Rally already has these stories as the files say.", ""]
        return [*steps, "Next Steps:", *(f"  {n}. {s}" for n, s in enumerate(later, 1))]
    if result.backup:
        first = f"Archive local markdown files (backed up to {result.backup})"
    else:
        first = "Archive local markdown files (originals kept for rollback only)"
    steps = ["Next Steps:", *(f"  {n}. {s}" for n, s in enumerate([first, *later], 1))]
    return [*steps, f"Undo this run: pantheon migrate rollback {result.run}"]


def _counts(done: tuple[StoryOutcome, ...]) -> str:
    parts = []
    for action in ("created", "updated", "unchanged"):
        n = sum(1 for s in done if s.action == action)
        if n:
            parts.append(f"{n} {action}")
    return ", ".join(parts)


@dataclass(frozen=True)
class RollbackResult:
    run: str
    deleted: tuple[str, ...] = ()
    restored_fields: tuple[str, ...] = ()
    unlinked: tuple[str, ...] = ()
    restored_files: tuple[str, ...] = ()
    kept_files: tuple[tuple[str, str], ...] = ()
    already: bool = False

    @property
    def exit_code(self) -> int:
        return USAGE if self.kept_files else OK

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["kept_files"] = [{"path": p, "reason": r} for p, r in self.kept_files]
        return doc


def render_rollback(result: RollbackResult) -> str:
    if result.already and not result.kept_files:
        return f"Migration {result.run} was already rolled back: nothing to do."
    if result.already:
        lines = [f"Migration {result.run} was already rolled back in Rally."]
        return "\n".join([*lines, *_kept_lines(result)])
    lines = ["Rally Migration Rolled Back", RULE, f"Run: {result.run}", ""]
    stories = [d for d in result.deleted if not d.startswith("TA")]
    tasks = len(result.deleted) - len(stories)
    parts = [", ".join(reversed(stories))] if stories else []
    parts += [f"{tasks} task{'' if tasks == 1 else 's'}"] if tasks else []
    lines.append(f"🗑  Deleted in Rally: {' and '.join(parts) or 'nothing'}")
    if result.restored_fields:
        lines.append(f"↩  Restored in Rally: {', '.join(result.restored_fields)}")
    if result.unlinked:
        lines.append(f"↩  Links removed: {', '.join(result.unlinked)}")
    lines.append(f"📄 Files restored: {len(result.restored_files)}")
    lines += [f"   {path}" for path in result.restored_files]
    return "\n".join([*lines, *_kept_lines(result)])


def _kept_lines(result: RollbackResult) -> list[str]:
    if not result.kept_files:
        return []
    lines = ["", "Not restored (changed since the migration):"]
    lines += [f"  ⚠ {path}: {reason}" for path, reason in result.kept_files]
    lines.append(f"Run `pantheon migrate rollback {result.run} --force` to overwrite them.")
    return lines


def render_runs(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return (
            "No migration runs yet. Run `pantheon migrate --epic 17 --dry-run` (17: your "
            "epic's number, whatever its prefix) to start."
        )
    lines = ["Migration Runs", RULE]
    for run in runs:
        lines.append(
            f"{run['run']}  {run['status']:<11}  epic {run.get('epic') or '?'}  "
            f"{run['created']} created, {run['updated']} updated, {run['files']} files"
        )
        if run["status"] == "rolling-back":
            lines.append(
                f"  its rollback stopped half-way: run `pantheon migrate rollback {run['run']}`"
            )
    lines += ["", "Undo one: pantheon migrate rollback RUN"]
    return "\n".join(lines)


def parser_notes(parsed: ParsedStory) -> tuple[str, ...]:
    """What the parser noticed, worth telling (not the absence of optional sections)."""
    return tuple(
        f"line {n.line}: {n.message}" if n.line else n.message
        for n in parsed.notes
        if not n.message.startswith("no `##")
    )


def story_url(rally_url: str, object_id: object) -> str:
    return f"{rally_url.rstrip('/')}/#/detail/userstory/{object_id}"


def epic_move(current: tuple[str | None, str | None] | None, target: tuple[str, str | None]) -> str:
    """The warning for a linked story that the run puts under another epic: ``current`` and
    ``target`` are (FormattedID, name)."""

    def named(epic: tuple[str | None, str | None]) -> str:
        formatted, name = epic
        return f"{formatted or '?'} ({name})" if name else formatted or "?"

    return f"moves from epic {named(current) if current else 'none'} to {named(target)}"
