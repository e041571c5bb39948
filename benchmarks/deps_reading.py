"""What the reading route gives: a reader who is given the MCP prompt ``rally-read-deps`` and
nothing else writes the dependencies it reads as Rally predecessors (``deps_link``, or
``pantheon deps --link``), beside what the analysis of the texts infers.

    .venv/bin/python benchmarks/deps_reading.py --prompt NAME   # the prompt, as the reader got it
    .venv/bin/python benchmarks/deps_reading.py                 # every set with a reader's links
    .venv/bin/python benchmarks/deps_reading.py --set NAME --show
    .venv/bin/python benchmarks/deps_reading.py --reader read2  # the second prompt's readers
    .venv/bin/python benchmarks/deps_reading.py --reader read2 --truth agreed   # agreed labels

``--prompt`` prints the prompt's two messages as the MCP server sends them for a labelled set:
the workflow and the reading guide (``prompts.py``, ``deps/guide.py``), then the stories in
backlog order and the dependencies already known (``deps/reader.py``), with no Rally
predecessor yet. A reader's links are in ``tests/fixtures/deps/bmad/NAME-read.yaml``, read
with the parser ``--link`` uses. Three columns, scored as ``deps_stated.py`` scores:

* text: the analysis of the texts alone;
* read: the reader's links alone, as explicit edges;
* both: the analysis with the links as Rally predecessors (Rally's order wins over inferred
  edges): what the team has after the reader's ``deps_link``;
* judged: both, and the analysis's edges the reader did not write dismissed (``deps_dismiss``,
  step 5 of the prompt): what the team has after the reading with ``deps_inferred`` left on;
* all: both, and the source's prerequisite lines as ``pantheon migrate`` makes them Rally
  predecessors (``deps_stated.py``), for the sets whose real epics file is in the fixtures:
  what a BMAD team has after migrate, sync and the reader's links;
* rally: Rally's predecessors alone, the reader's links and (where there is a source) the
  prerequisites, without the inferred edges but with the file conflicts the analysis finds:
  what ``pantheon deps`` and ``plan`` order by with ``deps_inferred: false``. The reader has
  judged every inferred edge the prompt listed (it writes those it reads in the texts too), so
  this is its verdict on them.

``--by order`` scores what a plan uses rather than the pairs (``deps_quality.order_scores``):
the order the edges impose, and which stories never run at the same time. An edge the true
edges imply through a chain is right, a true edge the right edges imply is found; a conflict
between two stories the edges order is kept apart by the order. ``--part edges`` or ``--part
conflicts`` scores the dependencies or the conflicts alone.

``--truth agreed`` scores against the agreed labels of ``deps_agreed.py`` (two readers, a third
deciding what they dispute) in place of the first reader's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import deps_quality as dq
import deps_stated as ds
from deps_agreed import agreed_truth

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps import Declared, analyse
from pantheon_git.features.deps.model import key_order
from pantheon_git.features.deps.reader import backlog_text
from pantheon_git.features.deps.review import parse_pairs
from pantheon_git.features.mcp.prompts import BY_NAME
from pantheon_git.features.mcp.resources import SCHEME, STORY_TEMPLATE

PROMPT = "rally-read-deps"


def links_file(name: str, reader: str = "read") -> Path:
    """A reader's links for set ``name``: ``NAME-read.yaml``, or ``NAME-READER.yaml``."""
    return dq.BMAD / f"{name}-{reader}.yaml"


def read_links(path: Path) -> dict[str, tuple[str, ...]]:
    """The reader's links, ``{"links": ["US-1:US-2", ...]}``, as predecessors by waiting key."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: dict[str, list[str]] = {}
    for before, after in parse_pairs(doc.get("links") or ()):
        out.setdefault(str(after), []).append(str(before))
    return {key: tuple(dict.fromkeys(keys)) for key, keys in out.items()}


def read_conflicts(path: Path) -> list[Declared]:
    """The conflicts the reader would declare (``deps_conflict``): ``{"conflicts": ["US-1:US-2",
    ...]}`` in the links file, read as ``deps --conflict`` reads its pairs (either order)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: dict[tuple[StoryKey, StoryKey], Declared] = {}
    for a, b in parse_pairs(doc.get("conflicts") or ()):
        first, second = sorted((a, b), key=key_order)
        out.setdefault((first, second), Declared(first, second, None, "declared by the reader"))
    return list(out.values())


def prompt_text(labelled: dq.LabelledSet) -> str:
    """The two messages of the prompt for the set's stories, as the server sends them."""
    stories = dq.load_stories(labelled.stories)
    first = BY_NAME[PROMPT].render({})
    second = backlog_text(
        stories, analyse(stories), story_uri=STORY_TEMPLATE, graph_uri=f"{SCHEME}dependencies"
    )
    return f"{first}\n\n---\n\n{second}"


def scores(labelled: dq.LabelledSet, reader: str = "read") -> dict[str, dq.Score]:
    return scored(labelled, reader)[0]


def scored(
    labelled: dq.LabelledSet,
    reader: str = "read",
    truth: dq.Truth | None = None,
    by: str = "overall",
) -> tuple[dict[str, dq.Score], dq.Result]:
    """The columns' figures, and the analysis with the reader's links ("both") in full, scored
    against ``truth`` (the set's first labels if None); ``by``: which of
    ``deps_quality.score``'s figures (``KEYS``)."""
    stories = dq.load_stories(labelled.stories)
    truth = truth or dq.read_truth(labelled.truth)
    links = read_links(links_file(labelled.name, reader))
    declared = read_conflicts(links_file(labelled.name, reader))
    linked = ds.with_predecessors(stories, links)
    both = dq.score_stories(linked, truth, labelled.name, declared=declared)
    # the prompt's step 6: the analysis's edges the reader did not write are dismissed
    written = {(before, after) for after, befores in links.items() for before in befores}
    unread = {
        (e.source, e.target)
        for e in analyse(stories).edges
        if e.confidence != "explicit" and (str(e.source), str(e.target)) not in written
    }
    judged = dq.score_stories(linked, truth, labelled.name, dismissed=unread, declared=declared)
    read = [("explicit", a, b) for b, befores in links.items() for a in befores]
    read += [("file", str(d.a), str(d.b)) for d in declared]
    out = {
        "text": dq.score_stories(stories, truth, labelled.name).scores[by],
        "read": dq.score_truth(read, truth)[by],
        "both": both.scores[by],
        "judged": judged.scores[by],
    }
    merged = with_prerequisites(labelled.name, links)
    if merged is not None:
        every = dq.score_stories(
            ds.with_predecessors(stories, merged), truth, labelled.name, declared=declared
        )
        out["all"] = every.scores[by]
    # what deps_inferred: false plans on: Rally's predecessors, and the conflicts the texts show
    rally = ds.with_predecessors(stories, links if merged is None else merged)
    out["rally"] = dq.score_stories(
        rally, truth, labelled.name, inferred=False, declared=declared
    ).scores[by]
    return out, both


def with_prerequisites(
    name: str, links: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]] | None:
    """A reader's links and the source's prerequisite lines as ``pantheon migrate`` makes them
    Rally predecessors, by waiting key; None for a set whose source is not in the fixtures."""
    if not (ds.SOURCES / name).is_dir():
        return None
    stated = ds.stated(name).predecessors
    return {
        key: tuple(dict.fromkeys((*links.get(key, ()), *stated.get(key, ()))))
        for key in {*links, *stated}
    }


COLUMNS = ("text", "read", "both", "judged", "all", "rally")
KEYS = {
    ("pairs", "all"): "overall",
    ("pairs", "edges"): "edges",
    ("order", "all"): "order",
    ("order", "edges"): "order edges",
    ("pairs", "conflicts"): "conflicts",
    ("order", "conflicts"): "order conflicts",
}
"""The score of ``deps_quality.score`` each ``--by`` and ``--part`` prints."""


def print_table(results: Sequence[tuple[str, Mapping[str, dq.Score]]]) -> None:
    """One row per set; "all" is blank for a set without its source, and pooled over the sets
    that have one; "meet": how many sets meet the target (precision 0.95, recall 0.8)."""
    heads = "  ".join(f"{f'{k} P':>6} {'R':>5}" for k in COLUMNS)
    print(f"{'set':10} {'truth':>6}   {heads}")
    for name, row in results:
        print(
            f"{name:10} {row['text'].truth:>6}   " + "  ".join(_cell(row.get(k)) for k in COLUMNS)
        )
    if len(results) > 1:
        pooled = [_sum(row[k] for _, row in results if k in row) for k in COLUMNS]
        truth = pooled[0].truth if pooled[0] else 0
        print(f"{'pooled':10} {truth:>6}   " + "  ".join(map(_cell, pooled)))
        met = [sum(_meets(row.get(k)) for _, row in results) for k in COLUMNS]
        print(f"{'meet':10} {len(results):>6}   " + "  ".join(f"{n:>12}" for n in met))


def _meets(score: dq.Score | None) -> bool:
    """Whether a set meets the target: precision and recall of ``deps_quality``'s targets."""
    if score is None or score.precision is None or score.recall is None:
        return False
    return score.precision >= dq.TARGET_PRECISION and score.recall >= dq.TARGET_RECALL


def _cell(score: dq.Score | None) -> str:
    if score is None:
        return f"{'':>6} {'':>5}"
    return f"{dq._fmt(score.precision):>6} {dq._fmt(score.recall):>5}"


def _sum(scores: Iterable[dq.Score]) -> dq.Score | None:
    rows = list(scores)
    return sum(rows[1:], start=rows[0]) if rows else None


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--set", dest="sets", action="append", help="Only this set (repeat).")
    parser.add_argument("--prompt", metavar="NAME", help="Print the prompt for set NAME.")
    parser.add_argument("--show", action="store_true", help="Misses and wrong links of 'both'.")
    parser.add_argument(
        "--reader",
        default="read",
        help="Score the links in NAME-READER.yaml (default: read; read2: the second reading).",
    )
    parser.add_argument(
        "--truth",
        choices=("first", "agreed"),
        default="first",
        help="Score against the first reader's labels (default) or the agreed labels of the "
        "sets that have them (deps_agreed.py).",
    )
    parser.add_argument(
        "--by",
        choices=("pairs", "order"),
        default="pairs",
        help="Score the pairs (default), or the order the edges impose: an edge the true edges "
        "imply through a chain is right, a true edge the right edges imply is found.",
    )
    parser.add_argument(
        "--part",
        choices=("all", "edges", "conflicts"),
        default="all",
        help="Score every pair (default), the dependencies alone, or the conflicts alone.",
    )
    args = parser.parse_args()
    by_name = {s.name: s for s in dq.SETS}
    if args.prompt:
        if args.prompt not in by_name:
            print(f"no labelled set {args.prompt!r}", file=sys.stderr)
            return 2
        print(prompt_text(by_name[args.prompt]))
        return 0
    chosen = [
        s
        for s in dq.SETS
        if links_file(s.name, args.reader).exists() and (not args.sets or s.name in args.sets)
    ]
    if not chosen:
        print(f"no set with a reader's links (NAME-{args.reader}.yaml)", file=sys.stderr)
        return 2
    truths = {s.name: agreed_truth(s) if args.truth == "agreed" else None for s in chosen}
    if args.truth == "agreed":
        chosen = [s for s in chosen if truths[s.name] is not None]
        if not chosen:
            print("no set with agreed labels (NAME-adjudicated.yaml)", file=sys.stderr)
            return 2
    key = KEYS[args.by, args.part]
    results = [(s.name, *scored(s, args.reader, truths[s.name], key)) for s in chosen]
    print_table([(name, columns) for name, columns, _ in results])
    if args.show:
        for name, _, both in results:
            missed, wrong = dq.by_pair(both)
            for kind, a, b in missed:
                print(f"{name} missed: {kind} {a} -> {b}")
            for (kind, a, b), why in wrong:
                print(f"{name} not in truth: {kind} {a} -> {b}: {why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
