"""The output schema of each tool: the document its command prints with ``--json``.

Each schema names every top-level field the command writes, with its type and what it means;
lists of stories, lanes and overlaps name the fields an agent acts on. Objects stay open
(``additionalProperties`` is not closed): a command that learns a new field does not break a
client that validates against the schema.
"""

from __future__ import annotations

from pantheon_git.features.mcp.schema import (
    Schema,
    anything,
    array,
    flag,
    integer,
    nullable,
    number,
    obj,
    text,
    texts,
)

KEY = text("Story key, e.g. US-123.")
TIME = text("UTC time, ISO 8601 (2026-03-01T09:00:00.000Z).")
NOTES = texts("Things the command noticed (one sentence each).")

_BOARD_STORY = obj(
    {
        "key": KEY,
        "title": text(),
        "state": text("Workflow state: Defined, In Progress, Code Review, Completed..."),
        "owner": text("Rally owner (who checked it out)."),
        "locked_by": text("Lock holder (email)."),
        "lock_expires": TIME,
        "lock_expired": flag(),
        "lock_expires_in_seconds": integer("Negative once the lock has expired."),
        "branch": text("Its story branch in Rally."),
    },
    required=["key", "title", "state"],
)


def _epic_row(columns: dict[str, Schema]) -> Schema:
    return obj(
        {
            "id": nullable(text("Epic FormattedID (F17); null for stories without an epic.")),
            "number": nullable(integer()),
            "title": nullable(text()),
            "stories": integer("How many stories the epic has in the cache."),
            **columns,
        },
        required=["id", "number", "title", "stories"],
    )


SYNC = obj(
    {
        "kind": text("full (everything read; deleted stories found) or incremental."),
        "selection": text("What was synced: all stories, epics, an iteration."),
        "workspace": nullable(text()),
        "project": nullable(text()),
        "since": nullable(text("The Rally time an incremental sync read changes from.")),
        "watermark": nullable(text("Rally's time of this sync; the next one reads from here.")),
        "changes": obj(
            {
                "new": texts("Stories new to the cache."),
                "updated": texts("Stories changed in Rally since the last sync."),
                "removed": array(
                    obj({"key": KEY, "reason": text()}, required=["key", "reason"]),
                    "Stories dropped from the cache (deleted, moved out of the project).",
                ),
                "unchanged": integer(),
            },
            required=["new", "updated", "removed", "unchanged"],
        ),
        "deletions_checked": flag("A full sync: stories deleted in Rally were looked for."),
        "epics": array(
            _epic_row(
                {
                    "ready": texts("Free to check out: Defined and not locked."),
                    "in_progress": array(_BOARD_STORY, "Locked or being worked on."),
                    "completed": texts(),
                }
            ),
            "The board per epic.",
        ),
        "requests": integer("Rally requests made."),
        "seconds": number(),
        "cache": text("The cache folder."),
        "notes": NOTES,
        "gitignore_added": flag(),
        "epics_fetched": integer(),
        "next": text("The command to run next."),
    },
    required=["kind", "epics", "changes", "cache", "notes", "next"],
)

STATUS = obj(
    {
        "workspace": nullable(text()),
        "project": nullable(text()),
        "synced": nullable(TIME),
        "age_seconds": nullable(integer("Seconds since the last sync.")),
        "stale": flag("The cache is older than a day: sync before deciding."),
        "mine": nullable(text("With mine: whose stories are shown.")),
        "epics": array(
            _epic_row(
                {
                    column: array(_BOARD_STORY, meaning)
                    for column, meaning in (
                        ("ready", "Free to check out."),
                        ("locked", "Locked by someone, lock not expired."),
                        ("in_progress", "In progress without a live lock (expired or none)."),
                        ("review", "In Code Review."),
                        ("done", "Completed or accepted."),
                    )
                }
            ),
            "The board per epic.",
        ),
        "drift_checked": flag("Rally was compared with this clone's branches."),
        "git_note": nullable(text("Why drift was not checked.")),
        "drift": array(
            obj(
                {
                    "kind": text(),
                    "key": KEY,
                    "branch": nullable(text()),
                    "message": text(),
                    "next": text("The command that resolves it."),
                },
                required=["kind", "key", "message", "next"],
            ),
            "Where Rally and git disagree.",
        ),
    },
    required=["epics", "stale", "drift"],
)

_ALTERNATIVE = obj(
    {
        "story": KEY,
        "title": text(),
        "complexity": text("similar, lower or higher than the refused story."),
        "tasks": integer(),
        "estimate": nullable(number("Plan estimate (points).")),
        "command": text("The CLI command; as a tool call: checkout with this story."),
    },
    required=["story", "title", "command"],
)

CHECKOUT = obj(
    {
        "story": nullable(KEY),
        "locked": flag("True: you hold the lock now. False: refused; see alternatives."),
        "locked_by": nullable(text("Who holds the lock in Rally.")),
        "expires": nullable(TIME),
        "outcome": text(
            "won, renewed (already yours), refused (someone else holds it), lost (another "
            "checkout won the race) or none_free (nothing free in the epic)."
        ),
        "title": text(),
        "epic": nullable(text()),
        "locked_at": nullable(TIME),
        "branch": text("The story branch (won/renewed)."),
        "previous_state": text(),
        "state": text(),
        "branch_action": text("created, switched or skipped (branch: false)."),
        "base": nullable(text("What a new branch was started from.")),
        "story_file": nullable(text("The BMAD story file written in the repository.")),
        "story_file_action": nullable(text()),
        "carried_changes": texts("Uncommitted files carried over to the story branch."),
        "replaced_expired_lock": nullable(text("Holder of the expired lock replaced.")),
        "lock_seconds": nullable(number("Read-to-write time of the winning attempt.")),
        "alternatives": array(_ALTERNATIVE, "Refused: free stories of similar size."),
        "reason": nullable(text("Why nothing was free, or how the race was lost.")),
    },
    required=["story", "locked", "locked_by", "expires", "outcome", "title", "epic"],
)

LEASE = obj(
    {
        "story": KEY,
        "action": text(
            "released, renewed, retaken (yours had expired), not_locked, already_expired, theirs "
            "(someone else holds it) or lost: what happened."
        ),
        "locked": flag("You hold the lock after the call."),
        "locked_by": nullable(text()),
        "expires": nullable(TIME),
        "previous_expiry": nullable(TIME),
        "title": text(),
        "state": nullable(text("The story's workflow state (Code Review: no lock to renew).")),
    },
    required=["story", "action", "locked", "locked_by", "expires", "title"],
)

_BATCH_STORY = obj(
    {
        "story": KEY,
        "outcome": text(
            "taken (locked by you now), renewed (already yours), locked (someone else holds "
            "it), lost (another checkout won the race just now), blocked (waits for "
            "waits_for), in_review (its owner makes the fixes), done, not_found, too_slow "
            "(Rally was too slow for the lock protocol: try again) or failed (see message)."
        ),
        "held": flag("You hold its lock after the call."),
        "title": text(),
        "epic": nullable(text()),
        "holder": nullable(text("Who holds the lock (you, or someone else).")),
        "expires": nullable(TIME),
        "waits_for": texts("Blocked: the unfinished stories it waits for."),
        "owner": nullable(text("In review: the story's Owner in Rally.")),
        "branch": nullable(text("Its story branch; checkout with the story switches to it.")),
        "message": nullable(text()),
    },
    required=["story", "outcome", "held"],
)

BATCH = obj(
    {
        "wanted": integer("How many stories the batch was to take."),
        "taken": texts("The stories you hold now (taken or renewed)."),
        "complete": flag("Every story asked for is yours (otherwise the call is an error)."),
        "epics": texts("The epics the stories were picked from (with count)."),
        "stories": array(_BATCH_STORY, "Each story asked for (or picked), in that order."),
        "unavailable": array(
            _BATCH_STORY, "With epics: the epics' other open stories nobody can take now."
        ),
        "lock_seconds": nullable(number("Wall time of the locking, all stories at once.")),
    },
    required=["wanted", "taken", "complete", "stories"],
)

_DEPS_STORY = obj(
    {
        "key": KEY,
        "title": text(),
        "epic": nullable(text()),
        "wave": nullable(integer("1: can start now; n: after wave n-1.")),
        "independent": flag("No dependency and no conflict: can run any time."),
        "independence": number("0..1, higher is freer."),
        "depends_on": texts("Stories that must be done first."),
        "blocks": texts("Stories waiting for this one."),
        "conflicts_with": texts("Stories that must not run at the same time."),
        "waits_outside": texts("Predecessors outside the analysed stories."),
        "files": texts(),
        "state": text(),
    },
    required=["key", "wave", "depends_on", "blocks", "conflicts_with"],
)

DEPS = obj(
    {
        "schema": integer(),
        "scope": array(anything(), "The analyses the graph holds (epics, when, which sync)."),
        "generated_at": TIME,
        "epics": texts(),
        "stories": array(_DEPS_STORY),
        "edges": array(
            obj(
                {
                    "from": KEY,
                    "to": text("Waits for `from`."),
                    "kind": text("explicit, functional, data, api, ..."),
                    "confidence": text(),
                    "evidence": text(),
                },
                required=["from", "to", "kind"],
            )
        ),
        "conflicts": array(
            obj(
                {
                    "a": KEY,
                    "b": KEY,
                    "kind": text(),
                    "evidence": text(),
                    "files": texts(),
                    "declared": flag("The team declared it (deps_conflict); no rule found it."),
                },
                required=["a", "b", "kind"],
            )
        ),
        "waves": array(texts(), "Stories that can run in parallel, wave by wave."),
        "independent": texts(),
        "cycles": array(anything(), "Dependency cycles, which block their stories."),
        "hot_files": array(anything(), "Files named by many stories (not counted as conflicts)."),
        "overruled": array(
            anything(), "Edges the texts suggest that Rally's predecessors order the other way."
        ),
        "dismissed": array(anything(), "Edges the texts suggest that the team dismissed."),
        "dismissed_conflicts": array(
            obj(
                {
                    "a": KEY,
                    "b": KEY,
                    "kind": text(),
                    "evidence": text(),
                    "files": texts("The dismissed files the pair shares."),
                    "still_conflicts": flag("The pair shares another file: it still conflicts."),
                },
                required=["a", "b", "kind"],
            ),
            "Conflicts on files the team dismissed (deps_dismiss files): not kept apart.",
        ),
    },
    required=["stories", "edges", "conflicts", "waves", "independent", "cycles"],
)

_PAIR = {
    "from": KEY,
    "to": text("Waits for `from`."),
    "kind": text("functional, data, api, file, ... (explicit: Rally's own)."),
    "confidence": text("high, medium, low or hint (explicit: Rally's own)."),
}

DEPS_REVIEW = obj(
    {
        "proposed": array(
            obj(
                {
                    **_PAIR,
                    "evidence": text("The words that show it."),
                    "from_title": nullable(text()),
                    "to_title": nullable(text()),
                },
                required=["from", "to", "kind", "confidence"],
            ),
            "Inferred edges Rally does not have, surest first.",
        ),
        "counts": anything("How many of `proposed` at each confidence."),
        "implied": array(
            obj(
                {
                    **_PAIR,
                    "evidence": text("The words that suggested it."),
                    "chain": texts(
                        "The Rally predecessors that order it already: `from` first, `to` last."
                    ),
                },
                required=["from", "to", "kind", "confidence", "chain"],
            ),
            "Inferred edges Rally's predecessors already order through a chain: nothing to "
            "write (deps_accept with all leaves them out).",
        ),
        "dismissed": array(
            obj(
                {
                    **_PAIR,
                    "evidence": text("The words that suggested it."),
                    "by": text("Who dismissed it."),
                    "date": text("When (ISO date)."),
                    "why": text("Why it is wrong."),
                },
                required=["from", "to", "kind", "confidence"],
            ),
            "Inferred edges left out because the team dismissed them (deps_dismiss).",
        ),
        "dismissed_files": array(
            obj(
                {
                    "path": text(),
                    "by": text("Who dismissed it."),
                    "date": text("When (ISO date)."),
                    "why": text("Why it is no conflict."),
                    "conflicts": array(
                        obj({"a": KEY, "b": KEY, "still_conflicts": flag()}),
                        "The pairs it would make conflict (still_conflicts: they share "
                        "another file).",
                    ),
                },
                required=["path", "conflicts"],
            ),
            "Files the team judged no conflict (deps_dismiss files).",
        ),
        "declared_conflicts": array(
            obj(
                {
                    "a": KEY,
                    "b": KEY,
                    "file": nullable(text("The file both change, when named.")),
                    "by": text("Who declared it."),
                    "date": text("When (ISO date)."),
                    "why": text("Why they conflict."),
                    "found": flag("The analysis finds the conflict itself (it keeps its own)."),
                },
                required=["a", "b", "found"],
            ),
            "Conflicts the team declared (deps_conflict).",
        ),
    },
    required=["proposed", "counts", "dismissed"],
)

DEPS_ACCEPT = obj(
    {
        "dry_run": flag(),
        "predecessors": array(
            obj(
                {
                    **_PAIR,
                    "status": text(
                        "added, would add, already in Rally, implied by Rally (not written: "
                        "Rally's predecessors order it already; with all only) or failed."
                    ),
                    "chain": texts(
                        "Rally's predecessors that order the pair already, `from` first."
                    ),
                    "read": flag(
                        "A reader's link (deps_link) the analysis had not inferred: kind and "
                        "confidence explicit."
                    ),
                    "message": text("Why it failed."),
                },
                required=["from", "to", "status"],
            )
        ),
        "cache_updated": flag("Whether the local cache has what was added."),
        "overrules": array(
            obj({**_PAIR, "evidence": text("The words that suggested it.")}),
            "Inferred edges these links put the other way: the analysis leaves them out.",
        ),
    },
    required=["dry_run", "predecessors", "cache_updated", "overrules"],
)
DEPS_LINK = DEPS_ACCEPT
"""The same document: ``pantheon deps --link --json`` is ``--accept``'s."""

DEPS_DISMISS = obj(
    {
        "dry_run": flag(),
        "undo": flag("The pairs and files were taken back (--undismiss)."),
        "file": text("The file that keeps the team's dismissals (commit it)."),
        "written": flag("Whether the file was written."),
        "pairs": array(
            obj(
                {
                    "from": KEY,
                    "to": text("Would wait for `from`."),
                    "status": text(
                        "dismissed, would dismiss, already dismissed, undismissed, "
                        "would undismiss or not dismissed."
                    ),
                    "inferred": flag("Whether the analysis infers the pair now."),
                    "kind": text("The inferred edge's kind (when inferred)."),
                    "confidence": text("The inferred edge's confidence (when inferred)."),
                    "by": text("Who dismissed it."),
                    "date": text("When (ISO date)."),
                    "why": text("Why it is wrong."),
                },
                required=["from", "to", "status", "inferred"],
            )
        ),
        "files": array(
            obj(
                {
                    "path": text("As the analysis reads it."),
                    "status": text("As for pairs."),
                    "conflicts": array(
                        texts(), "The pairs [a, b] it makes conflict (empty: none now)."
                    ),
                    "by": text("Who dismissed it."),
                    "date": text("When (ISO date)."),
                    "why": text("Why it is no conflict."),
                },
                required=["path", "status", "conflicts"],
            )
        ),
    },
    required=["dry_run", "undo", "file", "written", "pairs"],
)

DEPS_CONFLICT = obj(
    {
        "dry_run": flag(),
        "undo": flag("The conflicts were taken back (--unconflict)."),
        "file": text("The file that keeps the team's judgements (commit it)."),
        "written": flag("Whether the file was written."),
        "conflicts": array(
            obj(
                {
                    "a": KEY,
                    "b": KEY,
                    "file": nullable(text("The file both change, when named.")),
                    "status": text(
                        "declared, would declare, already declared, undeclared, "
                        "would undeclare or not declared."
                    ),
                    "found": flag("The analysis finds the conflict itself (it keeps its own)."),
                    "found_files": texts("The files its own conflict names."),
                    "by": text("Who declared it."),
                    "date": text("When (ISO date)."),
                    "why": text("Why they conflict."),
                },
                required=["a", "b", "file", "status", "found"],
            )
        ),
    },
    required=["dry_run", "undo", "file", "written", "conflicts"],
)

PLAN = obj(
    {
        "schema": integer(),
        "computed_at": TIME,
        "developers": integer("How many lanes."),
        "lanes": array(
            obj(
                {
                    "lane": integer("0 is the critical path."),
                    "developer": nullable(text()),
                    "critical_path": flag(),
                    "hours": number(),
                    "stories": array(
                        obj(
                            {
                                "key": KEY,
                                "start": number("Hours from the start."),
                                "end": number(),
                                "wave": nullable(integer()),
                                "hours": number(),
                                "title": text(),
                                "tier": text("micro, standard or complex."),
                                "tasks": integer(),
                            },
                            required=["key", "start", "end", "hours"],
                        )
                    ),
                },
                required=["lane", "developer", "hours", "stories"],
            )
        ),
        "makespan": number("Hours until the last story ends."),
        "lower_bound": number("No plan can be shorter."),
        "efficiency": number(),
        "sequential": number("Hours one developer would need."),
        "speedup": number(),
        "balance_sigma_pct": number("σ of lane hours, % of the mean."),
        "cross_lane_dependencies": integer(),
        "critical_path": texts(),
        "critical_path_hours": number(),
        "waves": array(texts()),
        "idle_lanes": array(integer()),
        "algorithm": anything(),
        "source": text(),
        "epics": texts(),
    },
    required=["developers", "lanes", "makespan", "lower_bound", "critical_path", "waves"],
)

_CONFLICT_NOTES = {
    "precise": flag("Trial merges ran (precise)."),
    "drift": anything("Precise: how far each branch is behind the default branch."),
    "notes": NOTES,
    "stats": anything("Counters and seconds of the scan."),
}

CONFLICTS = obj(
    {
        "branch": text("The story branch checked."),
        "story": KEY,
        "tip": text(),
        "base": text("The default branch compared against."),
        "base_tip": text(),
        "merge_base": nullable(text()),
        "files": texts("Files the branch changes."),
        "stories_checked": integer(),
        "overlaps": array(
            obj(
                {
                    "story": KEY,
                    "branch": text(),
                    "holder": nullable(text()),
                    "files": texts("Files both branches change."),
                    "declared_files": texts("Changed by one, named by the other story."),
                    "trial_merge": anything("Precise: the trial merge's outcome."),
                },
                required=["story", "branch", "files"],
            ),
            "Other story branches changing the same files.",
        ),
        "stories": array(anything(), "All: every story branch scanned."),
        "pairs": array(
            obj(
                {
                    "a": KEY,
                    "b": KEY,
                    "files": texts(),
                    "declared_files": texts(),
                    "holders": anything(),
                },
                required=["a", "b", "files"],
            ),
            "All: every overlapping pair.",
        ),
        **_CONFLICT_NOTES,
    },
    required=["base", "base_tip", "precise", "notes"],
)

COMPLETE = obj(
    {
        "story": KEY,
        "title": text(),
        "verdict": text(
            "ok (moved to Code Review), unchanged, stale (already past it), locked-by-other, "
            "not-locked or not-found."
        ),
        "before": text("Workflow state before."),
        "after": text("Workflow state after (Code Review)."),
        "sha": text("The commit recorded (HEAD)."),
        "branch": nullable(text()),
        "coverage": nullable(number("Line coverage recorded, %.")),
        "written": texts("Rally fields written."),
        "lock_released": nullable(text("Whose lock was released.")),
        "note": nullable(text("The discussion note: posted or already there.")),
        "changeset": nullable(text()),
        "message": text(),
        "pushed": nullable(
            flag("Whether origin has the commit (false: push it, reviewers cannot see it).")
        ),
    },
    required=["story", "verdict", "before", "after", "sha", "message"],
)

METRICS = obj(
    {
        "since": nullable(TIME),
        "metrics": array(
            obj(
                {
                    "key": text(),
                    "name": text(),
                    "value": nullable(number()),
                    "unit": text(),
                    "target": text("The seed's target."),
                    "status": text("pass, miss or unknown."),
                    "detail": text(),
                    "how": text(),
                    "data": anything(),
                },
                required=["key", "name", "value", "status", "target"],
            )
        ),
        "on_target": integer(),
        "missed": integer(),
        "unknown": integer(),
        "sources": texts(),
        "notes": NOTES,
    },
    required=["metrics", "on_target", "missed", "unknown"],
)

DOCTOR = obj(
    {
        "ok": flag("Every check passed."),
        "checks": array(
            obj(
                {
                    "name": text(),
                    "title": text(),
                    "status": text("ok, warn, fail or skip."),
                    "passed": flag(),
                    "detail": text(),
                    "fix": nullable(text("The command that fixes it.")),
                    "data": anything(),
                },
                required=["name", "status", "passed", "detail", "fix"],
            )
        ),
        "created_fields": texts(),
    },
    required=["ok", "checks"],
)

MIGRATE = obj(
    {
        "epic": text(),
        "epic_name": nullable(text()),
        "dry_run": flag("Nothing was changed (apply was not set)."),
        "run": nullable(text("The run id, for rollback.")),
        "stories": array(
            obj(
                {
                    "path": text(),
                    "title": text(),
                    "action": text(
                        "created, updated, unchanged, would create, would update or failed."
                    ),
                    "key": nullable(KEY),
                    "url": nullable(text()),
                    "error": nullable(text()),
                    "bmad_id": nullable(text("Its id in its epics file (1.2); null: a file.")),
                    "predecessors": array(
                        text(
                            "A Predecessor: its key (US-123); in a dry run, `Story 1.2` for a "
                            "story the run would create."
                        )
                    ),
                },
                required=["path", "title", "action"],
            )
        ),
        "skipped": array(obj({"path": text(), "reason": text()})),
        "errors": array(obj({"path": text(), "message": text()})),
        "backup": nullable(text()),
        "notes": NOTES,
    },
    required=["epic", "dry_run", "stories", "skipped", "errors"],
)
