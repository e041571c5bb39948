"""Tables a story fills without saying it creates them, and tables introduced by an article.

* "Store them in an admin_settings table", "a new payments table": an indefinite article before
  "<name> table" introduces the table (the definite "the orders table" refers to one).
* "A withdrawal_requests record per payment", "provider_service_areas records", "insert into
  the offers table": a story that writes the first rows of a table nobody creates explicitly
  is where the table comes from. The data rule uses these writers only for tables no story
  creates.
"""

from __future__ import annotations

from collections.abc import Sequence

from pantheon_git.features.deps.tables import table_name
from pantheon_git.features.deps.text import word_set
from pantheon_git.features.deps.tokens import MARKERS, Sentence

ROWS = word_set("record row")
INSERTING = word_set("insert inserts inserted inserting")


def introduced_tables(tokenised: Sequence[Sentence]) -> dict[str, str]:
    """ "an admin_settings table" -> ``admin_setting``."""
    found: dict[str, str] = {}
    for sentence in tokenised:
        norms, raws = sentence.norms, sentence.raws
        if "table" not in norms:
            continue
        for i in range(1, len(norms) - 1):
            if norms[i + 1] == "table" and raws[i - 1].lower() in ("a", "an"):
                name = table_name(raws[i]) if norms[i] not in MARKERS else None
                if name:
                    found.setdefault(name, sentence.text)
    return found


def written_tables(tokenised: Sequence[Sentence]) -> dict[str, str]:
    """Tables the story writes rows to: "<table> record(s)/row(s)", "insert into <table>"."""
    found: dict[str, str] = {}
    for sentence in tokenised:
        norms, raws = sentence.norms, sentence.raws
        if ROWS.isdisjoint(norms) and INSERTING.isdisjoint(norms):
            continue
        for i, word in enumerate(norms):
            name = None
            if word in ROWS and i > 0 and "_" in raws[i - 1]:
                name = table_name(raws[i - 1])
            elif word in INSERTING:
                j = i + 1
                while j < len(norms) and norms[j] in ("into", "the", "a", "an", "new"):
                    j += 1
                if j < len(norms) and norms[j] not in MARKERS:
                    name = table_name(raws[j])
            if name:
                found.setdefault(name, sentence.text)
    return found
