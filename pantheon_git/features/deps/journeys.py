"""Edges from where a user's journey stands: "Given I have completed the parent info form, the
child form asks ...", "Given I have submitted insurance information, ...", "Given I am on the
assessment chat screen, ...", "Given the assessment conversation is complete, ...".

A criterion that opens with the step the user has already taken (or the screen they are on)
starts where another story's work ends. The step is looked up among the titles of the stories
before it in backlog order, by its rarest word ("insurance" over "information"): the first
story whose title has that word built the step ("Manual insurance entry form"; "Booking
confirmation and success" for "Given I have booked an appointment"). A word in more than
``TITLE_LIMIT`` titles names no one step. "Given I click ..." and "Given I open <route>" set
the scene for the test; they name no story's work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps.facts import Facts
from pantheon_git.features.deps.model import Edge
from pantheon_git.features.deps.order import in_backlog_order
from pantheon_git.features.deps.phrases import DETERMINERS, GENERIC, STOP
from pantheon_git.features.deps.preconditions import given_edge
from pantheon_git.features.deps.text import word_set
from pantheon_git.features.deps.tokens import MARKERS, Sentence

TITLE_LIMIT = 3
DONE = word_set("complete completed finished done submitted booked")
"""States that say a step is behind the user: "Given the assessment is complete"."""
PLACES = word_set("in on viewing at")
STEPS = word_set("complete finish submit book")
"""Steps written in the present: "Given I complete insurance submission"."""
ENDS = MARKERS | word_set("when then and")


def journey_step(sentence: Sentence) -> tuple[str, ...]:
    """The stems of the step a "Given I have ..." clause says is behind the user."""
    norms = sentence.norms
    if len(norms) < 3 or norms[0] != "given":
        return ()
    end = next((i for i, w in enumerate(norms) if i > 0 and w in ENDS), len(norms))
    clause = norms[1:end]
    if not clause:
        return ()
    if clause[0] == "i":
        rest = clause[1:]
        if rest[:1] == ["have"] and len(rest) > 1 and rest[1].endswith("ed"):
            words = rest[1:]  # "I have completed the parent info form": the verb may be it
        elif rest[:1] == ["am"] and len(rest) > 1 and rest[1] in PLACES:
            words = rest[2:]  # "I am on the assessment chat screen"
        elif rest[:1] and rest[0] in STEPS:
            words = rest  # "I complete insurance submission"
        else:
            return ()
    elif len(clause) >= 3 and clause[-1] in DONE and clause[-2] in ("is", "are"):
        words = clause[:-2]  # "the assessment conversation is complete"
    else:
        return ()
    return tuple(
        _stem(w)
        for w in words
        if w not in STOP and w not in DETERMINERS and w not in GENERIC and w.isalpha()
    )


def journey_edges(all_facts: Sequence[Facts]) -> list[Edge]:
    wanted = [
        (facts, sentence, step)
        for facts in all_facts
        for sentence in facts.sentences[1 : facts.tasks_from]
        if sentence.norms[:1] == ["given"] and (step := journey_step(sentence))
    ]
    if not wanted:
        return []
    titles: dict[str, list[Facts]] = defaultdict(list)
    for facts in in_backlog_order(all_facts):
        if facts.sentences:
            for word in {_stem(w) for w in facts.sentences[0].norms if w not in MARKERS}:
                titles[word].append(facts)
    out: list[Edge] = []
    linked: set[tuple[StoryKey, StoryKey]] = set()
    for facts, sentence, step in wanted:
        known = [w for w in step if 0 < len(titles.get(w, ())) <= TITLE_LIMIT]
        if not known:
            continue
        rarest = min(known, key=lambda w: len(titles[w]))
        before = [f for f in titles[rarest] if f.position < facts.position]
        if not before or (before[0].key, facts.key) in linked:
            continue
        source = before[0]
        linked.add((source.key, facts.key))
        out.append(given_edge(source, facts, sentence, "starts where {} ends"))
    return out


def _stem(word: str) -> str:
    """ "booked", "booking" -> "book"; "completed" -> "complet"."""
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word
