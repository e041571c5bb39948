"""Edges from a short phrase of a story's title that later stories write: "Global state
management" builds the global state that "take the transactions from the global state" reads;
"Period selector" the period selector the charts follow; "Predefined categories" the
categories a form's dropdown lists.

A title's phrase is a run of two to four words between the words that say what kind of work
the story is (a setup, a service, a page, an implementation), stop words and determiners, and
no other title writes it. It names what the story makes when no story before it in backlog
order writes it, and at most ``USERS_LIMIT`` other stories do: a phrase much of a backlog
writes is its domain's vocabulary ("ServiceDesk Plus", "the mortgage contract"), not one
story's work. Each story that writes it waits on the maker; a mention in words, so ``low``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps.facts import Facts
from pantheon_git.features.deps.intro_uses import new_instance
from pantheon_git.features.deps.model import Edge
from pantheon_git.features.deps.phrases import DETERMINERS, GENERIC, STOP
from pantheon_git.features.deps.rules import Matcher
from pantheon_git.features.deps.text import excerpt, word_set
from pantheon_git.features.deps.tokens import MARKERS

MIN_WORDS, MAX_WORDS = 2, 4
USERS_LIMIT = 4
WORK = word_set(
    """management manager setup set up implementation implement implementing create creating
    creation add adding build building integration integrate configuration config foundation
    infrastructure structure layer enhancement enhancements improvement improvements testing
    framework handling handler project core functionality display show showing
    enable enabling"""
)
"""What kind of work a title says the story is ("Global state management" makes a global
state): left out of the phrase, as are ``GENERIC`` words ("page", "service", "list")."""
COUNTS = word_set("one two three four five six seven eight nine ten dozen several many few")
"""A count is no name: "Complete the network of five machines" makes no "five machines"."""
FILLER = WORK | GENERIC | STOP | DETERMINERS | COUNTS
SCREENS = word_set("screen page view panel")
"""A screen of a phrase shows it, and does not make it: "Verification status screen" shows
where a driver's papers are; the documents' "verification status" is a field."""
OTHERS = word_set("its their his her")
"""Possessives before a phrase make it another thing's: "the controller, through its action
interface" is not the action interfaces a story defines. So does a word of its own before it
("a per-recipient rate limit" is another kind of limit)."""


def title_phrases(title: list[str]) -> list[tuple[str, ...]]:
    """The runs of two to four words of a title's normalised words between fillers."""
    runs: list[tuple[str, ...]] = []
    run: list[str] = []
    for word in [*title, ""]:
        if word and word[:1].isalpha() and word.isalnum() and word not in FILLER:
            run.append(word)
            continue
        if MIN_WORDS <= len(run) <= MAX_WORDS and word not in SCREENS:
            runs.append(tuple(run))
        run = []
    return runs


def title_phrase_edges(all_facts: Sequence[Facts]) -> list[Edge]:
    titled: dict[tuple[str, ...], list[Facts]] = defaultdict(list)
    for facts in all_facts:
        if facts.sentences:
            for phrase in set(title_phrases(facts.sentences[0].norms)):
                titled[phrase].append(facts)
    makers = {phrase: found[0] for phrase, found in titled.items() if len(found) == 1}
    if not makers:
        return []
    matcher = Matcher(makers)
    writers: dict[tuple[str, ...], dict[StoryKey, tuple[Facts, str]]] = defaultdict(dict)
    for facts in all_facts:
        for sentence in facts.sentences:
            norms = sentence.norms
            for phrase, at in matcher.positions(norms):
                if at and (norms[at - 1] in OTHERS or norms[at - 1] not in FILLER | MARKERS):
                    continue  # "through its action interface", "a per-recipient rate limit"
                if new_instance(norms, at, at + len(phrase)):
                    continue  # "keeps a global state of its own": some such thing
                writers[phrase].setdefault(facts.key, (facts, sentence.text))
    out: list[Edge] = []
    for phrase, found in writers.items():
        maker = makers[phrase]
        users = [(f, said) for key, (f, said) in found.items() if key != maker.key]
        if len(users) > USERS_LIMIT or any(f.position < maker.position for f, _ in users):
            continue  # the domain's words, or a thing that was there before the story
        title = maker.sentences[0].text
        words = " ".join(phrase)
        for facts, said in users:
            quote = excerpt(said, phrase[0][:4], phrase[-1][:4], width=80)
            why = f'{facts.key} mentions the {words}: "{quote}" ({maker.key}\'s title: "{title}")'
            out.append(Edge(maker.key, facts.key, "functional", why))
    return out
