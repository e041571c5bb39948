"""Inferred edges Rally does not have yet, and the choice of those to make Rally predecessors.

An edge found in the texts (not an ``explicit`` one, which Rally already has) is *proposed*:
``pantheon deps --review`` lists them, surest first; ``--accept US-1:US-2`` picks some by pair
(US-1 must be done before US-2, so US-1 becomes a predecessor of US-2), ``--accept-all`` picks
every one at ``--min-confidence`` or surer. ``--link`` writes pairs a reader states, inferred
or not (``links.py``). An inferred edge Rally's predecessors already imply through a chain
(``implied.py``) is listed apart and left out of ``--accept-all``: it adds nothing to Rally's
order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story
from pantheon_git.core.wording import count
from pantheon_git.errors import UsageError
from pantheon_git.features.deps import declared
from pantheon_git.features.deps.dismiss_report import (
    dismissed_docs,
    file_docs,
    files_line,
    left_out_line,
)
from pantheon_git.features.deps.dismissals import Judged, order_free
from pantheon_git.features.deps.document import edge_doc
from pantheon_git.features.deps.implied import Implied, arrow, chains_of, split
from pantheon_git.features.deps.model import CONFIDENCE, Analysis, Edge, confidence_rank

INFERRED_LEVELS = CONFIDENCE[1:]  # "explicit" is what Rally has already
ADDED, WOULD_ADD, ALREADY, FAILED = "added", "would add", "already in Rally", "failed"
IMPLIED = "implied by Rally"
"""What became of a chosen pair (``run_accept.Written.status``); ``IMPLIED``: not written,
Rally's predecessors order the pair already, through the record's chain."""
_PAIR_RE = re.compile(r"^\s*([^:\s>]+?)\s*(?::|->|>)\s*([^:\s>]+)\s*$")


def proposals(analysis: Analysis, min_confidence: str = "low") -> list[Edge]:
    """Inferred edges at ``min_confidence`` or surer, surest first, then by target (hints
    only when asked for: ``hint``)."""
    floor = confidence_rank(_level(min_confidence))
    found = [
        e
        for e in (*analysis.edges, *analysis.hints)
        if e.kind != "explicit" and confidence_rank(e.confidence) <= floor
    ]
    return sorted(
        found,
        key=lambda e: (
            confidence_rank(e.confidence),
            e.target.prefix,
            e.target.number,
            e.source.prefix,
            e.source.number,
        ),
    )


def _level(level: str) -> str:
    if level not in INFERRED_LEVELS:
        raise UsageError(
            f"unknown confidence {level!r}",
            hint=f"Use one of: {', '.join(INFERRED_LEVELS)}.",
        )
    return level


def parse_pairs(
    texts: Iterable[str], option: str = "--accept", *, unordered: bool = False
) -> list[tuple[StoryKey, StoryKey]]:
    """``US-1:US-2`` (also ``US-1->US-2``; several per argument, split by commas) -> pairs;
    ``option`` names the flag in the hint. ``unordered``: pairs of a conflict, each with the
    smaller key first."""
    pairs: list[tuple[StoryKey, StoryKey]] = []
    for text in texts:
        for part in (p for p in text.split(",") if p.strip()):
            match = _PAIR_RE.match(part)
            first = StoryKey.try_parse(match.group(1)) if match else None
            second = StoryKey.try_parse(match.group(2)) if match else None
            if first is None or second is None:
                raise UsageError(
                    f"{part.strip()!r} is not a pair of stories",
                    hint=f"Write A:B, e.g. {option} US-120:US-121 (in either order)."
                    if unordered
                    else f"Write BEFORE:AFTER, e.g. {option} US-120:US-121 (US-120 comes first).",
                )
            if first == second:
                raise UsageError(
                    f"{part.strip()!r} links {first} to itself",
                    hint="A conflict is between two stories: name the other one."
                    if unordered
                    else "A story cannot wait for itself: name the story it waits for.",
                )
            if unordered:
                first, second = order_free(first, second)
            if (first, second) not in pairs:
                pairs.append((first, second))
    return pairs


@dataclass(frozen=True)
class Choice:
    """What to do with a pair asked for."""

    source: StoryKey
    target: StoryKey
    edge: Edge | None
    """The inferred edge it makes Rally's (its kind and confidence are reported); None when
    the analysis did not infer the pair."""
    in_rally: bool = False
    """The cache holds it as a Rally predecessor already: nothing to write."""
    read: bool = False
    """A reader stated it (``--link``) and the texts' rules had not inferred it."""
    chain: tuple[StoryKey, ...] = ()
    """Rally's predecessors between the analysed stories already order the pair through these
    stories (``implied``): a pair named with ``--accept`` is written all the same, and the
    report says so."""
    leave: bool = False
    """Nothing to write: ``chain`` orders the pair already and it was not named
    (``--accept-all``)."""


def check_known(analysis: Analysis, pairs: Sequence[tuple[StoryKey, StoryKey]]) -> None:
    """Refuses a pair naming a story the analysis did not read."""
    known = set(analysis.stories)
    for pair in pairs:
        for key in pair:
            if key not in known:
                raise UsageError(
                    f"{key} is not among the analysed stories",
                    hint="Check the key, or run `pantheon sync` (and --epic) to cache it.",
                )


def choose(analysis: Analysis, pairs: Sequence[tuple[StoryKey, StoryKey]]) -> list[Choice]:
    """The edges the pairs name. A pair the analysis does not infer is refused (with the
    reverse pointed out when that is what the analysis found)."""
    by_pair = {(e.source, e.target): e for e in (*analysis.hints, *analysis.edges)}
    check_known(analysis, pairs)
    chains = chains_of(analysis, (by_pair[p] for p in pairs if p in by_pair))
    out: list[Choice] = []
    for source, target in pairs:
        edge = by_pair.get((source, target))
        if edge is None:
            reverse = by_pair.get((target, source))
            hint = (
                f"The analysis found the other direction: {target}:{source}."
                if reverse
                else "Run `pantheon deps --review` to list the edges it found."
            )
            raise UsageError(f"no inferred edge {source} -> {target}", hint=hint)
        if edge.kind == "explicit":
            out.append(Choice(source, target, None, in_rally=True))
        else:
            out.append(Choice(source, target, edge, chain=chains.get((source, target), ())))
    return out


@dataclass(frozen=True)
class Review:
    """``--review``: the inferred edges Rally lacks, those its predecessors imply already, and
    the pairs left out as dismissed."""

    found: list[Edge]
    """Left to judge."""
    stories: Sequence[Story]
    dismissed: list[dict[str, Any]]
    left_out: str
    files: list[dict[str, Any]] = field(default_factory=list)
    """The files the team dismissed (``dismiss_report.file_docs``)."""
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    """The conflicts the team declared (``declared.review_docs``)."""
    implied: list[Implied] = field(default_factory=list)
    """Inferred edges Rally's predecessors already order through a chain: nothing to write."""

    def document(self) -> dict[str, Any]:
        return {
            **review_document(self.found, self.stories, self.dismissed, self.implied),
            "dismissed_files": self.files,
            "declared_conflicts": self.conflicts,
        }

    def render(self, *, evidence: bool) -> str:
        return render_review(
            self.found,
            self.stories,
            evidence=evidence,
            left_out=self.left_out,
            implied=self.implied,
        )


def review(
    analysis: Analysis,
    stories: Sequence[Story],
    min_confidence: str | None,
    team: Judged | None = None,
) -> Review:
    """The review of ``analysis`` at ``min_confidence`` (default low); ``team``: the team's file
    the analysis was made with: who dismissed each pair left out, when and why, the files it
    dismissed with the conflicts they would make, the conflicts it declared."""
    team = team or Judged()
    lines = [left_out_line(analysis.dismissed), files_line(analysis)]
    lines.append(declared.review_line(analysis))
    found, implied = split(analysis, proposals(analysis, min_confidence or "low"))
    return Review(
        found,
        stories,
        dismissed_docs(analysis.dismissed, stories, team.pairs),
        "\n".join(line for line in lines if line),
        file_docs(analysis, team.files),
        declared.review_docs(analysis, team.conflicts),
        implied,
    )


def review_document(
    edges: Sequence[Edge],
    stories: Sequence[Story],
    dismissed: Sequence[dict[str, Any]] = (),
    implied: Sequence[Implied] = (),
) -> dict[str, Any]:
    """``dismissed``: the pairs left out as the team dismissed them
    (``dismiss_report.dismissed_docs``); ``implied``: the inferred edges Rally's predecessors
    order already, each with its chain."""
    titles = {s.key: s.title for s in stories}
    return {
        "proposed": [
            {**edge_doc(e), "from_title": titles.get(e.source), "to_title": titles.get(e.target)}
            for e in edges
        ],
        "counts": {level: sum(e.confidence == level for e in edges) for level in INFERRED_LEVELS},
        "dismissed": list(dismissed),
        "implied": [{**edge_doc(i.edge), "chain": [str(k) for k in i.chain]} for i in implied],
    }


def render_review(
    edges: Sequence[Edge],
    stories: Sequence[Story],
    *,
    evidence: bool,
    left_out: str = "",
    implied: Sequence[Implied] = (),
) -> str:
    """``left_out``: the line saying which pairs the team dismissed (``dismiss_report``);
    ``implied``: the inferred edges Rally's predecessors order already."""
    if not edges:
        head = (
            "Every inferred dependency is already in Rally's order: a predecessor, or a "
            "chain of them."
            if implied
            else "Every inferred dependency is already a Rally predecessor."
        )
        lines = [head, *_implied_lines(implied, evidence=evidence)]
        if left_out:
            lines += ["", left_out] if implied else [left_out]
        return "\n".join(lines)
    titles = {s.key: s.title for s in stories}
    lines = [f"Inferred dependencies Rally does not have ({len(edges)}):", ""]
    level = None
    for edge in edges:
        if edge.confidence != level:
            level = edge.confidence
            lines.append(f"{level.capitalize()} confidence:")
        lines.append(
            f"  {edge.source}:{edge.target}  {edge.source} ({titles.get(edge.source, '?')})"
            f" before {edge.target} ({titles.get(edge.target, '?')}) [{edge.kind}]"
        )
        if evidence:
            lines.append(f"      {edge.evidence}")
    lines += _implied_lines(implied, evidence=evidence)
    if left_out:
        lines += ["", left_out]
    lines += [
        "",
        "Next: `pantheon deps --accept BEFORE:AFTER ...` writes chosen ones as Rally "
        "predecessors; `--accept-all --min-confidence high` takes every sure one; "
        "`--dismiss BEFORE:AFTER ...` records a wrong one, so the team's analysis leaves it out.",
        "The rules miss many dependencies a reader finds: write those with "
        "`pantheon deps --link BEFORE:AFTER ...` (an agent: the MCP prompt rally-read-deps).",
    ]
    return "\n".join(lines)


def _implied_lines(implied: Sequence[Implied], *, evidence: bool) -> list[str]:
    """The group of inferred edges Rally's predecessors order already (none: no lines)."""
    if not implied:
        return []
    lines = ["", "Already ordered by Rally (nothing to write):"]
    for item in implied:
        edge = item.edge
        lines.append(f"  {edge.source}:{edge.target}  {arrow(item.chain)}")
        if evidence:
            lines.append(f"      {edge.evidence}")
    return lines


def render_written(
    written: Sequence[Any],
    *,
    dry_run: bool,
    cached: bool = False,
    overrules: Sequence[Edge] = (),
) -> str:
    """The accept (and link) report; ``written`` are ``run_accept.Written`` records,
    ``overrules`` the inferred edges the links put the other way. Edges left alone because
    Rally's predecessors order them already (``--accept-all``) are counted in one line."""
    marks = {ADDED: "+", WOULD_ADD: "+", ALREADY: "=", FAILED: "!"}
    implied = sum(w.status == IMPLIED for w in written)
    if dry_run:
        would = sum(w.status == WOULD_ADD for w in written)
        head = f"Dry run: nothing written. {count(would, 'predecessor')} would be added in Rally:"
    else:
        added = sum(w.status == ADDED for w in written)
        head = f"Rally predecessors: {added} added."
    lines = [head]
    for w in written:
        if w.status == IMPLIED:
            continue
        why = f": {w.message}" if w.message else ""
        chain = f" (already ordered by Rally: {arrow(w.chain)})" if w.chain else ""
        lines.append(
            f"  {marks.get(w.status, '?')} {w.source} before {w.target} ({w.status})"
            f"{_reason(w)}{chain}{why}"
        )
    if implied:
        lines.append(
            f"{implied} already ordered by Rally's predecessors: not written "
            "(`pantheon deps --review` shows the chains)."
        )
    if overrules:
        lines.append(
            f"{'Would overrule' if dry_run else 'Overrules'} what the texts suggested "
            "(Rally's order puts it the other way; the analysis leaves it out):"
        )
        lines += [f"  {e.source} before {e.target} [{e.kind}, {e.confidence}]" for e in overrules]
    failed = [w for w in written if w.status == FAILED]
    if failed:
        lines.append(f"{len(failed)} not written: fix the cause above, then run the same command.")
    if dry_run and not failed:
        lines.append("Next: run it again without --dry-run to write them.")
    if cached:
        lines.append("✅ Local cache updated: `pantheon deps` shows them as Rally's")
    elif not failed and not dry_run and any(w.status == ADDED for w in written):
        lines.append("Next: Run `pantheon sync` so the cache and this report see them as Rally's.")
    return "\n".join(lines)


def _reason(written: Any) -> str:
    """`` [api, high]`` for an inferred edge, `` [read]`` for a reader's link."""
    if written.read:
        return " [read]"
    return "" if written.kind == "explicit" else f" [{written.kind}, {written.confidence}]"
