"""Edges from stated preconditions: "Given the monorepo structure exists, ...".

A criterion that opens with "Given <things> exist" (or "... is configured", "... is set up",
"... is complete", "... are implemented") says what must be there before the story starts.
Each thing named there is looked up among the titles of the stories before it in backlog
order, by its words without the ones that only say how far a thing is built ("structure",
"setup", "foundation", "implementation"): "the monorepo foundation" is "Monorepo
initialization"; "the build tools are set up" is "Build tool setup (tsup)"; "EventEmitter" is
"Event emitter implementation". When several earlier titles have those words, the one that has
no others is meant ("the Snake game" is "Snake game implementation", not "Snake game package
setup"); when none or more than one is, no link. "Given a habit exists, when I ..." sets up an
instance for the test; it names no story's work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps.facts import Facts
from pantheon_git.features.deps.model import Edge
from pantheon_git.features.deps.names import name_words
from pantheon_git.features.deps.phrases import DETERMINERS, GENERIC, STOP
from pantheon_git.features.deps.text import excerpt, is_code_word, word_set
from pantheon_git.features.deps.tokens import MARKERS, Sentence

STAGES = word_set(
    """structure foundation setup set up initialization initialisation init configuration
    config implementation component"""
)
"""Words that say how far a thing is built, not which thing it is."""
STATES = word_set(
    """configured complete completed implemented installed initialised initialized defined
    created built available ready done"""
)
QUANTIFIERS = word_set("all every each both")
INSTANCES = word_set("a an some no one two three several many")

Thing = frozenset[str]


def preconditions(sentence: Sentence) -> list[tuple[Thing, ...]]:
    """The things a "Given ... exist(s) / is configured" clause says are there: each as the
    sets of words it may be written with (a code name also as its parts)."""
    norms = sentence.norms
    if not norms or norms[0] != "given":
        return []
    end = next((i for i, w in enumerate(norms) if w in MARKERS), len(norms))
    clause = norms[1:end]
    raws = sentence.raws[1:end]
    state = _state_at(clause)
    if state is None:
        return []
    out: list[tuple[Thing, ...]] = []
    phrase: list[int] = []
    for i in [*range(state), -1]:
        if i >= 0 and clause[i] != "and":
            phrase.append(i)
            continue
        forms = _forms([clause[k] for k in phrase], [raws[k] for k in phrase])
        if forms:
            out.append(forms)
        phrase = []
    return out


def _state_at(clause: list[str]) -> int | None:
    """Where "exists", "is configured", "are set up" starts in a clause that ends with it."""
    if len(clause) >= 2 and clause[-1] == "exist":
        return len(clause) - 1
    if len(clause) >= 3 and clause[-1] in STATES and clause[-2] in ("is", "are"):
        return len(clause) - 2
    if len(clause) >= 4 and clause[-2:] == ["set", "up"] and clause[-3] in ("is", "are"):
        return len(clause) - 3
    return None


def _forms(norms: list[str], raws: list[str]) -> tuple[Thing, ...]:
    if not norms or norms[0] in INSTANCES:
        return ()  # "Given a habit exists, when I ...": an instance the test sets up
    words = [
        w
        for w in norms
        if w not in DETERMINERS and w not in STOP and w not in QUANTIFIERS and w not in STAGES
    ]
    if not words or GENERIC.issuperset(words):
        return ()  # "Given the user exists": a word every backlog uses names no one story
    forms = [frozenset(words)]
    if len(raws) == 1 and is_code_word(raws[0]):  # "EventEmitter": "Event emitter ..."
        forms.append(frozenset(name_words(raws[0])))
    return tuple(forms)


def precondition_edges(all_facts: Sequence[Facts]) -> list[Edge]:
    wanted = [
        (facts, sentence, thing)
        for facts in all_facts
        for sentence in facts.sentences[1 : facts.tasks_from]
        for thing in preconditions(sentence)
    ]
    if not wanted:
        return []
    titles: dict[str, list[tuple[Facts, Thing]]] = defaultdict(list)
    for facts in all_facts:
        words = _title_words(facts.sentences[0]) if facts.sentences else frozenset()
        for word in words:
            titles[word].append((facts, words))
    out: list[Edge] = []
    linked: set[tuple[StoryKey, StoryKey]] = set()
    for facts, sentence, forms in wanted:
        source = _titled(facts, forms, titles)
        if source is None or (source.key, facts.key) in linked:
            continue
        linked.add((source.key, facts.key))
        out.append(given_edge(source, facts, sentence, "starts once what {} builds is there"))
    return out


def given_edge(source: Facts, facts: Facts, sentence: Sentence, how: str) -> Edge:
    """``facts`` waits on ``source``, whose title its "Given ..." sentence names; ``how`` says
    so with ``{}`` for the source ("starts where {} ends")."""
    return Edge(
        source.key,
        facts.key,
        "functional",
        f'{facts.key} {how.format(source.key)}: "'
        f'{excerpt(sentence.text, "given", width=80)}" ({source.key}: '
        f'"{excerpt(source.sentences[0].text, width=60)}")',
        confidence="low",
    )


def _title_words(title: Sentence) -> Thing:
    words = {w for w in title.norms if w not in MARKERS and w not in STOP}
    return frozenset(words)


def _titled(
    facts: Facts, forms: tuple[Thing, ...], titles: dict[str, list[tuple[Facts, Thing]]]
) -> Facts | None:
    for words in forms:
        rarest = min(words, key=lambda w: len(titles.get(w, ())))
        found = [
            (f, t) for f, t in titles.get(rarest, ()) if f.position < facts.position and words <= t
        ]
        exact = [f for f, t in found if t - STAGES == words]
        if len(exact) == 1:
            return exact[0]
        if len(found) == 1:
            return found[0][0]
    return None
