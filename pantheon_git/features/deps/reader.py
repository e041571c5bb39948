"""The backlog as a reader reads it for its dependencies: the stories in backlog order (title,
description, acceptance criteria, task names) and the dependencies already known (Rally's
predecessors, the analysis's edges and hints with their confidence, and the conflicts it found
with their files), so the reader adds only what is missing and can judge what is there.

It stays within a budget an agent's context can hold: the first ``STORIES_MAX`` stories that
fit in ``STORY_BUDGET`` characters (each cut at ``STORY_CHARS``), then the keys of the others,
to be read one by one at ``story_uri``; the known edges up to ``KNOWN_BUDGET`` and the conflicts
up to ``CONFLICT_BUDGET``, the rest at ``graph_uri``. Everything together stays under ``LIMIT``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pantheon_git.core.story import Story, all_tasks
from pantheon_git.features.deps.model import Analysis, Edge
from pantheon_git.features.deps.order import backlog_positions

STORIES_MAX = 80
STORY_CHARS = 3_000
STORY_BUDGET = 60_000
REST_CHARS = 3_000
KNOWN_BUDGET = 12_000
CONFLICT_BUDGET = 4_000
LIMIT = STORY_BUDGET + REST_CHARS + KNOWN_BUDGET + CONFLICT_BUDGET + 2_000
"""The most characters ``backlog_text`` writes (the headings and closing lines included)."""


def backlog_text(
    stories: Sequence[Story], analysis: Analysis, *, story_uri: str, graph_uri: str
) -> str:
    """``story_uri``: where one story is read, with ``{key}`` for its key; ``graph_uri``: where
    every known edge is."""
    position = backlog_positions(stories)
    ordered = sorted(stories, key=lambda s: position[s.key])
    shown: list[str] = []
    used = 0
    for story in ordered[:STORIES_MAX]:
        block = story_block(story, story_uri.format(key=story.key))
        if used + len(block) > STORY_BUDGET:
            break
        shown.append(block)
        used += len(block)
    rest = ordered[len(shown) :]
    head = f"# The stories ({len(stories)}, in backlog order"
    head += ")" if not rest else f"; the first {len(shown)} here)"
    lines = [head, "", *shown]
    if rest:
        lines += [_rest(rest, story_uri), ""]
    lines += known_text(analysis, graph_uri)
    lines += conflicts_text(analysis, graph_uri)
    return "\n".join(lines).rstrip() + "\n"


def story_block(story: Story, uri: str) -> str:
    """One story as markdown: heading, description, criteria, tasks; cut at ``STORY_CHARS``."""
    epic = f" (epic {story.epic}{f': {story.epic_title}' if story.epic_title else ''})"
    lines = [f"## {story.key}: {story.title}{epic if story.epic else ''}"]
    if story.description.strip():
        lines.append(story.description.strip())
    if story.acceptance_criteria:
        lines.append("Acceptance criteria:")
        lines += [f"- {c.strip()}" for c in story.acceptance_criteria if c.strip()]
    names = [task.name.strip() for task in all_tasks(story.tasks) if task.name.strip()]
    if names:
        lines.append("Tasks:")
        lines += [f"- {name}" for name in names]
    text = "\n".join(lines) + "\n"
    if len(text) <= STORY_CHARS:
        return text
    cut = f"… (cut here: read {uri} for the rest)\n"
    return text[: STORY_CHARS - len(cut)].rstrip() + cut


def _rest(rest: Sequence[Story], story_uri: str) -> str:
    keys: list[str] = []
    size = 0
    for story in rest:
        size += len(str(story.key)) + 2
        if size > REST_CHARS:
            break
        keys.append(str(story.key))
    more = len(rest) - len(keys)
    listed = ", ".join(keys) + (f" and {more} more" if more else "")
    return (
        f"Not shown here, to keep within this prompt's budget: {len(rest)} more stories, in "
        f"backlog order: {listed}. Read each at {story_uri} before you link it."
    )


def known_text(analysis: Analysis, graph_uri: str) -> list[str]:
    """The edges already known, BEFORE:AFTER: Rally's, then the inferred ones surest first."""
    every = (*analysis.edges, *analysis.hints)  # with deps_inferred off, all but Rally's are hints
    rally = [e for e in every if e.kind == "explicit"]
    inferred = [e for e in every if e.kind != "explicit" and e.confidence != "hint"]
    hints = [e for e in every if e.kind != "explicit" and e.confidence == "hint"]
    sections = [
        ("Rally's predecessors (explicit):", rally),
        ("Found by the analysis, not in Rally yet (kind, confidence):", inferred),
        ("Hints (guesses the analysis does not plan on):", hints),
    ]
    total = len(rally) + len(inferred) + len(hints)
    lines = [f"# Dependencies already known ({total}; BEFORE:AFTER, AFTER waits)", ""]
    if not total:
        return [*lines, "None yet.", ""]
    used = 0
    written = 0
    for title, edges in sections:
        if not edges or used > KNOWN_BUDGET:
            continue
        lines.append(title)
        for edge in edges:
            line = _edge_line(edge)
            if used + len(line) > KNOWN_BUDGET:
                used = KNOWN_BUDGET + 1
                break
            lines.append(line)
            used += len(line) + 1
            written += 1
        lines.append("")
    if written < total:
        lines += [f"{total - written} more: read {graph_uri} (edges and hints).", ""]
    return lines


def conflicts_text(analysis: Analysis, graph_uri: str) -> list[str]:
    """The conflicts the analysis found or the team declared, A:B and the files they share."""
    conflicts = analysis.conflicts
    lines = [
        f"# Conflicts already known ({len(conflicts)}; A:B must not run at the same time, "
        "neither waits)",
        "",
    ]
    if not conflicts:
        return [*lines, "None yet.", ""]
    used = 0
    for written, conflict in enumerate(conflicts):
        files = ", ".join(p.removeprefix("fixture:") for p in conflict.paths) or "a file"
        line = f"- {conflict.a}:{conflict.b} {conflict.kind}: {files}"
        line += " (declared)" if conflict.declared else ""
        if used + len(line) > CONFLICT_BUDGET:
            return [*lines, "", f"{len(conflicts) - written} more: read {graph_uri}.", ""]
        lines.append(line)
        used += len(line) + 1
    return [*lines, ""]


def _edge_line(edge: Edge) -> str:
    if edge.kind == "explicit":
        return f"- {edge.source}:{edge.target}"
    return f"- {edge.source}:{edge.target} {edge.kind}, {edge.confidence}"
