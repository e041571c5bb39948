"""Benchmark: parsing BMAD story files, against markdown-it tokenising the same text.

Prints, for the five real fixture stories and for synthetic stories up to the 1 MiB limit, the
parser's time per file and its ratio to markdown-it-py's ``parse`` (a CommonMark tokeniser,
measured in the same run) on the same text. The point: the parser stays linear and in the same
league as a tokeniser, so hostile 1 MiB files cost milliseconds, not minutes.

Usage: python benchmarks/bmad_parse.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt

from pantheon_git.bmad import MAX_STORY_BYTES, parse_story

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "bmad"


def synthetic(size: int) -> str:
    head = (
        "# Story 1.1: Synthetic\n\nStatus: in-progress\n\n## Story\nAs a a, I want b, so that c.\n"
    )
    block = (
        "\n## Acceptance Criteria\n"
        + "".join(f"{n}. Given x when y then z (AC: #{n})\n   - detail\n" for n in range(1, 40))
        + "\n## Tasks / Subtasks\n"
        + "".join(
            f"- [ ] Task {n}: do it (AC: {n}, {n + 1})\n  - [x] {n}.1: part\n" for n in range(40)
        )
        + "\n## Dev Notes\n\n```python\n# not a heading\nx = 1\n```\n\n"
    )
    text = head
    while len(text.encode()) + len(block.encode()) < size:
        text += block.replace("## Acceptance Criteria", "### More criteria").replace(
            "## Tasks / Subtasks", "### More tasks"
        )
    return text


def best(func: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times) if runs < 3 else statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    md = MarkdownIt("commonmark").enable("table")
    cases = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(FIXTURES.rglob("*.md"))]
    cases = [(name, text) for name, text in cases if name != "PROVENANCE.md"]
    cases += [(f"synthetic {kib} KiB", synthetic(kib * 1024)) for kib in (64, 256, 1000)]
    print(f"{'file':<40} {'bytes':>9} {'parse ms':>9} {'markdown-it ms':>15} {'ratio':>6}")
    for name, text in cases:
        size = len(text.encode())
        assert size <= MAX_STORY_BYTES
        ours = best(lambda text=text, name=name: parse_story(text, name), args.runs)
        theirs = best(lambda text=text: md.parse(text), args.runs)
        print(
            f"{name:<40} {size:>9} {ours * 1000:>9.1f} {theirs * 1000:>15.1f} {ours / theirs:>6.2f}"
        )


if __name__ == "__main__":
    main()
