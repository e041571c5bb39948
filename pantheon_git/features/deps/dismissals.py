"""The inferred dependencies a team dismissed as wrong (``pantheon deps --dismiss``), and the
file that keeps them: ``dismissed-deps.yaml``, beside the config file, committed with the code.

Rally has no field for "not a predecessor", so the judgement lives with the repository. The
file is YAML with one entry per line, sorted by pair, so two developers who dismiss different
pairs change different lines, and ``merge=union`` (in a ``.gitattributes`` beside it, which
the first write adds) lets git merge even two lines added at the same place::

    # Inferred dependencies this team dismissed as wrong: `pantheon deps` leaves them out.
    # ...
    dismissed:
      - {pair: "US-121:US-124", by: "alice@example.com", date: 2026-03-01, why: "a mock"}

``pair`` is BEFORE:AFTER as the analysis wrote the edge (AFTER would wait for BEFORE); ``by``,
``date`` and ``why`` say who judged it, when, and why. A union merge may leave one pair twice,
or lines out of order: both are read (the first entry of a pair wins) and the next write
tidies them. Anything else the reader does not know is refused with the file and line.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from pantheon_git.core import safeyaml
from pantheon_git.core.keys import StoryKey
from pantheon_git.errors import ConfigError, UsageError
from pantheon_git.features.deps.model import Edge, key_order

Pair = tuple[StoryKey, StoryKey]
"""(before, after): the edge ``before -> after`` (``after`` would wait for ``before``)."""

FILE_NAME = "dismissed-deps.yaml"
HEADER = (
    "# Inferred dependencies this team dismissed as wrong: `pantheon deps` leaves them out, and\n"
    "# so do `pantheon plan` and `pantheon checkout --epic`. Written by `pantheon deps --dismiss`\n"
    "# and `--undismiss`; commit this file so the whole team's analysis leaves them out too.\n"
    "# One pair per line (BEFORE:AFTER), sorted.\n"
)
SECTION = "dismissed:"
MERGE_ATTRIBUTE = f"{FILE_NAME} merge=union"
"""The ``.gitattributes`` line the file's folder gets: git merges it line by line."""
FIELDS = ("pair", "by", "date", "why")
FIX = (
    "Fix that line (each entry: "
    '- {pair: "US-1:US-2", by: "you@example.com", date: 2026-03-01, why: "..."}), '
    "or take the file back from git."
)


@dataclass(frozen=True)
class Dismissal:
    source: StoryKey
    target: StoryKey
    by: str = ""
    date: str = ""
    """The day it was dismissed (ISO date)."""
    why: str = ""

    @property
    def pair(self) -> Pair:
        return (self.source, self.target)


def pair_text(pair: Pair) -> str:
    return f"{pair[0]}:{pair[1]}"


def pairs_of(entries: Iterable[Dismissal]) -> frozenset[Pair]:
    return frozenset(e.pair for e in entries)


def one_line(text: str) -> str:
    """``text`` on one line of printable characters (a ``why`` must not split its entry)."""
    return "".join(c for c in " ".join(text.split()) if c.isprintable())


def render(entries: Iterable[Dismissal]) -> str:
    """The file: the header, then one entry per line, sorted by pair (each pair once)."""
    unique = {e.pair: e for e in reversed(list(entries))}  # the first of a pair wins
    lines = [HEADER + SECTION]
    for entry in sorted(unique.values(), key=lambda e: (key_order(e.source), key_order(e.target))):
        fields = [f"pair: {_quoted(pair_text(entry.pair))}"]
        if entry.by:
            fields.append(f"by: {_quoted(entry.by)}")
        if entry.date:
            fields.append(f"date: {entry.date}")
        if entry.why:
            fields.append(f"why: {_quoted(one_line(entry.why))}")
        lines.append(f"  - {{{', '.join(fields)}}}")
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    # a JSON string of printable characters is a YAML double-quoted scalar
    return json.dumps(one_line(text), ensure_ascii=False)


def parse(text: str, where: str) -> list[Dismissal]:
    """The entries of a dismissed-deps file (``where`` names it in errors): a ``ConfigError``
    naming the file and line for anything else than the header, comments and one entry per
    line."""
    entries: list[Dismissal] = []
    seen: set[Pair] = set()
    section = False
    for number, line in enumerate(text.split("\n"), 1):
        body = line.strip()
        if not body or body.startswith("#"):
            continue
        if not section:
            if body.replace(" ", "") not in (SECTION, SECTION + "[]"):
                _bad(where, number, f"expected `{SECTION}` before the entries")
            section = True
            continue
        if not body.startswith("- "):
            _bad(where, number, "expected one entry per line, starting with `- `")
        entry = _entry(body[2:], where, number)
        if entry.pair not in seen:
            seen.add(entry.pair)
            entries.append(entry)
    return entries


def _entry(text: str, where: str, number: int) -> Dismissal:
    try:
        value = safeyaml.load(text, max_bytes=4096)
    except (yaml.YAMLError, safeyaml.YamlLimit):
        value = None
    if not isinstance(value, dict):
        _bad(where, number, f"not an entry: {text[:80]}")
    unknown = sorted(str(k) for k in value if k not in FIELDS)
    if unknown:
        _bad(where, number, f"unknown field {unknown[0]!r} (known: {', '.join(FIELDS)})")
    pair = value.get("pair")
    try:
        source, target = _pair(pair)
    except (UsageError, ValueError):
        _bad(where, number, f"pair: expected BEFORE:AFTER (US-1:US-2), got {pair!r}")
    fields = {}
    for name in ("by", "date", "why"):
        item = value.get(name)
        if isinstance(item, dt.date):
            item = item.isoformat()
        if item is not None and not isinstance(item, str):
            _bad(where, number, f"{name}: expected text, got {item!r}")
        fields[name] = item or ""
    return Dismissal(source, target, **fields)


def _pair(value: Any) -> Pair:
    if not isinstance(value, str) or value.count(":") != 1:
        raise ValueError(value)
    before, after = (StoryKey.parse(part.strip()) for part in value.split(":"))
    if before == after:
        raise ValueError(value)
    return before, after


def _bad(where: str, number: int, problem: str) -> Any:
    raise ConfigError(f"{where}:{number}: {problem}", hint=FIX)


# --- what a call changes ----------------------------------------------------------------------

DISMISSED, WOULD_DISMISS, ALREADY = "dismissed", "would dismiss", "already dismissed"
UNDISMISSED, WOULD_UNDISMISS, NOT_DISMISSED = "undismissed", "would undismiss", "not dismissed"


@dataclass(frozen=True)
class Outcome:
    """What became of one pair asked for."""

    entry: Dismissal
    status: str
    edge: Edge | None
    """The edge (or hint) the analysis infers for the pair; None: it infers none now."""

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "from": str(self.entry.source),
            "to": str(self.entry.target),
            "status": self.status,
            "inferred": self.edge is not None,
        }
        if self.edge is not None:
            doc["kind"], doc["confidence"] = self.edge.kind, self.edge.confidence
        for name in ("by", "date", "why"):
            if getattr(self.entry, name):
                doc[name] = getattr(self.entry, name)
        return doc


def check_not_rally(pairs: Sequence[Pair], rally: Collection[Pair]) -> None:
    """Refuses a pair that is a Rally predecessor: Rally's order is not the texts' guess."""
    for before, after in pairs:
        if (before, after) in rally:
            raise UsageError(
                f"{before}:{after} is a Rally predecessor ({before} is among {after}'s "
                "Predecessors), not an inferred dependency: it cannot be dismissed",
                hint=f"If it is wrong, remove {before} from {after}'s Predecessors in Rally and "
                "run `pantheon sync`; until then `pantheon deps` shows it as Rally's.",
            )


def dismiss(
    entries: Sequence[Dismissal],
    pairs: Sequence[Pair],
    inferred: dict[Pair, Edge],
    *,
    by: str,
    date: str,
    why: str,
    dry_run: bool,
) -> tuple[list[Dismissal], list[Outcome]]:
    """``entries`` with ``pairs`` added (those there already are kept as they are), and what
    became of each pair. ``inferred``: the edges the analysis infers, by pair."""
    have = {e.pair: e for e in entries}
    out: list[Outcome] = []
    added: list[Dismissal] = []
    for pair in pairs:
        if pair in have:
            out.append(Outcome(have[pair], ALREADY, inferred.get(pair)))
            continue
        entry = Dismissal(pair[0], pair[1], by, date, one_line(why))
        added.append(entry)
        out.append(Outcome(entry, WOULD_DISMISS if dry_run else DISMISSED, inferred.get(pair)))
    return [*entries, *added], out


def undismiss(
    entries: Sequence[Dismissal],
    pairs: Sequence[Pair],
    inferred: dict[Pair, Edge],
    *,
    dry_run: bool,
) -> tuple[list[Dismissal], list[Outcome]]:
    """``entries`` without ``pairs``, and what became of each pair."""
    have = {e.pair: e for e in entries}
    out = []
    for pair in pairs:
        if pair in have:
            status = WOULD_UNDISMISS if dry_run else UNDISMISSED
            out.append(Outcome(have[pair], status, inferred.get(pair)))
        else:
            out.append(Outcome(Dismissal(*pair), NOT_DISMISSED, inferred.get(pair)))
    return [e for e in entries if e.pair not in set(pairs)], out
