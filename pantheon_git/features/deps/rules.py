"""The dependency rules: who waits on whom, and who must not run beside whom.

No rule compares story texts pairwise. Each indexes what stories create (phrases, tables,
endpoints, files) and then looks every story's mentions up in that index, so the cost grows
with the amount of text, not with the square of the number of stories.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from itertools import pairwise

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story
from pantheon_git.features.deps.endpoints import ANY, Endpoint
from pantheon_git.features.deps.facts import Facts
from pantheon_git.features.deps.intro_uses import new_instance
from pantheon_git.features.deps.model import (
    EDGE_KINDS,
    Conflict,
    Edge,
    HotPath,
    Link,
    confidence_rank,
    key_order,
)
from pantheon_git.features.deps.order import in_backlog_order
from pantheon_git.features.deps.paths import is_fixture_path, is_folder_entry
from pantheon_git.features.deps.phrases import another_kind
from pantheon_git.features.deps.reading import reads_only
from pantheon_git.features.deps.samefiles import SameFiles, is_shared_file
from pantheon_git.features.deps.tables import defined_tables
from pantheon_git.features.deps.text import excerpt, is_code_word
from pantheon_git.features.deps.tokens import MARKERS

HOT_PATH_LIMIT = 25
"""A path named by more stories than this is reported once, not as pairwise conflicts."""
SHARED_FILE_LIMIT = 2
"""A file every project has (a README, a manifest, a lock file, a tool's config) named by more
stories than this is one they all mention, not one they all change: reported once."""


def explicit_edges(stories: Sequence[Story]) -> list[Edge]:
    """Rally Predecessors and Successors between the analysed stories."""
    known = {s.key for s in stories}
    out: list[Edge] = []
    for story in stories:
        for pred in story.predecessors:
            if pred in known and pred != story.key:
                why = f"Rally: {pred} is a predecessor of {story.key}"
                out.append(Edge(pred, story.key, "explicit", why))
        for succ in story.successors:
            if succ in known and succ != story.key:
                why = f"Rally: {succ} is a successor of {story.key}"
                out.append(Edge(story.key, succ, "explicit", why))
    return out


def functional_edges(all_facts: Sequence[Facts]) -> list[Edge]:
    """B mentions a thing A creates ("Create user model" ... "through the user model")."""
    index: dict[tuple[str, ...], dict[StoryKey, tuple[int, str]]] = defaultdict(dict)
    for facts in all_facts:
        for p in facts.provides:
            known = index[p.words].get(facts.key)
            if known is None or known[0] < p.strength:
                index[p.words][facts.key] = (p.strength, p.quote)
    matcher = Matcher(index)
    positions = {facts.key: facts.position for facts in all_facts}
    out: list[Edge] = []
    for facts in all_facts:
        seen: set[StoryKey] = set()
        # "Create the complex physics objects": B makes another of the kind, not a use
        # ("implements the same X interface" uses X)
        kinds = {
            p.words[k:]
            for p in facts.provides
            if another_kind(p.words)
            for k in range(1, len(p.words) - 1)
        }
        for n, sentence in enumerate(facts.sentences):
            for words, at in matcher.positions(sentence.norms):
                providers = index[words]
                # None when the story creates the thing too, or when creators are ambiguous.
                if facts.key in providers or words in kinds:
                    continue
                if n == 0 and at > 0 and MARKERS.issuperset(sentence.norms[at + len(words) :]):
                    continue  # "Story Validation Report Generation": another of the kind
                top = max(s for s, _ in providers.values())
                best = [k for k, (s, _) in providers.items() if s == top]
                if len(best) != 1 or best[0] in seen:
                    continue
                source = best[0]
                code = any(map(is_code_word, sentence.raws[at : at + len(words)]))
                if code and positions[source] > facts.position:
                    continue  # a code name written before the story that builds it
                # "shows a loading state": likely some such thing, not the one built; and a
                # thing named before the story that creates it: a forward mention
                some = new_instance(sentence.norms, at, at + len(words))
                guess = some or positions[source] > facts.position
                if not guess:
                    seen.add(source)
                said = excerpt(sentence.text, words[0][:4], words[-1][:4], width=80)
                made = excerpt(providers[source][1], words[0][:4], width=60)
                out.append(
                    Edge(
                        source,
                        facts.key,
                        "functional",
                        f'{facts.key} mentions the {" ".join(words)}: "{said}" '
                        f'({source}: "{made}")',
                        confidence="hint" if guess else "",
                    )
                )
    return out


class Matcher:
    """Finds indexed phrases in a sentence, longest first, without trying every position:
    only where two words are the first two of some phrase (or a one-word one)."""

    def __init__(self, index: Mapping[tuple[str, ...], object]) -> None:
        self.index = index
        self.starts = {words[:2] for words in index if len(words) > 1}
        self.singles = frozenset(words[0] for words in index if len(words) == 1)
        self.longest = max(map(len, index), default=0)

    def matches(self, words: list[str]) -> list[tuple[str, ...]]:
        """Indexed phrases in ``words`` (a sentence's tokens: breaks are never in a phrase)."""
        return [phrase for phrase, _at in self.positions(words)]

    def positions(self, words: list[str]) -> list[tuple[tuple[str, ...], int]]:
        """Indexed phrases in ``words`` and where each starts."""
        starts = self.starts
        # Most sentences name no indexed phrase: one pass in C says so before the slower one.
        if starts.isdisjoint(pairwise(words)):
            hits = []
        else:
            hits = [i for i, pair in enumerate(pairwise(words)) if pair in starts]
        if self.singles and not self.singles.isdisjoint(words):
            hits = sorted({*hits, *(i for i, word in enumerate(words) if word in self.singles)})
        found = []
        for i in hits:
            for n in range(min(self.longest, len(words) - i), 0, -1):
                phrase = tuple(words[i : i + n])
                if phrase in self.index:
                    found.append((phrase, i))
                    break
        return found


def data_edges(all_facts: Sequence[Facts]) -> list[Edge]:
    """B references a table A creates (foreign key, ``<table>_id``, "the orders table")."""
    creators: dict[str, dict[StoryKey, str]] = defaultdict(dict)
    for facts in all_facts:
        for table, quote in facts.tables_created.items():
            creators[table][facts.key] = quote
    _add_defined(all_facts, creators)
    started = _started_tables(all_facts, creators)
    out: list[Edge] = []
    for facts in all_facts:
        # writing rows into a table another story creates uses it too
        for table, quote in {**facts.tables_written, **facts.tables_referenced}.items():
            makers = creators.get(table)
            if not makers and table in started:
                first, writes = started[table]
                makers = {first.key: writes} if first.position < facts.position else None
            if not makers or facts.key in makers:
                continue
            for source, made in sorted(makers.items()):
                out.append(
                    Edge(
                        source,
                        facts.key,
                        "data",
                        f"{facts.key} references table {table}: "
                        f'"{excerpt(quote, table[:4], width=80)}" '
                        f'({source}: "{excerpt(made, "table", table[:4], width=60)}")',
                    )
                )
    return out


def _add_defined(all_facts: Sequence[Facts], creators: dict[str, dict[StoryKey, str]]) -> None:
    """A table no story creates in words is made by the first story, in backlog order, that
    writes it as its columns ("`orders` (id, user_id FK, ...)"); later stories that write it
    so describe it."""
    for facts in in_backlog_order(all_facts):
        for table, quote in defined_tables(list(facts.sentences)).items():
            if table not in creators:
                creators[table][facts.key] = quote


def _started_tables(
    all_facts: Sequence[Facts], creators: dict[str, dict[StoryKey, str]]
) -> dict[str, tuple[Facts, str]]:
    """A table no story creates starts with the story that writes its first rows, when that
    story is the first in backlog order to name the table at all: a table named before it
    existed already (a brownfield backlog's ``cars``)."""
    writers: dict[str, dict[StoryKey, Facts]] = defaultdict(dict)
    first: dict[str, Facts] = {}
    for facts in in_backlog_order(all_facts):
        for table in (*facts.tables_written, *facts.tables_referenced):
            first.setdefault(table, facts)
        for table in facts.tables_written:
            if table not in creators:
                writers[table][facts.key] = facts
    out: dict[str, tuple[Facts, str]] = {}
    for table, found in writers.items():
        if len(found) == 1:
            (writer,) = found.values()
            if first[table].key == writer.key:
                out[table] = (writer, writer.tables_written[table])
    return out


def column_edges(all_facts: Sequence[Facts]) -> list[Edge]:
    """B uses a column A adds ("a username column ... to public.users", then "that username
    ... in public.users"; "the data JSONB column")."""
    adders: dict[tuple[str, str], dict[StoryKey, str]] = defaultdict(dict)
    tables_of: dict[str, set[str]] = defaultdict(set)
    for facts in all_facts:
        for (table, column), quote in facts.columns_added.items():
            adders[(table, column)][facts.key] = quote
            tables_of[column].add(table)
    out: list[Edge] = []
    for facts in all_facts:
        linked: set[StoryKey] = set()
        for (named, column), quote in facts.columns_used.items():
            table = named
            if not table:  # "the data column": the one table that has it, if only one
                if len(tables_of.get(column, ())) != 1:
                    continue
                table = next(iter(tables_of[column]))
            for source, made in sorted(adders.get((table, column), {}).items()):
                if source == facts.key or source in linked:
                    continue
                linked.add(source)
                out.append(
                    Edge(
                        source,
                        facts.key,
                        "data",
                        f"{facts.key} uses column {table}.{column}: "
                        f'"{excerpt(quote, column[:5], width=80)}" '
                        f'({source}: "{excerpt(made, column[:5], width=60)}")',
                    )
                )
    return out


def api_edges(all_facts: Sequence[Facts]) -> list[Edge]:
    """B calls an endpoint A builds (method and path, parameters in any style; a path written
    without its method matches any method). When several stories write the endpoint as their
    own, those that build it outright ("Add GET ...") win over those that only list it."""
    best: dict[Endpoint, int] = {}
    for facts in all_facts:
        for endpoint, role in facts.endpoints_implemented.items():
            best[endpoint] = max(best.get(endpoint, 0), role.strength)
    makers: dict[Endpoint, dict[StoryKey, str]] = defaultdict(dict)
    by_path: Built = defaultdict(dict)
    weaker: dict[StoryKey, dict[Endpoint, str]] = defaultdict(dict)
    for facts in all_facts:
        for endpoint, role in facts.endpoints_implemented.items():
            if role.strength == best[endpoint]:
                makers[endpoint][facts.key] = role.quote
                by_path[endpoint.path].setdefault(facts.key, (endpoint, role.quote))
            else:  # a story that only lists what another builds uses it
                weaker[facts.key][endpoint] = role.quote
    by_bare: Built = defaultdict(dict)
    for endpoint, builders in makers.items():
        for key, quote in builders.items():
            by_bare[bare_path(endpoint.path)][key] = (endpoint, quote)
    out: list[Edge] = []
    for facts in all_facts:
        calls = {**weaker.get(facts.key, {}), **facts.endpoints_used}
        linked: set[StoryKey] = set()
        for endpoint, quote in calls.items():
            found = _builders(endpoint, makers, by_path, by_bare)
            for source, (made_as, made) in sorted(found.items()):
                if source == facts.key or source in linked:
                    continue
                linked.add(source)
                out.append(
                    Edge(
                        source,
                        facts.key,
                        "api",
                        f"{facts.key} calls {made_as}: "
                        f'"{excerpt(quote, _anchor(endpoint), width=80)}" '
                        f'({source}: "{excerpt(made, made_as.method, width=60)}")',
                    )
                )
    return out


Built = dict[str, dict[StoryKey, tuple[Endpoint, str]]]
"""Path -> the stories that build an endpoint on it, with the endpoint and their sentence."""


def _builders(
    endpoint: Endpoint, makers: dict[Endpoint, dict[StoryKey, str]], by_path: Built, by_bare: Built
) -> dict[StoryKey, tuple[Endpoint, str]]:
    if endpoint.method == ANY:
        return dict(by_path.get(endpoint.path, {}))
    found = {k: (endpoint, q) for k, q in makers.get(endpoint, {}).items()}
    if found:
        return found
    # "POST /upload" for POST /api/v1/upload: the same path without the API prefix and
    # version, when one story builds it with the same method
    bare = {
        k: (made, q)
        for k, (made, q) in by_bare.get(bare_path(endpoint.path), {}).items()
        if made.method == endpoint.method
    }
    return bare if len(bare) == 1 else {}


def bare_path(path: str) -> str:
    """``/api/v1/upload`` -> ``/upload``: the path without the API prefix and version."""
    return _API_PREFIX_RE.sub("", path) or "/"


_API_PREFIX_RE = re.compile(r"^(?:/api)?(?:/v\d+)?(?=/|$)")


def _anchor(endpoint: Endpoint) -> str:
    return endpoint.path.rsplit("/", 1)[-1] if endpoint.method == ANY else endpoint.method


def conflicts(
    all_facts: Sequence[Facts], same: SameFiles, dismissed: Set[str] = frozenset()
) -> tuple[list[Conflict], list[HotPath], list[Conflict]]:
    """Pairs naming the same file (file) or the same shared test fixture (test); ``same``:
    ``samefiles.full_paths`` of the backlog. ``dismissed``: paths the team judged no conflict
    (``deps --dismiss-file``), read as the analysis reads named paths (a bare name stands for
    the one longer path ending in it): a pair they alone would make conflict does not; the
    third list holds what each dismissed path would have made, its ``paths`` the dismissed
    paths as written (a pair still conflicting on another file is in both lists)."""
    by_path, ambiguous = _holders(all_facts, same)
    written = {same[0].get(p, p): p for p in sorted(dismissed, reverse=True)}
    bare_limit = min(HOT_PATH_LIMIT, max(4, len(all_facts) // 10))
    pairs: dict[tuple[StoryKey, StoryKey, str], list[str]] = defaultdict(list)
    gone: dict[tuple[StoryKey, StoryKey, str], list[str]] = defaultdict(list)
    hot: list[HotPath] = []
    for path, holders in by_path.items():
        if len(holders) < 2 or is_library_name(path) or path in ambiguous:
            continue
        if is_folder_entry(path):
            continue
        # a file name without a folder that many stories name is a tool or a convention
        # ("Alpine.js", each package's "package.json"), not one file they all change
        limit = bare_limit if "/" not in path else HOT_PATH_LIMIT
        if limit < len(holders) <= HOT_PATH_LIMIT and _written_into(path, holders, all_facts):
            limit = HOT_PATH_LIMIT
        if len(holders) > (SHARED_FILE_LIMIT if is_shared_file(path) else limit):
            hot.append(HotPath(path, tuple(sorted(holders, key=key_order))))
            continue
        kind = "test" if path.startswith("fixture:") or is_fixture_path(path) else "file"
        keys = sorted(holders, key=key_order)
        into, named = (gone, written[path]) if path in written else (pairs, path)
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                into[(a, b, kind)].append(named)
    out = [
        _conflict(triple, found, by_path)
        for triple, found in sorted(pairs.items(), key=_triple_order)
    ]
    left_out = [
        _conflict(triple, found, by_path, {v: k for k, v in written.items()})
        for triple, found in sorted(gone.items(), key=_triple_order)
    ]
    return out, sorted(hot, key=lambda h: h.path), left_out


def _conflict(
    triple: tuple[StoryKey, StoryKey, str],
    found: list[str],
    by_path: Mapping[str, Mapping[StoryKey, str]],
    full: Mapping[str, str] | None = None,
) -> Conflict:
    """The conflict of ``a`` and ``b`` over the paths ``found`` (``full``: the path each is
    read as, when it is written otherwise)."""
    a, b, kind = triple
    found.sort()
    first = (full or {}).get(found[0], found[0])
    shown = ", ".join(_show(p) for p in found[:3]) + (" ..." if len(found) > 3 else "")
    how = _how(by_path[first][a], by_path[first][b])
    noun = "shared test fixture" if kind == "test" else "file"
    evidence = f"{a} and {b} {how} the same {noun}{'s' if len(found) > 1 else ''}: {shown}"
    return Conflict(a, b, kind, evidence, tuple(found))


def _holders(
    all_facts: Sequence[Facts], same: SameFiles
) -> tuple[dict[str, dict[StoryKey, str]], set[str]]:
    """Path -> the stories that name it ("names") or whose branch changes it; and the bare
    names that stand for several paths."""
    full, ambiguous = same
    by_path: dict[str, dict[StoryKey, str]] = defaultdict(dict)
    for facts in all_facts:
        for path in facts.files:
            if reads_only(facts, path):
                continue
            by_path[full.get(path, path)].setdefault(facts.key, "names")
        for path in facts.branch_files:
            if path not in facts.files:
                by_path[path][facts.key] = "branch changes"
    return by_path, ambiguous


def _written_into(path: str, holders: Mapping[StoryKey, str], all_facts: Sequence[Facts]) -> bool:
    """ "The existing `_run_coverage` stub in `cli.py`", "`_output_and_exit` lives in
    `cli.py`": a bare file name every story that names it writes its work into, and none
    creates, is one file of the project, not a name each package has (``index.ts``)."""
    place = re.compile(rf"\b(?:in|into)\s+[`'\"]?{re.escape(path)}(?![\w.])")
    for facts in all_facts:
        if facts.key not in holders or holders[facts.key] != "names":
            continue
        if path in facts.files_created or not place.search(facts.files[path]):
            return False
    return True


def is_library_name(path: str) -> bool:
    """ "Node.js", "Alpine.js", "three.js": a JavaScript library's name, not a file, when no
    story writes a path with a folder ending in it (conflicts map such paths first); and
    "Polar.sh", "Signa.so": a product named like a web domain, capitalised, as files are not."""
    if "/" in path:
        return False
    stem, _, ext = path.rpartition(".")
    return ext == "js" or (stem[:1].isupper() and ext in PRODUCT_DOMAINS)


PRODUCT_DOMAINS = frozenset(("sh", "so", "io", "ai", "app", "dev", "co"))


def _show(path: str) -> str:
    return path.removeprefix("fixture:") + (" fixture" if path.startswith("fixture:") else "")


def _how(a: str, b: str) -> str:
    if a == b == "names":
        return "both name"
    if a == b:
        return "both have branches changing"
    return "touch (one by name, one on its branch)"


def merge_edges(edges: Iterable[Edge]) -> list[Edge]:
    """One edge per ordered pair: the strongest rule names it, the others go in ``also``."""
    rank = {kind: i for i, kind in enumerate(EDGE_KINDS)}
    grouped: dict[tuple[StoryKey, StoryKey], list[Edge]] = defaultdict(list)
    for edge in edges:
        grouped[(edge.source, edge.target)].append(edge)
    out = []
    for (source, target), group in sorted(grouped.items(), key=_pair_order):
        if len(group) > 1:
            group.sort(key=lambda e: (rank[e.kind], confidence_rank(e.confidence)))
        first = group[0]
        also: list[Link] = []
        for edge in group[1:]:
            if edge.kind != first.kind and all(link.kind != edge.kind for link in also):
                also.append(Link(edge.kind, edge.evidence, edge.confidence))
        sure = min((e.confidence for e in group), key=confidence_rank)
        out.append(Edge(source, target, first.kind, first.evidence, tuple(also), sure))
    return out


def _pair_order(item: tuple[tuple[StoryKey, StoryKey], object]) -> tuple[str, int, str, int]:
    (a, b), _ = item
    return (a.prefix, a.number, b.prefix, b.number)


def _triple_order(item: tuple[tuple[StoryKey, StoryKey, str], object]) -> tuple[object, ...]:
    (a, b, kind), _ = item
    return (a.prefix, a.number, b.prefix, b.number, kind)
