"""Things a story introduces in words (see ``intro_forms`` for the forms each one takes).

A story introduces a thing when

* its title names it: what a creating verb opens ("Create stats view TUI component"), or a
  noun title's phrase of three words or more or with a setup head ("Media library panel with
  thumbnails", "ScreenCaptureKit setup & permissions"); of phrases joined by "and", an
  earlier one counts only with a setup head ("Loan account and transaction search" builds a
  search, not loan accounts);
* an indefinite article or a creating verb opens a sentence with it ("A recording panel (or
  modal) with Start and Stop buttons", "Add a date range selector");
* a sentence opens with it and its parts in brackets ("The quality report (overall_confidence,
  tables, warnings) is stored ...");
* a sentence lists it under a count ("three areas, preview at the top, timeline at the
  bottom, media library in a sidebar"; "Two private buckets, uploads and downloads");
* a sentence opens with the page route it serves ("/settings shows the email").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pantheon_git.features.deps.artefacts import EXISTING
from pantheon_git.features.deps.intro_forms import SETUP_HEADS, Key, abbreviate, forms
from pantheon_git.features.deps.phrases import DETERMINERS, PROVIDE_VERBS, STOP
from pantheon_git.features.deps.text import norm, word_set
from pantheon_git.features.deps.tokens import CLOSE, CODE, MARKERS, OPEN, Sentence, Token

TITLE, STATED = 3, 2
ARTICLES = word_set("a an")
NUMBERS = word_set("two three four five six seven eight nine ten several")
# A word followed by one of these is a verb ("A timer shows the elapsed time").
OBJECT_STARTS = DETERMINERS | word_set("that whether how it them")
USING_VERBS = EXISTING | word_set("display show enhance improve integrate fix handle enable")
PHRASAL = ("set", "stand")


@dataclass(frozen=True)
class Intro:
    """How a story introduces a key."""

    strength: int
    """3 by its title, 2 by a sentence."""
    quote: str
    full: bool = True
    how: str = ""
    """Where and in which form: ``title/core``, ``noun-title/suffix``, ``stated/full``, ..."""
    setup: bool = False
    """The story sets the thing up ("Basic webcam recording setup")."""


def introductions(sentences: Sequence[Sentence]) -> dict[Key, Intro]:
    """Key -> how the story introduces it. ``sentences[0]`` is the title."""
    found: dict[Key, Intro] = {}
    if sentences:
        title = sentences[0]
        how = "title" if title.norms and title.norms[0] in PROVIDE_VERBS else "noun-title"
        _keep_all(found, _title_phrases(title), TITLE, title.text, how)
    for sentence in sentences[1:]:
        norms = sentence.norms  # toks() only where a form may start: most sentences have none
        first = norms[0] if norms else ""
        if first in ARTICLES or (first in PROVIDE_VERBS and first not in PHRASAL):
            _keep_all(found, [_phrase_after(sentence.toks(), 1)], STATED, sentence.text, "stated")
        elif first == CODE and sentence.raws[0].startswith("/"):
            route = page_route(sentence.raws[0])
            for key in route_keys(route) if route else ():
                _keep(found, key, Intro(STATED, sentence.text, True, "route"))
        if first in DETERMINERS and OPEN in norms:
            _keep_all(found, _defined(sentence.toks()), STATED, sentence.text, "defined")
        if not NUMBERS.isdisjoint(norms):
            for item in _counted(sentence.toks()):
                key = tuple(abbreviate([w for w, _r in item]))
                if len(key) == 1:  # a listed name alone is met as a path: uploads/{user_id}/
                    key = ("path:" + key[0],)
                _keep(found, key, Intro(STATED, sentence.text, True, "listed"))
    return found


def _keep_all(
    found: dict[Key, Intro], phrases: Iterable[list[Token]], strength: int, quote: str, how: str
) -> None:
    title = how.endswith("title")
    for phrase in phrases:
        for form in forms(phrase, title=title, noun=how == "noun-title"):
            intro = Intro(strength, quote, form.full, f"{how}/{form.name}", form.setup)
            _keep(found, form.key, intro)


def _keep(found: dict[Key, Intro], key: Key, intro: Intro) -> None:
    """Of the ways one story introduces a key, the phrase as written wins over a shorter form."""
    old = found.get(key)
    if old is None or (old.full, old.strength) < (intro.full, intro.strength):
        found[key] = intro


def _title_phrases(title: Sentence) -> list[list[Token]]:
    toks = title.toks()
    if not toks or toks[0][0] in USING_VERBS:
        return []
    verb = toks[0][0] in PROVIDE_VERBS
    i = (2 if toks[0][0] in PHRASAL else 1) if verb else 0
    out: list[list[Token]] = []
    while i < len(toks):
        while i < len(toks) and toks[i][0] in DETERMINERS:
            i += 1
        phrase = _phrase_at(toks, i)
        if phrase:
            out.append(phrase)
        i += len(phrase)
        while i < len(toks) and toks[i][0] in MARKERS and toks[i][0] != OPEN:
            i += 1
        if i >= len(toks) or toks[i][0] not in ("and", "&"):
            break
        i += 1
    out = [p for p in out[:-1] if p[-1][0] in SETUP_HEADS] + out[-1:]
    return out if verb else [p for p in out if len(p) >= 3 or p[-1][0] in SETUP_HEADS]


def _phrase_at(toks: list[Token], i: int) -> list[Token]:
    words: list[Token] = []
    while i < len(toks) and toks[i][0] not in MARKERS and toks[i][0] not in STOP:
        words.append(toks[i])
        i += 1
    return words


def _phrase_after(toks: list[Token], i: int) -> list[Token]:
    while i < len(toks) and toks[i][0] in DETERMINERS:
        i += 1
    phrase = _phrase_at(toks, i)
    end = i + len(phrase)
    if len(phrase) > 1 and end < len(toks) and toks[end][0] in OBJECT_STARTS:
        phrase = phrase[:-1]  # "A timer shows the ...": "shows" is the verb
    return phrase


def _counted(toks: list[Token]) -> list[list[Token]]:
    """Each item of "three areas, preview at the top, timeline at the bottom, media library in a
    sidebar", alone and with the head ("media library area")."""
    i = next(k for k, (w, _r) in enumerate(toks) if w in NUMBERS) + 1
    head = _phrase_at(toks, i)
    i += len(head)
    if not head or i >= len(toks) or toks[i][0] != ",":
        return []
    out: list[list[Token]] = []
    while i < len(toks) and toks[i][0] in (",", "and"):
        while i < len(toks) and toks[i][0] in (",", "and"):
            i += 1
        item = _phrase_at(toks, i)
        if not item:
            break
        out.extend([item, [*item, head[-1]]])
        i += len(item)
        while i < len(toks) and toks[i][0] not in (",", "and") and toks[i][0] not in MARKERS:
            i += 1  # "at the top"
    return out if len(out) >= 4 else []


def _defined(toks: list[Token]) -> list[list[Token]]:
    i = 0
    while i < len(toks) and toks[i][0] in DETERMINERS:
        i += 1
    phrase = _phrase_at(toks, i)
    end = i + len(phrase)
    if len(phrase) < 2 or end >= len(toks) or toks[end][0] != OPEN:
        return []
    inside = toks[end + 1 : end + 40]
    close = next((k for k, (w, _r) in enumerate(inside) if w == CLOSE), -1)
    return [phrase] if close > 0 and any(w == "," for w, _r in inside[:close]) else []


def page_route(raw: str) -> str | None:
    """A page route: ``/settings``, ``/admin/sales`` (not an API path, not a file)."""
    path = raw.strip("`'\".,;:()")
    if len(path) < 3 or "." in path or not path.startswith("/") or path.startswith("/api"):
        return None
    return path.rstrip("/")


def route_keys(route: str) -> list[Key]:
    """``/settings`` -> ``("route:/settings",)`` and ``("setting", "page")``."""
    last = route.rsplit("/", 1)[-1]
    keys: list[Key] = [("route:" + route,)]
    if last.isalpha():
        keys.append((norm(last), "page"))
    return keys
