"""Where a story names things other stories introduce: in words, by route, through a member
call (``supabase.auth.signInWithPassword()`` names Supabase auth) or as the first folder of a
path (``uploads/{user_id}/input.pdf`` names the uploads bucket)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from itertools import pairwise

from pantheon_git.features.deps.intro_forms import ABBREVIATED, Key, abbreviate
from pantheon_git.features.deps.introduced import ARTICLES, page_route
from pantheon_git.features.deps.phrases import STOP
from pantheon_git.features.deps.text import norm
from pantheon_git.features.deps.tokens import CODE, MARKERS, Sentence

_MEMBER_RE = re.compile(r"\b[a-z]\w*\.\w+\.\w")


class Index:
    """The keys stories introduce, ready to be found in a sentence without trying every
    position: only where two words are the first two of some key, or a one-word key."""

    def __init__(self, keys: Collection[Key]) -> None:
        self.keys = keys
        self.starts: dict[tuple[str, str], tuple[int, ...]] = {}
        lengths: dict[tuple[str, str], set[int]] = defaultdict(set)
        for key in keys:
            if len(key) > 1:
                lengths[(key[0], key[1])].add(len(key))
        self.starts = {pair: tuple(sorted(n)) for pair, n in lengths.items()}
        self.firsts = frozenset(pair[0] for pair in self.starts)
        self.singles = frozenset(key[0] for key in keys if len(key) == 1)

    def uses(self, sentences: Sequence[Sentence]) -> dict[Key, str]:
        """Key -> the first sentence of the story naming it."""
        found: dict[Key, str] = {}
        for sentence in sentences:
            norms = sentence.norms
            if not ABBREVIATED.isdisjoint(norms):
                norms = abbreviate(norms)
            if not self.firsts.isdisjoint(norms):
                for key in self._phrases(norms):
                    found.setdefault(key, sentence.text)
            if self.singles and not self.singles.isdisjoint(norms):
                for word in self.singles.intersection(norms):
                    found.setdefault((word,), sentence.text)
            for key in written(sentence):
                if key in self.keys:
                    found.setdefault(key, sentence.text)
            if "configured" in norms:
                for key in _configured(norms):
                    if key in self.keys:
                        found.setdefault(key, sentence.text)
        return found

    def _phrases(self, norms: list[str]) -> list[Key]:
        out: list[Key] = []
        starts = self.starts
        if starts.keys().isdisjoint(pairwise(norms)):
            return out
        for i, pair in enumerate(pairwise(norms)):
            lengths = starts.get(pair)
            if lengths is None:
                continue
            for n in lengths:
                key = tuple(norms[i : i + n])
                if key in self.keys and not new_instance(norms, i, i + n):
                    out.append(key)
        return out


def new_instance(norms: list[str], start: int, end: int) -> bool:
    """ "a fee waiver is pending": an indefinite article before a phrase that ends its noun
    phrase speaks of some such thing, not of the one a story built ("an agent status
    section" still names the agent status)."""
    if not start or norms[start - 1] not in ARTICLES:
        return False
    return end >= len(norms) or norms[end] in STOP or norms[end] in MARKERS


def written(sentence: Sentence) -> list[Key]:
    """Keys a sentence names in code: page routes, the object of a member call, the first
    folder of a path with a placeholder."""
    out: list[Key] = []
    if CODE in sentence.norms:
        for word, raw in sentence.toks():
            if word != CODE:
                continue
            if raw.startswith("/"):
                route = page_route(raw)
                if route:
                    out.append(("route:" + route,))
            elif "/{" in raw and raw.split("/", 1)[0].isalpha():
                out.append(("path:" + norm(raw.split("/", 1)[0]),))
    if sentence.text.count(".") > 1 and _MEMBER_RE.search(sentence.text):  # a.b.c: two dots
        raws = sentence.raws
        for i in range(len(raws) - 4):
            if (
                raws[i + 1] == "." == raws[i + 3]
                and raws[i].isidentifier()
                and raws[i][:1].islower()
                and raws[i + 2].isidentifier()
            ):
                out.append(tuple(abbreviate([norm(raws[i]), norm(raws[i + 2])])))
    return out


def _configured(norms: Sequence[str]) -> list[Key]:
    """ "Given TypeScript is configured": the configuration of TypeScript, which a
    "TypeScript configuration" story introduces (its one word alone names only the tool)."""
    return [
        (norms[j - 2], "config")
        for j, w in enumerate(norms)
        if w == "configured" and j >= 2 and norms[j - 1] in ("is", "are")
    ]
