"""The commented ``_bmad/pantheon/config.yaml`` that ``pantheon init`` writes.

Pure: defaults in, YAML text out. The seed's settings are written as live lines (the values
``init`` was given, or the defaults); every other setting is a commented line showing its
default, with one line saying what it does, so uncommenting any of them changes nothing until
its value is edited. Values are dumped by the YAML library, never pasted into the text, so a
workspace name with quotes, colons or line breaks cannot add settings of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import yaml

# (section title, [(key, one-line explanation)]), in the order the file shows them.
SECTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Rally (the seed's settings)",
        (
            ("rally_enabled", "False: no lock checks in hooks (other commands still use Rally)."),
            ("rally_workspace", "Workspace name or ObjectID (env RALLY_WORKSPACE)."),
            ("rally_project", "Project name or ObjectID; its child projects are included."),
            ("rally_auto_sync", "Checkout and complete refresh the story's epic in the cache."),
            ("rally_lock_hours", "How long a checkout holds a story before the lock expires."),
            ("rally_url", "Rally's address (env RALLY_URL); the API key is never set here."),
        ),
    ),
    (
        "Workstream planning (the seed's settings)",
        (
            ("workstream_analysis", "Plan from the dependency analysis (false: Rally's links)."),
            ("max_parallel_developers", "Lanes `pantheon plan` makes without --developers."),
            ("critical_path_assignment", "Email of the developer who gets lane 0 (critical path)."),
        ),
    ),
    (
        "Migration (the seed's settings)",
        (
            ("migrate_archive", "Copy markdown stories aside before migrate edits them."),
            ("migrate_backup", "Where those copies go."),
        ),
    ),
    (
        "Rally connection",
        (
            ("rally_verify", "TLS check: true, false, or the path of a CA bundle."),
            ("rally_timeout", "Seconds one try of a request may take, its whole reply included."),
            ("rally_deadline", "Seconds a request may take with its retries."),
            ("command_deadline", "Seconds a command may wait for Rally in all; then exit 5."),
            ("lock_deadline", "The same for checkout, release and renew."),
            ("rally_max_reply_mb", "Largest reply read from Rally, in MB (decompressed)."),
            ("rally_max_concurrency", "Requests in flight at once (Rally slows users above 12)."),
            ("epic_type", "The portfolio item type that plays the epic."),
            ("fields", "Rally field names of the lock, branch, coverage... custom fields."),
            ("state_map", "Rally field values for each workflow state."),
        ),
    ),
    (
        "Sync",
        (
            ("sync_overlap", "Seconds an incremental sync reads back before its last change."),
            ("sync_lock_wait", "Seconds a sync waits for another one to finish."),
        ),
    ),
    (
        "Git and branches",
        (
            ("default_branch", "Where story branches start; null: origin/HEAD, else main/master."),
            ("branch_template", "Name of a new story branch ({key}, {slug})."),
            ("branch_pattern", "Regular expression that recognises story branches."),
            ("story_dir", "Where checkout writes the BMAD story file."),
        ),
    ),
    (
        "Locks",
        (
            ("lock_write_bound", "T: a lock attempt slower than this is withdrawn (seconds)."),
            ("lock_settle_delay", "D > T: wait before checking who won a lock race (seconds)."),
        ),
    ),
    (
        "Hooks",
        (
            ("offline", "Rally unreachable in a hook: warn (judge from the cache) or block."),
            ("conflicts", "Overlaps at push: warn, block, or precise (warn + trial merges)."),
            ("conflicts_precise", "Run trial merges for overlapping stories at push."),
            ("commit_msg", "Story key in commit messages: prepend, require or off."),
            ("require_story_branch", "Refuse commits on branches that are no story branch."),
            ("protected_branches", "Branches the hooks guard even when they are no story branch."),
            ("lock_check_ttl", "Seconds a cached lock is trusted by the pre-commit hook."),
            ("hook_timeout", "Seconds a hook waits for Rally."),
            ("hook_budget", "Seconds a whole hook may take."),
        ),
    ),
    (
        "GitHub Action and `pantheon complete`",
        (
            ("coverage_file", "Coverage report for c_Coverage (.coverage, XML, JSON, LCOV)."),
            ("ci_fail_on", "When `pantheon ci` fails the job: never, lock or conflict."),
            ("ci_changesets", "Also create a Rally Changeset for each recorded commit."),
            ("ci_push_state", "State for stories named in commits pushed to the default branch."),
            ("ci_forks", "What fork pull requests may write: none, or author-lock."),
            ("ci_deadline", "Seconds `pantheon ci` waits for Rally in total."),
            ("ci_scm_repository", "Rally SCMRepository name for changesets (default owner/name)."),
        ),
    ),
    (
        "People",
        (("identities", "git email or GitHub login -> Rally user, e.g. octocat: alice@x.com"),),
    ),
    (
        "Planning",
        (
            ("complexity_hours", "Hours per complexity tier when a story has no estimate."),
            ("plan_estimate_hours", "Hours per PlanEstimate point."),
            ("deps_inferred", "Order by inferred edges too (false: Rally's predecessors only)."),
        ),
    ),
    (
        "Migration",
        (("migrate_status_map", "BMAD status -> Rally ScheduleState."),),
    ),
    (
        "Doctor and metrics",
        (
            ("cache_stale_hours", "`pantheon doctor` calls an older cache stale."),
            ("work_hours_per_day", "Working hours per weekday, for elapsed work time."),
            ("sprint_days", "Calendar days per sprint, for coordination hours per sprint."),
        ),
    ),
)

# Written as live lines: the seed's block, plus where Rally is.
LIVE_KEYS = frozenset(
    {
        "rally_enabled",
        "rally_workspace",
        "rally_project",
        "rally_auto_sync",
        "rally_lock_hours",
        "rally_url",
        "workstream_analysis",
        "max_parallel_developers",
        "critical_path_assignment",
        "migrate_archive",
        "migrate_backup",
    }
)
# Settings that belong to one person, not to a committed file.
PERSONAL_KEYS = frozenset({"user"})

HEADER = """\
# pantheon_git settings (see pantheon_git's docs/configuration.md).
# Precedence: command-line flag > environment > this file > defaults.
# Commented lines show the defaults: uncomment one and edit its value to change it.
# The Rally API key never goes here (this file is committed): export RALLY_API_KEY instead.
# Check the whole setup with `pantheon doctor`.
"""


def described_keys() -> list[str]:
    return [key for _, items in SECTIONS for key, _ in items]


def render_config(values: Mapping[str, Any], keys: Sequence[str], *, header: str = HEADER) -> str:
    """The file text. ``values``: every setting's value (defaults with ``init``'s flags
    applied); ``keys``: every settable key (ones no section describes go in "Other")."""
    known = set(keys) - PERSONAL_KEYS
    sections = [(title, [(k, why) for k, why in items if k in known]) for title, items in SECTIONS]
    described = {k for _, items in sections for k, _ in items}
    others = [(k, "See docs/configuration.md.") for k in keys if k in known and k not in described]
    if others:
        sections.append(("Other", others))
    out = [header, "pantheon:"]
    for title, items in sections:
        if not items:
            continue
        out.append(f"  # --- {title} ---")
        for key, why in items:
            out.append(f"  # {why}")
            out.extend(_setting(key, values[key], live=key in LIVE_KEYS))
    return "\n".join(out) + "\n"


def _setting(key: str, value: Any, *, live: bool) -> list[str]:
    plain = _plain(value)
    dumped = yaml.safe_dump(
        {key: plain}, default_flow_style=False, sort_keys=False, allow_unicode=True, width=1000
    )
    lines = dumped.rstrip("\n").splitlines()
    prefix = "  " if live else "  # "
    return [prefix + line for line in lines]


def _plain(value: Any) -> Any:
    """Mappings, tuples and enum words as the plain dicts, lists and strings YAML knows."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    return value
