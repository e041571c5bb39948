"""A step that waits for another story's outcome: "once the label has been printed".

The waiting side is a clause opened by once / after / when / until / as soon as, whose subject
ends in a noun and whose verb is a participle: (print, label). The other side is a story that
does it: a verb form of the same verb with that noun as its object ("Print the shipping
label", "Prints labels") or before it ("label printing"). A link needs exactly one such story.
"""

from __future__ import annotations

from collections.abc import Sequence

from pantheon_git.features.deps.phrases import DETERMINERS, STOP
from pantheon_git.features.deps.text import word_set
from pantheon_git.features.deps.tokens import MARKERS, Sentence

WAITING = word_set("once after when whenever until")
STEPS = word_set("when whenever")
"""Waiting words that are also a scenario's trigger step (Given / When / Then)."""
AUXILIARIES = word_set("has have had been is are was were be get gets got being")
IRREGULAR = {
    "paid": "pay", "sent": "send", "made": "make", "built": "build", "written": "write",
    "taken": "take", "sold": "sell", "bought": "buy", "done": "do", "given": "give",
    "chosen": "choose", "held": "hold", "found": "find", "kept": "keep", "shown": "show",
    "drawn": "draw", "broken": "break", "read": "read", "set": "set", "run": "run",
    "put": "put", "cut": "cut", "won": "win", "lost": "lose", "left": "leave", "split": "split",
}  # fmt: skip
Outcome = tuple[str, str]
"""(verb, noun): ("print", "label")."""


def participle_verbs(word: str) -> set[str]:
    """Verbs a participle may come from: printed -> print; shipped -> ship; approved ->
    approve; copied -> copy; paid -> pay."""
    if word in IRREGULAR:
        return {IRREGULAR[word]}
    if word.endswith("ied") and len(word) > 4:
        return {word[:-3] + "y"}
    if not word.endswith("ed") or len(word) < 5:
        return set()
    out = {word[:-2], word[:-1]}
    if word[-3] == word[-4]:
        out.add(word[:-3])
    return out


def verb_forms(word: str) -> set[str]:
    """Verbs a base, -s or -ing form may be: prints -> print; printing -> print; approving ->
    approve; shipping -> ship."""
    out = {word}
    if word.endswith("ing") and len(word) > 5:
        out |= {word[:-3], word[:-3] + "e"}
        if word[-4] == word[-5]:
            out.add(word[:-4])
    elif word.endswith("ies"):
        out.add(word[:-3] + "y")
    elif word.endswith("es"):
        out |= {word[:-2], word[:-1]}
    elif word.endswith("s"):
        out.add(word[:-1])
    return out


def awaited(tokenised: Sequence[Sentence]) -> dict[Outcome, str]:
    """Outcomes the story waits for -> the sentence."""
    found: dict[Outcome, str] = {}
    scenarios: bool | None = None  # read once, and only for a story that waits at all
    for sentence in tokenised:
        norms = sentence.norms
        if WAITING.isdisjoint(norms) and "soon" not in norms:
            continue
        if scenarios is None:
            scenarios = any(s.norms[:1] == ["given"] for s in tokenised)
        for i, word in enumerate(norms):
            if word in STEPS and (scenarios or "then" in norms[i + 1 :]):
                continue  # "Given ... When a file is uploaded Then ...": the story's own step
            if word in WAITING or (word == "soon" and i > 0 and norms[i - 1] == "as"):
                for outcome in _clause_outcome(sentence, i + 1):
                    found.setdefault(outcome, sentence.text)
    return found


def _clause_outcome(sentence: Sentence, i: int) -> list[Outcome]:
    norms, raws = sentence.norms, sentence.raws
    if i < len(norms) and norms[i] == "as":
        i += 1
    head = None
    while i < len(norms) and norms[i] not in MARKERS and norms[i] not in AUXILIARIES:
        if norms[i] not in DETERMINERS and norms[i] not in STOP:
            head = norms[i]
        i += 1
    if head is None or i >= len(norms) or norms[i] not in AUXILIARIES:
        return []
    while i < len(norms) and norms[i] in AUXILIARIES:
        i += 1
    if i >= len(raws):
        return []
    return [(verb, head) for verb in participle_verbs(raws[i].lower())]


def done(tokenised: Sequence[Sentence], wanted: dict[str, set[str]]) -> dict[Outcome, str]:
    """Outcomes the story brings about, among ``wanted`` (verb -> nouns waited for)."""
    found: dict[Outcome, str] = {}
    for sentence in tokenised:
        norms, raws = sentence.norms, sentence.raws
        for i, raw in enumerate(raws):
            verbs = verb_forms(raw.lower()) & wanted.keys()
            if verbs and _waiting_clause(norms, i):
                continue  # "When uploading a book, the service reads ...": it reacts to it
            for verb in verbs:
                nouns = wanted[verb]
                after = [n for n in norms[i + 1 : i + 6] if n not in MARKERS]
                before = norms[i - 1 : i] if raw.lower().endswith("ing") else []
                for noun in nouns.intersection(after[:4] + before):
                    found.setdefault((verb, noun), sentence.text)
    return found


def _waiting_clause(norms: list[str], i: int) -> bool:
    """The word at ``i`` is inside a clause opened by a waiting word ("when uploading")."""
    for k in range(i - 1, -1, -1):
        if norms[k] in WAITING:
            return True
        if norms[k] in MARKERS:
            return False
    return False
