"""Database tables a story creates, and the tables it refers to.

Created: "creates table users", "create the orders table", "add a new payments table",
``CREATE TABLE users``. Referred to: a foreign key or reference ("foreign key to orders",
"references users", ``REFERENCES users(id)``), a ``<table>_id`` column (``user_id`` refers to
``users``), "the orders table" / "the customers, addresses and orders tables", or a table's
own name written as an identifier (``notification_preferences``). Names compare singular and
lower case, so ``users``, ``Users`` and ``user_id`` meet.
"""

from __future__ import annotations

from pantheon_git.features.deps.phrases import STOP
from pantheon_git.features.deps.text import singular, word_set
from pantheon_git.features.deps.tokens import OPEN, PUNCT, Sentence, Token, is_word, next_word

CREATING = word_set(
    """create creates created creating add adds added adding introduce introduces introduced
    introducing define defines defined defining new"""
)
DETERMINERS = word_set("the a an new one another")
TABLE = frozenset(("table", "tables"))
NAMING = frozenset(("called", "named", "if", "not", "exists"))
KEY_LINKS = word_set("to on into referencing references against")
NOT_TABLES = STOP | word_set(
    """new one another same each every data database db temp temporary main following separate
    lookup join pivot hash truth routing decision base table"""
)
_TRIGGERS = word_set("table reference referencing referenced references fk foreign")


def table_name(raw: str) -> str | None:
    name = singular(raw.lower())
    return None if name in NOT_TABLES or len(name) < 2 or name.isdigit() else name


def created_tables(tokenised: list[Sentence]) -> dict[str, str]:
    """Table name -> the sentence that creates it."""
    found: dict[str, str] = {}
    for sentence in tokenised:
        if "table" not in sentence.norms:
            continue
        toks = sentence.toks()
        for i, raw in enumerate(sentence.raws):
            if raw.lower() in CREATING:
                for name in _created_after(toks, i + 1):
                    found.setdefault(name, sentence.text)
    return found


def _created_after(toks: list[Token], i: int) -> list[str]:
    """Tables named after a creating verb, joined by "and" / "or" / commas: "create the
    articles table (slug, title) and an article_revisions table", "the users and sessions
    tables", "tables for users, sessions and workflows"."""
    names: list[str] = []
    while True:
        hit = _created_at(toks, i)
        if hit is None:  # another thing first ("the Shipment entity and the shipments table")
            end = _next_item(toks, i)
            if end is None:
                break
            i = end
            continue
        found, end = hit
        names.extend(n for n in found if n)
        j = _skip_brackets(toks, end)
        if j < len(toks) and toks[j][0] == PUNCT and toks[j][1] == ",":
            j += 1
        if j >= len(toks) or toks[j][1].lower() not in ("and", "or"):
            break
        i = j + 1
    return names


def _next_item(toks: list[Token], i: int) -> int | None:
    """Where the next "and"/"or" item of the same clause starts (at most four words on)."""
    for j in range(i, min(len(toks), i + 5)):
        if toks[j][0] in ("and", "or"):
            return j + 1
        if not is_word(toks[j]):
            return None
    return None


def _created_at(toks: list[Token], i: int) -> tuple[list[str | None], int] | None:
    """After a creating verb: "[the|a new] table [called] X", "tables [for] X, Y and Z",
    "[the|a new] X table" or "the X and Y tables", with the index just after it."""
    j = next_word(toks, i, DETERMINERS)
    if j is None:
        return None
    low = toks[j][1].lower()
    if low in TABLE:
        k = next_word(toks, j + 1, NAMING | LISTING)
        if k is None:
            return None
        skipped = {raw.lower() for _w, raw in toks[j + 1 : k]}
        if low == "tables" or not PLURAL_LISTING.isdisjoint(skipped):
            names, end = _listed(toks, k)  # "CREATE TABLE statements for Users, Sessions"
            return names, end + (end < len(toks) and toks[end][1].lower() == "tables")
        return [table_name(toks[k][1])], k + 1
    names, end = _listed(toks, j)
    closing = toks[end][1].lower() if end < len(toks) else ""
    if closing == "tables" or (closing == "table" and len(names) == 1):
        return names, end + 1
    return None


LISTING = word_set("for statement statements definition definitions migration migrations")
PLURAL_LISTING = frozenset(("statements", "definitions", "migrations"))
"""Words between "table" and the names it creates; after a plural one, several names."""


def _listed(toks: list[Token], k: int) -> tuple[list[str | None], int]:
    """Single words from ``k`` joined by commas, "and" or "or" ("users, sessions and
    workflows"), and the index just after the last."""
    names = [table_name(toks[k][1])]
    end = k + 1
    while end + 1 < len(toks):
        link, nxt = toks[end], end + 1
        if link[1].lower() not in (",", "and", "or"):
            break
        if link[1] == "," and toks[nxt][1].lower() in ("and", "or"):
            nxt += 1  # an Oxford comma
        if nxt >= len(toks) or not is_word(toks[nxt]):
            break
        names.append(table_name(toks[nxt][1]))
        end = nxt + 1
    return names, end


def referenced_tables(tokenised: list[Sentence]) -> dict[str, str]:
    """Table name -> the sentence that refers to it (creating sentences included)."""
    found: dict[str, str] = {}
    for sentence in tokenised:
        if "_" not in sentence.text and _TRIGGERS.isdisjoint(sentence.norms):
            continue
        for name in _references(sentence.toks()):
            if name not in found:
                found[name] = sentence.text
    return found


def _references(toks: list[Token]) -> list[str]:
    names: list[str | None] = []
    triggers = [i for i, (w, _r) in enumerate(toks) if "_" in w or w in _TRIGGERS]
    for i in triggers:
        low = toks[i][1].lower()
        if "_" in low:
            names.append(table_name(low))
            if low.endswith("_id"):  # user_id -> users; default_vehicle_id -> also vehicles
                column = low[:-3]
                names += [table_name(column), table_name(column.rpartition("_")[2])]
        elif low in TABLE and not _on_screen(toks, i):
            names.extend(_around_table(toks, i))
        elif low.startswith("referenc") or low in ("fk", "fks"):
            j = next_word(toks, i + 1, DETERMINERS | TABLE | KEY_LINKS)
            names.append(table_name(toks[j][1]) if j is not None else None)
        elif low == "foreign" and i + 1 < len(toks) and toks[i + 1][1].lower() in ("key", "keys"):
            j = _skip_brackets(toks, i + 2)
            if j < len(toks) and toks[j][1].lower() in KEY_LINKS:
                k = next_word(toks, j + 1, DETERMINERS | TABLE)
                names.append(table_name(toks[k][1]) if k is not None else None)
    return [n for n in names if n]


SCREENS = word_set("ui page panel view dashboard screen modal drawer tab")


def _on_screen(toks: list[Token], i: int) -> bool:
    """ "the book and app tables in the admin panel UI": tables a screen shows."""
    if i + 1 >= len(toks) or toks[i + 1][1].lower() not in ("in", "on"):
        return False
    return not SCREENS.isdisjoint(w for w, _r in toks[i + 2 : i + 7])


def _around_table(toks: list[Token], i: int) -> list[str | None]:
    """ "the orders table", "table orders", "the customers, addresses and orders tables"."""
    out: list[str | None] = []
    if i + 1 < len(toks) and is_word(toks[i + 1]):
        out.append(table_name(toks[i + 1][1]))
    j = i - 1
    while j >= 0 and is_word(toks[j]):
        out.append(table_name(toks[j][1]))
        if toks[i][1].lower() != "tables" or j < 2:
            break
        link = toks[j - 1]
        if link[0] != PUNCT and link[1].lower() not in ("and", "or"):
            break
        j -= 2
        if j >= 0 and toks[j][0] == PUNCT:  # Oxford comma: "a, b, and c tables"
            j -= 1
    return out


def _skip_brackets(toks: list[Token], i: int) -> int:
    if i < len(toks) and toks[i][0] == OPEN:
        while i < len(toks) and toks[i][1] != ")":
            i += 1
        i += 1
    return i


def defined_tables(tokenised: list[Sentence]) -> dict[str, str]:
    """Tables written as their columns: "`orders` (id, user_id FK, status, created_at)", a
    schema's way of saying what it holds, without the word "table". The list opens with an
    ``id`` and names another column with an underscore (``user_id``, ``created_at``)."""
    found: dict[str, str] = {}
    for sentence in tokenised:
        if "(id" not in sentence.text:
            continue
        norms, raws = sentence.norms, sentence.raws
        for i in range(len(norms) - 3):
            if norms[i + 1] != OPEN or norms[i + 2] != "id" or not is_word(sentence.toks()[i]):
                continue
            end = next((k for k in range(i + 2, len(norms)) if norms[k] == ")"), len(norms))
            if any("_" in raw for raw in raws[i + 3 : end]):
                name = table_name(raws[i])
                if name:
                    found.setdefault(name, sentence.text)
    return found
