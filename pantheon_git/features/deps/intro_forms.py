"""The forms of a phrase a story introduces: as written, and the shorter ways others name it.

"Video preview player" is also "preview player" and "video player"; "Media library panel" is
also "media library" (a head that says where a thing is shown is left off); "Supabase
authentication setup" is Supabase authentication (a head that says a thing is set up is left
off, and "authentication" is "auth", as ``supabase.auth`` writes it); "Single-track timeline
foundation" is also the timeline. A configuration title names no one-word thing:
"TypeScript configuration" sets a tool up that others name in passing ("TypeScript
examples"), and "Multi-format build configuration" makes no "build" others use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from pantheon_git.features.deps.phrases import GENERIC, STOP, TEST_HEADS
from pantheon_git.features.deps.text import word_set
from pantheon_git.features.deps.tokens import Token

Key = tuple[str, ...]
MAX_WORDS = 4
# Heads that say a thing is being set up, not what it is.
SETUP_HEADS = word_set(
    """setup integration implementation foundation configuration config infrastructure support
    initialization initialisation"""
)
# Heads that say where a thing is shown or served, not what it is: "Conversation history
# backend" and "Conversation history UI" are both about the conversation history.
PLACE_HEADS = word_set("panel component ui tui backend frontend page screen view module layer")
# Words for a value a record has: "Verification status screen" shows a status that records
# carry, so "verification status" elsewhere is a field, not the screen.
ATTRIBUTES = word_set("status state date time count total number type level score amount")
ABBREVIATIONS = {"authentication": "auth", "information": "info", "configuration": "config"}
ABBREVIATED = frozenset(ABBREVIATIONS)
HTTP_METHODS = frozenset(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"))


class Form(NamedTuple):
    key: Key
    full: bool
    """The phrase as written, not a shorter form of it."""
    name: str
    """full, core (a head left off), suffix, skip (first word and head), head (alone)."""
    setup: bool = False
    """What is left when a setup head is left off: the phrase says the thing is set up."""


def abbreviate(words: Sequence[str]) -> list[str]:
    return [ABBREVIATIONS.get(w, w) for w in words]


def forms(phrase: Sequence[Token], *, title: bool = False, noun: bool = False) -> list[Form]:
    """The keys a phrase introduces. ``title``: it is a title's; ``noun``: a noun title's
    (its last words and its first word with its head name the thing too)."""
    toks = [(ABBREVIATIONS.get(w, w), r) for w, r in phrase[-MAX_WORDS:]]
    words = tuple([w for w, _r in toks])
    out: list[Form] = []
    if not words:
        return out
    if specific(words, toks):
        out.append(Form(words, True, "full"))
    n = len(words)
    setup = False
    while (n > 1 and words[n - 1] in SETUP_HEADS) or (n > 2 and words[n - 1] in PLACE_HEADS):
        setup = setup or words[n - 1] in SETUP_HEADS
        n -= 1
    core = words[:n]
    configured = "config" in words[n:]
    if configured and n == 1:
        pass  # "TypeScript configuration": the tool, not a thing the story makes
    elif n < len(words) and specific(core, toks[:n]) and core[-1] not in ATTRIBUTES:
        out.append(Form(core, False, "core", setup))
    if noun and n == len(words):
        for k in range(1, n - 1):
            if specific(core[k:], toks[k:n]):
                out.append(Form(core[k:], False, "suffix"))
        if n == 3 and specific((core[0], core[-1]), toks):
            out.append(Form((core[0], core[-1]), False, "skip"))
    if title and setup and n > 2 and core[-1] not in GENERIC and not configured:
        out.append(Form(core[-1:], False, "head", True))
    return out


def specific(words: Key, toks: Sequence[Token]) -> bool:
    """Two words, one of them not generic; or one word written as a name (``FFmpeg``,
    ``MPV``, ``ScreenCaptureKit``), not a method (``GET``)."""
    if words[-1] in TEST_HEADS or not STOP.isdisjoint(words):
        return False
    if len(words) == 1:
        raw = toks[-1][1]
        named = raw[1:] != raw[1:].lower() and raw.isalnum()
        return named and len(raw) > 2 and raw not in HTTP_METHODS
    return any(w not in GENERIC and not w.isdigit() for w in words)
