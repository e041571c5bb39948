"""``pantheon plan``: developer lanes for the cached stories (or a JSON file), checked, saved.

Input, from the cache: the stories of the given epics (all epics if none), minus those
already Completed or Accepted, with the dependencies and conflicts of the graph ``pantheon
deps`` saved; when there is none or it does not cover every story, the dependency analysis
runs first (``workstream_analysis: false``: no analysis at all). Rally's explicit
Predecessors are added as well. A
dependency on a story outside the plan (another epic, not done) is reported and treated as
met. Or ``--from-json FILE`` (see ``features.plan.jsoninput``), which is not saved.

Every plan passes ``check_plan`` before it is shown or saved; a plan that does not is a bug
(exit 70).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from pantheon_git.app import App
from pantheon_git.cache import dependencies as cached_graph
from pantheon_git.cache import meta as cache_meta
from pantheon_git.cache import stories as story_files
from pantheon_git.cache import workstreams
from pantheon_git.cache.index import known_epics, unknown_epic
from pantheon_git.core.keys import EpicRef, StoryKey
from pantheon_git.core.states import ACCEPTED, COMPLETED
from pantheon_git.core.story import Story
from pantheon_git.errors import ConfigError, PantheonError, UsageError
from pantheon_git.features.deps.run import made_otherwise, run_analysis
from pantheon_git.features.plan import PlanStory, check_plan, make_plan
from pantheon_git.features.plan.developers import lane_developers, parse_developers, parse_pins
from pantheon_git.features.plan.effort import story_effort
from pantheon_git.features.plan.jsoninput import stories_from_document
from pantheon_git.features.plan.plan import Plan
from pantheon_git.features.plan.report import ReportContext, render_plan
from pantheon_git.features.plan.search import DEFAULT_BUDGET
from pantheon_git.fsio import read_json_input

if TYPE_CHECKING:
    from pantheon_git.cache.store import Cache

_DONE = {COMPLETED, ACCEPTED}
_PROGRESS_FROM = 2000


@dataclass(frozen=True)
class PlanRequest:
    epics: Sequence[str] = ()
    developers: str | None = None
    """``"12"`` or ``"john,jane"``; None: the config's ``max_parallel_developers``."""
    pins: Sequence[str] = ()
    from_json: Path | None = None
    budget: int = DEFAULT_BUDGET


@dataclass(frozen=True)
class PlanOutcome:
    plan: Plan
    document: dict[str, Any]
    report: str
    saved: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()


def run_plan(app: App, request: PlanRequest) -> PlanOutcome:
    epics = [EpicRef.parse(e) for e in request.epics]
    count, names = parse_developers(request.developers or str(app.config.max_parallel_developers))
    pins = {lane: app.config.identity(who) for lane, who in parse_pins(request.pins, count).items()}
    critical = app.config.critical_path_assignment
    people = lane_developers(
        count,
        [app.config.identity(n) for n in names],
        pins,
        app.config.identity(critical) if critical else None,
    )
    notes: list[str] = []
    if request.from_json is not None:
        stories = load_json_stories(request.from_json)
        heading = f"Stories from {request.from_json}"
    else:
        stories, heading = _cache_stories(app, epics, notes)
    for note in notes:
        app.warn(note)
    if app.progress and len(stories) >= _PROGRESS_FROM:
        app.progress(f"planning {len(stories)} stories on {count} lanes...")
    try:
        plan = make_plan(stories, count, developers=people, budget=request.budget)
    except UsageError as exc:
        if request.from_json is not None:
            raise UsageError(f"{request.from_json}: {exc.message}", hint=exc.hint) from None
        cycle_hint = (
            "Break the cycle in Rally (Predecessors) or in the story texts, "
            "then run `pantheon deps`."
        )
        raise UsageError(
            exc.message, hint=cycle_hint if "cycle" in exc.message else exc.hint
        ) from None
    verify(plan, stories)
    document = plan.to_dict()
    document["source"] = str(request.from_json) if request.from_json else "cache"
    document["epics"] = [_epic_label(e) for e in epics]
    saved: list[Path] = []
    if request.from_json is None:
        record = workstreams.build(document, computed_at=app.now())
        one = epics[0].number if len(epics) == 1 else None
        saved = workstreams.write(app.cache, record, epic=one)
        document = dict(record.document)
    context = ReportContext(
        heading=heading,
        saved=[_shown(path, app.root) for path in saved],
        plan_command=_command(request),
        from_cache=request.from_json is None,
    )
    return PlanOutcome(plan, document, render_plan(plan, context), tuple(saved), tuple(notes))


def verify(plan: Plan, stories: Sequence[PlanStory]) -> None:
    """Check the plan against the input; a plan that breaks a rule is a bug (exit 70)."""
    problems = check_plan(stories, plan.entries, plan.developers)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise PantheonError(
            f"internal error: the plan failed its check: {problems[0]}{more}",
            hint="This is a bug: run again with -v and report it with the input.",
        )


def load_json_stories(path: Path) -> list[PlanStory]:
    """Read and validate a ``--from-json`` file; every problem is a usage error (exit 2)."""
    doc = read_json_input(path, "story file")
    try:
        return stories_from_document(doc)
    except UsageError as exc:
        raise UsageError(f"{path}: {exc.message}", hint=exc.hint) from None


# --- from the cache ---------------------------------------------------------------------------


def _cache_stories(app: App, epics: list[EpicRef], notes: list[str]) -> tuple[list[PlanStory], str]:
    cache = app.cache
    cache_meta.require(cache)
    everything = story_files.load(cache, epics)
    wanted = ", ".join(_epic_label(e) for e in epics) or "any epic"
    if not everything:
        _no_stories(cache, epics, wanted)
    active = [s for s in everything if s.state not in _DONE]
    done = {str(s.key) for s in everything if s.state in _DONE}
    if not active:
        raise UsageError(
            f"every story of {wanted} is Completed or Accepted: nothing to plan",
            hint="Plan another epic: pantheon plan --epic <E>",
        )
    keys = {str(s.key) for s in active}
    edges: list[tuple[str, str]] = []
    conflicts: list[tuple[str, str]] = []
    if app.config.workstream_analysis:
        graph = cached_graph.read(cache)
        why = _stale(app, graph, [s.key for s in active])
        if graph is None or why:
            graph = _analyse(app, epics, why)
        edges = [(str(e.source), str(e.target)) for e in graph.edges]
        conflicts = [(str(c.a), str(c.b)) for c in graph.conflicts]
    else:
        notes.append("workstream_analysis is off: planned from Rally's Predecessors only")
    for story in active:  # Rally's explicit links, in case the analysis is older than them
        edges += [(str(p), str(story.key)) for p in story.predecessors]
        edges += [(str(story.key), str(s)) for s in story.successors]
    depends: dict[str, list[str]] = {k: [] for k in keys}
    for a, b in dict.fromkeys(edges):
        if b not in keys or a == b:
            continue
        if a in keys:
            depends[b].append(a)
        elif a not in done:
            notes.append(
                f"{b} depends on {a}, which is not in this plan: "
                "planned as if it were done (add its epic with --epic, or finish it first)"
            )
    clashes: dict[str, list[str]] = {k: [] for k in keys}
    for a, b in conflicts:
        if a in keys and b in keys and a != b:
            clashes[a].append(b)
    hours = _checked_hours(app.config.complexity_hours)
    stories = [_plan_story(s, depends[str(s.key)], clashes[str(s.key)], hours, app) for s in active]
    return stories, _heading(active, epics)


def _plan_story(
    story: Story, depends: list[str], clashes: list[str], hours: Mapping[str, float], app: App
) -> PlanStory:
    effort = story_effort(story, hours, app.config.plan_estimate_hours)
    return PlanStory(
        key=str(story.key),
        hours=effort.hours,
        depends_on=tuple(depends),
        conflicts_with=tuple(clashes),
        title=story.title,
        tasks=story.task_count,
        tier=effort.tier,
        epic=story.epic,
    )


def _stale(app: App, graph: cached_graph.Graph | None, keys: list[StoryKey]) -> str:
    """Why the saved graph cannot order ``keys`` (empty when it can)."""
    if graph is None:
        return "is missing"
    why = made_otherwise(app, graph)  # deps_inferred, the team's dismissals and conflicts
    if why:
        return why
    if not graph.covers(keys):
        return "does not cover every story (it is older than the cache)"
    return ""


def _analyse(app: App, epics: list[EpicRef], why: str) -> cached_graph.Graph:
    app.warn(f"{cached_graph.KIND.name} {why}: running the dependency analysis first")
    return run_analysis(app, epics)


def _checked_hours(hours: Mapping[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for tier, value in hours.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(
                f"complexity_hours.{tier}: expected hours (a number >= 0), got {value!r}"
            )
        out[tier] = float(value)
    return out


def _heading(stories: list[Story], epics: list[EpicRef]) -> str:
    titles: dict[str, str] = {}
    for s in stories:
        if s.epic:
            titles.setdefault(s.epic, s.epic_title or "")
    if len(titles) == 1:
        ((epic, title),) = titles.items()
        number = EpicRef.parse(epic).number
        return f"Epic {number}: {title}" if title else f"Epic {number}"
    if titles:
        return f"Epics {', '.join(sorted(titles))}"
    return "Stories without an epic" if not epics else "Epics " + ", ".join(map(_epic_label, epics))


def _no_stories(cache: Cache, epics: list[EpicRef], wanted: str) -> NoReturn:
    """The cache has no story for these epics: an epic it does not know at all is named as
    `pantheon status --epic` names it (a sync of it would fail the same way)."""
    missing = unknown_epic(epics, known_epics(cache))
    if missing:
        raise missing
    raise UsageError(
        f"no stories in the cache for {wanted}",
        hint=f"Run `pantheon sync{''.join(f' --epic {_epic_label(e)}' for e in epics)}` first.",
    )


def _epic_label(ref: EpicRef) -> str:
    return f"{ref.prefix}{ref.number}" if ref.prefix else str(ref.number)


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _command(request: PlanRequest) -> str:
    parts = ["pantheon plan"]
    parts += [f"--epic {e}" for e in request.epics]
    if request.developers:
        parts.append(f"--developers {request.developers}")
    if request.from_json is not None:
        parts.append(f"--from-json {request.from_json}")
    return " ".join(parts)
