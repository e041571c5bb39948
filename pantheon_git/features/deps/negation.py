"""Words a story says it does *not* touch are no mention of them.

"Unlike the account work, no code changes", "reads the orders table, not through the public
API", "No test builds a customer row by hand"; and a user story's "so that ..." (why, not
what): from a cue (unlike, not, never, nor, instead of,
rather than, other than, except, without changing/touching, a sentence's first "no") to the end
of its clause, the words are dropped before the rules
read the sentence (its text, kept for evidence, is unchanged).
"""

from __future__ import annotations

from pantheon_git.features.deps.text import word_set
from pantheon_git.features.deps.tokens import PUNCT, Sentence

CUES = word_set("unlike not never nor except")
PAIRS = {("instead", "of"), ("rather", "than"), ("other", "than")}
TOUCHING = word_set("changing touching modifying altering affecting change touch")
ENDS = word_set("but")
MODALS = word_set("can could will may might")
STARTS = CUES | word_set("instead rather other without no")  # words a cue may start with


def without_negated(sentence: Sentence) -> Sentence:
    norms = sentence.norms
    starts = [i for i, w in enumerate(norms) if w in STARTS and _cue_at(norms, i)]
    if not starts:
        return sentence if "so" not in norms else _without_benefit(sentence)
    keep_norms, keep_raws = list(norms), list(sentence.raws)
    i = 0
    while i < len(norms):
        if _cue_at(norms, i):
            j = i
            while j < len(norms) and not (norms[j] == PUNCT and j > i) and norms[j] not in ENDS:
                keep_norms[j], keep_raws[j] = PUNCT, ","
                j += 1
            i = j
        i += 1
    return _without_benefit(Sentence(sentence.text, keep_norms, keep_raws, []))


def _without_benefit(sentence: Sentence) -> Sentence:
    """A user story's "so that ..." says why, not what it uses: "so that the project team can
    plan" names people, not the project_teams table."""
    norms = sentence.norms
    at = next((i for i in range(len(norms) - 1) if _purpose(norms, i)), None)
    if at is None:
        return sentence
    end = next((j for j in range(at, len(norms)) if norms[j] == PUNCT and j > at), len(norms))
    keep_norms = [*norms[:at], *([PUNCT] * (end - at)), *norms[end:]]
    keep_raws = [*sentence.raws[:at], *([","] * (end - at)), *sentence.raws[end:]]
    return Sentence(sentence.text, keep_norms, keep_raws, [])


def _purpose(norms: list[str], i: int) -> bool:
    """ "so that ...", "so we can ..." (a purpose, not a use)."""
    if norms[i] != "so":
        return False
    nxt = norms[i + 1]
    return nxt == "that" or (i + 2 < len(norms) and norms[i + 2] in MODALS and nxt.isalpha())


def _cue_at(norms: list[str], i: int) -> bool:
    word = norms[i]
    if word in CUES or (i == 0 and word == "no"):  # "No test builds a customer row ..."
        return True
    nxt = norms[i + 1] if i + 1 < len(norms) else ""
    return (word, nxt) in PAIRS or (word == "without" and nxt in TOUCHING)
