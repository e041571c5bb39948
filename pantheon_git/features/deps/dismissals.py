"""The inferred dependencies a team dismissed as wrong (``pantheon deps --dismiss``), the files
it judged no conflict (``--dismiss-file``), the conflicts it declared (``--conflict``), and the
file that keeps them:
``dismissed-deps.yaml``, beside the config file, committed with the code.

Rally has no field for "not a predecessor", so the judgement lives with the repository. The
file is YAML with one entry per line, sorted by pair, so two developers who dismiss different
pairs change different lines, and ``merge=union`` (in a ``.gitattributes`` beside it, which
the first write adds) lets git merge even two lines added at the same place::

    # Inferred dependencies this team dismissed as wrong: `pantheon deps` leaves them out.
    # ...
    dismissed:
      - {pair: "US-121:US-124", by: "alice@example.com", date: 2026-03-01, why: "a mock"}
    files:
      - {path: "data/app_state.json", by: "bob@example.com", date: 2026-03-02, why: "..."}
    conflicts:
      - {pair: "US-121:US-130", file: "docker-compose.yml", by: "carol@example.com", ...}

``pair`` is BEFORE:AFTER as the analysis wrote the edge (AFTER would wait for BEFORE); ``path``
a file as the analysis reads a named path (``paths.as_path``): two stories that share only
such files do not conflict. A conflict's ``pair`` is two stories that must not run at the same
time, the smaller key first (as the analysis orders a conflict's stories); its ``file`` the file
both change, as a named path is read, or ``null`` when the team named none: a conflict entry
always has ``file``, which tells it from a dismissed pair. ``by``, ``date`` and ``why`` say who
judged it, when, and why. ``files:`` and ``conflicts:`` are written only when they have entries
(older files have neither). An entry is a pair, a file or a conflict by its fields, not by the
section it sits in: a union merge may leave one entry
twice, lines out of order, even under the other heading; all is read (the first entry of a pair
or path wins) and the next write tidies them. Anything else the reader does not know is refused
with the file and line.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml

from pantheon_git.core import safeyaml
from pantheon_git.core.keys import StoryKey
from pantheon_git.errors import ConfigError, UsageError
from pantheon_git.features.deps.model import Edge, key_order
from pantheon_git.features.deps.paths import as_path

Pair = tuple[StoryKey, StoryKey]
"""(before, after): the edge ``before -> after`` (``after`` would wait for ``before``)."""

FILE_NAME = "dismissed-deps.yaml"
HEADER = (
    "# Inferred dependencies this team dismissed as wrong: `pantheon deps` leaves them out, and\n"
    "# so do `pantheon plan` and `pantheon checkout --epic`. Written by `pantheon deps --dismiss`\n"
    "# and `--undismiss`; commit this file so the whole team's analysis leaves them out too.\n"
    "# One pair per line (BEFORE:AFTER), sorted; under files:, the files the team judged no\n"
    "# conflict (`pantheon deps --dismiss-file`), one path per line, sorted; under conflicts:,\n"
    "# the pairs the team declared must not run at the same time (`pantheon deps --conflict`).\n"
)
SECTION = "dismissed:"
FILES_SECTION = "files:"
CONFLICTS_SECTION = "conflicts:"
MERGE_ATTRIBUTE = f"{FILE_NAME} merge=union"
"""The ``.gitattributes`` line the file's folder gets: git merges it line by line."""
FIELDS = ("pair", "by", "date", "why")
FILE_FIELDS = ("path", "by", "date", "why")
CONFLICT_FIELDS = ("pair", "file", "by", "date", "why")
FIX = (
    "Fix that line (each entry: "
    '- {pair: "US-1:US-2", by: "you@example.com", date: 2026-03-01, why: "..."}, '
    'or under files: - {path: "data/state.json", ...}, or under conflicts: '
    '- {pair: "US-1:US-2", file: "docker-compose.yml", ...}), or take the file back from git.'
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


@dataclass(frozen=True)
class FileDismissal:
    """A file the team judged no conflict: stories sharing only it may run side by side."""

    path: str
    by: str = ""
    date: str = ""
    why: str = ""


@dataclass(frozen=True)
class Declaration:
    """A conflict the team declared: ``a`` and ``b`` (``a`` first by ``key_order``) change one
    file, ``file`` when the team named it, so they must not run at the same time."""

    a: StoryKey
    b: StoryKey
    file: str | None = None
    by: str = ""
    date: str = ""
    why: str = ""

    @property
    def pair(self) -> Pair:
        return (self.a, self.b)

    def note(self) -> str:
        """Who declared it and why, as the conflict's evidence gives it."""
        by = f" by {self.by}" if self.by else ""
        return f"declared{by}: {self.why}" if self.why else f"declared{by}"


@dataclass(frozen=True)
class Judged:
    """Everything the file holds."""

    pairs: tuple[Dismissal, ...] = ()
    files: tuple[FileDismissal, ...] = ()
    conflicts: tuple[Declaration, ...] = ()

    def paths(self) -> frozenset[str]:
        return frozenset(f.path for f in self.files)


Entry = Dismissal | FileDismissal | Declaration
E = TypeVar("E", Dismissal, FileDismissal, Declaration)
K = TypeVar("K", bound=Hashable)


def order_free(a: StoryKey, b: StoryKey) -> Pair:
    """A conflict's pair: the smaller key first, as the analysis orders a conflict's stories."""
    return (a, b) if key_order(a) <= key_order(b) else (b, a)


def notes(entry: Entry) -> dict[str, str]:
    """Who judged an entry, when and why: those the entry has."""
    return {name: getattr(entry, name) for name in ("by", "date", "why") if getattr(entry, name)}


def pair_of(entry: Dismissal | Declaration) -> Pair:
    """The pair an entry is kept by (``changed``'s key)."""
    return entry.pair


def pair_text(pair: Pair) -> str:
    return f"{pair[0]}:{pair[1]}"


def pairs_of(entries: Iterable[Dismissal]) -> frozenset[Pair]:
    return frozenset(e.pair for e in entries)


def one_line(text: str) -> str:
    """``text`` on one line of printable characters (a ``why`` must not split its entry)."""
    return "".join(c for c in " ".join(text.split()) if c.isprintable())


def render(
    entries: Iterable[Dismissal],
    files: Iterable[FileDismissal] = (),
    conflicts: Iterable[Declaration] = (),
) -> str:
    """The file: the header, then one entry per line, sorted by pair (each pair once), then
    the files, sorted by path (each once), under ``files:`` when there are any, then the
    declared conflicts, sorted by pair (each once), under ``conflicts:`` when there are any."""
    unique = {e.pair: e for e in reversed(list(entries))}  # the first of a pair wins
    lines = [HEADER + SECTION]
    for entry in sorted(unique.values(), key=lambda e: (key_order(e.source), key_order(e.target))):
        lines.append(_line(f"pair: {_quoted(pair_text(entry.pair))}", entry))
    paths = {f.path: f for f in reversed(list(files))}
    if paths:
        lines.append(FILES_SECTION)
        lines += [_line(f"path: {_quoted(path)}", paths[path]) for path in sorted(paths)]
    declared = {c.pair: c for c in reversed(list(conflicts))}
    if declared:
        lines.append(CONFLICTS_SECTION)
        for pair in sorted(declared, key=lambda p: (key_order(p[0]), key_order(p[1]))):
            conflict = declared[pair]
            file = "null" if conflict.file is None else _quoted(conflict.file)
            lines.append(_line(f"pair: {_quoted(pair_text(pair))}, file: {file}", conflict))
    return "\n".join(lines) + "\n"


def _line(first: str, entry: Entry) -> str:
    fields = [first]
    if entry.by:
        fields.append(f"by: {_quoted(entry.by)}")
    if entry.date:
        fields.append(f"date: {entry.date}")
    if entry.why:
        fields.append(f"why: {_quoted(one_line(entry.why))}")
    return f"  - {{{', '.join(fields)}}}"


def _quoted(text: str) -> str:
    # a JSON string of printable characters is a YAML double-quoted scalar
    return json.dumps(one_line(text), ensure_ascii=False)


def parse(text: str, where: str) -> list[Dismissal]:
    """The pairs of a dismissed-deps file (``read`` has its files too)."""
    return list(read(text, where).pairs)


HEADINGS = (SECTION, SECTION + "[]", FILES_SECTION, CONFLICTS_SECTION)


def read(text: str, where: str) -> Judged:
    """The entries of a dismissed-deps file (``where`` names it in errors): a ``ConfigError``
    naming the file and line for anything else than the headings, comments and one entry per
    line."""
    entries: dict[Pair, Dismissal] = {}
    files: dict[str, FileDismissal] = {}
    declared: dict[Pair, Declaration] = {}
    section = False
    for number, line in enumerate(text.split("\n"), 1):
        body = line.strip()
        if not body or body.startswith("#"):
            continue
        heading = body.replace(" ", "") in HEADINGS
        if not section and not heading:
            _bad(where, number, f"expected `{SECTION}` before the entries")
        section = True
        if heading:
            continue
        if not body.startswith("- "):
            _bad(where, number, "expected one entry per line, starting with `- `")
        entry = _entry(body[2:], where, number)
        if isinstance(entry, FileDismissal):
            files.setdefault(entry.path, entry)
        elif isinstance(entry, Declaration):
            declared.setdefault(entry.pair, entry)
        else:
            entries.setdefault(entry.pair, entry)
    return Judged(tuple(entries.values()), tuple(files.values()), tuple(declared.values()))


def _entry(text: str, where: str, number: int) -> Entry:
    try:
        value = safeyaml.load(text, max_bytes=4096)
    except (yaml.YAMLError, safeyaml.YamlLimit):
        value = None
    if not isinstance(value, dict):
        _bad(where, number, f"not an entry: {text[:80]}")
    known: tuple[str, ...]
    if "path" in value and "pair" not in value:
        known = FILE_FIELDS
    else:
        known = CONFLICT_FIELDS if "file" in value else FIELDS
    unknown = sorted(str(k) for k in value if k not in known)
    if unknown:
        _bad(where, number, f"unknown field {unknown[0]!r} (known: {', '.join(known)})")
    fields = _notes(value, where, number)
    if known is FILE_FIELDS:
        path = value.get("path")
        if not isinstance(path, str) or as_path(path) != path:
            _bad(where, number, f"path: expected a file path (data/state.json), got {path!r}")
        return FileDismissal(path, **fields)
    if known is CONFLICT_FIELDS:
        return _declaration(value, fields, where, number)
    pair = value.get("pair")
    try:
        source, target = _pair(pair)
    except (UsageError, ValueError):
        _bad(where, number, f"pair: expected BEFORE:AFTER (US-1:US-2), got {pair!r}")
    return Dismissal(source, target, **fields)


def _declaration(
    value: dict[Any, Any], fields: dict[str, str], where: str, number: int
) -> Declaration:
    pair, file = value.get("pair"), value.get("file")
    try:
        a, b = _pair(pair)
    except (UsageError, ValueError):
        _bad(where, number, f"pair: expected two stories (US-1:US-2), got {pair!r}")
    if file is not None and (not isinstance(file, str) or as_path(file) != file):
        _bad(where, number, f"file: expected a file path (compose.yaml) or null, got {file!r}")
    first, second = order_free(a, b)
    return Declaration(first, second, file, **fields)


def _notes(value: dict[Any, Any], where: str, number: int) -> dict[str, str]:
    """``by``, ``date`` and ``why`` of an entry (empty when absent)."""
    fields = {}
    for name in ("by", "date", "why"):
        item = value.get(name)
        if isinstance(item, dt.date):
            item = item.isoformat()
        if item is not None and not isinstance(item, str):
            _bad(where, number, f"{name}: expected text, got {item!r}")
        fields[name] = item or ""
    return fields


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
Words = tuple[str, str, str, str, str, str]
"""A call's statuses: added, would add, already there, taken out, would take out, not there."""
DISMISS_WORDS: Words = (
    DISMISSED,
    WOULD_DISMISS,
    ALREADY,
    UNDISMISSED,
    WOULD_UNDISMISS,
    NOT_DISMISSED,
)
DECLARE_WORDS: Words = (
    "declared",
    "would declare",
    "already declared",
    "undeclared",
    "would undeclare",
    "not declared",
)


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
        return doc | notes(self.entry)


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


def changed(
    entries: Sequence[E],
    keys: Sequence[K],
    key_of: Callable[[E], K],
    new: Callable[[K], E],
    *,
    undo: bool,
    dry_run: bool,
    words: Words = DISMISS_WORDS,
) -> tuple[list[E], list[tuple[E, str]]]:
    """``entries`` with ``keys`` (pairs, paths or conflicts) added, or taken out with
    ``undo``, and each key's entry and status (one of ``words``). An entry the file holds
    already is kept as it is; ``new`` makes the entry of a key it lacks."""
    added, would_add, already, removed, would_remove, absent = words
    have = {key_of(e): e for e in entries}
    done: list[tuple[E, str]] = []
    for key in keys:
        if key in have:
            moved = would_remove if dry_run else removed
            done.append((have[key], moved if undo else already))
        else:
            done.append((new(key), absent if undo else would_add if dry_run else added))
    if undo:
        gone = set(keys)
        return [e for e in entries if key_of(e) not in gone], done
    kept = list(entries)
    kept += [e for e, status in done if status in (added, would_add)]
    return kept, done
