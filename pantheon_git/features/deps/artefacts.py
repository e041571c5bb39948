"""Named things a story makes or mentions (code names, files), and how sure the text is.

A name (``useWaiveFee``, ``ServicingView``, ``ERROR_MESSAGES``, the stem of a file) is *made*
by a story when the story's text builds it:

* 3: it sits in what a creating verb opens ("Add useWaiveFee and ...", "The stores export
  useUIStore"), in a line that only names things and where they go ("useCustomer query hook in
  src/hooks/queries/useCustomer.ts"), in what a file holds as the clause's subject ("then
  `src/grid/grid.rs` holds the `DotGrid` struct"), or it is the stem of a file the story
  creates;
* 2: it opens the title or a sentence of the description ("ERROR_MESSAGES maps codes to
  messages");
* 1: any other mention, and every mention after "existing" or a verb that changes or uses
  what is there (extend, reuse, update, call, ...): those use the name.

A file is *created* by a line that lists it alone ("src/stores/ui.ts"), by a creating verb
("New Payload collection src/collections/WriteOffRequests.ts") or by a line naming the thing
the file is named after ("StorageService in .../storage_service.py"); any other mention changes
it ("Mount the palette in src/providers/index.tsx").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from pantheon_git.features.deps.names import ident_keys, name_words, stem_of
from pantheon_git.features.deps.paths import as_path
from pantheon_git.features.deps.phrases import (
    DETERMINERS,
    PROVIDE_VERBS,
    STOP,
    TEST_HEADS,
    is_test_place,
)
from pantheon_git.features.deps.text import is_code_word, word_set
from pantheon_git.features.deps.tokens import CLOSE, CODE, MARKERS, OPEN, Sentence, Token

MAKE, DESCRIBE, MENTION = 3, 2, 1
_CAMEL_CASE_RE = re.compile(r"[a-z0-9][A-Z]")
_SNAKE_CASE_RE = re.compile(r"\w_\w")  # searched only where there is a _ (twice as fast)
# Verbs that make what follows them wherever they stand in the sentence.
ANYWHERE = word_set("export expose define introduce provide declare")
CREATING = PROVIDE_VERBS | word_set("new")
# Words that say the thing already exists, or that the sentence works on something there.
EXISTING = word_set(
    """existing extend reuse use using update modify change keep adjust wire mount register
    registered mounted call via through from replace fix refactor patch apply"""
)
HOLDING = word_set("has hold contain offer")
"""What a file does to the names it defines, said of it as the clause's subject."""
LINKS = word_set("and or plus also")
THERE = word_set("already exist")
"""A sentence saying its names are there already ("... already exist") makes none of them."""
DATA_HEADS = word_set("table collection")


@dataclass(frozen=True)
class Named:
    strength: int
    quote: str
    raw: str
    """As the story writes it (``useWaiveFee``)."""
    words: tuple[str, ...]
    data: bool = False
    """Introduced as a table or collection (a link on it is a data link)."""
    in_path: bool = False
    """Only written as a file's stem (``app/models/order_items.py`` is not the table)."""
    described: bool = False
    """Written as the subject of what it does ("Then `_parse_sections(docstring)` returns
    ..."): the story says how the thing behaves, as the one that builds it does."""


def named_things(
    tokenised: Sequence[Sentence],
    tasks_from: int,
    created: Collection[str] = (),
    making_of: dict[int, set[int]] | None = None,
) -> dict[str, Named]:
    """Name key -> the strongest way the story writes it. ``created``: the files the story
    creates (their stems are made; the stems of files it changes are mentioned)."""
    found: dict[str, Named] = {}
    for index, sentence in enumerate(tokenised):
        if CODE not in sentence.norms and not _codeish(sentence.text):
            continue
        if "fixture" in sentence.norms:
            continue  # test helpers are the test rule's business
        toks = sentence.toks()
        making = _making(making_of, index, toks)
        there = not THERE.isdisjoint(
            sentence.norms
        )  # "The WhatsApp handler endpoints already exist"
        # Only paths and words with a '_' or a capital after the first letter can name
        # anything: the plain words are left out in one comprehension.
        named = [k for k, (w, r) in enumerate(toks) if w == CODE or not r[1:].islower() or "_" in r]
        for i in named:
            word, written = toks[i]
            in_path = word == CODE
            if in_path:
                path = as_path(written)
                if path is None or is_test_place(path):
                    continue
                raw = stem_of(path)  # a file's stem names what is in it
                strength = MAKE if path in created else MENTION
            elif ("_" in written or not written[1:].islower()) and is_code_word(written):
                raw = written
                task = index >= tasks_from
                strength = (
                    MENTION if there else _strength(toks, i, making, title=index == 0, task=task)
                )
            else:
                continue
            described = strength == MENTION and not there and _described(toks, i)
            for key, words in ident_keys(raw):
                old = found.get(key)
                if words[-1] in TEST_HEADS or (old is not None and old.strength > strength):
                    continue
                if (
                    old is not None
                    and old.strength == strength
                    and (in_path or not old.in_path)
                    and (old.described or not described)
                ):
                    continue
                data = strength >= DESCRIBE and _data_head(toks, i)
                found[key] = Named(strength, sentence.text, raw, words, data, in_path, described)
    return found


def _codeish(text: str) -> bool:
    """Whether ``text`` has a camelCase or snake_case word."""
    snake = "_" in text and _SNAKE_CASE_RE.search(text) is not None
    if text[1:].islower():  # no capital after the first letter: no camelCase (most prose)
        return snake
    return snake or _CAMEL_CASE_RE.search(text) is not None


def _data_head(toks: list[Token], i: int) -> bool:
    """ "the leave_requests table", "Payload collection src/collections/X.ts"."""
    near = [w for w, _r in toks[max(0, i - 2) : i + 3] if w not in DETERMINERS]
    return not DATA_HEADS.isdisjoint(near)


def _strength(toks: list[Token], i: int, making: set[int], *, title: bool, task: bool) -> int:
    before = {w for w, _r in toks[max(0, i - 3) : i]}
    if not EXISTING.isdisjoint(before) or _member(toks, i):
        return MENTION
    first = next((k for k, (w, _r) in enumerate(toks) if w not in DETERMINERS), 0)
    if i == first and task and _alone(toks):
        return MAKE  # a task that is only names, as a task that is only paths
    if title and i + 1 < len(toks) and toks[i + 1][0] in CONFIG_HEADS:
        return MENTION  # "TypeScript configuration" sets a tool up; it does not make it
    if i == first and not task and (title or _subject(toks, i)):
        return DESCRIBE
    return MAKE if i in making else MENTION


CONFIG_HEADS = frozenset(("configuration", "config"))


BEHAVES = frozenset(
    (
        *("returns", "maps", "holds", "yields", "raises", "parses", "builds", "computes"),
        *("extracts", "publishes", "subscribes", "sends", "receives", "stores", "validates"),
        *("detaches", "attaches", "emits", "converts", "resolves", "wraps", "broadcasts"),
        *("reads", "writes", "calls", "fetches", "loads", "checks", "handles", "renders"),
        *("formats", "filters", "sorts", "opens", "closes", "removes", "updates"),
    )
)
"""What a function or constant does, said of it as its subject: "`X(tree)` maps line numbers
to nodes", "`_SECTION_HEADERS` holds the ten headers"."""


KIND_HEADS = word_set("function method helper constant class hook type struct enum")


def _described(toks: list[Token], i: int) -> bool:
    """ "Given ..., `_parse_sections(docstring)` returns {...}": the name, its parameters if
    written, then a verb saying what it does; "a `check_coverage` function"; a stub the story
    fills in. Not after a word saying it exists or is used ("the existing `_run_freshness`
    ..."), nor a member of something else."""
    after = toks[i + 1][0] if i + 1 < len(toks) else ""
    if after == "stub":
        return True  # "the existing `_run_coverage` stub ... resolves": the story fills it in
    before = {w for w, _r in toks[max(0, i - 3) : i]}
    if not EXISTING.isdisjoint(before) or _member(toks, i):
        return False
    if i > 0 and toks[i - 1][1].lower() in ("a", "an") and after in KIND_HEADS:
        return True  # "I want a `check_coverage` function that ...": a new one
    j = i + 1
    if j < len(toks) and toks[j][0] == OPEN:
        depth = 0
        while j < len(toks):
            depth += {OPEN: 1, CLOSE: -1}.get(toks[j][0], 0)
            j += 1
            if depth == 0:
                break
    if j < len(toks) and toks[j][0] in INTERFACES:
        j += 1  # "the SpawnBox service ...", "the NavigateToAddress action ..."
    if j + 1 < len(toks) and toks[j][0] == "with":
        if toks[j + 1][0] in CONTRACT:
            return True  # "the SpawnBox service with request (...) and response (...)"
        # "DespawnBox with a box_id detaches the box": what it takes, then what it does
        return any(raw.lower() in BEHAVES for _word, raw in toks[j + 1 : j + 6])
    return j < len(toks) and toks[j][1].lower() in BEHAVES


INTERFACES = word_set("service action node message topic function method class")
CONTRACT = word_set("request goal field parameter argument")
"""What an interface is defined by: a story that writes them out says what the name is."""


def _alone(toks: list[Token]) -> bool:
    return all(is_code_word(r) or w in LINKS or w == "," for w, r in toks)


def _member(toks: list[Token], i: int) -> bool:
    """ "ERROR_MESSAGES.VERSION_CONFLICT": the member is new, the object is not."""
    return i + 2 < len(toks) and toks[i + 1][1] == "." and is_code_word(toks[i + 2][1])


def _subject(toks: list[Token], i: int) -> bool:
    """A name that opens a sentence followed by a verb-like word: "ERROR_MESSAGES maps ..."."""
    return i + 1 < len(toks) and toks[i + 1][0] not in MARKERS and toks[i + 1][0] not in STOP


def _made_positions(toks: list[Token]) -> set[int]:
    """Token indexes that a creating verb makes, that a "<names> in <path>" line places, or
    that a file holds as the clause's subject ("then `src/grid/grid.rs` holds the `Grid`
    struct")."""
    made: set[int] = set()
    verbs = [i for i, (w, _r) in enumerate(toks) if w in ANYWHERE or w in CREATING]
    for i in verbs:
        if toks[i][0] in ANYWHERE or _opens_clause(toks, i):
            made.update(_span(toks, i + 1))
    for i in range(len(toks) - 2):
        held = toks[i + 1][0] in HOLDING and toks[i][0] == CODE
        if held and _opens_clause(toks, i) and as_path(toks[i][1]) is not None:
            made.update(_span(toks, i + 2))
    placed = _placed(toks)
    made.update(placed)
    return made


def _opens_clause(toks: list[Token], i: int) -> bool:
    j = i - 1
    while j >= 0 and toks[j][0] in LINKS | word_set("then first please"):
        j -= 1
    return j < 0 or toks[j][0] in MARKERS


def _span(toks: list[Token], i: int) -> list[int]:
    """Indexes of the noun phrases after a verb: through brackets and "and"/"or", up to a
    preposition, clause word or break."""
    out: list[int] = []
    depth = 0
    while i < len(toks):
        word = toks[i][0]
        if word == OPEN:
            depth += 1
        elif word == CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and word in MARKERS and word != CODE:
            if not (word == "," and i + 1 < len(toks) and toks[i + 1][0] in LINKS):
                break
        elif depth == 0 and word in STOP and word not in LINKS and word not in DETERMINERS:
            break
        elif depth == 0 and word == "that" and out:
            break  # "a panel that loads config.json": a relative clause, not a determiner
        if depth == 0 and word != OPEN:  # brackets hold details (parameters, a return type)
            out.append(i)
        i += 1
    return out


def _placed(toks: list[Token]) -> list[int]:
    """ "useCustomer query hook in src/hooks/queries/useCustomer.ts": the names before the
    place. Only for a line that is nothing but names, "in" and the path."""
    if len(toks) < 3 or toks[-1][0] != CODE or toks[-2][0] not in ("in", "at", "under"):
        return []
    head = toks[:-2]
    if any((w in STOP and w not in LINKS) or w in EXISTING for w, _r in head):
        return []
    return [k for k, (w, _r) in enumerate(head) if w not in MARKERS or w == CODE]


def _making(cache: dict[int, set[int]] | None, index: int, toks: list[Token]) -> set[int]:
    if cache is None:
        return _made_positions(toks)
    if index not in cache:
        cache[index] = _made_positions(toks)
    return cache[index]


def file_roles(
    tokenised: Sequence[Sentence], making_of: dict[int, set[int]] | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """``(created, changed)``: file path -> the sentence that says so."""
    created: dict[str, str] = {}
    changed: dict[str, str] = {}
    for index, sentence in enumerate(tokenised):
        if CODE not in sentence.norms:
            continue
        toks = sentence.toks()
        making = _making(making_of, index, toks)
        leading = _leading_paths(toks)
        for i, (word, raw) in enumerate(toks):
            path = as_path(raw) if word == CODE else None
            if path is None:
                continue
            placed = i == len(toks) - 1 and bool(_placed(toks))
            makes = i in leading or ((i in making or placed) and _names_itself(toks, i, path))
            (created if makes else changed).setdefault(path, sentence.text)
    for path in created:
        changed.pop(path, None)
    return created, changed


def _leading_paths(toks: list[Token]) -> set[int]:
    """Paths a line starts with, before any word but "and": "src/a.ts and src/b.ts, ..."."""
    out: set[int] = set()
    for i, (word, _raw) in enumerate(toks):
        if word == CODE:
            out.add(i)
        elif word not in LINKS and word not in (",", OPEN, CLOSE):
            break
    return out


def _names_itself(toks: list[Token], i: int, path: str) -> bool:
    """A made path is created when a creating verb governs it directly ("New ... <path>") or
    when the line names the thing the file is named after ("StorageService in <path>")."""
    if i > 0 and toks[i - 1][0] not in ("in", "at", "under", "into", "to"):
        return True
    stem = set(name_words(stem_of(path)))
    named: set[str] = set()
    for _word, raw in toks[: i - 1]:
        named.update(name_words(raw))
    return bool(stem) and stem <= named


def placed(sentence: str, path: str) -> bool:
    """ "Location: internal/adapters/agentdetectors/claude_code.go", "Template file:
    templates/admin/sales.html": a line that gives the place of the story's work, a label and
    the path, with no word saying the file is already there."""
    label, colon, rest = sentence.partition(":")
    if not colon or not rest.strip().startswith(path.split("/", 1)[0]) or path not in rest:
        return False
    words = label.lower().split()
    return (
        0 < len(words) <= 3
        and EXISTING.isdisjoint(words)
        and rest.strip().split()[0].strip("`") == path
    )
