"""The human report of `pantheon deps`, in the seed's shape.

::

    Dependency Analysis Complete
    ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
    Epic 17: User Authentication (10 stories)

    Dependency Graph:
      US-120 (Create user model)
        ├─▶ US-121 (Add login endpoint)
        └─▶ US-123 (Add profile page)

      US-126 (Add OAuth integration) ← INDEPENDENT

    Parallelization Opportunities:
    ...
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from pantheon_git.core.keys import StoryKey, epic_number
from pantheon_git.core.story import Story
from pantheon_git.core.wording import count
from pantheon_git.errors import UsageError
from pantheon_git.features.deps.model import Analysis, Edge

RULE = "━" * 47
Namer = Callable[[StoryKey], str]


def render_text(
    analysis: Analysis,
    stories: Sequence[Story],
    *,
    saved_to: str | None = None,
    evidence: bool = False,
) -> str:
    titles = {s.key: s.title for s in stories}

    def name(key: StoryKey) -> str:
        return f"{key} ({titles.get(key, '?')})"

    lines = ["Dependency Analysis Complete", RULE, *_epic_lines(stories), ""]
    lines += ["Dependency Graph:", *_tree(analysis, name, evidence=evidence)]
    lines += ["", "Parallelization Opportunities:", RULE]
    for number, wave in enumerate(analysis.waves, 1):
        header = "Foundation - MUST GO FIRST" if number == 1 else f"Depends on Wave {number - 1}"
        lines += [f"Wave {number} ({header}):", *(f"  - {name(k)}" for k in wave), ""]
    if analysis.independent:
        lines += ["Independent (Can run anytime):"]
        lines += [f"  - {name(k)}" for k in analysis.independent] + [""]
    if not analysis.waves and not analysis.independent:
        lines += ["No story can be scheduled until the cycles below are broken.", ""]
    waiting = [(k, r.outside) for k, r in analysis.stories.items() if r.outside]
    if waiting:
        lines += ["Waiting on stories outside this analysis (Rally predecessors):"]
        lines += [f"  - {name(k)} waits on {', '.join(map(str, o))}" for k, o in waiting] + [""]
    lines += _conflict_lines(analysis, name)
    lines += _cycle_lines(analysis, name)
    lines += _overruled_lines(analysis, name)
    lines += _dismissed_lines(analysis, name)
    lines += _dismissed_file_lines(analysis, name)
    if analysis.hot_paths:
        lines += ["Named by many stories (not paired up as conflicts):"]
        lines += [f"  - {h.path} ({len(h.stories)} stories)" for h in analysis.hot_paths] + [""]
    if saved_to:
        lines += [f"Saved to: {saved_to}", ""]
    lines.append("Next: Run `pantheon plan` to assign to developers")
    return "\n".join(lines)


def _epic_lines(stories: Sequence[Story]) -> list[str]:
    counts = Counter(s.epic for s in stories)
    titles = {s.epic: s.epic_title for s in stories}
    out = []
    for epic in sorted(counts, key=_epic_order):
        n = counts[epic]
        plural = "story" if n == 1 else "stories"
        if epic is None:
            out.append(f"No epic ({n} {plural})")
            continue
        title = f": {titles[epic]}" if titles.get(epic) else ""
        out.append(f"Epic {_epic_label(epic)}{title} ({n} {plural})")
    return out or ["No stories"]


def _epic_label(epic: str) -> str:
    try:
        return str(epic_number(epic))
    except UsageError:
        return epic


def _epic_order(epic: str | None) -> tuple[int, int, str]:
    if epic is None:
        return (1, 0, "")
    try:
        return (0, epic_number(epic), epic)
    except UsageError:
        return (0, 1 << 30, epic)


def _tree(analysis: Analysis, label: Namer, *, evidence: bool) -> list[str]:
    out_edges: dict[StoryKey, list[Edge]] = {}
    for edge in analysis.edges:
        out_edges.setdefault(edge.source, []).append(edge)
    order = {key: i for i, key in enumerate(k for wave in analysis.waves for k in wave)}
    parents = sorted(out_edges, key=lambda k: (order.get(k, len(order)), k.prefix, k.number))
    lines: list[str] = []
    for parent in parents:
        lines.append(f"  {label(parent)}")
        children = sorted(out_edges[parent], key=lambda e: (e.target.prefix, e.target.number))
        for i, edge in enumerate(children):
            last = i == len(children) - 1
            lines.append(f"    {'└─▶' if last else '├─▶'} {label(edge.target)}")
            if evidence:
                why = f"{edge.kind}, {edge.confidence}: {edge.evidence}"
                lines.append(f"    {' ' if last else '│'}     {why}")
        lines.append("")
    lines += [f"  {label(k)} ← INDEPENDENT" for k in analysis.independent]
    if lines and lines[-1] == "":
        lines.pop()
    return lines or ["  (no stories)"]


def _conflict_lines(analysis: Analysis, label: Namer) -> list[str]:
    if not analysis.conflicts:
        return []
    lines = ["Conflicts (must not run at the same time, order free):"]
    for c in analysis.conflicts:
        what = ", ".join(p.removeprefix("fixture:") for p in c.paths[:3])
        more = f" (+{len(c.paths) - 3} more)" if len(c.paths) > 3 else ""
        noun = "shared test fixture" if c.kind == "test" else "file"
        if c.declared:  # the team's word, not the texts': say so, and who said it
            named = f" {what}" if what else ""
            lines.append(f"  - {label(c.a)} ↔ {label(c.b)}: {noun}{named} ({c.declared})")
            continue
        lines.append(f"  - {label(c.a)} ↔ {label(c.b)}: {noun} {what}{more}")
    return [*lines, ""]


def _overruled_lines(analysis: Analysis, label: Namer) -> list[str]:
    if not analysis.overruled:
        return []
    lines = ["Left out (Rally's predecessors order these stories the other way):"]
    lines += [f"  - {label(e.source)} → {e.target}: {e.evidence}" for e in analysis.overruled]
    return [*lines, ""]


def _dismissed_lines(analysis: Analysis, label: Namer) -> list[str]:
    if not analysis.dismissed:
        return []
    pairs = count(len(analysis.dismissed), "pair")
    lines = [
        f"Left out ({pairs} the team dismissed as wrong; "
        "`pantheon deps --undismiss BEFORE:AFTER` takes one back):"
    ]
    lines += [f"  - {label(e.source)} → {e.target}: {e.evidence}" for e in analysis.dismissed]
    return [*lines, ""]


def _dismissed_file_lines(analysis: Analysis, label: Namer) -> list[str]:
    if not analysis.dismissed_conflicts:
        return []
    apart = {(c.a, c.b) for c in analysis.conflicts}
    lines = [
        "Not conflicts (files the team dismissed; "
        "`pantheon deps --undismiss-file PATH` takes one back):"
    ]
    for c in analysis.dismissed_conflicts:
        still = " (still a conflict on another file)" if (c.a, c.b) in apart else ""
        what = ", ".join(p.removeprefix("fixture:") for p in c.paths)
        lines.append(f"  - {label(c.a)} ↔ {label(c.b)}: {what}{still}")
    return [*lines, ""]


def _cycle_lines(analysis: Analysis, label: Namer) -> list[str]:
    if not analysis.cycles:
        return []
    lines = ["Cycles (these stories wait on each other; none of them can be scheduled):"]
    for cycle in analysis.cycles:
        loop = " → ".join(str(k) for k in (*cycle.loop, cycle.loop[0]))
        others = [k for k in cycle.stories if k not in cycle.loop]
        if others:
            loop += f" (with {', '.join(str(k) for k in others)})"
        blocked = ", ".join(str(k) for k in cycle.blocks) or "no other story"
        lines.append(f"  - {loop} (blocks {blocked})")
        lines += [f"      {label(e.source)} → {e.target}: {e.evidence}" for e in cycle.edges]
    lines.append("  Fix: remove one of these links in Rally or reword a story, then run again.")
    return [*lines, ""]
