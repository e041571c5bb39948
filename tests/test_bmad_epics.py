"""The epics-file parser on real excerpts (tests/fixtures/epics-excerpts/PROVENANCE.md) and on the
variants real files show (sharded v4 files, headings without colons, whole-epic prerequisites)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pantheon_git.bmad import ParsedStory, parse_story, to_story
from pantheon_git.bmad.deps import prerequisite_refs
from pantheon_git.bmad.epics import EpicsFile, parse_epics
from pantheon_git.bmad.rally_form import rally_story
from pantheon_git.errors import StoryFormatError

EXCERPTS = Path(__file__).parent / "fixtures" / "epics-excerpts"


def parsed(name: str) -> EpicsFile:
    found = parse_epics((EXCERPTS / name).read_text(encoding="utf-8"), name)
    assert found is not None
    return found


def by_id(epics: EpicsFile) -> dict[str, ParsedStory]:
    return {s.story.story_id: s.story for s in epics.stories}


def test_deskpulse_stories_epics_statements_criteria_and_prerequisites() -> None:
    epics = parsed("deskpulse-epics.md")
    # The "### Epic N:" summaries under "## Epic Structure" and "### Epic 1 Complete" are no epics.
    assert [(e.number, e.title, e.line) for e in epics.epics] == [
        ("1", "Foundation Setup & Installation", 38),
        ("2", "Real-Time Posture Monitoring", 254),
    ]
    assert [(s.epic.number if s.epic else None, s.story.story_id) for s in epics.stories] == [
        ("1", "1.2"),
        ("1", "1.3"),
        ("2", "2.1"),
        ("2", "2.2"),
    ]
    stories = by_id(epics)
    db = stories["1.2"]
    assert (db.title, db.title_line) == ("Database Schema Initialization with WAL Mode", 48)
    assert (db.clauses[0].role, db.clauses[0].line) == (
        "system administrator installing DeskPulse",
        50,
    )
    assert db.clauses[0].want.startswith("the SQLite database to be created automatically")
    assert db.story_text.startswith("As a system administrator installing DeskPulse,\nI want")
    # One Given block (its **And** paragraphs and code included) is one criterion.
    assert len(db.criteria) == 1
    assert db.criteria[0].text.startswith("**Given** the Flask application is starting")
    assert "CREATE TABLE user_setting" in db.criteria[0].text
    assert db.criteria[0].text.rstrip().endswith("(`deskpulse.db-shm`, `deskpulse.db-wal`)")
    assert db.dev_notes.startswith("**Technical Notes:**\n- SQLite WAL mode")
    assert "**Prerequisites:** Story 1.1 (Project structure exists)" in db.dev_notes
    assert db.dependencies == ("1.1",)
    assert (db.status, db.tasks, db.rally) == (None, (), None)
    # "Epic 1 (Story 1.1 config system, Story 1.5 logging)": the stories named narrow the epic.
    assert stories["2.1"].dependencies == ("1.1", "1.5")
    assert stories["2.2"].dependencies == ("2.1",)
    # The closing "### Epic 1 Complete" section is not part of story 1.3.
    assert "Stories Created" not in stories["1.3"].dev_notes
    assert stories["1.3"].dev_notes.endswith("**Prerequisites:** Story 1.1 (Config classes exist)")
    assert all(not s.story.notes for s in epics.stories)


def test_documind_epic_list_copies_are_ignored_and_criteria_blocks_counted() -> None:
    epics = parsed("documind-ai-epics.md")
    assert [(e.number, e.line) for e in epics.epics] == [("1", 60), ("2", 102)]
    stories = by_id(epics)
    assert list(stories) == ["1.1", "1.2", "2.1"]
    signup = stories["2.1"]
    assert signup.title == "User Registration API Endpoint"
    assert signup.clauses[0].role == "new user"
    assert [c.text.split("\n")[0] for c in signup.criteria] == [
        "**Given** I am a new user without an account",
        "**Given** I provide an email that is already registered",
        "**Given** I provide a password shorter than 12 characters",
    ]
    assert all(s.dependencies == () and s.dev_notes == "" for s in stories.values())


def test_a_story_of_an_epics_file_goes_to_rally_like_a_story_file() -> None:
    story = by_id(parsed("deskpulse-epics.md"))["1.2"]
    form = rally_story(story, status_map={}, criteria_field=True)
    assert form.name == "Database Schema Initialization with WAL Mode"
    assert form.schedule_state == "Defined"  # no status: what a story file without one gets
    assert "system administrator installing DeskPulse" in form.description_html
    assert "Technical Notes" in form.description_html
    assert "CREATE TABLE posture_event" in form.criteria_html
    assert form.tasks == ()
    assert form.warnings == ()
    assert to_story(story).title == story.title


SHARDED = """# Epic 4: Responsive Networked Gameplay

**Goal:** smooth play

## Stories

### Story 4.1: Implement Client-Side Movement Prediction

Rally: US-123 https://rally.example/#/detail/userstory/9

As a player,
I want my movement to feel instant,
So that controls are responsive.

**Acceptance Criteria:**

1. Input moves at once
2. Server corrections are smoothed

**Prerequisites:** Epic 3 complete
**Parallel with:** Story 4.6

### Story 4.6: Latency Testing Tool

As a developer, I want fake latency, so that I can test.

#### Acceptance Criteria

**Given** a 100 ms setting
**When** I play
**Then** messages arrive 100 ms late

#### Tasks

- [x] Add the delay
- [ ] Add the jitter

**Prerequisites:** Story 4.1, Stories 4.2-4.4 and US-77
"""


def test_sharded_file_rally_line_numbered_criteria_tasks_and_other_epics() -> None:
    epics = parse_epics(SHARDED, "docs/epics/epic-4-netcode.md")
    assert epics is not None
    stories = by_id(epics)
    first = stories["4.1"]
    assert first.rally is not None
    assert (str(first.rally.key), first.rally.url, first.rally.line) == (
        "US-123",
        "https://rally.example/#/detail/userstory/9",
        9,
    )
    assert not first.story_text.startswith("Rally")
    assert [c.text for c in first.criteria] == [
        "Input moves at once",
        "Server corrections are smoothed",
    ]
    # Epic 3 is not in this file: kept for the run to resolve; "Parallel with" is no prerequisite.
    assert first.dependencies == ("epic:3",)
    tool = stories["4.6"]
    assert tool.clauses[0].want == "fake latency"
    assert len(tool.criteria) == 1
    assert [(t.name, t.done) for t in tool.tasks] == [
        ("Add the delay", True),
        ("Add the jitter", False),
    ]
    assert tool.dependencies == ("4.1", "4.2", "4.3", "4.4", "US-77")


def test_whole_epic_prerequisites_expand_to_the_epics_stories() -> None:
    text = """## Epic 1 Contracts
### Story 1.1 Token
As a dev, I want a token, so that we pay.
### Story 1.2 Vault
As a dev, I want a vault, so that we save.
**Prerequisites:** None
## Epic 2 - Frontend
### Story 2.1 Wallet
As a user, I want a wallet, so that I connect.
**Prerequisites:** Epic 1 - Smart Contract Infrastructure Complete
### Story 2.2 Swap
As a user, I want to swap, so that I trade.
**Prerequisites:** Epics 1 and 2
**Prerequisites:** something unclear
"""
    epics = parse_epics(text, "epics.md")
    assert epics is not None
    assert [(e.number, e.title) for e in epics.epics] == [("1", "Contracts"), ("2", "Frontend")]
    stories = by_id(epics)
    assert stories["1.2"].dependencies == ()
    assert stories["2.1"].dependencies == ("1.1", "1.2")
    assert stories["2.2"].dependencies == ("1.1", "1.2", "2.1")
    # Nothing to say about prerequisites once some were understood.
    assert [n.message for n in stories["2.2"].notes] == [
        "no acceptance criteria found under this story"
    ]


def test_unclear_prerequisites_are_noted() -> None:
    text = (
        "# Epic 1: A\n## Story 1.1: B\nAs a x, I want y, so that z.\n"
        "**Prerequisites:** the login work\n"
    )
    epics = parse_epics(text, "e.md")
    assert epics is not None
    notes = [(n.line, n.message) for n in epics.stories[0].story.notes]
    assert (4, "prerequisites not understood: the login work") in notes


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("None (first story in Epic 1)", ()),
        ("Story 1.1 (wsgi.py exists), Story 1.3 (Configuration system)", ("1.1", "1.3")),
        ("Story 1.1-1.5 (All foundation components exist)", ("1.1", "1.2", "1.3", "1.4", "1.5")),
        ("Epic 1 (Story 1.1 config system, Story 1.5 logging)", ("1.1", "1.5")),
        ("Story 2.4 (CV pipeline), Epic 1 Story 1.4 (systemd watchdog)", ("2.4", "1.4")),
        ("Epic 5 complete (working system to document)", ("epic:5",)),
        ("Story 4.6 (completes Epic 4)", ("4.6",)),
        ("Epics 4 and 5", ("epic:4", "epic:5")),
        ("Epic 1 - Smart Contract Infrastructure Complete", ("epic:1",)),
        ("**Story 1.2** - Title", ("1.2",)),
        ("Story 2.6, Story 3.0 (Research), Story 3.3A (Acquisition)", ("2.6", "3.0", "3.3A")),
        ("Core game features complete (Epic 2-4)", ("epic:2", "epic:3", "epic:4")),
        ("None (Epic 2 is separate)", ()),
        ("Story 1.1 through 1.3", ("1.1", "1.2", "1.3")),
        ("Story 1.2 (backend), 1.3 (extension), 4.2 (fields)", ("1.2", "1.3", "4.2")),
        ("Story 7.1 and also 1.5", ("7.1", "1.5")),
        ("needs 1.2 GB of disk", ()),
        ("Epic 1-3 complete (core)", ("epic:1", "epic:2", "epic:3")),
        # "All Epic 1 stories" from inside epic 1: the bracket says which ones
        ("All Epic 1 stories (1.1-1.3)", ("1.1", "1.2", "1.3")),
        ("All Epic 3 stories complete (3.1-3.2)", ("3.1", "3.2")),
        ("All Epic 1 stories complete", ("epic:1",)),
        # symptom-tracker's Epic 3.5 (tests/fixtures/bmad-epics/flare)
        ("Stories 3.5.3-3.5.5 (new pages need keyboard support)", ("3.5.3", "3.5.4", "3.5.5")),
        ("Story 3.5.1 (defaults exist), parallel with Story 3.5.3", ("3.5.1",)),
        ("None (parallel with Story 3.5.1)", ()),
        ("Story 2.1, can run in parallel with Stories 2.2 and 2.3", ("2.1",)),
    ],
)
def test_prerequisite_lines(text: str, refs: tuple[str, ...]) -> None:
    assert prerequisite_refs(text) == refs


def test_one_story_file_stays_a_story_file() -> None:
    text = "# Story 1.2: Login\n\n## Story\nAs a user, I want x, so that y.\n"
    assert parse_epics(text, "1.2.story.md") is None
    assert isinstance(parse_story(text, "1.2.story.md"), ParsedStory)
    assert parse_epics("# Notes\n\nnothing\n", "notes.md") is None


def test_every_real_story_fixture_stays_a_story_file() -> None:
    stories = sorted((Path(__file__).parent / "fixtures" / "bmad").rglob("*.md"))
    assert len(stories) > 5
    for path in stories:
        assert parse_epics(path.read_text(encoding="utf-8"), path.name) is None, path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "## Epic 1: A\n### Story 1.1: B\nx\n### Story 1.2:\ny\n",
            "epics.md:4: story 1.2 has no title after its id",
        ),
        (
            "## Epic 1: A\n### Story 1.1: B\nx\n### Story 1.1: C\ny\n",
            "epics.md:4: a second Story 1.1 (the first is at line 2)",
        ),
        (
            "## Epic 1: A\n### Story 1.1: B\n```\ncode\n### Story 1.2: C\n",
            "epics.md:3: the code fence ``` opened here is never closed, so the stories after it "
            "would be read as code",
        ),
    ],
)
def test_malformed_epics_files_name_file_and_line(text: str, message: str) -> None:
    with pytest.raises(StoryFormatError) as caught:
        parse_epics(text, "epics.md")
    assert caught.value.message == message
    assert "\n" not in caught.value.message


def test_a_whole_epic_is_waited_on_through_the_stories_that_end_it() -> None:
    from pantheon_git.bmad.deps import epic_ends

    deps = {"1.2": ("1.1",), "1.3": ("1.1",), "1.4": ("1.2", "epic:9")}
    assert epic_ends(["1.1", "1.2", "1.3", "1.4"], deps) == ["1.3", "1.4"]
    assert epic_ends(["1.1", "1.2"], {}) == ["1.1", "1.2"]  # nothing stated: every story
    # a loop leaves no end: every story, rather than none
    assert epic_ends(["1.1", "1.2"], {"1.1": ("1.2",), "1.2": ("1.1",)}) == ["1.1", "1.2"]


def test_all_of_its_own_epic_is_what_comes_before_the_story() -> None:
    # 1.3 waits on "All Epic 1 stories"; 1.4 waits on 1.3: the whole epic's end is 1.4, which
    # would make a loop. From inside epic 1 it means the part of the epic before 1.3.
    text = """## Epic 1 Base
### Story 1.1 A
As a dev, I want a, so that x.
### Story 1.2 B
As a dev, I want b, so that x.
**Prerequisites:** Story 1.1
### Story 1.3 Run
As a dev, I want a run, so that x.
**Prerequisites:** All Epic 1 stories complete
### Story 1.4 Docs
As a dev, I want docs, so that x.
**Prerequisites:** Story 1.3
## Epic 2 Next
### Story 2.1 First
As a dev, I want c, so that x.
**Prerequisites:** Epic 2 and Epic 1
"""
    epics = parse_epics(text, "epics.md")
    assert epics is not None
    stories = by_id(epics)
    assert stories["1.3"].dependencies == ("1.2",)
    # another epic is still its ends; the first story of its own epic waits on none of it
    assert stories["2.1"].dependencies == ("1.4",)


def test_stories_written_as_bold_lines() -> None:
    # symptom-tracker's docs/epics.md (tests/fixtures/bmad-epics/flare) writes its stories as
    # "**Story 9.1: Title**" lines under "### Story Breakdown", some with a status mark after
    text = """## Epic 9: Flare Creation
### Story Breakdown

**Story 9.1: Body Map Placement Page (Foundation)**

As a user, I want a placement page, so that I can mark a flare.

**Acceptance Criteria:**

**Given** I am on the dashboard
**Then** the system navigates to `/flares/place`

**Prerequisites:** None (foundational story)

---

**Story 9.2: Flare Details Page** _(IN REVIEW)_

As a user, I want a details page, so that I can describe it.

**Prerequisites:** Story 9.1 (placement page provides marker data)

## Epic 5: Layers
**Story 5.1: Layer Field**
As a user, I want layers, so that I can track more.
"""
    found = parse_epics(text, "epics.md")
    assert found is not None
    assert [(s.epic.number if s.epic else None, s.story.story_id) for s in found.stories] == [
        ("9", "9.1"),
        ("9", "9.2"),
        ("5", "5.1"),
    ]
    stories = by_id(found)
    assert stories["9.2"].title == "Flare Details Page"
    assert stories["9.2"].dependencies == ("9.1",)
    assert stories["9.1"].dependencies == ()
    assert len(stories["9.1"].criteria) == 1
    assert "Layers" not in stories["9.2"].story_text  # the next epic ends the story


def test_bold_story_lines_beside_story_headings_are_not_stories() -> None:
    # a file with Story headings: a bold line naming a story is a summary's or a note's copy
    text = """## Epic 1: A
**Story 1.1: A** first, then **Story 1.2: B**
### Story 1.1: A
As a dev, I want a, so that x.
### Story 1.2: B
As a dev, I want b, so that x.

**Story 1.2: B**
"""
    found = parse_epics(text, "epics.md")
    assert found is not None
    assert [s.story.story_id for s in found.stories] == ["1.1", "1.2"]


def test_a_line_that_starts_with_a_bold_story_name_is_prose() -> None:
    text = "## Epic 1: A\n**Story 1.1: Setup**\nAs a dev, I want a, so that x.\n" + (
        "**Story 1.2: B** (3 pts)\nAs a dev, I want b, so that x.\n"
        "**Story 1.1: Setup** comes first, then the rest.\n"
    )
    found = parse_epics(text, "epics.md")
    assert found is not None
    assert [(s.story.story_id, s.story.title) for s in found.stories] == [
        ("1.1", "Setup"),
        ("1.2", "B"),  # "(3 pts)" is a mark after the bold, not the title
    ]
