"""Words as the dependency rules compare them: lower case, singular, hyphens settled.

``"the Order-History pages"`` and ``"order history page"`` normalise to the same words, so a
thing one story creates is found in another story's text however it is written.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Sentences end at . ! ? followed by space, and at ;. Blocks end at blank lines; a list item
# (a line starting with a bullet or a number) starts a new block; other line breaks are
# wrapping inside a paragraph. One split does both: block breaks, then sentence ends.
PIECES_RE = re.compile(r"\n\s*\n|\n(?=[ \t]*(?:[*+•-]|\d+[.)])\s)|(?<=[.!?])\s+|;\s*")
BULLET_RE = re.compile(r"^(?:[*+•>#-]+|\d+[.)])\s+")
ITEM_NUMBER_RE = re.compile(r"\d+[.)]")
_BULLET_START = frozenset("*+•>#-0123456789")
_CAMEL_RE = re.compile(r"[a-z0-9][A-Z]")

# Suffixes that look plural but are not (address, status, bus, analysis).
_NOT_PLURAL = ("ss", "us", "is")


@lru_cache(maxsize=65536)
def singular(word: str) -> str:
    """A cheap English singular: orders -> order, categories -> category, boxes -> box."""
    if "_" in word:  # snake_case identifier: singularise its last part (order_items)
        head, _, last = word.rpartition("_")
        return f"{head}_{singular(last)}"
    if word.endswith("sses") and len(word) > 5:
        return word[:-2]  # addresses, classes
    if len(word) <= 3 or not word.endswith("s") or word.endswith(_NOT_PLURAL):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "zes")):
        return word[:-2]
    return word[:-1]


@lru_cache(maxsize=65536)
def norm(word: str) -> str:
    """One word as the rules see it: ``Orders`` -> ``order``, ``e-mail`` -> ``email``.

    Hyphenated words with a short part are one word (e-mail, sign-up, log-in); others are
    split by :func:`words` before they get here.
    """
    return singular(word.lower().replace("'", ""))


def split_hyphen(word: str) -> list[str]:
    """``order-history`` -> ``[order, history]``; ``e-mail`` / ``sign-up`` stay one word."""
    parts = word.split("-")
    if len(parts) == 1:
        return parts
    if any(len(p) <= 2 for p in parts):
        return ["".join(parts)]
    return parts


def is_code_word(word: str) -> bool:
    """An identifier someone typed as code: ``order_items``, ``InvoiceService``."""
    return "_" in word or bool(_CAMEL_RE.search(word))


def sentences(text: str) -> list[str]:
    """Sentences and list items of ``text`` on one line each, without bullets or numbers."""
    out = []
    for raw_piece in PIECES_RE.split(text):
        piece = raw_piece
        if not piece or piece.isspace():
            continue
        if piece[0] in _BULLET_START or piece[0].isspace():
            piece = BULLET_RE.sub("", piece.strip())
            if not piece or ITEM_NUMBER_RE.fullmatch(piece):
                continue
        if "\n" in piece or "  " in piece or "\t" in piece:
            piece = " ".join(piece.split())
        out.append(piece)
    return out


def one_line(text: str, limit: int = 100) -> str:
    """``text`` on one line, shortened to ``limit`` characters for evidence."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def excerpt(sentence: str, *anchors: str, width: int = 90) -> str:
    """``sentence`` on one line, cut to ``width`` around the first anchor found in it."""
    flat = " ".join(sentence.split())
    if len(flat) <= width:
        return flat
    at = 0
    lower = flat.lower()
    for anchor in anchors:
        found = _find_word(lower, anchor.lower()) if anchor else -1
        if found >= 0:
            at = found
            break
    start = max(0, min(at - width // 3, len(flat) - width))
    piece = flat[start : start + width].strip()
    return ("…" if start > 0 else "") + piece + ("…" if start + width < len(flat) else "")


_LEFT_END_RE = re.compile(r"[.!?]\s|;|\n\s*\n|\n[ \t]*(?:[*+•-]|\d+[.)])\s")
_RIGHT_END_RE = re.compile(r"[.!?](?=\s|$)|;|\n\s*\n|\n(?=[ \t]*(?:[*+•-]|\d+[.)])\s)")


def sentence_start(text: str, pos: int) -> int:
    """Where the sentence holding ``text[pos]`` starts (looking back at most 400 characters)."""
    left = max(0, pos - 400)
    for match in _LEFT_END_RE.finditer(text, left, pos):
        left = match.end()
    return left


def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence (or list item) of ``text`` around ``text[start:end]``, on one line."""
    left = sentence_start(text, start)
    right_match = _RIGHT_END_RE.search(text, end, end + 400)
    right = right_match.end() if right_match else min(len(text), end + 400)
    return BULLET_RE.sub("", " ".join(text[left:right].split()))


_BLOCK_END_RE = re.compile(r"\n\s*\n|\n(?=[ \t]*(?:[*+•-]|\d+[.)])\s)")


def fence(text: str) -> str:
    """``text`` with each block break turned into ``;`` and spaces (same length), so that a
    pattern spanning whitespace cannot run from one list item or paragraph into the next."""
    return _BLOCK_END_RE.sub(lambda m: ";" + " " * (len(m.group()) - 1), text)


def word_set(words: str) -> frozenset[str]:
    """A set of words written as one string: ``word_set("a an the")``."""
    return frozenset(words.split())


def _find_word(text: str, needle: str) -> int:
    """Where ``needle`` starts a word in ``text`` (not after a letter, digit, _ or /), or -1."""
    at = text.find(needle)
    while at > 0 and (text[at - 1].isalnum() or text[at - 1] in "_/"):
        at = text.find(needle, at + 1)
    return at
