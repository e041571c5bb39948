"""Names of things as code and prose write them, reduced to one key.

``useWaiveFee``, ``use_waive_fee``, ``waive-fee`` and "the waive fee" all give ``waivefee``;
``ServicingView``, ``servicing_view.tsx`` and "the servicing view" give ``servicingview``;
``WriteOffRequests`` and "write-off requests" give ``writeoffrequest``. A key joins the
normalised words (lower case, singular), so a table and its model (``order_items``,
``OrderItem``) meet too. React-style hooks also answer to their name without ``use``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pantheon_git.features.deps.text import norm, word_set

_PARTS_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_HOOK_RE = re.compile(r"use[A-Z0-9]")
# What a name says about the kind of thing it is; the rest of the name says which one
# (``tokenStorageProvider`` is the token storage's provider).
ROLE_SUFFIXES = word_set(
    """provider service store controller notifier repository repo manager client api hook
    helper util"""
)


@lru_cache(maxsize=65536)
def name_words(raw: str) -> tuple[str, ...]:
    """``"ERROR_MESSAGES"`` -> ``("error", "message")``; ``"getPendingForAccount()"`` ->
    ``("get", "pending", "for", "account")``."""
    return tuple(norm(part) for part in _PARTS_RE.findall(raw))


def key_of(words: tuple[str, ...] | list[str]) -> str:
    return "".join(words)


@lru_cache(maxsize=65536)
def ident_keys(raw: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``(key, words)`` for each key an identifier answers to: its own, and for a hook
    ``useX`` also ``X``'s. Empty for one word (``index``, ``route``: too common to be a name)."""
    words = name_words(raw)
    if len(words) < 2:
        return ()
    keys = [(key_of(words), words)]
    if _HOOK_RE.match(raw) and len(words) > 2:
        words = words[1:]
        keys.append((key_of(words), words))
    if words[-1] in ROLE_SUFFIXES and len(words) > 2:
        keys.append((key_of(words[:-1]), words[:-1]))
    return tuple(keys)


def stem_of(path: str) -> str:
    """``src/hooks/useWaiveFee.ts`` -> ``useWaiveFee``; ``src/payload.config.ts`` ->
    ``payload.config``."""
    base = path.rstrip("/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
