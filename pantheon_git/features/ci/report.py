"""What `pantheon ci` and `pantheon complete` tell people: the job summary (Markdown), the Rally
discussion note (HTML) and the dependency graph (Mermaid).

Pure renderers. Branch names, PR titles and commit messages are attacker-controlled (a valid
branch may be called ``story/US-1-$(touch x)`` or hold backticks and ``|``); every such value is
escaped for the medium it lands in, and nothing here builds a shell string.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.wording import first_of
from pantheon_git.features.ci.event import CiEvent
from pantheon_git.features.complete.note import NOTE_HEADS, NoteFacts, note_marker
from pantheon_git.features.complete.rules import Decision, Stage, Verdict


@dataclass(frozen=True)
class Overlap:
    """Another open story branch touching the same files."""

    branch: str
    story: str | None
    files: tuple[str, ...]


@dataclass(frozen=True)
class Notice:
    level: str
    """``notice``, ``warning`` or ``error`` (GitHub annotation levels)."""
    text: str
    title: str = "pantheon"


@dataclass(frozen=True)
class Links:
    server: str = "https://github.com"
    repository: str = ""
    run_id: str | None = None

    def commit(self, sha: str) -> str | None:
        return f"{self.server}/{self.repository}/commit/{sha}" if self.repository else None

    @property
    def run(self) -> str | None:
        if self.repository and self.run_id:
            return f"{self.server}/{self.repository}/actions/runs/{self.run_id}"
        return None


@dataclass(frozen=True)
class CiOutcome:
    event: CiEvent
    decisions: tuple[Decision, ...] = ()
    coverage: float | None = None
    overlaps: tuple[Overlap, ...] = ()
    overlaps_unchecked: str | None = None
    """Why the overlap report could not run (a shallow checkout that could not be deepened),
    or ``None``."""
    notices: tuple[Notice, ...] = ()
    links: Links = Links()
    notes: Mapping[str, str] = field(default_factory=dict)
    """Story key -> ``posted`` / ``already there`` / ``failed``."""
    changesets: Mapping[str, str] = field(default_factory=dict)
    """Story key -> ``created`` / ``linked`` / ``already there`` / ``not created``."""
    skipped: str | None = None
    """Why Rally was not touched at all (no key, ignored event, no story)."""
    edges: tuple[tuple[str, str], ...] = ()
    titles: Mapping[str, str] = field(default_factory=dict)

    @property
    def primary(self) -> Decision | None:
        if self.event.story is not None:
            for decision in self.decisions:
                if decision.key == self.event.story:
                    return decision
        return self.decisions[0] if self.decisions else None


# --- escaping ---------------------------------------------------------------------------------

# Inline Markdown only: md() output never starts a line, so list and heading markers are inert.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]!|~])")


def md(text: str, limit: int = 200) -> str:
    """Untrusted text made inert for GitHub Markdown: one line, HTML escaped, syntax escaped."""
    flat = " ".join(str(text).split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    escaped = html.escape(flat, quote=True)
    return _MD_SPECIAL.sub(r"\\\1", escaped).replace("\\`", "&#96;")


def code(text: str, limit: int = 120) -> str:
    return f"<code>{md(text, limit)}</code>"


def short(sha: str | None) -> str:
    return (sha or "")[:7]


# --- job summary ------------------------------------------------------------------------------


def summary_markdown(outcome: CiOutcome) -> str:
    event = outcome.event
    lines: list[str] = []
    primary = outcome.primary
    heading = "Rally"
    if primary is not None:
        heading += f" · {primary.key}"
        if primary.state_changed:
            heading += f" → {primary.after}"
    lines += [f"### {heading}", ""]
    if outcome.skipped:
        lines += [f"> {md(outcome.skipped, 400)}", ""]
    rows = _rows(outcome)
    if rows:
        lines += ["| | |", "|---|---|"]
        lines += [f"| {name} | {value} |" for name, value in rows]
        lines.append("")
    if len(outcome.decisions) > 1 or event.stage is Stage.PUSH:
        lines += _decision_table(outcome)
    for notice in outcome.notices:
        icon = {"error": "❌", "warning": "⚠️"}.get(notice.level, "ℹ️")
        lines.append(f"- {icon} {md(notice.text, 400)}")
    if outcome.notices:
        lines.append("")
    lines += _overlap_lines(outcome.overlaps)
    focus = primary.key if primary is not None else event.story
    if focus is not None and outcome.edges:
        graph = mermaid(focus, outcome.edges, outcome.titles)
        if graph:
            lines += ["**Dependencies**", "", "```mermaid", graph, "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _rows(outcome: CiOutcome) -> list[tuple[str, str]]:
    event = outcome.event
    rows: list[tuple[str, str]] = []
    pr = event.pull_request
    if event.story is not None:
        source = {"branch": "from the branch", "title": "from the PR title"}.get(
            event.story_source or "", ""
        )
        rows.append(("Story", f"{event.story} {source}".strip()))
    elif event.stage not in (Stage.PUSH, Stage.IGNORED):
        rows.append(("Story", "none found in the branch name or the PR title"))
    what = f"{md(event.name)} {md(event.action or '')}".strip()
    if pr is not None and pr.number:
        what += f" · [PR \\#{pr.number}]({pr.url})" if pr.url else f" · PR \\#{pr.number}"
    rows.append(("Event", what))
    if pr is not None and pr.head_ref:
        rows.append(("Branch", code(pr.head_ref)))
    if event.sha:
        link = outcome.links.commit(event.sha)
        rows.append(("Commit", f"[`{short(event.sha)}`]({link})" if link else short(event.sha)))
    primary = outcome.primary
    if primary is not None and len(outcome.decisions) == 1:
        rows.append(("State", _state_text(primary)))
        rows.append(("Lock", _lock_text(primary)))
    if outcome.coverage is not None:
        rows.append(("Coverage", f"{outcome.coverage:.1f}%"))
    if primary is not None and str(primary.key) in outcome.changesets:
        status = md(outcome.changesets[str(primary.key)])
        rows.append(("Changeset", f"{status} for `{short(event.sha)}`" if event.sha else status))
    if primary is not None and primary.key and str(primary.key) in outcome.notes:
        rows.append(("Discussion", md(outcome.notes[str(primary.key)])))
    if outcome.links.run:
        rows.append(("Run", f"[{outcome.links.run_id}]({outcome.links.run})"))
    return rows


def _state_text(decision: Decision) -> str:
    if decision.verdict is Verdict.NOT_FOUND:
        return "story not found in Rally"
    if decision.state_changed:
        return f"{decision.before} → **{decision.after}**"
    if decision.verdict is Verdict.STALE:
        return f"{decision.before} (unchanged: this event is older news)"
    if decision.verdict in (Verdict.LOCKED_BY_OTHER, Verdict.NOT_LOCKED):
        return f"{decision.before} (unchanged: {md(decision.message)})"
    return f"{decision.before} (unchanged)"


def _lock_text(decision: Decision) -> str:
    """The lock as Rally holds it after the run."""
    if decision.lock_released:
        return f"released ({md(decision.lock_released)})"
    if decision.verdict is Verdict.NOT_FOUND:
        return "unknown (the story is not in Rally)"
    if decision.held_by:
        who = md(decision.held_by)
        if decision.lock_expired:
            return f"held by {who}, expired"
        if decision.verdict is Verdict.LOCKED_BY_OTHER:
            return f"held by {who}: kept"
        return f"held by {who}"
    return "none"


def _decision_table(outcome: CiOutcome) -> list[str]:
    if not outcome.decisions:
        return ["No story keys in the pushed commit messages.", ""]
    lines = ["| Story | State | Written |", "|---|---|---|"]
    for decision in outcome.decisions:
        written = ", ".join(md(k) for k in decision.updates) or md(decision.verdict.value)
        changeset = outcome.changesets.get(str(decision.key))
        if changeset:
            written += f"; changeset {md(changeset)}"
        lines.append(f"| {decision.key} | {_state_text(decision)} | {written} |")
    lines.append("")
    return lines


def _overlap_lines(overlaps: Sequence[Overlap]) -> list[str]:
    if not overlaps:
        return []
    lines = ["**Overlaps with other open story branches**", ""]
    for overlap in overlaps:
        files = first_of([code(f, 80) for f in overlap.files], 8)
        story = f" ({md(overlap.story)})" if overlap.story else ""
        lines.append(f"- {code(overlap.branch)}{story}: {files}")
    lines.append("")
    return lines


def rally_progress(written: Sequence[str], under_way: str | None, unread: Sequence[str]) -> str:
    """What a run that Rally failed part-way did and did not write, for the summary."""
    head = "Written to Rally: " + "; ".join(written) if written else "Nothing was written"
    missing = [f"{under_way} and what follows it"] if under_way else []
    if unread:
        missing.append(", ".join(unread) + " (not reached)")
    tail = f". Not written: {'; '.join(missing)}" if missing else ""
    return f"{head}{tail}. Rerun the job when Rally answers: a rerun writes only what is missing."


# --- Mermaid ----------------------------------------------------------------------------------


def _node(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", key)


def _label(text: str, limit: int = 40) -> str:
    flat = " ".join(re.sub(r"[^\w\s.,:/()'-]", " ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def mermaid(
    story: StoryKey,
    edges: Iterable[tuple[str, str]],
    titles: Mapping[str, str] | None = None,
    *,
    limit: int = 40,
) -> str:
    """The story's neighbourhood: its predecessors and successors, one step each way."""
    me = str(story)
    near = [(a, b) for a, b in edges if me in (a, b)]
    if not near:
        return ""
    titles = titles or {}
    keys = sorted({k for edge in near for k in edge})[:limit]
    lines = ["graph LR"]
    for key in keys:
        label = f"{key} {_label(titles.get(key, ''))}".strip()
        lines.append(f'  {_node(key)}["{label}"]')
    for a, b in near:
        if a in keys and b in keys:
            lines.append(f"  {_node(a)} --> {_node(b)}")
    lines.append(f"  style {_node(me)} stroke-width:3px")
    return "\n".join(lines)


def pr_note(
    event: CiEvent,
    *,
    state: str,
    coverage: float | None,
    links: Links,
) -> NoteFacts:
    pr = event.pull_request
    assert pr is not None
    sha = event.sha or pr.head_sha
    return NoteFacts(
        headline=f"Pull request {NOTE_HEADS.get(event.stage, event.stage.value)}",
        marker=note_marker(event.repository, pr.number, event.stage),
        title=pr.title,
        sha=sha,
        branch=pr.head_ref,
        state=state,
        link_url=pr.url or None,
        link_text=f"{event.repository}#{pr.number}",
        commit_url=links.commit(sha),
        coverage=coverage,
        run_url=links.run,
    )
