"""``pantheon metrics``: gather the facts the six success metrics need, then compute them.

Sources, each optional (a metric without its data says "not known" and why):

- the checkout log ``.bmad/rally-cache/events.jsonl`` that ``pantheon checkout`` and
  ``release`` append to (this clone's lock attempts; ``--events`` adds logs from elsewhere);
- the Rally cache (``pantheon sync``): each story's state and lock now;
- the plan ``workstreams.json`` (``pantheon plan``);
- git history of the default branch: which story branches were merged, and whether their
  merges conflicted (re-run with ``git merge-tree``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pantheon_git.app import App
from pantheon_git.cache import events as checkout_log
from pantheon_git.cache import meta as cache_meta
from pantheon_git.cache import stories as story_files
from pantheon_git.cache import workstreams
from pantheon_git.core.story import Story
from pantheon_git.core.timefmt import format_time, parse_time
from pantheon_git.core.wording import count, describe_age, stories
from pantheon_git.errors import GitError, RallyError, UsageError
from pantheon_git.features import metrics as m
from pantheon_git.features.metrics import LockEvent, Metric, PlanFacts, StoryFacts, StoryMerge
from pantheon_git.git import command as git
from pantheon_git.git.mergehistory import story_merges
from pantheon_git.rally import records


@dataclass(frozen=True)
class MetricsRequest:
    since: datetime | None = None
    events: tuple[Path, ...] = ()
    """More checkout logs to read (colleagues' ``events.jsonl``), besides this clone's."""


@dataclass
class MetricsOutcome:
    metrics: list[Metric]
    since: datetime | None
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": format_time(self.since) if self.since else None,
            "metrics": [x.to_dict() for x in self.metrics],
            "on_target": sum(1 for x in self.metrics if x.status == m.PASS),
            "missed": sum(1 for x in self.metrics if x.status == m.MISS),
            "unknown": sum(1 for x in self.metrics if x.status == m.UNKNOWN),
            "sources": list(self.sources),
            "notes": list(self.notes),
        }


def parse_since(text: str) -> datetime:
    """``2026-02-01`` (midnight UTC) or an ISO timestamp."""
    value = text.strip()
    if len(value) == 10:
        value += "T00:00:00Z"
    try:
        return parse_time(value)
    except UsageError:
        raise UsageError(
            f"--since: not a date: {text!r}", hint="Use a date like 2026-02-01."
        ) from None


def run_metrics(app: App, request: MetricsRequest) -> MetricsOutcome:
    now = app.now()
    outcome = MetricsOutcome([], request.since)
    if request.since is not None and request.since > now:
        outcome.notes.append(
            f"--since {format_time(request.since)} is in the future: nothing has happened since"
        )
    events = _events(app, request, outcome)
    facts = _stories(app, outcome, now)
    plan = _plan(app, outcome)
    merges = _merges(app, request, outcome)
    since = request.since
    outcome.metrics = [
        m.story_conflict_rate(events, since, lease_hours=app.config.rally_lock_hours),
        m.merge_conflict_rate(merges, since),
        m.coordination_time(
            events,
            since,
            now,
            sprint_days=app.config.sprint_days,
            settle_seconds=app.config.lock_settle_delay,
        ),
        m.lane_balance(plan),
        m.lock_expiry_rate(events, facts, now, since),
        m.parallelization(plan, events, merges, facts, per_day=app.config.work_hours_per_day),
    ]
    return outcome


# --- sources -----------------------------------------------------------------------------------


def _events(app: App, request: MetricsRequest, outcome: MetricsOutcome) -> list[LockEvent]:
    paths = [checkout_log.log_path(app.cache.dir), *request.events]
    for extra in request.events:
        if not extra.is_file():
            raise UsageError(f"--events: no such file: {extra}")
    events: list[LockEvent] = []
    skipped = 0
    for path in paths:
        records, torn = checkout_log.read_log(path)
        found, foreign = m.parse_events(records)
        events += found
        skipped += torn + foreign
    events.sort(key=lambda e: e.time)
    outcome.sources.append(f"checkout log: {count(len(events), 'event')}")
    if skipped:
        outcome.notes.append(f"{count(skipped, 'unreadable line')} in the checkout log skipped")
    return events


def _stories(app: App, outcome: MetricsOutcome, now: datetime) -> dict[str, StoryFacts]:
    cache = app.cache
    last = cache_meta.last_sync(cache)
    if last is None:
        outcome.sources.append("Rally cache: none (run `pantheon sync`)")
        return {}
    facts: dict[str, StoryFacts] = {}
    for path in story_files.paths(cache):
        entry = story_files.read(cache, path)
        facts[str(entry.story.key)] = story_facts(entry.story, entry.rally)
    age = describe_age(max(0.0, (now - last).total_seconds() / 3600))
    outcome.sources.append(f"Rally cache: {stories(len(facts))}, synced {age}")
    return facts


def story_facts(story: Story, raw: Any) -> StoryFacts:
    """A cached story's facts: ``raw`` is the cache's copy of the Rally item (its
    InProgressDate is when work began)."""
    return StoryFacts(
        str(story.key),
        story.state,
        story.lock.holder if story.lock else None,
        story.lock.expires if story.lock else None,
        _started(raw),
    )


def _started(raw: Any) -> datetime | None:
    """When the story went In-Progress, from the cache's copy of the Rally item."""
    try:
        text = records.story(raw).in_progress_date if isinstance(raw, dict) else None
        return parse_time(text) if text else None
    except (RallyError, UsageError):
        return None


def _plan(app: App, outcome: MetricsOutcome) -> PlanFacts | None:
    plan = workstreams.read(app.cache)
    if plan is None:
        outcome.sources.append("plan: none (run `pantheon plan`)")
        return None
    outcome.sources.append(f"plan: {workstreams.KIND.name} ({count(len(plan.lanes), 'lane')})")
    return PlanFacts(
        lanes=len(plan.lanes),
        busy_lanes=sum(1 for lane in plan.lanes if lane.stories),
        stories=tuple(plan.keys()),
        lower_bound=plan.lower_bound,
        balance_sigma_pct=plan.balance_sigma_pct,
    )


def _merges(app: App, request: MetricsRequest, outcome: MetricsOutcome) -> list[StoryMerge]:

    root = app.toplevel
    if root is None:
        outcome.sources.append("git: not a repository")
        return []
    try:
        base = base_ref(root, app.config.default_branch)
        merges = story_merges(root, base, pattern=app.config.branch_pattern, since=request.since)
    except GitError as exc:
        outcome.sources.append("git: history not read")
        outcome.notes.append(f"git history not read: {exc.message}")
        return []
    outcome.sources.append(
        f"git: {count(len(merges), 'story merge')} into "
        f"{base.removeprefix('refs/remotes/').removeprefix('refs/heads/')}"
    )
    return merges


def base_ref(root: Path, configured: str | None) -> str:
    """The default branch's ref holding the most history: ``origin/main`` unless the local
    ``main`` contains it (unpushed merges count too)."""
    name = git.default_branch(root, configured)
    local = f"refs/heads/{name}"
    remote = f"refs/remotes/origin/{name}"
    has_local = git.ref_exists(local, cwd=root)
    has_remote = git.ref_exists(remote, cwd=root)
    if not has_local and not has_remote:
        raise GitError(f"the default branch {name!r} does not exist here")
    if has_local and has_remote:
        behind = git.run_git(["rev-list", "--count", f"{local}..{remote}"], cwd=root).strip()
        return local if behind == "0" else remote
    return local if has_local else remote
