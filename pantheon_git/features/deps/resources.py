"""Records a story makes by serving their collection: "API: GET/POST/PUT/DELETE
/api/settings/warehouses" in "Warehouse configuration" makes warehouses. A later story uses
them when it keeps their key (``warehouse_id``, ``from_warehouse_id``, ``po_line.received_qty``),
serves a collection under theirs (``/purchase-orders/:id/lines``), names a record type of two
words or more ("a stock move", "purchase orders") or its initials ("PO", "LPs"), writes a
one-word type as an acronym ("ASN") or as a record its test needs ("Given a pallet exists").
A one-word type in prose ("a warehouse user", "the sales team") says too little.

Tables a story creates in words are the table rules' business; this one reads backlogs whose
stories never say "table" and name their records through the API they serve. The first story
in backlog order to serve ``POST`` on a collection makes its records; a reference before it is
a forward mention.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps.endpoints import Endpoint
from pantheon_git.features.deps.facts import Facts
from pantheon_git.features.deps.model import Edge
from pantheon_git.features.deps.order import in_backlog_order, links_back
from pantheon_git.features.deps.text import excerpt, singular
from pantheon_git.features.deps.tokens import Sentence

PARAM = "{}"


def resource_of(path: str) -> str | None:
    """``/api/planning/purchase-orders`` -> ``purchase_order``; None for a path that ends in a
    parameter or has a single segment."""
    segments = path.strip("/").split("/")
    last = segments[-1]
    if len(segments) < 2 or last == PARAM or not _word(last):
        return None
    if not last.endswith("s"):
        return None  # "/license-plates/merge": an operation, not a collection
    name = singular(last.replace("-", "_"))
    if len(segments) >= 3 and segments[-2] == PARAM and _word(segments[-3]):
        # "/purchase-orders/{}/lines": a purchase order's lines, not any lines
        return f"{singular(segments[-3].replace('-', '_'))}_{name}"
    return name


def _word(segment: str) -> bool:
    return segment.replace("-", "").replace("_", "").isalpha()


def parents(path: str) -> list[str]:
    """The collections a nested path hangs under: ``/api/purchase-orders/{}/lines`` ->
    ``[purchase_order]``."""
    segments = path.strip("/").split("/")
    return [
        singular(seg.replace("-", "_"))
        for seg, nxt in pairwise(segments)
        if nxt == PARAM and seg.replace("-", "").replace("_", "").isalpha()
    ]


Maker = tuple[Facts, Endpoint, str]
"""The story that serves a collection, the POST it serves, and the sentence saying so."""


def resource_edges(all_facts: Sequence[Facts]) -> list[Edge]:
    makers = _makers(all_facts)
    if not makers:
        return []
    forms = _forms(makers)
    out: list[Edge] = []
    for facts in all_facts:
        linked: set[StoryKey] = set()
        for name, quote in _used(facts, makers, forms).items():
            source, endpoint, made = makers[name]
            if not links_back(source, facts, linked):
                continue
            out.append(
                Edge(
                    source.key,
                    facts.key,
                    "data",
                    f"{facts.key} uses {name} records, which {source.key} serves "
                    f'({endpoint}): "{excerpt(quote, name[:4], width=80)}" '
                    f'({source.key}: "{excerpt(made, name[:4], width=60)}")',
                    confidence="medium",
                )
            )
    return out


def _makers(all_facts: Sequence[Facts]) -> dict[str, Maker]:
    """Record type -> the first story in backlog order to serve POST on its collection (none
    where a story creates a table of that name: the table rules link those)."""
    makers: dict[str, Maker] = {}
    made_tables = {t for facts in all_facts for t in facts.tables_created}
    for facts in in_backlog_order(all_facts):
        for endpoint, role in facts.endpoints_implemented.items():
            name = resource_of(endpoint.path) if endpoint.method == "POST" else None
            if name and name not in made_tables:
                makers.setdefault(name, (facts, endpoint, role.quote))
    return makers


def _used(facts: Facts, makers: dict[str, Maker], forms: Forms) -> dict[str, str]:
    """Record type -> the sentence of ``facts`` that uses it: a key column, a collection its
    own endpoints hang under, or the record named in words."""
    used: dict[str, str] = {}
    for table, quote in facts.tables_referenced.items():  # warehouse_id, po_line.received_qty
        name = table if table in makers else forms.phrases.get(tuple(table.split("_")))
        if name:
            used.setdefault(name, quote)
    for endpoint, role in facts.endpoints_implemented.items():
        for name in parents(endpoint.path):
            if name in makers:
                used.setdefault(name, role.quote)
    for name, quote in mentioned(facts.sentences, forms).items():
        used.setdefault(name, quote)
    return used


@dataclass(frozen=True)
class Forms:
    """How stories write each record type (the values: its name, ``purchase_order``)."""

    phrases: dict[tuple[str, ...], str]
    """Its words ("purchase order"), and a nested type's as its parent's initials and its own
    word ("PO line"); a one-word type in prose ("a warehouse user") says too little."""
    acronyms: dict[str, str]
    """Written in capitals: the initials of two words or more ("PO", "LPs"), or a one-word
    type ("ASN")."""
    needed: dict[str, str]
    """A one-word type as a record a test needs: "Given a pallet exists"."""


def _forms(makers: dict[str, Maker]) -> Forms:
    forms = Forms({}, {}, {})
    for name in makers:
        parts = tuple(name.split("_"))
        if len(parts) > 1:
            forms.phrases[parts] = name
            forms.phrases[("".join(p[0] for p in parts[:-1]), parts[-1])] = name
            forms.acronyms["".join(p[0] for p in parts)] = name
        else:
            forms.acronyms[name] = name
            forms.needed[name] = name
    return forms


def mentioned(sentences: Sequence[Sentence], forms: Forms) -> dict[str, str]:
    """Record type -> the first sentence that names it in words or by its initials."""
    longest = max((len(f) for f in forms.phrases), default=0)
    heads = {f[0] for f in forms.phrases}
    found: dict[str, str] = {}
    for sentence in sentences:
        norms = sentence.norms
        if norms[:1] == ["given"] and len(norms) > 3 and norms[1] in ("a", "an"):
            # "Given a warehouse exists", "Given a pallet is created": a record the test needs
            name = forms.needed.get(norms[2])
            if name and norms[3] in ("exist", "is", "with"):
                found.setdefault(name, sentence.text)
        for acronym in _ACRONYM_RE.findall(sentence.text):  # "PO", "LP", "LPs" (not "Po")
            name = forms.acronyms.get(acronym.lower())
            if name:
                found.setdefault(name, sentence.text)
        for i in [i for i, word in enumerate(norms) if word in heads]:
            for n in range(min(longest, len(norms) - i), 0, -1):
                name = forms.phrases.get(tuple(norms[i : i + n]))
                if name:
                    found.setdefault(name, sentence.text)
                    break
    return found


_ACRONYM_RE = re.compile(r"\b([A-Z]{2,})s?\b")
