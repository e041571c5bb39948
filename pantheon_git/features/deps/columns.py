"""Tables defined by their columns, dotted names, and the columns stories add and use.

* "The users table (id, email, bio) ..." defines ``users``: a table written with a list of
  its columns is being created, whatever the verb.
* ``public.users`` and ``auth.users`` name the table ``users``; ``profiles.verification_status``
  names the column ``verification_status`` of ``profiles`` (so the table too).
* "A migration adds a username column (text, UNIQUE) to public.users" adds ``users.username``
  (and uses ``users``); "the data JSONB column" and "that username ... in public.users" use a
  column. A column links only when one story adds it, and never for names every table has.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pantheon_git.features.deps.paths import as_path
from pantheon_git.features.deps.tables import table_name
from pantheon_git.features.deps.text import word_set
from pantheon_git.features.deps.tokens import (
    CLOSE,
    CODE,
    MARKERS,
    OPEN,
    PUNCT,
    Sentence,
    Token,
)

SCHEMAS = word_set("public auth dbo main private app")
COMMON = word_set(
    "id uuid created_at updated_at deleted_at name title status type description value key"
)
ADDING = word_set("add adds added adding introduce introduces create creates")
_DOTTED_RE = re.compile(r"(?<![\w./@-])([A-Za-z_]\w*)\.([A-Za-z_]\w*)(?![\w/(-]|\.\w)")
COLUMN = word_set("column field attribute")
TYPES = word_set("jsonb json text varchar integer int boolean bool uuid timestamp timestamptz")

Column = tuple[str, str]
"""(table, column); the table is ``""`` when the text does not say which."""


def dotted(raw: str) -> tuple[str, str | None] | None:
    """``public.users`` -> ``("users", None)``; ``profiles.verification_status`` ->
    ``("profile", "verification_status")``; a file name -> ``None``."""
    text = raw.strip("`'\"(),;:")
    if as_path(text) is not None or text.count(".") != 1 or "/" in text:
        return None
    head, _, tail = text.partition(".")
    if not head.replace("_", "").isalnum() or not tail.replace("_", "").isalnum():
        return None
    if head.lower() in SCHEMAS:
        name = table_name(tail)
        return (name, None) if name else None
    name = table_name(head)
    # a table's name is plural ("users.email"); "workflow.started" is an event, "user.email"
    # an object's field, unless the column says it is one ("user.created_at")
    plural = name is not None and name != head.lower()
    return (name, tail.lower()) if name and ("_" in tail or (plural and tail.islower())) else None


def defined_tables(tokenised: Sequence[Sentence]) -> dict[str, tuple[str, list[str]]]:
    """Table -> (sentence, its columns) for "the X table (col, col, ...)"."""
    found: dict[str, tuple[str, list[str]]] = {}
    for sentence in tokenised:
        if "table" not in sentence.norms or "(" not in sentence.text:
            continue
        toks = sentence.toks()
        for i, (word, _raw) in enumerate(toks[:-1]):
            if word == "table" and i > 0 and toks[i + 1][0] == OPEN:
                columns = _listed(toks, i + 1)
                name = table_name(toks[i - 1][1]) if toks[i - 1][0] != CODE else None
                if name and len(columns) >= 2:
                    found.setdefault(name, (sentence.text, columns))
    return found


def _listed(toks: list[Token], i: int) -> list[str]:
    """The first word of each comma-separated item in the brackets opening at ``i``."""
    items: list[str] = []
    fresh = True
    for word, raw in toks[i + 1 :]:
        if word == CLOSE:
            break
        if word == PUNCT and raw == ",":
            fresh = True
        elif fresh:
            if word != CODE:  # "(public.users, id, email)": the table's own name is no column
                items.append(raw.lower())
            fresh = False
    return items


def column_facts(
    tokenised: Sequence[Sentence], defined: dict[str, tuple[str, list[str]]]
) -> tuple[dict[Column, str], dict[Column, str], dict[str, str]]:
    """``(added, used, tables)``: columns the story adds and uses, and the tables its dotted
    names refer to."""
    added: dict[Column, str] = {}
    used: dict[Column, str] = {}
    tables: dict[str, str] = {}
    for table, (quote, columns) in defined.items():
        for column in columns:
            if column not in COMMON:
                added.setdefault((table, column), quote)
    for sentence in tokenised:
        if _may_name_columns(sentence):
            _sentence_columns(sentence, added, used, tables)
    for pair in added:
        used.pop(pair, None)
        used.pop(("", pair[1]), None)
    return added, used, tables


def _sentence_columns(
    sentence: Sentence, added: dict[Column, str], used: dict[Column, str], tables: dict[str, str]
) -> None:
    toks = sentence.toks()
    named: list[str] = []
    for match in _DOTTED_RE.finditer(sentence.text):
        hit = dotted(match.group())
        if hit is None:
            continue
        table, column = hit
        tables.setdefault(table, sentence.text)
        named.append(table)
        if column:
            used.setdefault((table, column), sentence.text)
    dotted_only = list(named)
    named += [table_name(toks[i - 1][1]) or "" for i in _table_words(toks)]
    for table in _column_on(toks):  # "a carrier_id column on shipments"
        tables.setdefault(table, sentence.text)
        named.append(table)
    _adds(toks, sentence.text, named, added)
    for i, (word, raw) in enumerate(toks):
        if word in COLUMN and i > 0:
            column = _column_before(toks, i)
            if column and column not in COMMON:
                used.setdefault(("", column), sentence.text)
        elif dotted_only and ("_" in raw or (word.isalpha() and len(word) > 3)):
            # "that username is taken in public.users": a word beside a dotted table
            for table in dotted_only:
                used.setdefault((table, raw.lower()), sentence.text)


def _may_name_columns(sentence: Sentence) -> bool:
    """Cheap test first: a dotted name, or a word for a table or a column."""
    if not COLUMN.isdisjoint(sentence.norms) or "table" in sentence.norms:
        return True
    return "." in sentence.text[:-1] and _DOTTED_RE.search(sentence.text) is not None


def _table_words(toks: list[Token]) -> list[int]:
    return [
        i for i, (w, _r) in enumerate(toks) if w == "table" and i > 0 and toks[i - 1][0] != CODE
    ]


def _column_on(toks: list[Token]) -> list[str]:
    """ "a X column on shipments", "a X field to the orders table": the table it goes on."""
    out: list[str] = []
    for i, (word, _raw) in enumerate(toks[:-1]):
        if word in COLUMN and toks[i + 1][0] in ("on", "to", "into"):
            j = i + 2
            while j < len(toks) and toks[j][0] in ("the", "a", "an"):
                j += 1
            if j < len(toks) and toks[j][0] not in MARKERS:
                name = table_name(toks[j][1])
                if name and not (j + 1 < len(toks) and toks[j + 1][0] == "table"):
                    out.append(name)  # "... the orders table" is found by the table rule
    return out


def _column_before(toks: list[Token], i: int) -> str | None:
    """ "the data JSONB column" -> ``data``; "a username column" -> ``username``."""
    j = i - 1
    if j >= 0 and toks[j][0] in TYPES:
        j -= 1
    if j < 0 or toks[j][0] == CODE or not toks[j][1].replace("_", "").isalnum():
        return None
    return toks[j][1].lower()


def _adds(toks: list[Token], quote: str, named: list[str], added: dict[Column, str]) -> None:
    """ "adds a username column (text, UNIQUE) to public.users"."""
    if ADDING.isdisjoint(w for w, _r in toks) or COLUMN.isdisjoint(w for w, _r in toks):
        return
    tables = [t for t in named if t]
    if len(tables) != 1:
        return
    adding = False
    for i, (word, _raw) in enumerate(toks):
        adding = adding or word in ADDING
        if word in COLUMN and adding:
            column = _column_before(toks, i)
            if column and column not in COMMON:
                added.setdefault((tables[0], column), quote)
