"""Edges from introductions: B names a thing that a story before it introduced.

The backlog order decides who introduced a thing several stories write about: of the stories
before B that introduce it, the strongest (a title over a sentence, the phrase as written over
a shorter form); when two are alike, neither (as for two stories that both add rate limiting).
B's own introduction of the same words means B makes it too, unless the earlier story sets it
up ("Basic webcam recording setup", then "Webcam recording with audio and save").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps.artefacts import DESCRIBE
from pantheon_git.features.deps.facts import Facts
from pantheon_git.features.deps.intro_forms import Key, abbreviate
from pantheon_git.features.deps.intro_uses import Index
from pantheon_git.features.deps.introduced import TITLE, Intro
from pantheon_git.features.deps.model import Edge, confidence_rank
from pantheon_git.features.deps.namerules import changes_described, first_namers
from pantheon_git.features.deps.phrases import DETERMINERS, STOP, another_kind
from pantheon_git.features.deps.text import excerpt
from pantheon_git.features.deps.tokens import MARKERS, tokenise

HINT_FORMS = ("skip",)
"""Forms too unsure to plan on (measured: see docs/dependencies.md): their edges are hints."""


def intro_edges(all_facts: Sequence[Facts]) -> list[Edge]:
    makers: dict[Key, list[tuple[int, Facts, Intro]]] = defaultdict(list)
    for facts in all_facts:
        for key, intro in facts.intros.items():
            makers[key].append((facts.position, facts, intro))
    if not makers:
        return []
    index = Index(makers)
    out: list[Edge] = []
    for facts in all_facts:
        linked: dict[StoryKey, Edge] = {}
        used = index.uses(facts.sentences)
        kinds = _kinds(facts)
        for key, use in sorted(used.items(), key=lambda kv: -len(kv[0])):
            if key in kinds:
                continue  # "Create the complex physics objects": another of the kind
            found = _introducer(facts, key, makers[key])
            if found is None:
                continue
            source, made = found
            if made.how.endswith(FRONT_CUT) and _qualified_otherwise(use, made.quote, key):
                continue  # "Core package structure", then "the snake package structure"
            edge = _edge(source.key, facts.key, key, use, made)
            old = linked.get(source.key)
            if old is None or confidence_rank(edge.confidence) < confidence_rank(old.confidence):
                linked[source.key] = edge
        out.extend(linked.values())
    return out


FRONT_CUT = ("/suffix", "/head")
"""Forms that leave the first words of a title off ("package structure" of "Core package
structure")."""


def _qualified_otherwise(use: str, quote: str, key: Key) -> bool:
    """B writes another word before the shortened name than the title does: "the snake package
    structure" is the snake package's, not the one "Core package structure" makes; "Core package
    README" is not the package "Snake game package setup" sets up."""
    mine, theirs = _before(use, key), _before(quote, key, opens=False)
    return mine is not None and theirs is not None and mine != theirs


def _before(text: str, key: Key, *, opens: bool = True) -> str | None:
    """The word that opens a noun phrase ending in ``key`` in ``text`` ("the snake package
    structure", "Core package README"); None when a verb, a participle ("my edited timeline")
    or nothing stands there. ``opens=False``: any content word before it (a title's)."""
    sentence = tokenise(text)
    norms, n = abbreviate(sentence.norms), len(key)
    for i in range(1, len(norms) - n + 1):
        if tuple(norms[i : i + n]) == key:
            word, raw = norms[i - 1], sentence.raws[i - 1]
            if (word in STOP or word in DETERMINERS or word in MARKERS) and not raw.isupper():
                return None  # "TO line management" is a transfer order's, not "to" a line
            if not opens:
                return word
            first = i == 1 or norms[i - 2] in DETERMINERS or norms[i - 2] in MARKERS
            return word if first and not raw.endswith(("ed", "ing")) else None
    return None


def _introducer(
    facts: Facts, key: Key, makers: list[tuple[int, Facts, Intro]]
) -> tuple[Facts, Intro] | None:
    before = [(f, m) for pos, f, m in makers if pos < facts.position]
    if not before:
        return None
    top = max((m.strength, m.full) for _f, m in before)
    best = [(f, m) for f, m in before if (m.strength, m.full) == top]
    if len(best) > 1:
        return None  # two stories introduce it alike: neither is the one meant
    mine = facts.intros.get(key)
    if mine is not None and _makes(mine) and not best[0][1].setup:
        return None  # B makes it too, or its title another of the kind
    return best[0]


def _kinds(facts: Facts) -> set[Key]:
    """The shorter endings of what the story introduces as written: the kinds of thing it
    makes another of."""
    return {
        key[k:]
        for key, intro in facts.intros.items()
        if intro.full and another_kind(key)
        for k in range(1, len(key) - 1)
    }


def _makes(intro: Intro) -> bool:
    """ "Power-Prompt Data Model" after "State Data Model": a title ending in the words
    makes another such thing; it does not use the first."""
    return intro.full or (intro.strength == TITLE and intro.how.endswith("/suffix"))


def _edge(source: StoryKey, target: StoryKey, key: Key, said: str, made: Intro) -> Edge:
    words = " ".join(k.split(":", 1)[-1] for k in key)
    form = made.how.rsplit("/", 1)[-1]
    return Edge(
        source,
        target,
        "functional",
        f"{target} refers to the {words}, which {source} introduces: "
        f'"{excerpt(said, key[0][:4], width=80)}" '
        f'({source}: "{excerpt(made.quote, key[0][:4], width=60)}")',
        confidence="hint" if form in HINT_FORMS else "low",
    )


def code_hints(all_facts: Sequence[Facts]) -> list[Edge]:
    """A code name no story says it makes (``LIMIT_EXCEEDED``, ``WaitingForUser``): the first
    story in backlog order that writes it may have brought it in. A hint only: the name may
    be older than every story; unless that first story says what the name does, as the story
    that builds it does ("Then `check_enrichment` returns a Finding ..."): a low link."""
    first = first_namers(all_facts)
    made = {
        key
        for facts in all_facts
        for key, named in facts.names.items()
        if named.strength >= DESCRIBE and not changes_described(first, key, facts)
    }
    out: list[Edge] = []
    for facts in all_facts:
        linked: set[StoryKey] = set()
        # a name whose first story says what it does goes first: its link is not a hint
        for key, named in sorted(facts.names.items(), key=lambda kv: not _said(first, kv[0])):
            source = first.get(key)
            if key in made or source is None or source.key in (facts.key, *linked):
                continue
            linked.add(source.key)
            shown = source.names[key]
            how = "describes first" if shown.described else "names first"
            out.append(
                Edge(
                    source.key,
                    facts.key,
                    "functional",
                    f"{facts.key} uses {named.raw}, which {source.key} {how}: "
                    f'"{excerpt(named.quote, named.words[0][:4], width=80)}" '
                    f'({source.key}: "{excerpt(shown.quote, named.words[0][:4], width=60)}")',
                    confidence="low" if shown.described else "hint",
                )
            )
    return out


def _said(first: dict[str, Facts], key: str) -> bool:
    source = first.get(key)
    return source is not None and source.names[key].described
