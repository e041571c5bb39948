"""The tools ``pantheon mcp`` offers: one per workflow, named after its command, with the
command's options as arguments and its ``--json`` document as the result (``outputs.py``).

The descriptions are written for the agent that reads them: what the tool does, when to call
it, what a refusal means and what to call next.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pantheon_git.features.mcp import outputs
from pantheon_git.features.mcp.schema import (
    Schema,
    array,
    flag,
    integer,
    number,
    obj,
    text,
    texts,
)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    inputs: Schema
    output: Schema
    read_only: bool = False
    """Changes nothing others see: not Rally, not git, not the cache's documents."""
    idempotent: bool = False
    """Calling it again with the same arguments changes nothing more."""
    destructive: bool = False
    rally: bool = True
    """Talks to Rally (the MCP "open world" hint)."""

    def hints(self) -> dict[str, Any]:
        """The MCP tool annotations (hints a client may use to ask before a call)."""
        hints: dict[str, Any] = {"title": self.title, "read_only_hint": self.read_only}
        if not self.read_only:
            hints["destructive_hint"] = self.destructive
            hints["idempotent_hint"] = self.idempotent
        hints["open_world_hint"] = self.rally
        return hints


STORY = text("Story key: US-123 (also us123, US123).")
STORY_OR_BRANCH = text(
    "Story key (US-123). Default: the story of the current branch (story/US-123-...)."
)
EPIC = text("Epic: 17, F17 or E17 (the portfolio item's number or FormattedID).")
EPICS = array(EPIC, "Only these epics. Default: every epic.")
CONFIDENCES = ("high", "medium", "low", "hint")
"""``deps.review.INFERRED_LEVELS``, written out: importing the analysis here would load it (and
networkx) for every tool the server lists (a test holds the two equal)."""

TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "sync",
        "Sync the Rally backlog",
        "Pull epics and stories (tasks, owner, state, locks, predecessors) from Rally into the "
        "local cache .bmad/rally-cache/, and return the board per epic: ready stories, stories "
        "locked by others, completed ones. Incremental unless force. Call it first, and again "
        "before choosing work when status says the cache is stale. The seed's /rally-sync.",
        obj(
            {
                "project": text("Rally project (name or ObjectID). Default: rally_project."),
                "epics": EPICS,
                "iteration": text("Only the stories of this iteration (its name in Rally)."),
                "force": flag(
                    "Read everything again (finds stories deleted in Rally).", default=False
                ),
            },
            closed=True,
        ),
        outputs.SYNC,
        idempotent=True,
    ),
    ToolSpec(
        "status",
        "Board and drift",
        "The board per epic from the cache (offline): ready, locked (by whom, until when), in "
        "progress, code review, done; and where Rally and this clone's branches disagree, each "
        "with the command that fixes it. mine: only the stories you hold or own.",
        obj(
            {
                "epics": EPICS,
                "mine": flag("Only the stories you hold or own.", default=False),
            },
            closed=True,
        ),
        outputs.STATUS,
        read_only=True,
        rally=False,
    ),
    ToolSpec(
        "checkout",
        "Lock a story",
        "Lock a story in Rally (race-safe: when several agents ask at once, exactly one wins), "
        "move it to In Progress, create and switch to its branch story/US-123-<title> and write "
        "the BMAD story file. Give story, or epic for the next available one (unblocked, "
        "critical path first). If someone else holds it the call fails with outcome refused "
        "(or lost, when another checkout won the race) and lists alternatives of similar size: "
        "call checkout again with one of them. Taking a story you already hold renews the lock. "
        "The seed's /rally-checkout.",
        obj(
            {
                "story": STORY,
                "epic": text("Take the next available story of this epic (17, F17) instead."),
                "lock_hours": number(
                    "How long the lock lasts. Default: rally_lock_hours (24).",
                    exclusiveMinimum=0,
                ),
                "branch": flag(
                    "Create and switch to the story branch (false: only lock the story).",
                    default=True,
                ),
            },
            closed=True,
        ),
        outputs.CHECKOUT,
    ),
    ToolSpec(
        "release",
        "Give a story back",
        "Clear your lock on a story in Rally, so others can take it. Fails if someone else "
        "holds it. An expired lock needs no release.",
        obj({"story": STORY_OR_BRANCH}, closed=True),
        outputs.LEASE,
        idempotent=True,
    ),
    ToolSpec(
        "renew",
        "Extend your lock",
        "Extend the lock on a story you hold (a push renews it too). Use it to check that you "
        "still hold a story before working on it: it fails if you do not. If your lock expired "
        "and nobody took the story, it is taken again.",
        obj(
            {
                "story": STORY_OR_BRANCH,
                "hours": number(
                    "New lease from now. Default: rally_lock_hours; never shortened.",
                    exclusiveMinimum=0,
                ),
            },
            closed=True,
        ),
        outputs.LEASE,
    ),
    ToolSpec(
        "batch",
        "Lock several stories at once",
        "Check the locks of several stories and take the free, unblocked ones at once, each "
        "through checkout's race-safe protocol (all in parallel: ten stories cost about one "
        "checkout). Give stories, or epics with count for the next N that checkout would pick. "
        "Each story taken is locked by you, In Progress and yours in Rally; no branch is "
        "switched: call checkout with a story to start on it. The others come back with why "
        "(locked, lost, blocked, in_review, done, not_found). Fails (isError) unless every "
        "story asked for was taken; the document still lists what was. The seed's "
        "/batch-stories.",
        obj(
            {
                "stories": texts('Story keys: ["US-121", "US-122"].'),
                "epics": array(EPIC, "Or take the next stories of these epics (with count)."),
                "count": integer("With epics: how many stories to take.", exclusiveMinimum=0),
                "lock_hours": number(
                    "How long each lock lasts. Default: rally_lock_hours (24).",
                    exclusiveMinimum=0,
                ),
            },
            closed=True,
        ),
        outputs.BATCH,
    ),
    ToolSpec(
        "deps",
        "Analyse dependencies",
        "The dependency graph of the cached stories: which story waits for which (with the "
        "evidence), which must not run at the same time, waves of stories that can run in "
        "parallel, independent stories. Saves .bmad/rally-cache/dependencies.json (the "
        "dependencies resource). The seed's /rally-analyze-deps.",
        obj(
            {
                "epics": EPICS,
                "mermaid": flag(
                    "Also put a Mermaid `graph TD` diagram in the text result.", default=False
                ),
            },
            closed=True,
        ),
        outputs.DEPS,
        idempotent=True,
        rally=False,
    ),
    ToolSpec(
        "deps_review",
        "Review inferred dependencies",
        "The dependencies the analysis found in the stories' texts that Rally does not have "
        "as Predecessors, surest first: each with its confidence (high: an endpoint, table or "
        "column one story makes and the other uses; medium: a file or code name; low: a "
        "mention in words; hint: a guess, only when asked for) and its evidence. Read the "
        "evidence, then write the right ones to Rally with deps_accept, so the whole team and "
        "Rally's boards see them. `pantheon deps --review`.",
        obj(
            {
                "epics": EPICS,
                "min_confidence": text(
                    "Only edges this sure or surer. Default: low.", enum=list(CONFIDENCES)
                ),
            },
            closed=True,
        ),
        outputs.DEPS_REVIEW,
        read_only=True,
        idempotent=True,
        rally=False,
    ),
    ToolSpec(
        "deps_accept",
        "Write dependencies to Rally",
        "Write inferred dependencies to Rally as Predecessors (BEFORE becomes a predecessor "
        "of AFTER): the pairs named, each one an edge deps_review listed, or with all every "
        "edge at min_confidence (default high) or surer. Idempotent: a predecessor Rally "
        "already has is reported as `already in Rally`; with all, an edge Rally's "
        "predecessors already order through a chain is not written (`implied by Rally`). "
        "The local cache gets them at once; "
        "dry_run reads Rally and writes nothing. A pair the analysis did not find is refused. "
        "`pantheon deps --accept`.",
        obj(
            {
                "pairs": texts('BEFORE:AFTER pairs: ["US-121:US-124"].'),
                "all": flag("Every inferred edge at min_confidence or surer.", default=False),
                "min_confidence": text(
                    "With all: only edges this sure or surer. Default: high.",
                    enum=list(CONFIDENCES),
                ),
                "epics": EPICS,
                "dry_run": flag("Read Rally, write nothing.", default=False),
            },
            closed=True,
        ),
        outputs.DEPS_ACCEPT,
        idempotent=True,
    ),
    ToolSpec(
        "deps_link",
        "Write dependencies you read",
        "Write dependencies you read in the stories to Rally as Predecessors (BEFORE becomes a "
        "predecessor of AFTER: AFTER's text uses something BEFORE creates), whether or not the "
        "analysis inferred them; the rally-read-deps prompt says how to read them. Call it "
        "with dry_run first. A pair the analysis had not inferred comes back with kind "
        "explicit and read true; one it had, with its kind and confidence. Refused, with "
        "nothing written: a story not in the cache, a story linked to itself, or a pair that "
        "would close a cycle with Rally's predecessors and the other pairs (the refusal names "
        "the path). An inferred edge the other way does not block it: Rally's order wins, and "
        "overrules lists what it overrules. Idempotent; the local cache gets the links at "
        "once. `pantheon deps --link`.",
        obj(
            {
                "pairs": texts('BEFORE:AFTER pairs: ["US-121:US-124"] (US-121 comes first).'),
                "epics": array(
                    EPIC,
                    "Analyse only these epics (faster on a large backlog; a cycle through "
                    "another epic is still refused). Default: every epic.",
                ),
                "dry_run": flag("Check and read Rally, write nothing.", default=False),
            },
            required=["pairs"],
            closed=True,
        ),
        outputs.DEPS_LINK,
        idempotent=True,
    ),
    ToolSpec(
        "deps_dismiss",
        "Dismiss wrong inferred dependencies",
        "Record inferred dependencies the team judged wrong (BEFORE:AFTER as deps_review "
        "lists them): the analysis leaves them out from then on, so deps, plan and checkout "
        "with an epic stop making AFTER wait for BEFORE, and deps_review stops proposing them. "
        "Rally has no field for it: the pairs go to _bmad/pantheon/dismissed-deps.yaml beside "
        "the config, with who, when and why; commit that file for the team. A pair the "
        "analysis does not infer now is still recorded (inferred false). A Rally predecessor "
        "is refused: remove it in Rally instead. files: paths that are no conflict (a file "
        "the application writes at run time, a script stories only run): stories sharing "
        "only such files are no longer kept apart; with pairs or alone. undo takes pairs and "
        "files back. Idempotent; dry_run checks and writes nothing. `pantheon deps "
        "--dismiss` / `--dismiss-file` / `--undismiss`.",
        obj(
            {
                "pairs": texts('BEFORE:AFTER pairs: ["US-121:US-124"] (as the edge runs).'),
                "files": texts(
                    'File paths no story changes, as conflicts name them: ["data/state.json"].'
                ),
                "undo": flag("Take the pairs and files back (--undismiss).", default=False),
                "why": text("Why they are wrong (kept with them)."),
                "epics": EPICS,
                "dry_run": flag("Check, write nothing.", default=False),
            },
            closed=True,
        ),
        outputs.DEPS_DISMISS,
        idempotent=True,
        rally=False,
    ),
    ToolSpec(
        "deps_conflict",
        "Declare conflicts between stories",
        "Record that two stories change one file and must not run at the same time, when "
        'their texts name that file in words the analysis cannot read ("the composable", '
        '"Redis in Docker Compose"): deps lists the pair as a declared conflict and plan '
        "and checkout with an epic keep the stories apart. A conflict is no dependency: "
        "neither waits for the other (that is deps_link). Kept under conflicts: in "
        "_bmad/pantheon/dismissed-deps.yaml beside the config, with who, when and why; "
        "commit that file for the team. A pair the analysis already finds keeps its own "
        "conflict (found true). undo takes pairs back. Idempotent; dry_run checks and "
        "writes nothing. `pantheon deps --conflict` / `--unconflict`.",
        obj(
            {
                "pairs": texts('A:B pairs in either order: ["US-121:US-130"].'),
                "file": text(
                    "The file both change, as the repository names it: docker-compose.yml."
                ),
                "why": text("Why they conflict (kept with them)."),
                "undo": flag("Take the pairs back (--unconflict).", default=False),
                "epics": EPICS,
                "dry_run": flag("Check, write nothing.", default=False),
            },
            required=["pairs"],
            closed=True,
        ),
        outputs.DEPS_CONFLICT,
        idempotent=True,
        rally=False,
    ),
    ToolSpec(
        "plan",
        "Plan workstreams",
        "One lane per developer: the critical path on lane 0, every story after the stories it "
        "depends on and never beside one it conflicts with, with start and end hours, the "
        "makespan, its lower bound, speedup and balance. Runs the dependency analysis when "
        "needed. Saves .bmad/rally-cache/workstreams.json (the workstreams resource). The "
        "seed's /rally-plan-workstreams.",
        obj(
            {
                "epics": EPICS,
                "developers": {
                    "type": ["integer", "string"],
                    "description": 'How many developers (12, or "12") or their names '
                    '("john,jane,bob"). Default: max_parallel_developers.',
                    "exclusiveMinimum": 0,
                },
                "lanes": texts(
                    'Pin developers to lanes: ["0=jane@example.com"] (lane 0: critical path).'
                ),
            },
            closed=True,
        ),
        outputs.PLAN,
        idempotent=True,
        rally=False,
    ),
    ToolSpec(
        "conflicts",
        "Overlapping branches",
        "Story branches that change the same files as this one (default: the current branch), "
        "with who holds each story. Call it before pushing. all: the overlap matrix of every "
        "story branch. precise: trial merges, real textual conflicts only.",
        obj(
            {
                "branch": text("A branch or a story key (US-123). Default: the current branch."),
                "all": flag("Every story branch against every other.", default=False),
                "precise": flag(
                    "Trial-merge the overlapping stories. Default: the conflicts settings."
                ),
            },
            closed=True,
        ),
        outputs.CONFLICTS,
        read_only=True,
        rally=False,
    ),
    ToolSpec(
        "complete",
        "Send a story to review",
        "The story pipeline's COMMIT step, after committing on the story branch: the story "
        "moves to Code Review in Rally with HEAD's commit SHA and the coverage, your lock is "
        "released and a discussion note is posted. Fails if someone else holds the story.",
        obj(
            {
                "story": STORY_OR_BRANCH,
                "coverage": text(
                    "Coverage report to record: .coverage, coverage.xml (Cobertura, JaCoCo), "
                    "coverage.py JSON or lcov.info. Relative to the repository."
                ),
                "tests_url": text("Link to the test results, shown in the Rally note."),
            },
            closed=True,
        ),
        outputs.COMPLETE,
        idempotent=True,
    ),
    ToolSpec(
        "metrics",
        "Success metrics",
        "The seed's six success metrics with their targets: story conflict rate, merge "
        "conflict rate, coordination time, lane balance, lock expiry rate, parallelization "
        "efficiency. A metric without data says why.",
        obj(
            {
                "since": text("Only from this date on: 2026-02-01 or an ISO timestamp."),
                "events": texts("More checkout logs to include (colleagues' events.jsonl)."),
            },
            closed=True,
        ),
        outputs.METRICS,
        read_only=True,
        rally=False,
    ),
    ToolSpec(
        "doctor",
        "Check the setup",
        "Check that this repository is ready to work from Rally: config, API key, connection, "
        "workspace and project, custom fields, git, your identity, hooks, cache age. Each "
        "failed check comes with the command that fixes it.",
        obj(
            {
                "create_fields": flag(
                    "Create the missing custom fields (a workspace administrator's key).",
                    default=False,
                )
            },
            closed=True,
        ),
        outputs.DOCTOR,
        idempotent=True,
    ),
    ToolSpec(
        "migrate",
        "Migrate markdown stories",
        "Create (or update) a Rally story under an epic for each BMAD markdown story file, or "
        "each story of an epics file (its Prerequisites, and its epic's own Dependencies line, "
        "become Rally Predecessors), and link the file to it. A dry run unless apply is true: "
        "call it once without apply, show the preview (with the predecessors each story would "
        "get), then again with apply. Reversible with `pantheon migrate rollback`.",
        obj(
            {
                "epic": EPIC,
                "paths": texts(
                    "Story files, epics files or folders. Default: docs/stories and "
                    "_bmad-output/implementation-artifacts."
                ),
                "bmad_epic": text(
                    "Which BMAD epic of the epics files to migrate under epic: its number "
                    "(one call per BMAD epic, each under its own Rally epic), or `all`. "
                    "Needed when the files hold more than one."
                ),
                "project": text("Rally project. Default: rally_project."),
                "apply": flag("Write to Rally (false: a dry run).", default=False),
                "archive": flag("Keep a copy of each file before changing it."),
            },
            required=["epic"],
            closed=True,
        ),
        outputs.MIGRATE,
    ),
)

BY_NAME: Mapping[str, ToolSpec] = {tool.name: tool for tool in TOOLS}


INSTRUCTIONS = """\
pantheon: Rally-driven parallel development. Rally is the source of truth for who works on what;
a story is yours only while you hold its lock.

The loop: `sync` (pull the backlog) -> `checkout` a story, or the next free one of an epic
(race-safe: when agents ask at once exactly one wins; a refusal lists free alternatives)
-> implement on the story branch and commit with git (the hooks check your lock) ->
`conflicts` before pushing -> `complete` with the coverage report (Code Review in Rally, SHA,
coverage, lock released). `renew` keeps a long job's lock; `release` gives a story back;
`batch` takes several stories at once.
Planning: `deps` (waves), `plan` (lanes), `status` (the board, offline), `metrics`;
`deps_link` writes the dependencies you read in the stories (prompt rally-read-deps);
`deps_dismiss` records an inferred one the team judged wrong; `deps_conflict` two stories that
change one file their texts name in words.

Each tool returns its command's --json document; a failed call says what is wrong and the next
step. Hints name CLI commands: `pantheon X ...` is the tool `X` with the same options.
Resources: pantheon://epics, pantheon://assignments, pantheon://dependencies,
pantheon://workstreams, pantheon://stories/US-123. Calls run one at a time per server."""
