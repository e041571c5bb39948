"""Links through names and files: B uses a name or changes a file that A makes.

A name (see ``artefacts``) links when exactly one story makes it most strongly and another
story mentions it: as code (``useWaiveFee``), as a file (``useWaiveFee.ts``) or in prose
("the waive fee hook", "write-off requests" for ``WriteOffRequests``). A file links when
exactly one story creates it and another changes it. Names introduced as tables or
collections give data links; the others, functional ones.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps import entities, outcomes
from pantheon_git.features.deps.artefacts import DESCRIBE, KIND_HEADS, Named
from pantheon_git.features.deps.facts import Facts
from pantheon_git.features.deps.labels import title_case_keys
from pantheon_git.features.deps.model import Edge
from pantheon_git.features.deps.names import key_of
from pantheon_git.features.deps.order import in_backlog_order
from pantheon_git.features.deps.phrases import DETERMINERS, STOP, THING_HEADS, specific
from pantheon_git.features.deps.text import excerpt, word_set
from pantheon_git.features.deps.titlenames import title_makers
from pantheon_git.features.deps.tokens import MARKERS, Sentence

MAX_WORDS = 4
MODIFIERS = word_set("new current active open old last latest recent other own same such")
RECORD_HEADS = word_set("record row entry item table collection list")
_QUOTED_RE = re.compile(r'"([^"]{1,80})"|“([^”]{1,80})”')


def name_edges(all_facts: Sequence[Facts]) -> list[Edge]:
    makers = _makers(all_facts)
    positions = {facts.key: facts.position for facts in all_facts}
    starts = {named.words[:2] for _key, named in makers.values() if len(named.words) > 1}
    firsts = {pair[0] for pair in starts}
    out: list[Edge] = []
    for facts in all_facts:
        mentioned = {
            key: (named.quote, "medium")
            for key, named in facts.names.items()
            if not (named.in_path and key in makers and makers[key][1].data)
        }
        if firsts:
            for key, quote in _prose_mentions(facts, makers, firsts, starts).items():
                mentioned.setdefault(key, (quote, "low"))
        linked: set[StoryKey] = set()
        for key, (quote, how) in mentioned.items():
            maker = makers.get(key)
            if maker is None or maker[0] == facts.key or maker[0] in linked:
                continue
            source, named = maker
            if not named.data and positions[source] > facts.position:
                continue  # named before the story that builds it: a forward mention
            linked.add(source)
            kind = "data" if named.data else "functional"
            sure = "high" if named.data else how
            said = excerpt(quote, named.words[0][:4], width=80)
            made = excerpt(named.quote, named.words[0][:4], width=60)
            out.append(
                Edge(
                    source,
                    facts.key,
                    kind,
                    f'{facts.key} uses {named.raw}, which {source} makes: "{said}" '
                    f'({source}: "{made}")',
                    confidence=sure,
                )
            )
    return out


def first_namers(all_facts: Sequence[Facts]) -> dict[str, Facts]:
    """Name key -> the first story in backlog order that writes it."""
    first: dict[str, Facts] = {}
    for facts in in_backlog_order(all_facts):
        for key in facts.names:
            first.setdefault(key, facts)
    return first


def changes_described(first: dict[str, Facts], key: str, facts: Facts) -> bool:
    """A sentence of ``facts`` opens with the name ("`_run_enrichment` returns a list"), but
    an earlier story said first what it does: this story changes what that one built."""
    source = first.get(key)
    return (
        source is not None
        and source.key != facts.key
        and facts.names[key].strength == DESCRIBE
        and source.names[key].described
    )


KINDS = KIND_HEADS | THING_HEADS


def _makers(all_facts: Sequence[Facts]) -> dict[str, tuple[StoryKey, Named]]:
    """Name key -> the one story that makes it most strongly (none when two tie, unless
    one of two that open a sentence with it opens its title)."""
    best: dict[str, list[tuple[StoryKey, Named]]] = defaultdict(list)
    first = first_namers(all_facts)
    for facts in all_facts:
        for key, named in facts.names.items():
            if named.strength < DESCRIBE or changes_described(first, key, facts):
                continue
            holders = best[key]
            if holders and holders[0][1].strength > named.strength:
                continue
            if holders and holders[0][1].strength < named.strength:
                holders.clear()
            holders.append((facts.key, named))
    titles = {
        facts.key: facts.sentences[0].text
        for facts in all_facts
        if facts.sentences
        and facts.sentences[0].norms[-1:]
        and facts.sentences[0].norms[-1] in KINDS
    }
    out: dict[str, tuple[StoryKey, Named]] = {}
    for key, found in best.items():
        holders = found
        if len(holders) > 1 and holders[0][1].strength == DESCRIBE:
            # "BaseGame abstract class" over "The BaseGame constructor accepts ...": a title
            # that opens with the name and ends with what it is says more than a sentence
            # that opens with it ("TypeScript type definitions" makes no TypeScript)
            holders = [(k, n) for k, n in holders if n.quote == titles.get(k)]
        if len(holders) == 1:
            out[key] = holders[0]
    wanted = {key for facts in all_facts for key in facts.names}
    out.update(title_makers(all_facts, wanted))
    return out


def _prose_mentions(
    facts: Facts,
    makers: dict[str, tuple[StoryKey, Named]],
    firsts: set[str],
    starts: set[tuple[str, ...]],
) -> dict[str, str]:
    """Names written as words: two to four words joined ("write-off requests" for
    ``WriteOffRequests``), standing as a noun phrase of their own (not "Token storage
    service" for ``StorageService``, not "leave request form" for ``leave_requests``), and,
    unless the name is a table's, with a capital or a head that says what it is ("the Chat
    screen", "the optimistic store"; not "the fee list").
    Words in quotes are UI text, not names."""
    found: dict[str, str] = {}
    for sentence in facts.sentences:
        norms = sentence.norms
        if firsts.isdisjoint(norms) or starts.isdisjoint(pairwise(norms)):
            continue
        quoted: set[str] | None = None
        hits = [i for i, pair in enumerate(pairwise(norms)) if pair in starts]
        for i in hits:
            if not _left_edge(sentence, i):
                continue
            for n in range(min(MAX_WORDS, len(norms) - i), 1, -1):
                words = norms[i : i + n]
                key = key_of(words)
                maker = makers.get(key)
                if maker is None or not _right_edge(norms, i + n):
                    continue
                raws = sentence.raws[i : i + n]
                named = maker[1]
                capital = any(r[:1].isupper() for r in raws)
                if not (named.data or n >= 3 or capital or words[-1] in THING_HEADS):
                    continue
                if not specific(tuple(words), code=False):
                    continue
                if quoted is None:
                    quoted = _quoted_words(sentence.text)
                if all(r.lower() in quoted for r in raws):
                    continue
                found.setdefault(key, sentence.text)
                break
    return found


def _left_edge(sentence: Sentence, i: int) -> bool:
    if i == 0:
        return True
    before, raw = sentence.norms[i - 1], sentence.raws[i - 1]
    return (
        before in MARKERS
        or before in STOP
        or before in DETERMINERS
        or before in MODIFIERS
        or raw.endswith(("ing", "ed"))
    )


def _right_edge(norms: list[str], j: int) -> bool:
    return j >= len(norms) or norms[j] in MARKERS or norms[j] in STOP or norms[j] in RECORD_HEADS


def _quoted_words(text: str) -> set[str]:
    inside = " ".join(m.group(1) or m.group(2) for m in _QUOTED_RE.finditer(text))
    return {w.lower() for w in re.findall(r"[\w'-]+", inside)}


def label_edges(all_facts: Sequence[Facts]) -> list[Edge]:
    """B mentions a quoted name ("The Pile", "Lively") that only A introduces."""
    makers: dict[str, list[tuple[StoryKey, str]]] = defaultdict(list)
    for facts in all_facts:
        for key, quote in facts.labels_made.items():
            makers[key].append((facts.key, quote))
    makers = {key: made for key, made in makers.items() if len(made) == 1}
    out: list[Edge] = []
    if not makers:
        return out
    positions = {facts.key: facts.position for facts in all_facts}
    for facts in all_facts:
        linked: set[StoryKey] = set()
        used = dict(facts.labels_used)
        for sentence in facts.sentences:
            for key in title_case_keys(sentence.raws):
                if key in makers:
                    used.setdefault(key, sentence.text)
        for key, said in used.items():
            made = makers.get(key)
            if not made or made[0][0] in (facts.key, *linked) or key in facts.labels_made:
                continue
            source, quote = made[0]
            if positions[source] > facts.position:
                continue  # a name used before the story that introduces it: a forward mention
            linked.add(source)
            out.append(
                Edge(
                    source,
                    facts.key,
                    "functional",
                    f'{facts.key} refers to "{key}", which {source} introduces: '
                    f'"{excerpt(said, key[:4], width=80)}" '
                    f'({source}: "{excerpt(quote, key[:4], width=60)}")',
                )
            )
    return out


def entity_edges(all_facts: Sequence[Facts]) -> list[Edge]:
    """B names an entity ("Shipment records", "the Device") that A creates as a table (a
    data link) or as a model (functional)."""
    tables: dict[str, dict[StoryKey, str]] = defaultdict(dict)
    models: dict[str, dict[StoryKey, str]] = defaultdict(dict)
    for facts in all_facts:
        for name, quote in facts.tables_created.items():
            tables[name][facts.key] = quote
        for name, quote in facts.models_made.items():
            models[name][facts.key] = quote
    out: list[Edge] = []
    positions = {facts.key: facts.position for facts in all_facts}
    known = {n for n, m in (*tables.items(), *models.items()) if len(m) == 1}
    if not known:
        return out
    for facts in all_facts:
        for name, (said, records) in entities.entity_mentions(facts.sentences, known).items():
            if name in facts.tables_created or name in facts.models_made:
                continue
            makers = tables.get(name) or models.get(name) or {}
            if len(makers) != 1:
                continue
            ((source, made),) = makers.items()
            if not records and positions[source] > facts.position:
                continue  # a model named before the story that makes it: a mention
            kind = "data" if records and name in tables else "functional"
            sure = "high" if kind == "data" else "medium"
            what = f"{name} records" if records else f"the {name.title()}"
            out.append(
                Edge(
                    source,
                    facts.key,
                    kind,
                    f'{facts.key} uses {what}: "{excerpt(said, name[:4], width=80)}" '
                    f'({source}: "{excerpt(made, name[:4], width=60)}")',
                    confidence=sure,
                )
            )
    return out


def outcome_edges(all_facts: Sequence[Facts]) -> list[Edge]:
    """B waits for an outcome ("once the label has been printed") that only A brings about
    ("Print the shipping label")."""
    waits = {facts.key: outcomes.awaited(facts.sentences) for facts in all_facts}
    wanted: dict[str, set[str]] = defaultdict(set)
    for found in waits.values():
        for verb, noun in found:
            wanted[verb].add(noun)
    if not wanted:
        return []
    positions = {facts.key: facts.position for facts in all_facts}
    doers: dict[outcomes.Outcome, dict[StoryKey, str]] = defaultdict(dict)
    for facts in all_facts:
        for outcome, quote in outcomes.done(facts.sentences, wanted).items():
            doers[outcome][facts.key] = quote
    out: list[Edge] = []
    for facts in all_facts:
        for (verb, noun), said in waits[facts.key].items():
            by = {k: q for k, q in doers.get((verb, noun), {}).items() if k != facts.key}
            if len(by) != 1 or facts.key in doers.get((verb, noun), {}):
                continue
            ((source, quote),) = by.items()
            if positions[source] > facts.position:
                continue  # the outcome comes later in the backlog: not what this step waits for
            out.append(
                Edge(
                    source,
                    facts.key,
                    "functional",
                    f"{facts.key} waits until the {noun} is {_as_said(said, verb)}: "
                    f'"{excerpt(said, noun[:4], width=80)}" '
                    f'({source}: "{excerpt(quote, verb[:4], width=60)}")',
                )
            )
    return out


_WORD_RE = re.compile(r"[A-Za-z]+")


def _as_said(sentence: str, verb: str) -> str:
    """The participle of ``verb`` as the waiting sentence writes it ("approved", "shipped"):
    a verb stem may be one of several a participle comes from ("approv", "approve")."""
    for match in _WORD_RE.finditer(sentence):
        word = match.group().lower()
        if verb in outcomes.participle_verbs(word):
            return word
    return f"{verb}ed"
