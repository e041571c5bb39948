"""One pass over each sentence that every rule reads from.

A token is ``(normalised, raw)``: a word (``("order", "Orders")``), a piece of code such as a
path or a file name (``(CODE, "src/auth/login.ts")``), or a break (``(PUNCT, ",")``,
``(OPEN, "(")``, ``(CLOSE, ")")``). Backticks and quotes are not tokens.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from pantheon_git.features.deps.text import norm, sentences, singular, split_hyphen

CODE, PUNCT, OPEN, CLOSE = "§", ",", "(", ")"
MARKERS = frozenset((CODE, PUNCT, OPEN, CLOSE))
Token = tuple[str, str]


class Sentence(NamedTuple):
    """A sentence, its tokens' normalised forms and their raw text (parallel lists)."""

    text: str
    norms: list[str]
    raws: list[str]
    paired: list[Token]
    """``toks()`` once built (several rules read the same sentence)."""

    def toks(self) -> list[Token]:
        if not self.paired and self.norms:
            self.paired.extend(zip(self.norms, self.raws, strict=True))
        return self.paired


_TOKEN_RE = re.compile(
    # A plain word first (the common case, one scan), unless a / or .ext makes it code.
    # "aup-modal.ts" is code, so no plain word may end at its inner "-" or "'" either.
    r"[^\W_]+(?:[_'-][^\W_]+)*(?![\w/'-]|\.[A-Za-z])"
    # Code (has a / or an .ext) starts only where a chunk starts, so a long chunk without
    # spaces is scanned once, not once per character.
    # "manipulator_simulation.launch.py", "app.module.ts": a name may have inner dots.
    r"|(?<![^\s(\[{<\"'`])(?:[^\s/]*/\S*|[\w-]+(?:\.[A-Za-z]\w{0,9})*\.[A-Za-z][A-Za-z0-9]{0,4}\b(?!\.\w))"
    r"|[^\W_]+(?:[_'-][^\W_]+)*"  # a word before a dot that is not code
    r"|[,:;|!?.\"()]"  # break
    r"|&(?=\s)"  # "setup & permissions": and
)
# Normalised form of each word and break seen so far (a memo: tokenising is the hot loop).
_SEEN: dict[str, str] = {"(": OPEN, ")": CLOSE, "&": "and", **dict.fromkeys(',:;|!?."', PUNCT)}
_SEEN_LIMIT = 500_000


def tokenise(sentence: str) -> Sentence:
    raws: list[str] = _TOKEN_RE.findall(sentence)
    if "-" in sentence:
        hyphenated = [i for i, raw in enumerate(raws) if "-" in raw]
        for i in reversed(hyphenated):  # order-history -> order, history; e-mail -> email
            raws[i : i + 1] = _split(raws[i])
    norms: list[str | None] = list(map(_SEEN.get, raws))
    if None in norms:
        norms = [n or _classify(raw) for n, raw in zip(norms, raws, strict=True)]
    return Sentence(sentence, norms, raws, [])  # type: ignore[arg-type]


def _split(raw: str) -> list[str]:
    return split_hyphen(raw) if "-" in raw and "/" not in raw and "." not in raw else [raw]


def _classify(raw: str) -> str:
    if len(_SEEN) > _SEEN_LIMIT:
        forget()
    word = _SEEN[raw] = CODE if "/" in raw or "." in raw else norm(raw)
    return word


def forget() -> None:
    """Drop the memo of normalised words (benchmarks measure cold runs with it; ``memo.forget``
    drops every memo of the analysis)."""
    _SEEN.clear()
    _SEEN.update({"(": OPEN, ")": CLOSE, "&": "and", **dict.fromkeys(',:;|!?."', PUNCT)})
    norm.cache_clear()
    singular.cache_clear()


def tokenise_text(text: str) -> list[Sentence]:
    return [tokenise(sentence) for sentence in sentences(text)]


def is_word(token: Token) -> bool:
    return token[0] not in MARKERS


def next_word(toks: list[Token], i: int, skip: frozenset[str] = frozenset()) -> int | None:
    """Index of the first word at or after ``i`` whose lower-case form is not in ``skip``."""
    while i < len(toks) and is_word(toks[i]) and toks[i][1].lower() in skip:
        i += 1
    return i if i < len(toks) and is_word(toks[i]) else None
