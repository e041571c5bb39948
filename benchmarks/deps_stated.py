"""What a BMAD backlog's own prerequisite lines give, once `pantheon migrate` has made them Rally
predecessors, and what the analysis of the texts adds to them.

    .venv/bin/python benchmarks/deps_stated.py              # every set with its source
    .venv/bin/python benchmarks/deps_stated.py --held-out   # ... and the held-out one (its run)
    .venv/bin/python benchmarks/deps_stated.py --set stock --show
    .venv/bin/python benchmarks/deps_stated.py --no-epic-lines  # the stories' own lines only
    .venv/bin/python benchmarks/deps_stated.py --link-hedged    # hedged epic lines linked too

For each labelled backlog whose real epics file is in ``tests/fixtures/bmad-epics/NAME/``, the
source files are read by the epics-file parser (what ``pantheon migrate`` reads), and each
story's prerequisites ("**Prerequisites:** Story 1.2", "Epic 1 complete", ranges) are mapped
through ``map.yaml`` to the backlog's keys; a prerequisite on a story the backlog left out is
dropped. An epic's own dependency line ("**Dependencies:** Epic 1" under "## Epic 2") adds the
stories that end Epic 1 to the stories that start Epic 2, read by the function the migration
reads it with (``pantheon_git.bmad.epic_order.epic_order``). Three columns, scored as
``deps_quality.py`` scores (overall: edges and conflicts, pairs only; ``ambiguous`` and
``stated_only`` pairs count neither way):

* text: the analysis of the texts alone (the ``deps_quality.py`` figure);
* stated: the prerequisites alone, as explicit edges;
* both: the analysis of the texts with the prerequisites as Rally predecessors, which is what
  the team has after ``pantheon migrate`` and ``pantheon sync``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import deps_quality as dq

from pantheon_git.bmad.epic_order import epic_order
from pantheon_git.bmad.epics import expand_epics, parse_epics_bytes
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story

SOURCES = dq.ROOT / "tests" / "fixtures" / "bmad-epics"


@dataclass(frozen=True)
class Stated:
    predecessors: dict[str, tuple[str, ...]]
    """Key -> the keys its source's prerequisites name, mapped into the backlog."""
    named: int
    """Prerequisites the source states on the backlog's stories (before mapping)."""
    dropped: int
    """Of those, the ones naming a story the backlog left out."""


def stated(name: str, *, epic_lines: bool = True, held: bool = False) -> Stated:
    """The prerequisites of set ``name``'s source, as predecessors of its keys: each story's
    own, and (``epic_lines``) what its epic's dependency lines make it wait on, read by the
    function the migration reads them with; ``held``: the hedged ones linked too."""
    folder = SOURCES / name
    rows = yaml.safe_load((folder / "map.yaml").read_text(encoding="utf-8"))
    key_of = {_id(row["source"]): row["key"] for row in rows}
    found = []
    for path in sorted(folder.glob("*.md")):
        parsed = parse_epics_bytes(path.read_bytes(), path.name)
        if parsed is None:
            raise SystemExit(f"{path}: not read as an epics file")
        found += parsed.stories
    # an epic of another file is still "epic:N": expanded over all the files, as a run does
    order = epic_order([(item.epic, item.story) for item in found], held=held)
    needs = order.waits if epic_lines else {}
    deps: dict[str, tuple[str, ...]] = {}
    for item in found:
        story = item.story
        refs = (*story.dependencies, *needs.get(story.story_id, ()))
        deps.setdefault(_id(story.story_id), expand_epics(refs, order.ends, story.story_id))
    out: dict[str, tuple[str, ...]] = {}
    named = dropped = 0
    for source, key in key_of.items():
        refs = [_id(r) for r in deps.get(source, ())]
        named += len(refs)
        mapped = [key_of[r] for r in refs if r in key_of and key_of[r] != key]
        dropped += len(refs) - len(mapped)
        out[key] = tuple(dict.fromkeys(mapped))
    return Stated(out, named, dropped)


def _id(ref: str) -> str:
    return ref.strip().casefold()


def with_predecessors(stories: Sequence[Story], preds: Mapping[str, Sequence[str]]) -> list[Story]:
    return [
        replace(
            s,
            predecessors=tuple(
                dict.fromkeys((*s.predecessors, *(StoryKey.parse(k) for k in preds[str(s.key)])))
            ),
        )
        if preds.get(str(s.key))
        else s
        for s in stories
    ]


def stated_score(truth: dq.Truth, preds: Mapping[str, Sequence[str]]) -> dq.Score:
    items = [("explicit", a, b) for b, sources in preds.items() for a in sources]
    return dq.score_truth(items, truth)["overall"]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--set", dest="only", help="One set by name (held out or not).")
    parser.add_argument("--held-out", action="store_true", help="Include the held-out set.")
    parser.add_argument("--show", action="store_true", help="Misses and wrong links of 'both'.")
    parser.add_argument(
        "--no-epic-lines",
        action="store_true",
        help="The stories' own prerequisites only, without their epics' dependency lines.",
    )
    parser.add_argument(
        "--link-hedged",
        action="store_true",
        help='Link the epic dependencies a line hedges ("can be parallelized") too.',
    )
    args = parser.parse_args()
    chosen = [
        s
        for s in dq.SETS
        if (SOURCES / s.name / "map.yaml").is_file()
        and (s.name == args.only if args.only else args.held_out or not s.held_out)
    ]
    if not chosen:
        raise SystemExit(f"no labelled set with its source in {SOURCES}: {args.only}")
    head = f"{'set':<11}{'truth':>6}  {'text P':>7} {'R':>5}  {'stated P':>8} {'R':>5}"
    print(f"{head}  {'both P':>7} {'R':>5}   prerequisites (dropped)")
    print("-" * (len(head) + 40))
    totals = {"text": [0, 0, 0], "stated": [0, 0, 0], "both": [0, 0, 0]}
    for labelled in chosen:
        stories = dq.load_stories(labelled.stories)
        truth = dq.read_truth(labelled.truth)
        source = stated(labelled.name, epic_lines=not args.no_epic_lines, held=args.link_hedged)
        text = dq.score_stories(stories, truth, labelled.name)
        both = dq.score_stories(with_predecessors(stories, source.predecessors), truth, "")
        row = {
            "text": text.scores["overall"],
            "stated": stated_score(truth, source.predecessors),
            "both": both.scores["overall"],
        }
        cells = "  ".join(" ".join(dq._pr(score)) for score in row.values())
        print(
            f"{labelled.name:<11}{row['text'].truth:>6}  {cells}   "
            f"{source.named} ({source.dropped})"
        )
        for name, score in row.items():
            totals[name] = [
                t + v
                for t, v in zip(
                    totals[name], (score.truth, score.found, score.correct), strict=True
                )
            ]
        if args.show:  # pairs, as the overall figures count them
            missed, wrong = dq.by_pair(both)
            for kind, a, b in missed:
                print(f"    missed {a} -> {b} ({kind})")
            for (kind, a, b), evidence in wrong:
                print(f"    wrong  {a} -> {b} ({kind}): {evidence}")
    pooled = "  ".join(" ".join(dq._pr(dq.Score(*t))) for t in totals.values())
    print("-" * (len(head) + 40))
    print(f"{'pooled':<11}{totals['text'][0]:>6}  {pooled}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
