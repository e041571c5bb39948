"""What a story says it creates ("Create the user model" -> ``user model``).

A thing is provided by an imperative clause: a creating verb (create, add, implement, define,
build, ...) at the start of a title, sentence, list item or clause, followed by a noun phrase
that ends at a preposition, a relative word, punctuation or code. ``"Add login and logout
endpoints"`` provides ``login endpoint`` and ``logout endpoint``. A phrase must have two words
or be one identifier typed as code (``InvoiceService``), and at least one word that is not
generic ("page", "data", "user" alone never link). A generic head at the end may be left out
when others mention it ("payment gateway integration" is also "payment gateway").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pantheon_git.features.deps.text import is_code_word, word_set
from pantheon_git.features.deps.tokens import CLOSE, CODE, MARKERS, OPEN, Sentence, Token

PROVIDE_VERBS = word_set(
    """create add implement define build introduce expose provide develop design scaffold
    establish setup set stand spin write"""
)
PHRASAL = word_set("set stand spin")  # count only as "set up", "stand up", "spin up"
DETERMINERS = word_set(
    """the a an new our its their this that these those some basic initial first simple
    separate dedicated shared proper own"""
)
STOP = word_set(
    """the a an in on at for to from with by of into onto over under via using through across
    per as about against between behind inside within without after before during until upon
    toward towards than like and or but so nor yet then that which who whom whose where when
    while whenever if unless because since is are was were be been being has have had can
    could will would shall should may might must do does did it its they them their we our
    us you your i me my he she his her this these those such each every all any only also
    not no there here e g eg etc ie i e so that once both either neither how what why"""
)
# Words too vague to name a thing on their own: a phrase made only of these never links.
GENERIC = word_set(
    """page data user item thing feature story support test screen view info information detail
    list button link section option setting change update field value system app application
    stuff content part way case error message text time people person account admin customer
    work task flow process logic code component module function job tool report file folder
    new existing current simple basic main default other more rest api endpoint service"""
)
# Heads that may be left out when others refer to the thing ("the payment gateway").
DROPPABLE_HEADS = word_set(
    """integration support library format model module component feature functionality flow
    system layer logic mechanism framework capability handling"""
)
# Heads that say a phrase names a built thing ("the optimistic store", "the availability
# toggle"), not an activity or a record ("the fee waiver", "a pending offer").
THING_HEADS = word_set(
    """store service view screen panel modal drawer dialog palette card form widget component
    provider controller hook helper queue job worker module gateway pipeline repository client
    api endpoint handler table collection model schema indicator banner badge toggle switch
    picker editor map chart selector"""
)
# Test helpers are the test rule's business (a conflict), not a functional dependency.
TEST_HEADS = word_set("test fixture spec mock stub factory")
CLAUSE_OPENERS = word_set("and then also first please finally next")
PLACE_WORDS = word_set("in at under into")
_TEST_PLACE_RE = re.compile(
    r"(?:^|[/`'\"(])(?:tests?|spec|__tests__|fixtures?)/|conftest\.py|_test\.|\.spec\.|\btest_"
)
MAX_WORDS = 5
REUSED = frozenset(("same", "existing", "shared", "common"))
"""Words before a thing that say it is the one there already, not another of the kind."""


def another_kind(words: tuple[str, ...]) -> bool:
    """ "complex physics objects" is another kind of physics object; "the same X", "a
    finished webcam recording" (a state of it) are not."""
    return words[0] not in REUSED and not _participle(words[0])


@dataclass(frozen=True)
class Provided:
    """A thing a story creates: its words, how sure (2 = as written, 1 = head left out)."""

    words: tuple[str, ...]
    strength: int
    quote: str


def provided(tokenised: list[Sentence]) -> list[Provided]:
    """Things the story creates, from each sentence of its title and text."""
    found: list[Provided] = []
    for sentence in tokenised:
        if CODE in sentence.norms:
            found.extend(named_with_place(sentence))
        if PROVIDE_VERBS.isdisjoint(sentence.norms):
            continue
        toks = sentence.toks()
        for start in clause_verbs(toks):
            for phrase in noun_phrases(toks, start):
                found.extend(_variants(phrase, sentence.text))
    return found


def is_test_place(path: str) -> bool:
    """A path under tests/, spec/ or fixtures/, or a test file."""
    return bool(_TEST_PLACE_RE.search(path if path.startswith("/") else "/" + path))


def named_with_place(sentence: Sentence) -> list[Provided]:
    """A line that only names a thing and where it goes ("Article model in cms/models/
    article.py", a typical task) says the story builds that thing there. Test helpers
    (a place under tests/ or spec/) are left to the test rule."""
    norms = sentence.norms
    if len(norms) < 3 or norms[-1] != CODE or norms[-2] not in PLACE_WORDS:
        return []
    if norms[0] in PROVIDE_VERBS or _TEST_PLACE_RE.search(sentence.raws[-1]):
        return []
    toks = sentence.toks()
    phrases = noun_phrases(toks, 0)
    if not phrases or len(phrases[0]) != len(norms) - 2:
        return []
    return [Provided(p.words, 1, p.quote) for p in _variants(phrases[0], sentence.text)]


def named_by_title(title: Sentence) -> list[Provided]:
    """A title that is a noun phrase of three words or more names what the story delivers
    ("Live trip map", "Order history page"). Shorter noun titles ("Audit log", "Refunds") are
    too common to link on; titles opening with a verb say what they create themselves."""
    toks = title.toks()
    if not toks or toks[0][0] in PROVIDE_VERBS:
        return []
    phrases = noun_phrases(toks, 0)
    if not phrases or len(phrases[0]) < 3 or len(phrases[0]) != _words_until_break(toks):
        return []
    words = tuple(w for w, _ in phrases[0])
    if not specific(words, code=False) or words[-1] in TEST_HEADS:
        return []
    out = [Provided(words, 1, title.text)]
    tail = words[1:]  # "Provider availability toggle" is also "the availability toggle"
    if tail[0] not in GENERIC and tail[-1] in THING_HEADS and specific(tail, code=False):
        out.append(Provided(tail, 1, title.text))
    return out


def _words_until_break(toks: list[Token]) -> int:
    n = 0
    while n < len(toks) and toks[n][0] not in MARKERS and toks[n][0] not in DETERMINERS:
        n += 1
    return n


def clause_verbs(toks: list[Token]) -> list[int]:
    """Indexes just after each creating verb that opens a clause ("set up" counts as one)."""
    starts = []
    for i in [i for i, (w, _r) in enumerate(toks) if w in PROVIDE_VERBS]:
        word = toks[i][0]
        if word in PHRASAL and not (i + 1 < len(toks) and toks[i + 1][0] == "up"):
            continue
        j = i - 1
        while j >= 0 and toks[j][0] in CLAUSE_OPENERS:
            j -= 1
        if j >= 0 and toks[j][0] not in MARKERS:
            continue
        starts.append(i + 2 if word in PHRASAL else i + 1)
    return starts


def noun_phrases(toks: list[Token], start: int) -> list[list[Token]]:
    """The noun phrase after a verb, and those joined to it by "and" / "or"."""
    phrases: list[list[Token]] = []
    i, end = start, len(toks)
    while True:
        while i < end and (toks[i][0] in DETERMINERS or toks[i][1] == '"'):
            i += 1
        phrase, i = _phrase_at(toks, i)
        if not phrase:
            break
        phrases.append(phrase[:MAX_WORDS])
        if i < end and toks[i][0] == OPEN:  # "the Order model (id, total) and ..."
            depth = 0
            while i < end:
                depth += {OPEN: 1, CLOSE: -1}.get(toks[i][0], 0)
                i += 1
                if depth == 0:
                    break
        if i < end and toks[i][0] in ("and", "or"):
            i += 1
            continue
        break
    # "login and logout endpoints": a single word takes the head of the next longer phrase
    # ("the createArticle and publishArticle mutations": createArticle mutation), and keeps
    # standing alone too (a code word such as createArticle is a name by itself).
    out: list[list[Token]] = []
    for i, phrase in enumerate(phrases):
        out.append(phrase)
        if len(phrase) == 1:
            longer = next((p for p in phrases[i + 1 :] if len(p) > 1), None)
            if longer:
                out.append([*phrase, longer[-1]])
    return out


def _phrase_at(toks: list[Token], i: int) -> tuple[list[Token], int]:
    """The words of a noun phrase from ``i``, and where it ends."""
    phrase: list[Token] = []
    while i < len(toks) and toks[i][0] not in STOP:
        if toks[i][1] == '"':  # 'Add "Play" button': the quotes name it, the phrase goes on
            i += 1
            continue
        if toks[i][0] in MARKERS or (phrase and _participle(toks[i][0])):
            break  # "the template format used by ...": the phrase ended before "used"
        phrase.append(toks[i])
        i += 1
    return phrase, i


def _participle(word: str) -> bool:
    return len(word) > 3 and word.endswith("ed") and not word.endswith("eed")


def _variants(phrase: list[tuple[str, str]], quote: str) -> list[Provided]:
    words = tuple([w for w, _ in phrase])
    if not specific(words, code=len(phrase) == 1 and is_code_word(phrase[0][1])):
        return []
    if words[-1] in TEST_HEADS:
        return []
    out = [Provided(words, 2, quote)]
    if len(phrase) > 1 and len(words[0]) > 3 and is_code_word(phrase[0][1]):
        out.append(Provided(words[:1], 1, quote))  # "the publishArticle mutation": a name
    trimmed = words
    while len(trimmed) > 2 and trimmed[-1] in DROPPABLE_HEADS:
        trimmed = trimmed[:-1]
        if specific(trimmed, code=False):
            out.append(Provided(trimmed, 1, quote))
    return out


def specific(words: tuple[str, ...], *, code: bool) -> bool:
    """Two words with one not generic, or a single identifier written as code."""
    if len(words) == 1:
        return code and len(words[0]) > 3
    return any(w not in GENERIC and not w.isdigit() for w in words)
