"""`pantheon ci`: one GitHub event -> Rally updates, an overlap report and a job summary.

Order: parse the event and read the coverage file first (bad input exits 2 before Rally is
touched), then the overlap report (git only, runs even without a Rally key) and the saved
dependency graph (one this version did not write exits 3, still before Rally), then Rally.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pantheon_git.cache import dependencies as cached_graph
from pantheon_git.core.policies import CiFailOn
from pantheon_git.core.timefmt import format_time, parse_time
from pantheon_git.errors import (
    CHECK_FAILED,
    OK,
    PantheonError,
    RallyError,
    UsageError,
)
from pantheon_git.features.ci import run_history, trust
from pantheon_git.features.ci.event import SHA_RE, CiEvent, parse_event
from pantheon_git.features.ci.report import (
    CiOutcome,
    Links,
    Notice,
    Overlap,
    pr_note,
    rally_progress,
)
from pantheon_git.features.ci.run_ghactions import load_payload
from pantheon_git.features.complete.note import NoteFacts
from pantheon_git.features.complete.rules import (
    Change,
    Decision,
    Older,
    Stage,
    StoryState,
    Verdict,
)
from pantheon_git.features.complete.run import (
    Applied,
    ChangesetFacts,
    Ledger,
    apply_change,
    check_push_state,
    names_of,
)
from pantheon_git.features.complete.run_coverage import read_coverage
from pantheon_git.features.conflicts import run as conflicts

if TYPE_CHECKING:
    from pantheon_git.app import App


@dataclass(frozen=True)
class CiRequest:
    event_name: str
    event_path: str | None
    server_url: str = "https://github.com"
    repository: str = ""
    run_id: str | None = None
    coverage_file: str | None = None
    fail_on: CiFailOn | None = None
    """None: the ``ci_fail_on`` setting."""


@dataclass
class CiResult:
    outcome: CiOutcome
    exit_code: int = OK
    error: PantheonError | None = None
    applied: list[Applied] = field(default_factory=list)

    @property
    def outputs(self) -> dict[str, str]:
        event = self.outcome.event
        primary = self.outcome.primary
        if event.stage is Stage.PUSH:
            story = " ".join(str(d.key) for d in self.outcome.decisions)
        else:
            story = str(event.story) if event.story else ""
        state = primary.after if primary and primary.verdict is not Verdict.NOT_FOUND else ""
        coverage = f"{self.outcome.coverage:.1f}" if self.outcome.coverage is not None else ""
        return {"story": story, "state": state, "coverage": coverage}


def run_ci(app: App, request: CiRequest, *, warn: Callable[[str], None]) -> CiResult:
    config = app.config
    fail_on = request.fail_on or config.ci_fail_on
    payload = load_payload(request.event_path)
    event = parse_event(
        request.event_name,
        payload,
        branch_pattern=config.branch_pattern,
        default_branch=config.default_branch,
    )
    push_state = check_push_state(config)
    coverage = _coverage(app, request.coverage_file or config.coverage_file)
    links = Links(
        request.server_url.rstrip("/"), request.repository or event.repository, request.run_id
    )
    notices: list[Notice] = []
    overlaps, unchecked = _overlaps(app, event, notices)
    if unchecked and fail_on == CiFailOn.CONFLICT:
        notices.append(
            Notice(
                "error",
                "fail-on conflict: pantheon could not check this branch for overlaps, so the "
                "step fails",
                "pantheon: overlaps",
            )
        )
    edges, titles = _dependencies(app)
    outcome = CiOutcome(
        event,
        coverage=coverage,
        overlaps=overlaps,
        overlaps_unchecked=unchecked,
        links=links,
        edges=edges,
        titles=titles,
    )

    def finish(**changes: object) -> CiOutcome:
        return replace(outcome, notices=tuple(notices), **changes)  # type: ignore[arg-type]

    permit = trust.admit(
        event, has_key=bool(config.api_key), identities=config.identities, forks=config.ci_forks
    )
    if permit.refused is not None:
        if permit.level is not None:
            notices.append(Notice(permit.level, permit.refused))
        code = _policy(fail_on, (), outcome)
        if permit.unverified and fail_on != CiFailOn.NEVER:
            code = CHECK_FAILED  # a lock cannot be checked against nobody
        return CiResult(finish(skipped=permit.refused), code)

    applied: list[Applied] = []
    ledger = Ledger()
    try:
        if event.stage is Stage.PUSH:
            _push(app, event, links, push_state, applied=applied, ledger=ledger, warn=warn)
        else:
            _pull_request(
                app, event, permit, coverage, links, applied=applied, ledger=ledger, warn=warn
            )
    except RallyError as exc:
        targets = sorted(event.push_keys) if event.stage is Stage.PUSH else [event.story]
        reached = {a.decision.key for a in applied}
        unread = [str(k) for k in targets if k is not None and k not in reached]
        if ledger.under_way is not None and unread:
            unread = unread[1:]  # the story being written is named by the write under way
        done = rally_progress(ledger.written, ledger.under_way, unread)
        notices.append(Notice("error", f"Rally failed: {exc.message}. {done}"))
        return CiResult(
            finish(decisions=tuple(a.decision for a in applied), notes=_notes(applied)),
            exc.exit_code,
            exc,
            applied,
        )
    for item in applied:
        notices.extend(_decision_notices(item))
    decisions = tuple(a.decision for a in applied)
    titles = {**titles, **{str(a.decision.key): a.title for a in applied if a.title}}
    changesets = {str(a.decision.key): a.changeset for a in applied if a.changeset}
    final = finish(decisions=decisions, notes=_notes(applied), titles=titles, changesets=changesets)
    # A key-like word in a commit message on the default branch ("fix S3 upload") is no
    # reason to fail a push; fail-on judges pull requests only.
    judged = () if event.stage is Stage.PUSH else decisions
    return CiResult(final, _policy(fail_on, judged, final), None, applied)


def _pull_request(
    app: App,
    event: CiEvent,
    permit: trust.Permit,
    coverage: float | None,
    links: Links,
    *,
    applied: list[Applied],
    ledger: Ledger,
    warn: Callable[[str], None],
) -> None:
    pr = event.pull_request
    assert pr is not None
    assert event.story is not None
    change = Change(
        event.stage,
        event.sha,
        branch=pr.head_ref,
        coverage=coverage,
        author=permit.author,
        require_own_lock=permit.require_own_lock,
    )

    def note(decision: Decision, title: str) -> NoteFacts:
        return pr_note(event, state=decision.after, coverage=coverage, links=links)

    changeset = None
    if app.config.ci_changesets and event.sha:
        changeset = ChangesetFacts(
            repository=app.config.ci_scm_repository or event.repository,
            repository_url=f"{links.server}/{event.repository}",
            sha=event.sha,
            message=pr.title,
            timestamp=None,
            url=links.commit(event.sha),
            branch=pr.head_ref if event.stage is not Stage.MERGED else pr.base_ref,
        )
    applied.append(
        apply_change(
            app,
            event.story,
            change,
            note=note if pr.number else None,
            changeset=changeset,
            warn=warn,
            ledger=ledger,
            older=_older(app, event, event.sha),
        )
    )


def _push(
    app: App,
    event: CiEvent,
    links: Links,
    push_state: str | None,
    *,
    applied: list[Applied],
    ledger: Ledger,
    warn: Callable[[str], None],
) -> None:
    for key, commit in sorted(event.push_keys.items()):
        change = Change(Stage.PUSH, commit.sha, push_state=push_state)
        changeset = None
        if app.config.ci_changesets:
            changeset = ChangesetFacts(
                repository=app.config.ci_scm_repository or event.repository,
                repository_url=f"{links.server}/{event.repository}",
                sha=commit.sha,
                message=commit.message,
                timestamp=_rally_time(commit.timestamp),
                url=commit.url or links.commit(commit.sha),
                branch=(event.ref or "").removeprefix("refs/heads/") or None,
            )
        applied.append(
            apply_change(
                app,
                key,
                change,
                changeset=changeset,
                warn=warn,
                ledger=ledger,
                older=_older(app, event, commit.sha),
            )
        )


def _older(app: App, event: CiEvent, sha: str | None) -> Callable[[StoryState], Older | None]:
    """Whether ``sha`` is older than the commit the story holds (a replayed event)."""
    field_name = names_of(app.config).commit_sha

    def check(story: StoryState) -> Older | None:
        current = str(story.values.get(field_name) or "").strip()
        if not sha or not SHA_RE.match(current.lower()):
            return None  # nothing recorded yet, or not a commit id: nothing to keep
        ordering = run_history.order(
            app.root,
            current,
            sha,
            event_time=event.time,
            last_change=story.last_update,
            deadline=app.deadline,
        )
        return Older(ordering.why, ordering.certain) if ordering.older else None

    return check


def _coverage(app: App, path: str | None) -> float | None:
    if not path:
        return None

    file = Path(path)
    if not file.is_absolute():
        file = Path.cwd() / file
    return read_coverage(file, cwd=Path.cwd()).percent


def _overlaps(
    app: App, event: CiEvent, notices: list[Notice]
) -> tuple[tuple[Overlap, ...], str | None]:
    """Other open story branches touching the same files, and why they could not be checked
    (``None`` when they were). A shallow checkout is deepened first."""
    pr = event.pull_request
    if pr is None or event.story is None or event.stage not in (Stage.REVIEW, Stage.DRAFT):
        return (), None
    history = run_history.complete(app.root, app.deadline)
    problem = history.problem
    if problem is None and not run_history.fetch_commits(app.root, [pr.head_sha], app.deadline):
        problem = f"the pull request's head {pr.head_sha[:7]} is not in the checkout"
    report = None
    if problem is None:
        try:
            target = pr.head_ref if event.story_source == "branch" else str(event.story)
            report = conflicts.check_branch(app, target, commit=pr.head_sha, precise=False)
        except PantheonError as exc:
            problem = exc.message
    if report is None:
        why = f"Overlaps not checked: {problem}. Check out with `fetch-depth: 0`."
        notices.append(Notice("warning", why, "pantheon: overlaps"))
        return (), why
    found = []
    for item in report.overlaps:
        paths = tuple(item.paths)
        if paths:
            found.append(Overlap(item.branch or str(item.story), str(item.story), paths))
    return tuple(found), None


def _dependencies(app: App) -> tuple[tuple[tuple[str, str], ...], dict[str, str]]:
    """Edges and titles of the saved dependency graph, for the Mermaid picture. Read before
    Rally is written to: a graph this version did not write stops the job (exit 3)."""
    graph = cached_graph.read(app.cache)
    if graph is None:
        return (), {}
    edges = tuple((str(e.source), str(e.target)) for e in graph.edges)
    return edges, {str(k): title for k, title in graph.titles().items()}


def _decision_notices(item: Applied) -> list[Notice]:
    d = item.decision
    if d.verdict in (Verdict.LOCKED_BY_OTHER, Verdict.NOT_LOCKED):
        return [Notice("warning", d.message, "pantheon: lock")]
    if d.verdict is Verdict.NOT_FOUND:
        return [Notice("warning", d.message, "pantheon: story")]
    if d.verdict is Verdict.STALE:
        return [Notice("notice", d.message)]
    if d.kept:
        return [Notice("notice", d.kept)]
    return []


def _policy(fail_on: CiFailOn, decisions: tuple[Decision, ...], outcome: CiOutcome) -> int:
    if fail_on == CiFailOn.NEVER:
        return OK
    if any(d.fails for d in decisions):
        return CHECK_FAILED
    if fail_on == CiFailOn.CONFLICT and (outcome.overlaps or outcome.overlaps_unchecked):
        return CHECK_FAILED
    return OK


def _notes(applied: list[Applied]) -> dict[str, str]:
    return {str(a.decision.key): a.note for a in applied if a.note}


def _rally_time(stamp: str) -> str | None:
    if not stamp:
        return None
    try:
        return format_time(parse_time(stamp))
    except UsageError:
        return None
