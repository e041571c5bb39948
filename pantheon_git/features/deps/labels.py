"""Names of things people see, written in quotes: columns, tabs, states, buttons.

A story *introduces* a quoted name when the name follows a word for a place on screen ("the
three habit columns "Today", "Yesterday" and "The Pile"" makes all three), when an indefinite
article and such a word frame it (``a "Lively" state``, ``a "Retry" button``), or when a thing
becomes it (``to become "Junked"``), or when a creating verb makes it (``Implement "Next Day
Clearing" logic``). Any other quoted mention, or the name in title case
("into The Pile"), uses it. A link needs exactly one story introducing the name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from pantheon_git.features.deps.names import key_of
from pantheon_git.features.deps.text import norm, word_set

PLACES = word_set(
    """column section tab panel area slot region screen button link toggle field card badge
    banner menu state status stage step view"""
)
INTRODUCING = word_set(
    "become becomes turn turns called named add adds new create implement introduce"
)
# normalised: shows -> show; not "list", which is mostly a noun ("from its active list")
SHOWING = word_set("show display offer include with has")
PLACING = word_set("in into to from between on at under onto via through of")
LISTED = frozenset(("(", ",", ":", "|", "/"))
_CLAUSE_RE = re.compile(r"[.;:!?]\s")
_QUOTED_RE = re.compile(r'"([^"\n]{2,40})"|“([^”\n]{2,40})”')
_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_GAP_RE = re.compile(r"^\s*(?:,|and|or|,\s*and|,\s*or)\s*$")


def quoted_names(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """``(introduced, mentioned)``: name key -> the sentence (``text``) that says so, for the
    quoted names of ``text`` (title-case mentions: :func:`title_case_keys`)."""
    made: dict[str, str] = {}
    used: dict[str, str] = {}
    previous_end, previous_made = -1, False
    for match in _QUOTED_RE.finditer(text):
        key = _key(match.group(1) or match.group(2))
        if key is None or text[match.end() : match.end() + 1] == ":":  # '"checks": {': data
            previous_end = -1
            continue
        head = text[: match.start()]
        before = _words(head)[-2:]
        after = _words(text[match.end() : match.end() + 20])[:1]
        clause = _words(_CLAUSE_RE.split(head)[-1]) if " " in key_text(match) else []
        in_list = previous_made and bool(_GAP_RE.match(text[previous_end : match.start()]))
        makes = in_list or _introduces(before, after, clause)
        (made if makes else used).setdefault(key, text)
        previous_end, previous_made = match.end(), makes
    return made, used


def title_case_keys(raws: list[str]) -> Iterator[str]:
    """Keys of the runs of capitalised words after a sentence's first word ("into The
    Pile"), each run and its tails."""
    i = 1
    while i < len(raws):
        if not raws[i][:1].isupper():
            i += 1
            continue
        j = i
        while j < len(raws) and raws[j][:1].isupper() and j - i < 4:
            j += 1
        if j == i + 1 and raws[i - 1] in LISTED:
            i = j
            continue  # "(Play, Reset, Continue)": one capitalised word in a list or brackets
        for start in range(i, j):
            key = _key(" ".join(raws[start:j]))
            if key is not None:
                yield key
        i = j


def key_text(match: re.Match[str]) -> str:
    """The quoted words; a one-word label ("Rechazar") is too common to be introduced by
    what a screen shows, only by a place word or a state it becomes."""
    return (match.group(1) or match.group(2)).strip()


def _introduces(before: list[str], after: list[str], clause: list[str]) -> bool:
    if before and (before[-1] in PLACES or before[-1] in INTRODUCING):
        return True
    if before and before[-1] in ("a", "an") and bool(after) and after[0] in PLACES:
        return True  # a "Retry" button, also when the sentence starts there
    # "A pending offer shows the window, a countdown and "Cancelar Oferta"": what a screen
    # shows or comes with, unless a preposition places it ("drag into "The Pile"")
    return bool(before) and before[-1] not in PLACING and not SHOWING.isdisjoint(clause)


def _words(text: str) -> list[str]:
    return [norm(w) for w in _WORD_RE.findall(text)]


def _key(term: str) -> str | None:
    words = _words(term)
    if not words or len(words) > 4 or len(term) < 4 or not any(c.isalpha() for c in term):
        return None
    return key_of(words)


def story_labels(texts: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Quoted names across a story's sentences."""
    made: dict[str, str] = {}
    used: dict[str, str] = {}
    for text in texts:
        if '"' not in text and "“" not in text:
            continue
        m, u = quoted_names(text)
        for key, quote in m.items():
            made.setdefault(key, quote)
        for key, quote in u.items():
            used.setdefault(key, quote)
    for key in made:
        used.pop(key, None)
    return made, used
