"""Each tool is a thin call of the use case its command runs: the same request, the same
``--json`` document, the same exit code.

A call builds its own ``App`` (the config is read again, as a command would) with the
server's repository as the working directory, the call's progress and warning callbacks, and
closes it afterwards. Errors are raised as the commands raise them (``PantheonError``); the
server turns them into tool errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantheon_git.app import App
from pantheon_git.features.mcp.outcome import Outcome

if TYPE_CHECKING:
    from pantheon_git.core.keys import StoryKey
    from pantheon_git.features.deps.run import DepsResult

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Call:
    """One tool call: its checked arguments and where and how it runs."""

    root: Path
    """The repository the server serves (its working directory)."""
    arguments: Mapping[str, Any]
    config_path: Path | None = None
    warn: Callable[[str], None] = lambda message: None
    progress: Progress | None = None

    def app(self, *, deadline: str = "command_deadline", **flags: Any) -> App:
        """The command's ``App``; ``deadline``: the setting bounding its waits, as the
        command's (``lock_deadline`` for the lock commands)."""
        app = App.load(
            cwd=self.root,
            config_path=self.config_path,
            flags=flags or None,
            warn=self.warn,
            deadline=deadline,
        )
        app.progress = self.progress
        return app

    def get(self, name: str) -> Any:
        return self.arguments.get(name)

    def strings(self, name: str) -> tuple[str, ...]:
        return tuple(self.arguments.get(name) or ())


def sync(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.features.sync.run import SyncOptions, run

    app = call.app(rally_project=call.get("project"))
    try:
        options = SyncOptions(
            epics=call.strings("epics"), iteration=call.get("iteration"), force=call.get("force")
        )
        return Outcome(run(app, options).to_dict())
    finally:
        app.close()


def status(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.features.status import report
    from pantheon_git.features.status.run import StatusOptions, run

    app = call.app()
    result = run(app, StatusOptions(epics=call.strings("epics"), mine=bool(call.get("mine"))))
    return Outcome(report.to_dict(result))


def checkout(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.features.checkout.report import CheckoutReport
    from pantheon_git.features.checkout.run import CheckoutRequest
    from pantheon_git.features.checkout.run import checkout as take

    app = call.app(deadline="lock_deadline")
    try:
        request = CheckoutRequest(
            story=call.get("story"),
            epic=call.get("epic"),
            lock_hours=call.get("lock_hours"),
            branch=call.get("branch") is not False,
        )
        result = take(app, request)
    finally:
        app.close()
    return Outcome(result.to_dict(), 0 if isinstance(result, CheckoutReport) else 1)


def release(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.features.locks.run import release as give_back

    app = call.app(deadline="lock_deadline")
    try:
        report = give_back(app, call.get("story"))
    finally:
        app.close()
    return Outcome(report.to_dict(), report.exit_code)


def renew(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.features.locks.run import renew as extend

    app = call.app(deadline="lock_deadline")
    try:
        report = extend(app, call.get("story"), hours=call.get("hours"))
    finally:
        app.close()
    return Outcome(report.to_dict(), report.exit_code)


def batch(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.features.batch.run import BatchRequest, run_batch

    app = call.app(deadline="lock_deadline")
    try:
        request = BatchRequest(
            stories=call.strings("stories"),
            epics=call.strings("epics"),
            count=call.get("count"),
            lock_hours=call.get("lock_hours"),
        )
        result = run_batch(app, request)
    finally:
        app.close()
    return Outcome(result.to_dict(), result.exit_code)


def deps(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.features.deps.mermaid import render_mermaid

    _, result = _analysed(call)
    diagram = render_mermaid(result.analysis, result.stories) if call.get("mermaid") else None
    return Outcome(dict(result.document), extra=diagram)


def deps_review(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.features.deps.review import review

    _, result = _analysed(call)
    found = review(result.analysis, result.stories, call.get("min_confidence"), result.team)
    return Outcome(found.document())


def deps_accept(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.errors import UsageError
    from pantheon_git.features.deps.review import parse_pairs

    pairs = parse_pairs(call.strings("pairs"))
    take_all = bool(call.get("all"))
    if bool(pairs) == take_all:
        raise UsageError(
            "name the pairs, or set all (one of the two)",
            hint='deps_accept {"pairs": ["US-121:US-124"]}, or {"all": true} for every '
            "high-confidence edge; deps_review lists them.",
        )
    if call.get("min_confidence") and not take_all:
        raise UsageError("min_confidence goes with all")
    return _write_deps(call, pairs, accept_all=take_all, min_confidence=call.get("min_confidence"))


def deps_link(call: Call) -> Outcome:
    pairs = _named_pairs(
        call, "deps_link", "to link", '{"pairs": ["US-121:US-124"], "dry_run": true}: US-121 first.'
    )
    return _write_deps(call, pairs, link=True)


def _named_pairs(
    call: Call, tool: str, what: str, example: str, *, unordered: bool = False
) -> list[tuple[StoryKey, StoryKey]]:
    """The call's ``pairs`` (BEFORE:AFTER; ``unordered``: A:B of a conflict); at least one."""
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.errors import UsageError
    from pantheon_git.features.deps.review import parse_pairs

    pairs = parse_pairs(call.strings("pairs"), tool, unordered=unordered)
    if not pairs:
        raise UsageError(f"name the pairs {what}", hint=f"{tool} {example}")
    return pairs


def _analysed(call: Call) -> tuple[App, DepsResult]:
    """The call's app and the analysis of its ``epics`` (the saved graph, as `deps` makes it)."""
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.core.keys import EpicRef
    from pantheon_git.features.deps.run import analyse_cache

    app = call.app()
    return app, analyse_cache(app, [EpicRef.parse(e) for e in call.strings("epics")])


def deps_dismiss(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.errors import UsageError
    from pantheon_git.features.deps.filedismiss import paths_of
    from pantheon_git.features.deps.review import parse_pairs
    from pantheon_git.features.deps.run_dismiss import change

    pairs = parse_pairs(call.strings("pairs"), "deps_dismiss")
    files = paths_of(call.strings("files"), "files")
    if not (pairs or files):
        raise UsageError(
            "name the pairs or the files to dismiss",
            hint='deps_dismiss {"pairs": ["US-121:US-124"], "why": "..."}, or '
            '{"files": ["data/app_state.json"]}',
        )
    undo = bool(call.get("undo"))
    if undo and call.get("why"):
        raise UsageError("why goes with a dismissal, not with undo")
    app, result = _analysed(call)
    done = change(
        app,
        result.analysis,
        result.team,
        pairs,
        undo=undo,
        why=call.get("why") or "",
        dry_run=bool(call.get("dry_run")),
        files=files,
    )
    return Outcome(done.to_dict())


def deps_conflict(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.errors import UsageError
    from pantheon_git.features.deps.filedismiss import paths_of
    from pantheon_git.features.deps.run_declare import change

    pairs = _named_pairs(
        call,
        "deps_conflict",
        "that must not run at the same time",
        '{"pairs": ["US-121:US-130"], "file": "docker-compose.yml", "why": "..."}',
        unordered=True,
    )
    undo = bool(call.get("undo"))
    if undo and (call.get("why") or call.get("file")):
        raise UsageError("why and file go with a declaration, not with undo")
    file = call.get("file")
    (path,) = paths_of([file], "file") if file else (None,)
    app, result = _analysed(call)
    done = change(
        app,
        result.analysis,
        result.team,
        pairs,
        file=path,
        undo=undo,
        why=call.get("why") or "",
        dry_run=bool(call.get("dry_run")),
    )
    return Outcome(done.to_dict())


def _write_deps(call: Call, pairs: Sequence[tuple[StoryKey, StoryKey]], **choice: Any) -> Outcome:
    """deps_accept and deps_link: the analysis of ``epics``, then ``run_accept.write_chosen``."""
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.core.keys import EpicRef
    from pantheon_git.features.deps.run import analyse_cache
    from pantheon_git.features.deps.run_accept import write_chosen

    refs = [EpicRef.parse(e) for e in call.strings("epics")]
    app = call.app()
    try:
        done = write_chosen(
            app,
            analyse_cache(app, refs),
            pairs,
            epics=refs,
            dry_run=bool(call.get("dry_run")),
            progress=call.progress,
            **choice,
        )
    finally:
        app.close()
    return Outcome(done.to_dict(), done.exit_code)


def backlog(call: Call) -> str:
    """What the prompt rally-read-deps embeds: the stories of ``epics`` and the dependencies
    already known, from the cache (the analysis runs and saves its graph, as `deps` does)."""
    # lazy: only this prompt needs the analysis
    from pantheon_git.core.keys import EpicRef
    from pantheon_git.features.deps.reader import backlog_text
    from pantheon_git.features.deps.run import analyse_cache
    from pantheon_git.features.mcp.resources import SCHEME, STORY_TEMPLATE

    refs = [EpicRef.parse(e) for e in call.strings("epics")]
    app = call.app()
    try:
        result = analyse_cache(app, refs)
    finally:
        app.close()
    return backlog_text(
        result.stories,
        result.analysis,
        story_uri=STORY_TEMPLATE,
        graph_uri=f"{SCHEME}dependencies",
    )


def plan(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.features.plan.run import PlanRequest, run_plan

    app = call.app()
    request = PlanRequest(
        epics=call.strings("epics"),
        developers=_text(call.get("developers")),
        pins=call.strings("lanes"),
    )
    return Outcome(dict(run_plan(app, request).document))


def _text(value: Any) -> str | None:
    """An argument that may come as a number or a string (``developers``), as the CLI has it."""
    return None if value is None else str(value)


def conflicts(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.errors import UsageError
    from pantheon_git.features.conflicts import run as usecase

    if call.get("all") and call.get("branch"):
        raise UsageError(
            "give either a branch or all, not both",
            hint="all already includes every branch.",
        )
    app = call.app()
    precise = call.get("precise")
    if call.get("all"):
        return Outcome(usecase.check_all(app, precise=precise).to_dict())
    return Outcome(usecase.check_branch(app, call.get("branch"), precise=precise).to_dict())


def complete(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.features.complete.run import complete_story

    app = call.app()
    try:
        done = complete_story(
            app,
            call.get("story"),
            coverage_file=call.get("coverage"),
            tests_url=call.get("tests_url"),
            warn=call.warn,
        )
    finally:
        app.close()
    return Outcome(done.to_dict(), 1 if done.applied.decision.fails else 0)


def metrics(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.features.metrics.run import MetricsRequest, parse_since, run_metrics

    since = call.get("since")
    start = parse_since(since) if since else None
    app = call.app()
    events = tuple(Path(p) for p in call.strings("events"))
    outcome = run_metrics(app, MetricsRequest(since=start, events=events))
    for note in outcome.notes:
        call.warn(note)
    return Outcome(outcome.to_dict())


def doctor(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.features.doctor.run import DoctorRequest, run_doctor

    request = DoctorRequest(
        create_fields=bool(call.get("create_fields")), config_path=call.config_path
    )
    outcome = run_doctor(call.root, request, warn=call.warn)
    return Outcome(outcome.to_dict(), 0 if outcome.ok else 1)


def migrate(call: Call) -> Outcome:
    # lazy: a tool loads its own use case only (start-up is the agent's wait)
    from pantheon_git.features.migrate.run import MigrateRequest
    from pantheon_git.features.migrate.run import migrate as run_migration

    app = call.app(rally_project=call.get("project"))
    try:
        request = MigrateRequest(
            paths=tuple(Path(p) for p in call.strings("paths")),
            epic=call.get("epic"),
            dry_run=not call.get("apply"),
            archive=call.get("archive"),
            bmad_epic=call.get("bmad_epic"),
            project=call.get("project"),
        )
        result = run_migration(app, request)
    finally:
        app.close()
    return Outcome(result.to_dict(), result.exit_code)


USE_CASES: Mapping[str, Callable[[Call], Outcome]] = {
    "sync": sync,
    "status": status,
    "checkout": checkout,
    "release": release,
    "renew": renew,
    "batch": batch,
    "deps": deps,
    "deps_review": deps_review,
    "deps_accept": deps_accept,
    "deps_link": deps_link,
    "deps_dismiss": deps_dismiss,
    "deps_conflict": deps_conflict,
    "plan": plan,
    "conflicts": conflicts,
    "complete": complete,
    "metrics": metrics,
    "doctor": doctor,
    "migrate": migrate,
}
