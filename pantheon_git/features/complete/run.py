"""Completing a story in Rally: the part `pantheon ci` and `pantheon complete` share.

Write order (so that a failure part-way leaves Rally consistent and a rerun finishes the job):

1. **The story, in one update**: state, ``c_CommitSHA``, ``c_Branch``, ``c_Coverage`` and the
   lock release travel in a single request, so the story is never half-updated. Only fields
   that differ are sent; a rerun sends nothing.
2. **The Changeset** (when ``ci_changesets`` is on): found by repository + revision before it is
   created, so a rerun does not duplicate it; a workspace that refuses changesets gets a
   warning, not a failure.
3. **The discussion note, last**: a note in Rally therefore means the update it describes
   happened. It is found by its marker line before one is posted.

If Rally fails at step 2 or 3, the story already holds the truth and the rerun does only the
missing step.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantheon_git.core import states
from pantheon_git.core.fields import FieldNames
from pantheon_git.core.keys import StoryKey, branch_story_key
from pantheon_git.core.timefmt import format_time, parse_time
from pantheon_git.errors import (
    CheckFailed,
    ConfigError,
    RallyError,
    RallyNotFound,
    RallyQueryError,
    RallyValidationError,
    UsageError,
)
from pantheon_git.features.complete.note import (
    NoteFacts,
    local_marker,
    note_html,
    note_text_matches,
)
from pantheon_git.features.complete.rules import (
    Change,
    Decision,
    Older,
    Stage,
    StoryState,
    Verdict,
    decide,
)
from pantheon_git.features.complete.run_coverage import read_coverage
from pantheon_git.features.sync.run import refresh
from pantheon_git.git import command as git
from pantheon_git.git.storybranch import has_remote
from pantheon_git.rally import records
from pantheon_git.rally.query import all_of, eq
from pantheon_git.rally.records import StoryDecoder, StoryRecord
from pantheon_git.rally.refs import same_ref

if TYPE_CHECKING:
    from pantheon_git.app import App
    from pantheon_git.config import Config
    from pantheon_git.rally.client import RallyClient


@dataclass(frozen=True)
class ChangesetFacts:
    repository: str
    """SCMRepository name in Rally (``owner/name`` by default)."""
    repository_url: str
    sha: str
    message: str
    timestamp: str | None
    url: str | None
    branch: str | None


@dataclass(frozen=True)
class Applied:
    decision: Decision
    title: str = ""
    note: str | None = None
    """``posted``, ``already there``, or ``None`` (no note for this change)."""
    changeset: str | None = None
    epic: str | None = None
    """The story's epic (FormattedID), when Rally names one."""


WROTE = ("created", "linked", "posted")
"""Changeset and note outcomes that changed Rally (not "already there", "not created")."""


@dataclass
class Ledger:
    """What a run wrote to Rally, one line per write that landed, and the write under way:
    after a failure, the report says what was and was not written."""

    written: list[str] = field(default_factory=list)
    under_way: str | None = None

    def begin(self, step: str | None) -> None:
        self.under_way = step

    def landed(self, line: str | None = None, *, wrote: bool = True) -> None:
        """The write under way is over: ``wrote`` says whether it changed Rally (finding a
        note already there changes nothing)."""
        if self.under_way is not None and wrote:
            self.written.append(line or self.under_way)
        self.under_way = None


def names_of(config: Config) -> FieldNames:
    return FieldNames.from_config(config.fields)


def story_fetch(config: Config) -> list[str]:
    names = names_of(config)
    custom = {
        names.commit_sha,
        names.branch,
        names.coverage,
        names.locked_by,
        names.locked_at,
        names.lock_expiry,
        names.lock_token,
        config.field_name("pantheon_status"),
    }
    for fields in config.state_map.values():
        custom.update(fields)
    base = ["ObjectID", "FormattedID", "Name", "ScheduleState", "LastUpdateDate", "PortfolioItem"]
    return [*base, "Owner", "EmailAddress", "UserName", *sorted(custom)]


def story_state(key: StoryKey, story: StoryRecord, config: Config) -> StoryState:
    """The story as :func:`decide` sees it: its state, lock, and the values Rally holds in
    every field a decision may write."""
    values = story.values(story_fetch(config))
    return StoryState(key, story.state, story.lock, values, story.last_update, story.owner)


def check_push_state(config: Config) -> str | None:
    value = config.ci_push_state
    if value in (None, ""):
        return None
    if value not in states.WORKFLOW:
        raise ConfigError(
            f"ci_push_state: {value!r} is not a workflow state",
            hint=f"Use one of: {', '.join(states.WORKFLOW)} (or leave it unset).",
        )
    return value


def apply_change(
    app: App,
    key: StoryKey,
    change: Change,
    *,
    note: Callable[[Decision, str], NoteFacts] | None = None,
    changeset: ChangesetFacts | None = None,
    warn: Callable[[str], None] = lambda message: None,
    ledger: Ledger | None = None,
    older: Callable[[StoryState], Older | None] | None = None,
) -> Applied:
    """Read the story fresh, decide, write (story, changeset, note), say what happened.

    ``note(decision, title)`` builds the note once the outcome is known. ``ledger`` records
    each write as it lands. ``older(story)`` says whether the change's commit is older than
    the one the story holds, or ``None``.
    """
    rally = app.rally()
    config = app.config
    ledger = ledger if ledger is not None else Ledger()
    ledger.begin(None)
    try:
        item = rally.find_story(
            key, decode=StoryDecoder.from_config(config, rally), fetch=story_fetch(config)
        )
    except RallyNotFound:
        decision = Decision(
            key,
            Verdict.NOT_FOUND,
            states.DEFINED,
            states.DEFINED,
            {},
            message=f"{key} is not in Rally (workspace {config.rally_workspace or 'default'})",
        )
        return Applied(decision)
    state = story_state(key, item, config)
    decision = decide(
        state,
        change,
        now=app.now(),
        names=names_of(config),
        state_map=config.state_map,
        older=older(state) if older is not None else None,
    )
    title = item.name
    if decision.updates:
        ledger.begin(f"{key} fields ({', '.join(sorted(decision.updates))})")
        rally.update(item, decision.updates, decode=records.entity, fetch=("ObjectID",))
        ledger.landed()
    cs_status = note_status = None
    try:
        if changeset is not None and decision.verdict in (Verdict.OK, Verdict.UNCHANGED):
            ledger.begin(f"{key} changeset {changeset.sha[:7]}")
            cs_status = ensure_changeset(rally, item.ref, changeset, warn=warn)
            ledger.landed(f"{key} changeset ({cs_status})", wrote=cs_status in WROTE)
        if note is not None and decision.note:
            facts = note(decision, title)
            ledger.begin(f"{key} discussion note")
            note_status = ensure_note(rally, item.ref, note_html(facts), facts.marker)
            ledger.landed(f"{key} discussion note", wrote=note_status in WROTE)
    except RallyError as exc:
        if not decision.updates:
            raise
        # Step 1 landed: say so, so nobody fixes by hand what a rerun completes.
        raise type(exc)(
            f"{exc.message} ({key} itself was updated; its changeset or discussion note is "
            "missing)",
            hint="Rerun the job (or the command) to finish: reruns do only what is missing.",
        ) from exc
    epic = item.epic.formatted_id if item.epic is not None else None
    return Applied(decision, title, note_status, cs_status, epic)


def ensure_note(rally: RallyClient, story_ref: str, text: str, marker: str) -> str:
    posts = rally.collection(story_ref, "Discussion", decode=records.post, fetch=("Text",))
    if any(note_text_matches(p.text, marker) for p in posts):
        return "already there"
    rally.post_discussion(story_ref, text)
    return "posted"


def ensure_changeset(
    rally: RallyClient, story_ref: str, facts: ChangesetFacts, *, warn: Callable[[str], None]
) -> str:
    """Rally's own commit link: SCMRepository + Changeset with the story in Artifacts."""

    try:
        repos = rally.query(
            "SCMRepository",
            eq("Name", facts.repository),
            decode=records.entity,
            fetch=("ObjectID", "Name"),
            limit=1,
            whole_workspace=True,
        )
        if repos:
            repo_ref = repos[0].ref
        else:
            repo_ref = rally.create(
                "SCMRepository",
                {"Name": facts.repository, "SCMType": "GitHub", "Uri": facts.repository_url},
                decode=records.entity,
                fetch=("ObjectID", "Name"),
                dedupe=eq("Name", facts.repository),
            ).ref
        match = all_of(eq("SCMRepository", repo_ref), eq("Revision", facts.sha))
        found = rally.query(
            "Changeset",
            match,
            decode=records.entity,
            fetch=("ObjectID", "Revision"),
            limit=1,
            whole_workspace=True,
        )
        if found:
            members = rally.collection(
                found[0], "Artifacts", decode=records.entity, fetch=("ObjectID",)
            )
            if any(same_ref(m.ref, story_ref) for m in members):
                return "already there"
            rally.collection_add(found[0], "Artifacts", [story_ref])
            return "linked"
        fields: dict[str, Any] = {
            "SCMRepository": repo_ref,
            "Revision": facts.sha,
            "Message": facts.message[:4000],
            "Artifacts": [story_ref],
        }
        if facts.timestamp:
            fields["CommitTimestamp"] = facts.timestamp
        if facts.url:
            fields["Uri"] = facts.url
        if facts.branch:
            fields["Branch"] = facts.branch
        rally.create("Changeset", fields, decode=records.entity, fetch=("ObjectID",), dedupe=match)
        return "created"
    except (RallyValidationError, RallyNotFound, RallyQueryError) as exc:
        # The workspace has "Build and Changeset" off, or refuses the fields: not fatal.
        warn(f"no Rally changeset for {facts.sha[:7]}: {exc.message}")
        return "not created"


# --- `pantheon complete` ----------------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    applied: Applied
    sha: str
    branch: str | None
    coverage: float | None
    author: str
    pushed: bool | None = None
    """Whether origin has the commit (reviewers see it); ``None``: the clone has no origin."""

    def to_dict(self) -> dict[str, Any]:
        """The document ``pantheon complete --json`` prints (and the MCP tool returns)."""
        d = self.applied.decision
        return {
            "story": str(d.key),
            "title": self.applied.title,
            "verdict": d.verdict.value,
            "before": d.before,
            "after": d.after,
            "sha": self.sha,
            "branch": self.branch,
            "coverage": self.coverage,
            "pushed": self.pushed,
            "written": sorted(d.updates),
            "lock_released": d.lock_released,
            "note": self.applied.note,
            "changeset": self.applied.changeset,
            "message": d.message,
        }


def complete_story(
    app: App,
    story: str | None,
    *,
    coverage_file: str | None = None,
    tests_url: str | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> Completion:
    """The story pipeline's COMMIT phase from a developer machine: Code Review, HEAD's SHA,
    coverage, lock released, one discussion note per story and commit.

    Only from the story's own branch, with a commit the default branch does not have yet
    (exit 1 otherwise, before Rally is asked); Rally is written only when you hold the lock or
    own the story in Code Review (``Change.require_claim``)."""

    root = app.require_toplevel()
    branch = git.current_branch(root)
    found = branch_story_key(branch or "", app.config.branch_pattern)
    if story:
        key = StoryKey.parse(story)
    elif found is None:
        raise UsageError(  # a named story is refused too: HEAD must be on its branch
            f"{branch or 'a detached HEAD'} is not a story branch",
            hint="Switch to the story's branch (`git switch story/US-123-...`; "
            "`git branch --list 'story/*'` lists yours), then run `pantheon complete`.",
        )
    else:
        key = found
    sha = git.run_git(["rev-parse", "--verify", "HEAD^{commit}"], cwd=root).strip()
    check_story_commit(app, key, branch, found, sha)
    coverage = None
    path = coverage_file or app.config.coverage_file
    if path:
        file = Path(path) if Path(path).is_absolute() else Path.cwd() / path
        coverage = read_coverage(file, cwd=root).percent
    author = app.user()
    change = Change(
        Stage.REVIEW, sha, branch=branch, coverage=coverage, author=author, require_claim=True
    )

    def note(decision: Decision, title: str) -> NoteFacts:
        return NoteFacts(
            headline=f"Completed for review by {author}",
            marker=local_marker(key, sha),
            title=title,
            sha=sha,
            branch=branch or "(detached)",
            state=decision.after,
            coverage=coverage,
            tests_url=tests_url,
        )

    changeset = None
    if app.config.ci_changesets:
        repo_url = git.run_git(["remote", "get-url", "origin"], cwd=root, check=False).strip()
        name = app.config.ci_scm_repository or _repo_name(repo_url) or root.name
        message = git.run_git(["log", "-1", "--format=%B", sha], cwd=root).strip()
        stamp = git.run_git(["log", "-1", "--format=%cI", sha], cwd=root).strip()
        changeset = ChangesetFacts(name, repo_url, sha, message, _rally_stamp(stamp), None, branch)
    applied = apply_change(app, key, change, note=note, changeset=changeset, warn=warn)
    if applied.decision.updates and applied.epic:
        refresh(app, [applied.epic])  # rally_auto_sync: the cache shows what Rally now holds
    return Completion(applied, sha, branch, coverage, author, on_origin(root, sha))


def on_origin(root: Path, sha: str) -> bool | None:
    """Whether a remote-tracking ref of origin holds ``sha`` (as of the last fetch or push);
    ``None`` when the clone has no origin."""
    if not has_remote(root):
        return None
    refs = ["for-each-ref", "--count=1", "--contains", sha, "refs/remotes/origin/"]
    return bool(git.run_git(refs, cwd=root, check=False).strip())


def check_story_commit(
    app: App, key: StoryKey, branch: str | None, branch_key: StoryKey | None, sha: str
) -> None:
    """The commit to record is HEAD of the story's own branch, and the default branch does
    not have it yet (a branch with no commits of its own would record the default branch's
    commit as the story's work)."""
    if branch_key != key:
        where = f"on {branch}" if branch else "on a detached HEAD"
        raise CheckFailed(
            f"HEAD is {where}, not on a branch of {key}: its commit is not {key}'s work",
            hint=_switch_hint(app, key),
        )
    root = app.require_toplevel()
    default = git.default_branch(root, app.config.default_branch)
    for ref in (f"refs/heads/{default}", f"refs/remotes/origin/{default}"):
        if not git.ref_exists(ref, cwd=root):
            continue
        if git.is_ancestor(sha, ref, cwd=root):
            shown = ref.removeprefix("refs/heads/").removeprefix("refs/remotes/")
            raise CheckFailed(
                f"{branch} has no commits of its own: HEAD ({sha[:7]}) is already on "
                f"{shown}, so there is nothing of {key} to send to review",
                hint="Commit the story's work on its branch, then run `pantheon complete`.",
            )


def _switch_hint(app: App, key: StoryKey) -> str:
    """The branch of ``key`` to switch to, or that this clone has none (a typo, or a story
    whose branch was pushed from another clone)."""
    from pantheon_git.git.branches import story_branches  # lazy: only for this refusal

    found = story_branches(app.require_toplevel(), app.config.branch_pattern).get(key)
    if not found:
        return (
            f"This clone has no branch of {key}: check the story key, or `git fetch` if its "
            "branch was pushed from another clone."
        )
    name = found[0].name  # local first
    if not found[0].local:
        name = name.split("/", 1)[1]  # `git switch story/...` tracks origin/story/...
    return (
        f"Switch to the story's branch (`git switch {name}`), then run `pantheon complete` again."
    )


def _repo_name(url: str) -> str | None:
    """``git@github.com:org/repo.git`` / ``https://host/org/repo`` -> ``org/repo``."""

    match = re.search(r"[:/]([^/:]+/[^/]+?)(?:\.git)?/?$", url)
    return match.group(1) if match else None


def _rally_stamp(iso: str) -> str | None:

    try:
        return format_time(parse_time(iso))
    except UsageError:
        return None
