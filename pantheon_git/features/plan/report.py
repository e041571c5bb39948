"""The seed's "Workstream Plan Generated" report, rendered from a checked plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pantheon_git.core import wording
from pantheon_git.features.plan.model import Entry, PlanStory
from pantheon_git.features.plan.plan import Lane, Plan

RULE = "━" * 47


@dataclass(frozen=True)
class ReportContext:
    heading: str
    """``Epic 17: User Authentication``, ``Epics F17, F18`` or the input file."""
    saved: Sequence[str] = ()
    plan_command: str = "pantheon plan"
    """How to re-run this plan (used in the next steps)."""
    from_cache: bool = True


def render_plan(plan: Plan, context: ReportContext) -> str:
    stories = {s.key: s for s in plan.stories}
    lane_of = {e.key: e.lane for e in plan.entries}
    dependents: dict[str, list[str]] = {}
    for s in plan.stories:
        for d in s.depends_on:
            dependents.setdefault(d, []).append(s.key)
    lines = [
        "Workstream Plan Generated",
        RULE,
        context.heading,
        f"{plan.developers} developers, {len(plan.stories)} stories, {len(plan.waves)} waves",
        "",
    ]
    for lane in plan.lanes:
        if not lane.idle:
            lines += _lane(lane, stories, lane_of, dependents)
    lines += _idle(plan)
    lines += _summary(plan, stories, lane_of)
    lines += _timeline(plan)
    lines += _totals(plan)
    if context.saved:
        lines += [f"Saved to: {', '.join(context.saved)}", ""]
    lines += _next_steps(plan, context)
    return "\n".join(lines).rstrip() + "\n"


def _hours(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def _story_line(e: Entry, story: PlanStory) -> str:
    facts = []
    if story.tasks is not None:
        facts.append(f"{story.tasks} task{'s' if story.tasks != 1 else ''}")
    if story.tier:
        facts.append(story.tier)
    facts.append(f"{story.hours:g}h")
    name = f"{e.key}: {story.title}" if story.title else e.key
    return f"    - {name} ({', '.join(facts)})  {_hours(e.start)}h → {_hours(e.end)}h"


def _lane(
    lane: Lane,
    stories: dict[str, PlanStory],
    lane_of: dict[str, int],
    dependents: dict[str, list[str]],
) -> list[str]:
    keys = [e.key for e in lane.entries]
    independent = all(not stories[k].depends_on and k not in dependents for k in keys)
    if lane.index == 0:
        title = "CRITICAL PATH"
        who = lane.developer or "assign to senior dev"
        header = f"Lane 0: {title} ({who})"
    else:
        first = stories[keys[0]]
        title = first.title or first.key
        header = f"Lane {lane.index}: {title}{' (INDEPENDENT)' if independent else ''}"
        if lane.developer:
            header += f" ({lane.developer})"
    lines = [header, RULE]
    previous_wave: int | None = None
    waits: list[str] = []
    for e in lane.entries:
        story = stories[e.key]
        outside = [d for d in story.depends_on if lane_of.get(d) != lane.index]
        waits += [f"Lane {lane_of[d]} ({d})" for d in outside if d in lane_of]
        if independent or not (story.depends_on or dependents.get(e.key)):
            # a story nothing depends on and that depends on nothing can run in any wave:
            # "Wave 1" after the chain's later waves would read as going back
            if previous_wave != 0:
                lines.append("  Any Wave:")
            previous_wave = 0
        elif e.wave != previous_wave or outside:
            after = f" (after {', '.join(outside)})" if outside else ""
            lines.append(f"  Wave {e.wave}{after}:")
            previous_wave = e.wave
        lines.append(_story_line(e, story))
    tasks = sum(stories[k].tasks or 0 for k in keys)
    count = f"{len(keys)} stor{'y' if len(keys) == 1 else 'ies'}"
    task_text = f", {tasks} tasks" if tasks else ""
    lines += ["", f"  Total: {count}{task_text}, {_hours(lane.hours)} hours"]
    blocks = any(lane_of.get(d) != lane.index for k in keys for d in dependents.get(k, ()))
    if lane.index == 0 or blocks:
        risk = "HIGH (blocks other lanes)" if blocks else "HIGH (sets the finish date)"
        lines.append(f"  Risk: {risk}")
    if waits:
        lines.append(f"  Dependencies: waits on {', '.join(dict.fromkeys(waits))}")
    elif not any(stories[k].depends_on for k in keys):
        lines.append("  Dependencies: NONE (can start immediately)")
    else:
        lines.append("  Dependencies: within this lane only")
    return [*lines, ""]


def _ranges(indices: list[int]) -> str:
    parts: list[str] = []
    start = prev = indices[0]
    for i in [*indices[1:], None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
        if i is not None:
            start = prev = i
    return ", ".join(parts)


def _idle(plan: Plan) -> list[str]:
    idle = [lane.index for lane in plan.lanes if lane.idle]
    if not idle:
        return []
    label = "Lane" if len(idle) == 1 else "Lanes"
    return [
        f"{label} {_ranges(idle)}: IDLE (no remaining stories)",
        RULE,
        "  Reassign to help with Lane 0 (critical path)",
        "  Or move to another epic: pantheon plan --epic <E>",
        "",
    ]


def _summary(plan: Plan, stories: dict[str, PlanStory], lane_of: dict[str, int]) -> list[str]:
    dependents = {d for s in stories.values() for d in s.depends_on}
    independent = [k for k, s in stories.items() if not s.depends_on and k not in dependents]
    on_path = set(plan.critical_path)
    alone = set(independent)
    dependent = [k for k in stories if k not in on_path and k not in alone]
    conflicts = {tuple(sorted((s.key, o))) for s in stories.values() for o in s.conflicts_with}

    def lanes_of(keys: list[str]) -> str:
        found = sorted({lane_of[k] for k in keys})
        if not found:
            return ""
        return f" (Lane{'s' if len(found) > 1 else ''} {_ranges(found)})"

    lines = [
        "Summary:",
        RULE,
        f"Total Stories: {len(stories)}",
        f"Critical Path: {wording.stories(len(plan.critical_path))}, "
        f"{_hours(plan.critical_path_hours)} hours{lanes_of(list(on_path))}",
        f"Independent: {wording.stories(len(independent))}{lanes_of(independent)}",
        f"Dependent: {wording.stories(len(dependent))}{lanes_of(dependent)}",
    ]
    if conflicts:
        pairs = f"{len(conflicts)} pair{'' if len(conflicts) == 1 else 's'}"
        lines.append(f"Conflicts: {pairs} kept apart in time")
    return [*lines, ""]


def _timeline(plan: Plan) -> list[str]:
    by_key = {e.key: e for e in plan.entries}
    lines = ["Estimated Timeline:"]
    for number, keys in enumerate(plan.waves, start=1):
        entries = [by_key[k] for k in keys]
        low = min(e.start for e in entries)
        high = max(e.end for e in entries)
        parallel = _peak(entries)
        lines.append(
            f"  Wave {number}: {_hours(low)}h → {_hours(high)}h ({len(entries)} "
            f"stor{'y' if len(entries) == 1 else 'ies'}, {parallel} developer"
            f"{'' if parallel == 1 else 's'}{' in parallel' if parallel > 1 else ''})"
        )
    return [*lines, ""]


def _peak(entries: list[Entry]) -> int:
    events = sorted(
        [(e.start, 1) for e in entries if e.end > e.start]
        + [(e.end, -1) for e in entries if e.end > e.start]
    )
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return max(peak, 1)


def _totals(plan: Plan) -> list[str]:
    if plan.proved_optimal:
        verdict = "optimal"
    else:
        verdict = f"at most {100 * (plan.makespan / plan.lower_bound - 1):.1f}% above optimal"
    return [
        f"Total: {_hours(plan.makespan)} hours (vs {_hours(plan.sequential)} hours sequential)",
        f"Speedup: {plan.speedup:.1f}x",
        f"Lower bound: {_hours(plan.lower_bound)} hours; efficiency "
        f"{100 * plan.efficiency:.0f}% ({verdict}; CP/MISF alone: "
        f"{_hours(plan.baseline_makespan)} hours)",
        f"Lane balance: σ {plan.balance_sigma_pct:.1f}% of the mean busy lane (seed target < 15%)",
        f"Cross-lane dependencies: {plan.cross_lane_dependencies}",
        "",
    ]


def _next_steps(plan: Plan, context: ReportContext) -> list[str]:
    firsts = [
        lane.entries[0].key for lane in plan.lanes if lane.entries and lane.entries[0].start == 0
    ]
    lines = [
        "Next Steps:",
        f"  1. Review and adjust assignments: {context.plan_command} --lane 0=EMAIL",
        "  2. Assign Lane 0 to most experienced dev",
    ]
    if context.from_cache and firsts:
        shown = ", ".join(f"pantheon checkout {k}" for k in firsts[:3])
        more = f" (and {len(firsts) - 3} more lanes)" if len(firsts) > 3 else ""
        lines.append(f"  3. Checkout stories: {shown}{more}")
        lines.append("  4. Start implementation on the story branch; the hooks keep Rally in step")
    return lines
