"""File paths a story names, and the shared test fixtures it touches.

A path has a folder and a file name with an extension (``src/auth/login.ts``), or is a bare
file name with a source or config extension (``settings.py``), or a well-known extensionless
name (``Dockerfile``). URLs, endpoints and folders (``src/auth/``) are not files; a path written
from the repository's root (``/app/profile/page.tsx``) is the repository's file, one under a
system folder (``/etc/app/secrets.env``) is not.

Build outputs (``dist/index.js``, ``build/app.js``, anything under ``node_modules/``) are
generated, not written: no story creates or changes them by hand, so they are not files here.

A shared test fixture is a ``conftest.py``, a file under a ``fixtures``/``testdata`` folder,
or a fixture named in the text ("the ``db_session`` fixture", "fixture customer_factory").
Fixture names are identifiers with an underscore, or any word in backticks.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pantheon_git.features.deps.text import fence, sentence_at, word_set
from pantheon_git.features.deps.tokens import CODE, Sentence

_EXTS = (
    "py|pyi|ts|tsx|js|jsx|mjs|cjs|java|kt|kts|go|rs|rb|php|cs|cpp|cc|c|h|hpp|swift|scala|"
    "sql|graphql|gql|proto|ya?ml|json|toml|ini|cfg|conf|env|xml|html?|css|scss|sass|less|vue|"
    "svelte|md|rst|sh|bash|tf|csv|lock|gradle|erb|jinja2?|j2|txt"
)
# A code token is a path when it has a folder and a file with an extension, or is a bare
# file name with a known extension.
# Folders may carry route syntax: app/[username]/, src/app/(admin)/, pages/[...slug]/.
FULL_PATH_RE = re.compile(r"(?:\.{1,2}/)?(?:[\w@.\-\[\]()]+/)+[\w@.-]*\w\.[A-Za-z0-9]{1,10}")
BARE_FILE_RE = re.compile(rf"[\w-]+(?:\.[A-Za-z]\w*)*\.(?:{_EXTS})")  # app.module.ts
WELL_KNOWN = word_set(
    "Dockerfile Makefile Jenkinsfile Procfile Gemfile Rakefile CODEOWNERS README CHANGELOG LICENSE"
)
_STRIP = "`'\"()[]{}<>,;:!?*"
# The first folders of a path outside any repository ("/etc/deskpulse/secrets.env").
SYSTEM_ROOTS = word_set("etc usr var opt home tmp dev proc sys root bin sbin mnt srv run boot")
DATA_EXTS = word_set("json xml csv txt html htm")
# Folders that hold what a build or a tool generates.
OUTPUT_DIRS = word_set("dist build out target coverage node_modules __pycache__ .next .nuxt")
# pytest's conftest.py, fixture folders, and factory_bot / factory_boy factories.
FIXTURE_DIRS = word_set("fixtures fixture __fixtures__ testdata test_data test-data factories")
FIXTURE_FILES = word_set("conftest.py factories.py")
# Words after which a path with a trailing slash is a folder being set up.
FOLDER_WORDS = word_set(
    """group folder directory module package app create add new scaffold introduce set"""
)
_NAMED_RES = (
    re.compile(r"\b([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+)`?\s+(?:pytest\s+)?fixtures?\b"),
    re.compile(r"`(\w+)`\s+(?:pytest\s+)?fixtures?\b"),
    re.compile(
        r"\bfixtures?\s+(?:called\s+|named\s+)?(?:`(\w+)`|([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+))"
    ),
)


def named_paths(tokenised: list[Sentence]) -> dict[str, str]:
    """Path -> the sentence naming it."""
    found: dict[str, str] = {}
    for sentence in tokenised:
        if CODE not in sentence.norms and WELL_KNOWN.isdisjoint(sentence.raws):
            continue
        for norm_, raw in zip(sentence.norms, sentence.raws, strict=True):
            path = as_path(raw) if norm_ == CODE else (raw if raw in WELL_KNOWN else None)
            if path and path not in found:
                found[path] = sentence.text
    return found


@lru_cache(maxsize=65536)
def as_path(raw: str) -> str | None:
    if "://" in raw:
        return None
    path = _bare(raw)
    if path.startswith("/"):
        # "/app/profile/page.tsx": the repository's own file, written from its root; an
        # endpoint has no extension, and "/etc/app/secrets.env" is outside the repository
        path = path[1:]
        first, ext = path.split("/", 1)[0], path.rsplit(".", 1)[-1].lower()
        if first in SYSTEM_ROOTS or (first == "api" and ext in DATA_EXTS):
            return None  # outside the repository, or an endpoint's format ("/api/users.json")
        if not FULL_PATH_RE.fullmatch(path):
            return None
    if BARE_FILE_RE.fullmatch(path):
        return path
    if FULL_PATH_RE.fullmatch(path):
        return None if is_output_path(path) else path
    return None


def _bare(raw: str) -> str:
    """A code token without the quotes, brackets and punctuation around it, nor ``./``."""
    return raw.lstrip(_STRIP).rstrip(_STRIP + ".").removeprefix("./")


def is_folder_entry(path: str) -> bool:
    """``index.js``, ``index.cjs`` without a folder: the entry file every package and folder
    has, so the name alone says which one no better than "the index" does."""
    return "/" not in path and path.split(".", 1)[0] == "index"


def is_output_path(path: str) -> bool:
    """``dist/index.cjs``, ``packages/core/dist/index.js``: a file a build generates."""
    return any(part in OUTPUT_DIRS for part in path.split("/")[:-1])


def is_fixture_path(path: str) -> bool:
    parts = path.split("/")
    return parts[-1] in FIXTURE_FILES or any(p in FIXTURE_DIRS for p in parts[:-1])


def named_fixtures(text: str) -> dict[str, str]:
    """``fixture:<name>`` -> the sentence naming it."""
    found: dict[str, str] = {}
    if "fixture" not in text.lower():
        return found
    fenced = fence(text)
    for regex in _NAMED_RES:
        for match in regex.finditer(fenced):
            name = next(g for g in match.groups() if g)
            key = f"fixture:{name.lower()}"
            if key not in found:
                found[key] = sentence_at(text, match.start(), match.end())
    return found


def named_folders(tokenised: list[Sentence]) -> dict[str, str]:
    """Folders a story sets up -> the sentence: a path with a trailing slash after a word for
    a folder ("Route group src/app/(admin)/", "the billing module app/billing/") or after a
    creating verb ("Create app/reports/"); and every folder of a layout the story lists ("the
    folders `/src`, `/services` and `/constants`", "its layout: `docs/`, `firmware/`,
    `orchestrator/`"), top-level ones too. Naming a folder otherwise ("Touches
    src/integrations/") sets nothing up; test folders are the test rule's business."""
    found: dict[str, str] = {}
    for sentence in tokenised:
        if CODE not in sentence.norms:
            continue
        for folder in _listed_folders(sentence):
            found.setdefault(folder, sentence.text)
        if FOLDER_WORDS.isdisjoint(sentence.norms):
            continue
        for i, (norm_, raw) in enumerate(zip(sentence.norms, sentence.raws, strict=True)):
            if norm_ != CODE or "://" in raw or i == 0:
                continue
            if sentence.norms[i - 1] not in FOLDER_WORDS:
                continue
            folder = _bare(raw)
            parts = folder.split("/")
            if (
                folder.endswith("/")
                and not folder.startswith("/")
                and len(parts) >= 3
                and not _test_folder(parts)
            ):
                found.setdefault(folder, sentence.text)
    return found


LAYOUT_CUES = word_set("folder directory layout structure tree")
"""A sentence with one of these and two folders or more lists a layout being set up."""


def _listed_folders(sentence: Sentence) -> list[str]:
    """The folders of a layout ``sentence`` lists: two or more, each written as a folder
    (``docs/``) or from the repository's root (``/src``, ``/src/models``), in a sentence with
    a folder word or "layout". A root-written name with an extension is a file, and one in a
    sentence without such a word may be a route (``/dashboard``). A folder in brackets after
    another (``firmware/`` (``head/``, ``body/``)) counts by its own name too: later stories
    often write their paths from inside a package (``src/index.ts``, ``lib/screens/...``)."""
    if LAYOUT_CUES.isdisjoint(sentence.norms):
        return []
    out: list[str] = []
    for norm_, raw in zip(sentence.norms, sentence.raws, strict=True):
        if norm_ != CODE or "://" in raw:
            continue
        token = _bare(raw)
        if not (token.endswith("/") or token.startswith("/")):
            continue
        folder = token.strip("/") + "/"
        parts = folder.split("/")
        if folder == "/" or "." in parts[-2] or _test_folder(parts):
            continue
        if token.startswith("/") and parts[0] in SYSTEM_ROOTS:
            continue
        if not re.fullmatch(r"[\w@.\-\[\]()]+(?:/[\w@.\-\[\]()]+)*/", folder):
            continue
        out.append(folder)
    return out if len(out) >= 2 else []


def _test_folder(parts: list[str]) -> bool:
    return any(p in FIXTURE_DIRS or p in ("tests", "test", "spec") for p in parts)
