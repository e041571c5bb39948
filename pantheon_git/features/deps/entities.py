"""Entities (a model, a table's rows) written as a name rather than as a table.

"Loads Shipment records", "the stored token of the Device", "each Invoice row": a capitalised
word inside a sentence, or any word before "records" / "rows" / "entries", names an entity when
some story creates a model or a table of that name (``Shipment``, ``shipments``). Words at the
start of a sentence and in titles are capitalised for other reasons and do not count.
"""

from __future__ import annotations

from collections.abc import Sequence, Set

from pantheon_git.features.deps.phrases import STOP, Provided
from pantheon_git.features.deps.tables import table_name
from pantheon_git.features.deps.text import word_set
from pantheon_git.features.deps.tokens import Sentence

RECORDS = word_set("record row entry instance object")
MODEL_HEADS = word_set("model entity class aggregate document dataclass")


def models_made(provides: Sequence[Provided]) -> dict[str, str]:
    """Entity name -> sentence, from the things a story creates: "the Order model" -> order."""
    out: dict[str, str] = {}
    for p in provides:
        if len(p.words) == 2 and p.words[1] in MODEL_HEADS and p.strength >= 2:
            name = table_name(p.words[0])
            if name:
                out.setdefault(name, p.quote)
    return out


def entity_mentions(tokenised: Sequence[Sentence], names: Set[str]) -> dict[str, tuple[str, bool]]:
    """Entity name (among ``names``) -> (sentence, written as records or rows: a data
    mention)."""
    found: dict[str, tuple[str, bool]] = {}
    for sentence in tokenised[1:]:  # the title is often in title case
        norms, raws = sentence.norms, sentence.raws
        if names.isdisjoint(norms):
            continue
        for i in [k for k, w in enumerate(norms) if k and w in names]:
            raw = raws[i]
            possessive = raw.endswith(("'s", "s'"))  # "the customer's row in X" is X's row
            records = i + 1 < len(norms) and norms[i + 1] in RECORDS and not possessive
            if not records and not (raw[:1].isupper() and raw[1:2].islower()):
                continue
            if norms[i] in STOP or (not records and _in_capitals(raws, i)):
                continue  # a run of capitals is a proper name or a title, not an entity
            if not records and raws[i - 1] in OPENERS:
                continue  # "Exists: Book upload", ""Books" nav item": capitalised by place
            if i + 1 < len(norms) and norms[i + 1] in MODEL_HEADS:
                continue  # "the User Model": the thing-mention rule says it better
            name = table_name(norms[i])
            if name and (name not in found or (records and not found[name][1])):
                found[name] = (sentence.text, records)
    return found


def _in_capitals(raws: list[str], i: int) -> bool:
    """ "Authentication & User Management", "the Device Settings", "Security, Workflows,
    Notifications", "Books | Materials": a capitalised word next to another, or joined to one
    by "&", a comma, "|" or "/"."""
    before = raws[i - 2] if raws[i - 1] in JOINS and i > 1 else raws[i - 1]
    after = raws[i + 1] if i + 1 < len(raws) else ""
    if after in JOINS:
        after = raws[i + 2] if i + 2 < len(raws) else ""
    return before[:1].isupper() or after[:1].isupper()


JOINS = frozenset(("&", ",", "|", "/"))
OPENERS = frozenset((":", '"', "(", "|"))
