"""The epics-file parser on every real epics file of tests/fixtures/bmad-epics (sources and
licences: PROVENANCE.md there): each story found with its id, title, statement and criteria,
and its prerequisites as the file states them."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from pantheon_git.bmad import ParsedStory
from pantheon_git.bmad.epic_order import epic_order
from pantheon_git.bmad.epics import EpicsFile, epics_ends, expand_epics, parse_epics

CORPUS = Path(__file__).parent / "fixtures" / "bmad-epics"
SETS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
STORIES = {
    # set: (epics, stories) as PROVENANCE.md counts them
    "autofill": (7, 48),  # 49 headings; Story 7.4 sits inside a code block (see below)
    "braille": (7, 46),
    "budget": (6, 30),
    "choir": (5, 32),
    "dex": (4, 28),
    "docmind": (8, 36),
    "docvet": (8, 24),
    "flare": (10, 72),  # "**Story 9.1: Title**" lines, no Story headings
    "fleet": (7, 28),
    "inbox": (7, 87),
    "jukebox": (10, 65),  # 66 stories; "###Story 3.4" has no space after its hashes: no heading
    "ledger": (9, 39),
    "lending": (7, 33),
    "meeting": (2, 20),
    "mermaid": (7, 32),  # 33 headings; Story 2.6 sits inside a code block (see below)
    "minigames": (6, 24),
    "posture": (6, 36),
    "press": (14, 74),
    "rego": (5, 21),
    "robot": (2, 22),
    "rumble": (4, 28),
    "sandbox": (4, 39),
    "stock": (5, 113),
    "sudoku": (6, 32),
    "swarm": (9, 58),
    "vdash": (4, 22),
    "warebot": (8, 46),
}
# A story heading that an unclosed code block hides (CommonMark reads it so) is the file's own
# fault, noted by the parser; the map's entry for it has no parsed story to be checked against.
IN_CODE_BLOCK = {("autofill", "7.4"), ("mermaid", "2.6")}
# lending's Epic 7 gives its criteria as an "| AC | Description |" table with no label, and
# its Story 6.5 was cancelled (no statement): those are noted, not guessed.
NO_CRITERIA = {("lending", i) for i in ("6.5", "7.1", "7.2", "7.3", "7.4")}
NO_STATEMENT = {("lending", "6.5")}
_PREREQ_RE = re.compile(r"^\*\*Prerequisites?:?\*\*:?\s*(.*)$")
_PARALLEL_RE = re.compile(r"parallel with Stor(?:y|ies) [\d.]+", re.IGNORECASE)
_STORY_MENTION_RE = re.compile(
    r"\bStor(?:y|ies)\s+(\d{1,2}[A-Z]?(?:\.\d{1,2}[a-z]?){1,2})\b", re.IGNORECASE
)


@cache
def files(name: str) -> tuple[EpicsFile, ...]:
    parsed = []
    for path in sorted((CORPUS / name).glob("*.md")):
        found = parse_epics(path.read_text(encoding="utf-8"), path.name)
        assert found is not None, path
        parsed.append(found)
    return tuple(parsed)


def stories(name: str) -> dict[str, ParsedStory]:
    return {s.story.story_id: s.story for f in files(name) for s in f.stories}


def resolved(name: str, story: ParsedStory) -> set[str]:
    """The story's dependencies with another file's ``epic:N`` expanded, as a run does: into
    the stories that end that epic."""
    ends = epics_ends((item.epic, item.story) for parsed in files(name) for item in parsed.stories)
    return set(expand_epics(story.dependencies, ends, story.story_id))


def test_the_corpus_is_all_here() -> None:
    assert set(STORIES) <= set(SETS)  # a set added later is checked by its map.yaml alone


@pytest.mark.parametrize("name", SETS)
def test_every_story_is_found_with_id_title_statement_and_criteria(name: str) -> None:
    epics = {e.number for f in files(name) for e in f.epics}
    found = [s for f in files(name) for s in f.stories]
    assert (len(epics), len(found)) == STORIES.get(name, (len(epics), len(found)))
    assert found
    assert len({s.story.story_id for s in found}) == len(found)
    for item in found:
        story = item.story
        assert item.epic is not None, story.story_id
        assert story.title, story.story_id
        assert (story.dialect, story.status, story.tasks) == ("epics", None, ())
        if (name, story.story_id) not in NO_STATEMENT:
            assert story.clauses, (name, story.story_id)
            assert story.clauses[0].line >= story.title_line
        if (name, story.story_id) not in NO_CRITERIA:
            assert story.criteria, (name, story.story_id)
            assert all(c.text for c in story.criteria)
    # The map of the labelled backlog names each kept story by its source id and title.
    by_id = stories(name)
    for entry in yaml.safe_load((CORPUS / name / "map.yaml").read_text()):
        if (name, str(entry["source"])) in IN_CODE_BLOCK:
            assert str(entry["source"]) not in by_id
            continue
        assert by_id[str(entry["source"])].title == entry["title"]


@pytest.mark.parametrize("name", SETS)
def test_prerequisites_as_the_file_states_them(name: str) -> None:
    for parsed in files(name):
        for item in parsed.stories:
            story = item.story
            line = next(
                (
                    m.group(1)
                    for ref in story.sections
                    if ref.key == "prerequisites"
                    and (m := _PREREQ_RE.match(_line(name, parsed.path, ref.line)))
                ),
                None,
            )
            if line is None:
                continue
            deps = resolved(name, story)
            beside = _PARALLEL_RE.sub("", line)  # "parallel with Story 3.5.3" may run beside it
            mentioned = set(_STORY_MENTION_RE.findall(beside)) - {story.story_id}
            assert mentioned <= deps, (name, story.story_id, line, deps)
            unclear = [n for n in story.notes if "prerequisites not understood" in n.message]
            if not story.dependencies:  # an epic no file here holds stays "epic:N"
                said_none = re.match(r"\s*None\b", line) is not None
                assert said_none or unclear, (name, story.story_id, line)


@cache
def _lines(name: str, path: str) -> list[str]:
    return (CORPUS / name / path).read_text(encoding="utf-8").split("\n")


def _line(name: str, path: str, number: int) -> str:
    return _lines(name, path)[number - 1]


@pytest.mark.parametrize(
    ("name", "story_id", "deps"),
    [
        ("posture", "1.2", {"1.1"}),
        ("posture", "1.6", {"1.1", "1.2", "1.3", "1.4", "1.5"}),  # Story 1.1-1.5
        ("posture", "2.1", {"1.1", "1.5"}),  # Epic 1 (Story 1.1 config, Story 1.5 logging)
        ("posture", "2.7", {"2.4", "2.6", "1.4"}),  # ... Epic 1 Story 1.4 (systemd watchdog)
        ("rumble", "1.3", {"1.1", "1.2"}),
        ("rumble", "3.1", {"2.6", "3.0", "3.3A"}),
        # Epic 3 complete: 3.1 -> 3.2, and 3.1 -> 3.3 -> ... -> 3.7A -> 3.7B; two stories end it
        ("rumble", "4.1", {"3.2", "3.7B"}),
        ("minigames", "2.1", {"1.5"}),  # Epic 1 complete: 1.1 -> 1.2 -> ... -> 1.5 end it
        ("stock", "1.12", {f"1.{n}" for n in range(1, 12)}),  # Stories 1.1-1.11
        ("stock", "2.20", {"2.18", "2.19"}),  # Stories 2.18, 2.19
        ("autofill", "1.7", {f"1.{n}" for n in range(1, 7)}),  # Story 1.1 through 1.6
        ("autofill", "5.1", {"1.2", "1.3", "4.2"}),  # Story 1.2 (backend), 1.3 (...), 4.2 (...)
        ("warebot", "2.6", {"2.1", "2.2", "2.3", "2.4", "2.5"}),  # Stories 2.1-2.5
        ("warebot", "4A.1a", {"4A.1"}),
        ("sandbox", "9.3", {"9.1", "9.2"}),
        ("sandbox", "6.0", {"5.10"}),  # Epic 5 complete (Story 5.10): it ends Epic 5
        ("vdash", "1.1", set()),  # None
    ],
)
def test_prerequisite_forms(name: str, story_id: str, deps: set[str]) -> None:
    assert resolved(name, stories(name)[story_id]) == deps


# What the epics' own dependency lines add, set by set: (stories that start an epic and wait
# by its line, links that adds to the stories' own prerequisites, lines a hedge holds back,
# epics named and left out as loops).
# The other sets state no dependency line under an epic (tests/test_bmad_epic_needs.py reads
# the lines themselves).
EPIC_LINES = {
    "flare": (1, 0, 0, 0),  # Epic 8's closing summary: "Epic 2 complete", which Story 8.1 says too
    "lending": (4, 16, 0, 0),  # Epic 7: Epic 2 (ServicingView must exist), 4 stories end it
    "posture": (7, 8, 0, 0),  # the Epic Structure summaries of Epics 2-6, and Epic 6's own
    # only "Epic 1" holds, which most of those stories name themselves: stories of Epic 2
    # wait on Epic 5 and stories of Epic 5 on Epic 3, so "Epic 3 after 2" would loop
    "press": (24, 65, 0, 2),  # every epic from 2 on has a line ("Epic 1 (Foundation), Epic 4
    # (Titles), ..."); Epic 8's "Epic 6" loops through 6.4's "Epic 8", and Epic 9's "Epic 8"
    # through 8.3's "Story 9.1"
    "robot": (1, 11, 0, 0),  # Epic 3's "Prerequisites:" list (Epic 1, Epic 2): its first story,
    # stated on Epic 2 alone, which no file here holds, waits on Epic 1 by the epic's line
    "stock": (16, 5, 0, 4),
    "vdash": (1, 4, 2, 0),  # "Epics 1-3 (ship last as experimental)"; Epics 2 and 3 hedged
}


@pytest.mark.parametrize("name", SETS)
def test_what_the_epics_own_dependency_lines_add(name: str) -> None:
    items = [(item.epic, item.story) for parsed in files(name) for item in parsed.stories]
    ends = epics_ends(items)
    order = epic_order(items)
    added = {
        story_id: set(expand_epics(refs, ends, story_id)) - resolved(name, stories(name)[story_id])
        for story_id, refs in order.waits.items()
    }
    held = sum(1 for e in {item[0] for item in items if item[0]} for n in e.needs if n.held)
    counts = (len(order.waits), sum(map(len, added.values())), held, len(order.loops))
    assert counts == EPIC_LINES.get(name, (0, 0, 0, 0))


def test_a_story_heading_inside_a_code_block_is_said_not_read() -> None:
    autofill = stories("autofill")
    assert "7.4" not in autofill
    assert [n.message for n in autofill["7.3"].notes] == [
        "`### Story 7.4: Security Hardening & Vulnerability Assessment` is inside the code "
        "block opened at line 5141, so it is not read as a story; close that block before it"
    ]


def test_a_nested_fence_hides_the_next_story_heading() -> None:
    # mermaid's Story 2.5 shows its output as a ```mermaid block inside a ``` block: the inner
    # closing fence closes the outer block and the last one opens a block that runs on past
    # the next heading.
    mermaid = stories("mermaid")
    assert "2.6" not in mermaid
    assert [n.message for n in mermaid["2.5"].notes] == [
        "`### Story 2.6: Implement Public API Entry Point` is inside the code block opened at "
        "line 523, so it is not read as a story; close that block before it"
    ]


def test_unclear_prerequisites_are_noted_not_guessed() -> None:
    story = stories("autofill")["7.1"]
    assert story.dependencies == ()
    assert [n.message for n in story.notes] == [
        "prerequisites not understood: All previous stories (complete application)"
    ]
