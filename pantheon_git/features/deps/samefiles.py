"""Which named paths are one file: "config/x.yaml" and "pkg/config/x.yaml", "cli.py" and
"src/app/cli.py"; and which names are files every project or package has (a README, a
manifest), so that a bare one is no particular package's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from pantheon_git.features.deps.facts import Facts
from pantheon_git.features.deps.text import word_set

SameFiles = tuple[dict[str, str], set[str]]
"""A path -> the one longer path it is; and the bare names that stand for several."""


def full_paths(all_facts: Sequence[Facts]) -> SameFiles:
    """A path -> the one longer path named in the backlog that ends in it, when only one does
    ("whatsapp_service.go" and "internal/service/whatsapp_service.go" are one file, and so are
    "config/action_servers.yaml" and "manipulator_control/config/action_servers.yaml"); and
    the bare names several such paths end in ("index.ts" of two packages): which one a story
    means is unknown, so they conflict with nothing."""
    named = {path for facts in all_facts for path in facts.files}
    longer: dict[str, set[str]] = defaultdict(set)
    for path in named:
        at = path.find("/", 1)
        while at > 0:
            longer[path[at + 1 :]].add(path)
            at = path.find("/", at + 1)
    # a bare manifest ("package.xml") is the project's own, not the one package's that is named
    full = {
        p: next(iter(longer[p]))
        for p in named
        if len(longer.get(p, ())) == 1 and ("/" in p or not is_shared_file(p))
    }
    ambiguous = {p for p in named if "/" not in p and len(longer.get(p, ())) > 1}
    return full, ambiguous


def is_shared_file(path: str) -> bool:
    """``README``, ``packages/core/README.md``, ``package.json``, ``pnpm-lock.yaml``,
    ``tsconfig.json``, ``vite.config.ts``: a file of a kind every project or package has."""
    name = path.rsplit("/", 1)[-1].lower()
    stem = name.split(".", 1)[0]
    return (
        stem in SHARED_STEMS
        or name in SHARED_NAMES
        or name.endswith((".lock", "-lock.json", "-lock.yaml"))
        or (stem.startswith("tsconfig") and name.endswith(".json"))
        or (name.count(".") >= 2 and name.split(".")[-2] in ("config", "conf"))
    )


SHARED_STEMS = word_set("readme changelog contributing license licence")
SHARED_NAMES = word_set(
    """package.json pyproject.toml setup.py setup.cfg requirements.txt go.mod go.sum cargo.toml
    package.xml cmakelists.txt
    gemfile composer.json pubspec.yaml .gitignore .env .env.example .env.local .eslintrc.json
    .prettierrc"""
)
