"""Every memo the analysis keeps between runs, dropped at once (benchmarks measure cold runs)."""

from __future__ import annotations

from pantheon_git.features.deps import facts, names, paths, tokens


def forget() -> None:
    tokens.forget()
    facts.forget()
    names.name_words.cache_clear()
    names.ident_keys.cache_clear()
    paths.as_path.cache_clear()
