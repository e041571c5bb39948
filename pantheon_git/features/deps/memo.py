"""Every memo the analysis keeps between runs, dropped at once (benchmarks measure cold runs)."""

from __future__ import annotations

from pantheon_git.features.deps import names, paths, tokens


def forget() -> None:
    tokens.forget()
    names.name_words.cache_clear()
    names.ident_keys.cache_clear()
    paths.as_path.cache_clear()
