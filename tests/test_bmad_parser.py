"""The BMAD parser on the drift real files show (research/bmad.md §2.7) and on hostile input."""

from __future__ import annotations

import codecs
import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pantheon_git.bmad import (
    MAX_STORY_BYTES,
    ParsedStory,
    Skipped,
    file_story_id,
    parse_story,
    parse_story_bytes,
    to_story,
)
from pantheon_git.bmad.status import normalize_status
from pantheon_git.bmad.tasks import parse_ac_refs, split_task_text
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.states import ACCEPTED, CODE_REVIEW, COMPLETED, DEFINED, IN_PROGRESS
from pantheon_git.errors import USAGE, StoryFormatError

MINIMAL = """\
# Story 2.1: Minimal

## Status
Draft

## Story
As a user, I want a thing, so that I am happy.

## Acceptance Criteria
1. It works

## Tasks / Subtasks
- [ ] Build it (AC: 1)
"""


def parse(text: str, path: str = "docs/stories/x.md") -> ParsedStory:
    parsed = parse_story(text, path)
    assert isinstance(parsed, ParsedStory), parsed
    return parsed


# --- status (edge cases 1-6) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized", "canonical"),
    [
        ("Completed", "completed", "done"),
        ("Done", "done", "done"),
        ("Ready for Review", "readyforreview", "review"),
        ("Draft", "draft", "ready-for-dev"),
        ("InProgress", "inprogress", "in-progress"),
        ("In Progress", "inprogress", "in-progress"),
        ("in-progress", "in-progress", "in-progress"),
        ("ready-for-dev", "ready-for-dev", "ready-for-dev"),
        ("**DONE** ✅ - QA Review Complete, All CI/CD issues resolved", "done", "done"),
        ("**✅ COMPLETED - All Acceptance Criteria Met**", "completed", "done"),
        ("✅ **COMPLETED** (August 2024)", "completed", "done"),
        ("Approved — waiting for sprint", "approved", "ready-for-dev"),
        ("Blocked", "blocked", None),
    ],
)
def test_status_vocabulary(raw: str, normalized: str, canonical: str | None) -> None:
    story = parse(MINIMAL.replace("Draft", raw))
    assert story.status is not None
    assert (story.status.raw, story.status.normalized, story.status.canonical) == (
        raw,
        normalized,
        canonical,
    )
    assert normalize_status(raw) == normalized


def test_status_heading_with_trailing_spaces_and_hashes() -> None:
    story = parse(MINIMAL.replace("## Status\n", "## Status  ##  \n"))
    assert story.status is not None
    assert story.status.raw == "Draft"


def test_v6_status_line_with_more_metadata_and_rules() -> None:
    text = "# Story 3.4: X\n\nStatus: review\nEpic: Payments\nOwner: **Jane**\n\n---\n\n## Story\n"
    story = parse(text)
    assert story.dialect == "v6"
    assert story.status is not None
    assert story.status.source == "line"
    assert story.status.canonical == "review"
    assert dict(story.metadata) == {"Status": "review", "Epic": "Payments", "Owner": "Jane**"}


def test_v6_status_line_wins_over_a_status_section_and_the_clash_is_noted() -> None:
    story = parse("# Story 1.1: X\n\nStatus: done\n\n## Status\nDraft\n")
    assert story.status is not None
    assert story.status.raw == "done"
    assert "two statuses disagree" in story.notes[0].message


def test_status_as_metadata_bullet() -> None:
    text = "# Story 1.1: X\n\n## Story Information\n\n- **Epic:** 1\n- **Status:** In Progress\n"
    story = parse(text)
    assert story.status is not None
    assert (story.status.source, story.status.canonical) == ("metadata", "in-progress")


def test_empty_status_section_is_noted_not_fatal() -> None:
    story = parse("# Story 1.1: X\n\n## Status\n\n## Story\nAs a a, I want b, so that c.\n")
    assert story.status is None
    assert any("Status section is empty" in n.message for n in story.notes)


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("Draft", DEFINED),
        ("backlog", DEFINED),
        ("InProgress", IN_PROGRESS),
        ("Ready for Review", CODE_REVIEW),
        ("Done", COMPLETED),
        ("Accepted", ACCEPTED),
        ("Blocked", DEFINED),
    ],
)
def test_status_to_workflow_state(raw: str, state: str) -> None:
    assert to_story(parse(MINIMAL.replace("Draft", raw))).state == state


# --- identity (edge cases 7, 8) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "story_id", "title"),
    [
        ("# Story 4.3.2: CI/CD and E2E: Fixes", "4.3.2", "CI/CD and E2E: Fixes"),
        ("# Story 0.1: Bootstrap", "0.1", "Bootstrap"),
        ("# Story 18b.3: Letters — & more", "18b.3", "Letters — & more"),
        ("# Story 10.12 - Dashed title", "10.12", "Dashed title"),
        ("# Story 1.2 No colon (PRD style)", "1.2", "No colon (PRD style)"),
        ("# **Story 1.2: Bold heading**", "1.2", "Bold heading"),
        ("# Story US-123: Written by checkout", "US-123", "Written by checkout"),
        ("#   story 7.7:   spaced   ", "7.7", "spaced"),
    ],
)
def test_title_forms(heading: str, story_id: str, title: str) -> None:
    story = parse(f"{heading}\n\n## Story\n")
    assert (story.story_id, story.title, story.title_line) == (story_id, title, 1)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty file"),
        ("   \n\n", "empty file"),
        ("Just prose, no heading.\n", "no `# Story X.Y: Title` heading"),
        ("# Course Correction Request\n\nStory 4.3.1 needs changes.\n", "is not a story title"),
        ("# Epic 1 Retrospective\n", "is not a story title"),
        ("# Story Map\n", "is not a story title"),
        ("# Story 1: one-part id\n", "is not a story title"),
        ("## Story 1.2: only an H2\n", "no `# Story X.Y: Title` heading"),
        ("```\n# Story 1.2: inside a fence\n```\n", "no `# Story X.Y: Title` heading"),
    ],
)
def test_files_that_are_not_stories_are_skipped_with_a_reason(text: str, reason: str) -> None:
    result = parse_story(text, "docs/stories/4.3.1-course-correction-request.md")
    assert isinstance(result, Skipped)
    assert reason in result.reason


def test_first_h1_decides_even_if_a_story_title_follows() -> None:
    assert isinstance(parse_story("# Notes\n\n# Story 1.2: Later\n", "x.md"), Skipped)


def test_story_key_comes_from_the_rally_line_or_a_key_title() -> None:
    linked = parse(
        "# Story 1.2: X\n\nRally: US123 https://rally.example.com/#/detail/userstory/9\n"
    )
    assert linked.rally is not None
    assert (linked.rally.key, linked.rally.url, linked.rally.line) == (
        StoryKey("US", 123),
        "https://rally.example.com/#/detail/userstory/9",
        3,
    )
    assert to_story(linked).key == StoryKey("US", 123)
    assert to_story(parse("# Story US-77: X\n")).key == StoryKey("US", 77)
    assert parse("# Story 1.2: X\n\nRally: US5 <https://r/x>\n").rally.url == "https://r/x"  # type: ignore[union-attr]
    assert to_story(parse("# Story 1.2: X\n")).key.number == 0  # not in Rally yet


@pytest.mark.parametrize(
    ("path", "story_id"),
    [
        ("docs/stories/1.1.story.md", "1.1"),
        ("docs/stories/4.3.2.story.md", "4.3.2"),
        ("docs/stories/1.1.project-setup.md", "1.1"),
        ("_bmad-output/implementation-artifacts/1-2-rule-registry.md", "1.2"),
        ("story-5-1-login.md", "5.1"),
        ("docs/stories/US-123.md", "US-123"),
        ("docs/stories/story.md", None),
        ("epic-1-retro-2026.md", None),
    ],
)
def test_file_story_id(path: str, story_id: str | None) -> None:
    assert file_story_id(path) == story_id


def test_file_name_and_title_disagreeing_is_noted() -> None:
    story = parse("# Story 1.3: X\n", "docs/stories/1.2.story.md")
    assert any("file name says story 1.2" in n.message for n in story.notes)
    assert parse("# Story US-9: X\n", "docs/stories/us-9.md").notes[-1].message == (
        "no `## Tasks / Subtasks` section"
    )


# --- tasks (edge cases 9-11, 18) ----------------------------------------------------------------


def test_checkbox_tree_with_mixed_indents_tabs_and_states() -> None:
    text = """# Story 1.1: X

## Tasks / Subtasks

- [X] Top one (AC: 1)
    - [x] four-space child
         - [ ] five-space grandchild
\t- [~] tab child, partial
* [ ] star bullet top (AC: #2, #3)
1. [x] numbered top
  - [ ] two-space child

## Definition of Done

- [ ] not a task
"""
    story = parse(text)
    top = story.tasks
    assert [t.name for t in top] == ["Top one", "star bullet top", "numbered top"]
    assert [t.done for t in top] == [True, False, True]
    assert [c.name for c in top[0].children] == ["four-space child", "tab child, partial"]
    assert top[0].children[0].children[0].name == "five-space grandchild"
    assert top[0].children[1].partial
    assert not top[0].children[1].done
    assert top[1].ac_refs == ("2", "3")
    assert top[2].children[0].name == "two-space child"
    assert len(story.all_tasks()) == 7


@pytest.mark.parametrize(
    ("text", "name", "refs", "marked"),
    [
        ("Do it (AC: 1)", "Do it", ("1",), False),
        ("Do it (AC: 4, 6)", "Do it", ("4", "6"), False),
        ("Do it (AC: #1, #2)", "Do it", ("1", "2"), False),
        ("Do it (AC: #9–#12)", "Do it", ("9", "10", "11", "12"), False),
        ("Do it (AC: 1-3)", "Do it", ("1", "2", "3"), False),
        ("Do it (AC: 12, cross-repo: `../dclaude`)", "Do it", ("12",), False),
        ("Do it（AC: 1,2,3）", "Do it", ("1", "2", "3"), False),
        ("Do it (AC 5)", "Do it", ("5",), False),
        ("Do it (ac: 7)", "Do it", ("7",), False),
        ("Write tests (Testing Requirements)", "Write tests (Testing Requirements)", (), False),
        ("Fix CI (AC: 2) ✅ COMPLETED", "Fix CI", ("2",), True),
        ("Task 1: Init (AC: 1) ✅", "Task 1: Init", ("1",), True),
        ("Use the ACME tool (ACME: 1)", "Use the ACME tool (ACME: 1)", (), False),
        ("Big range (AC: 1-100000)", "Big range", (), False),
        ("Do (AC: 1) and (AC: 2)", "Do (AC: 1) and", ("2",), False),
    ],
)
def test_task_text(text: str, name: str, refs: tuple[str, ...], marked: bool) -> None:
    assert split_task_text(text) == (name, refs, marked)


def test_ac_refs_drop_non_numbers_and_repeats() -> None:
    assert parse_ac_refs("1, 1, AC-2, n/a, #3 and 4") == ("1", "2", "3", "4")


def test_heading_tasks_with_numbered_subtasks_without_checkboxes() -> None:
    text = """# Story 1.1: X

## Tasks

### Task 1: Set up (AC: 1) ✅
[Source: architecture.md]
1.1. Create repo
1.2. Add CI

### Task 2: Build (AC: 2)
- [x] 2.1. part one
- [x] 2.2. part two

### Task 3: Ship
- [x] 3.1. ready
- [ ] 3.2. not yet
"""
    tasks = parse(text).tasks
    assert [(t.name, t.done, t.ac_refs) for t in tasks] == [
        ("Task 1: Set up", True, ("1",)),
        ("Task 2: Build", True, ("2",)),  # all subtasks ticked
        ("Task 3: Ship", False, ()),
    ]
    assert [c.name for c in tasks[0].children] == ["1.1. Create repo", "1.2. Add CI"]
    assert all(c.done for c in tasks[0].children)


def test_review_follow_ups_inside_tasks_are_flagged() -> None:
    text = """# Story 1.1: X

## Tasks / Subtasks

- [x] Task 1: build

### Review Follow-ups (AI)

- [ ] [AI-Review][High] Fix the leak [src/a.py:10]
- [x] [AI-Review][Low] Rename x

#### Review Follow-ups (AI)

No follow-up tasks created.
"""
    tasks = parse(text).tasks
    assert [(t.name, t.review, t.done) for t in tasks] == [
        ("Task 1: build", False, True),
        ("[AI-Review][High] Fix the leak [src/a.py:10]", True, False),
        ("[AI-Review][Low] Rename x", True, True),
    ]


def test_checkboxes_in_fences_and_comments_are_not_tasks() -> None:
    text = """# Story 1.1: X

## Tasks / Subtasks

```markdown
- [ ] example in a fence
```
<!--
- [ ] commented out
-->
- [ ] real
"""
    assert [t.name for t in parse(text).tasks] == ["real"]


def test_hostile_nesting_depth_is_capped() -> None:
    lines = "\n".join(" " * depth + f"- [ ] level {depth}" for depth in range(3000))
    story = parse(f"# Story 1.1: X\n\n## Tasks\n{lines}\n")
    assert len(story.all_tasks()) == 3000
    assert to_story(story).to_dict()["title"] == "X"  # no recursion error downstream


def test_unknown_ac_references_are_noted() -> None:
    story = parse(MINIMAL.replace("(AC: 1)", "(AC: 1, 7)"))
    assert story.notes[-1].message == "tasks refer to unknown acceptance criteria: 7"


# --- acceptance criteria (edge cases 12, 13) ------------------------------------------------


def test_numbered_criteria_with_blank_lines_nested_lists_and_code() -> None:
    text = """# Story 1.1: X

## Acceptance Criteria

Intro paragraph.

1. First
   continued line
   - nested bullet

2. Second with code:
   ```python
   # not a heading
   x = 1
   ```
3) Third
lazy continuation
10. Tenth

Closing paragraph is not a criterion.
"""
    story = parse(text)
    assert [c.number for c in story.criteria] == [1, 2, 3, 10]
    assert story.criteria[0].text == "First\ncontinued line\n- nested bullet"
    assert story.criteria[1].text == "Second with code:\n```python\n# not a heading\nx = 1\n```"
    assert story.criteria[2].text == "Third\nlazy continuation"
    assert story.criteria[3].text == "Tenth"


def test_criteria_numbered_by_position_when_numbers_repeat() -> None:
    text = "# Story 1.1: X\n\n## Acceptance Criteria\n1. a\n1. b\n1. c\n"
    story = parse(text)
    assert [(c.number, c.text) for c in story.criteria] == [(1, "a"), (2, "b"), (3, "c")]
    assert "numbered by position" in story.notes[0].message


def test_criteria_as_ac_headings_and_labels() -> None:
    text = """# Story 1.1: X

## Acceptance Criteria

### AC-1: Model
- has fields

#### Detail under AC-1
- still AC-1

### AC 2
- bare heading

**AC 3:** label form
- body
AC-4: plain label
"""
    story = parse(text)
    assert [c.number for c in story.criteria] == [1, 2, 3, 4]
    assert story.criteria[0].text == "Model\n- has fields\n\n#### Detail under AC-1\n- still AC-1"
    assert story.criteria[1].text == "- bare heading"
    assert story.criteria[2].text == "label form\n- body"
    assert story.criteria[3].text == "plain label"


def test_criteria_as_bare_given_when_then_blocks() -> None:
    text = """# Story 1.1: X

## Acceptance Criteria

**Given** a user
**When** they log in
**Then** they see the board

**And** the board is theirs

Given an admin
When they log in
Then they see everything
"""
    story = parse(text)
    assert len(story.criteria) == 2
    assert story.criteria[0].text.endswith("**And** the board is theirs")
    assert story.criteria[1].text.startswith("Given an admin")


def test_criteria_as_bullets_and_as_free_text() -> None:
    bullets = parse("# Story 1.1: X\n\n## Acceptance Criteria\n- one\n- two\n  more\n")
    assert [c.text for c in bullets.criteria] == ["one", "two\nmore"]
    prose = parse("# Story 1.1: X\n\n## Acceptance Criteria\nIt must be fast.\n")
    assert [c.text for c in prose.criteria] == ["It must be fast."]
    assert "kept as one criterion" in prose.notes[0].message


# --- statement ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "As a developer,\nI want a login,\nso that I can work.",
        "**As a** developer,  \n**I want** a login,  \n**so that** I can work.",
        "**As a developer**, **I want a login**, **so that I can work**.",
        "As a developer, I want a login, so that I can work.",
        "As an developer\nI want a login\nSo That I can work",
        "> As a developer, I want a login, so that I can work.",
        "As the developer,\nI want a login,\nSo that I can work.",  # a real epics file's form
        "As a developer,\nI want a login,\nSo I can work.",  # symptom-tracker's Epic 3.7
        "As a developer, I want a login, so I can work.",
    ],
)
def test_statement_forms(body: str) -> None:
    [clause] = parse(f"# Story 1.1: X\n\n## User Story\n\n{body}\n").clauses
    assert (clause.role, clause.want, clause.benefit) == ("developer", "a login", "I can work")


def test_a_so_inside_the_want_is_no_benefit() -> None:
    [clause] = parse(
        "# Story 1.1: X\n\n## Story\n\nAs a developer, I want it to load so much faster, "
        "so that I can work.\n"
    ).clauses
    assert (clause.want, clause.benefit) == ("it to load so much faster", "I can work")
    assert parse("# Story 1.1: X\n\n## Story\n\nAs a dev, I want so much.\n").clauses == ()


def test_statement_that_does_not_match_is_kept_as_text() -> None:
    story = parse("# Story 1.1: X\n\n## Story\n\nWe need a login page.\n")
    assert story.clauses == ()
    assert story.story_text == "We need a login page."


# --- sections, fences, comments (edge cases 14-17) --------------------------------------------


def test_hash_lines_in_fences_are_not_sections() -> None:
    text = """# Story 1.1: X

## Dev Notes

~~~bash
# Step 1: not a heading
## not a section either
~~~

````markdown
```
## still code
```
````

## Tasks / Subtasks
- [ ] real
"""
    story = parse(text)
    assert [s.key for s in story.sections] == ["dev notes", "tasks/subtasks"]
    assert "## not a section either" in story.dev_notes
    assert [t.name for t in story.tasks] == ["real"]


def test_front_matter_and_comments_are_skipped() -> None:
    text = "---\ntitle: x\n# not a title\n---\n# Story 1.1: X\n\n<!-- Status: done -->\n"
    story = parse(text)
    assert story.title_line == 5
    assert story.status is None


def test_unknown_sections_are_kept_in_order() -> None:
    story = parse(MINIMAL + "\n## 🎯 **Final Delivery Summary**\n\nYay\n\n## Notes\nx\n")
    assert [s.key for s in story.sections][-2:] == ["final delivery summary", "notes"]
    assert story.sections[-2].title == "🎯 **Final Delivery Summary**"


def test_missing_sections_are_noted() -> None:
    story = parse("# Story 1.1: X\n")
    assert [n.message for n in story.notes] == [
        "no `## Story` section",
        "no `## Acceptance Criteria` section",
        "no `## Tasks / Subtasks` section",
    ]


def test_crlf_bom_and_non_ascii() -> None:
    text = MINIMAL.replace("Minimal", "Données — naïve 日本語 ✅").replace("(AC: 1)", "（AC: 1）")
    data = codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode("utf-8")
    story = parse_story_bytes(data, "x.md")
    assert isinstance(story, ParsedStory)
    assert story.title == "Données — naïve 日本語 ✅"
    assert story.tasks[0].ac_refs == ("1",)
    assert story.criteria[0].line == 10


# --- dependencies ---------------------------------------------------------------------------


def test_explicit_dependencies() -> None:
    text = """# Story 2.3: X

depends_on: [2-1, 1-4]

## Story
This depends on Story 1.2 and blocked by US-123. It requires 1.2 GB of RAM.
Depends on stories 3.1, 3.2 and 2.3.

## Dependencies
- **5-1**: schema first
- Story 6.2 for the API

## Change Log
- depends on Story 9.9 (history, ignored)
"""
    assert parse(text).dependencies == ("2.1", "1.4", "1.2", "US-123", "3.1", "3.2", "5.1", "6.2")
    assert to_story(parse(text)).predecessors == (StoryKey("US", 123),)


# --- malformed stories and hostile input ---------------------------------------------------


def test_story_without_a_title_is_an_error_with_file_and_line() -> None:
    with pytest.raises(StoryFormatError) as caught:
        parse_story("\n\n# Story 1.2:   \n", "docs/stories/1.2.story.md")
    assert caught.value.exit_code == USAGE
    assert (
        caught.value.message == "docs/stories/1.2.story.md:3: story 1.2 has no title after its id"
    )
    assert caught.value.hint is not None
    assert "# Story 1.2: <title>" in caught.value.hint


def test_unclosed_fence_swallowing_sections_is_an_error() -> None:
    text = "# Story 1.1: X\n\n## Dev Notes\n\n```python\nx = 1\n\n## Tasks\n- [ ] lost\n"
    with pytest.raises(StoryFormatError) as caught:
        parse_story(text, "s.md")
    assert caught.value.line == 5
    assert "never closed" in caught.value.message


def test_unclosed_fence_at_the_end_is_fine() -> None:
    story = parse("# Story 1.1: X\n\n## Dev Notes\n\n```\ncode to the end\n")
    assert story.dev_notes == "```\ncode to the end"


def test_duplicate_recognised_section_is_an_error() -> None:
    with pytest.raises(StoryFormatError) as caught:
        parse_story(MINIMAL + "\n## Acceptance criteria\n1. again\n", "s.md")
    assert caught.value.line == 15
    assert "(the first is at line 9)" in caught.value.message


def test_html_and_script_in_the_title_are_kept_as_text() -> None:
    story = parse("# Story 1.1: <script>alert('x')</script> & <b>bold</b>\n")
    assert story.title == "<script>alert('x')</script> & <b>bold</b>"


def test_control_characters_in_the_title_are_removed() -> None:
    story = parse("# Story 1.1: evil\x1b[2J\x07 title\x0b\n")
    assert story.title == "evil [2J title"


def test_too_large_file() -> None:
    data = MINIMAL.encode() + b"x" * MAX_STORY_BYTES
    with pytest.raises(StoryFormatError) as caught:
        parse_story_bytes(data, "big.md")
    assert "may be at most 1.0 MiB" in caught.value.message


def test_a_story_just_under_the_limit_parses() -> None:
    task = "- [ ] a task with a reasonably long name (AC: 1)\n"
    body = task * ((MAX_STORY_BYTES - len(MINIMAL) - 100) // len(task))
    data = (MINIMAL + body).encode()
    assert len(data) <= MAX_STORY_BYTES
    story = parse_story_bytes(data, "near-limit.md")
    assert isinstance(story, ParsedStory)
    assert len(story.tasks) == 1 + body.count("\n")


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"# Story 1.1: X\n\x89PNG\x00\x00", "binary file, not markdown (NUL byte at line 2)", 2),
        (b"# Story 1.1: X\n\nok\n\xff\xfe bad", "not valid UTF-8 (byte 0xff at line 4)", 4),
        (b"# Story 1.1: X\r\n\r\n\xc3(", "not valid UTF-8 (byte 0xc3 at line 3)", 3),
        (
            codecs.BOM_UTF16_LE + "# Story".encode("utf-16-le"),
            "file is UTF-16 or UTF-32, not UTF-8",
            None,
        ),
    ],
)
def test_binary_and_broken_encoding(data: bytes, message: str, line: int | None) -> None:
    with pytest.raises(StoryFormatError) as caught:
        parse_story_bytes(data, "bad.md")
    assert caught.value.message == f"bad.md{f':{line}' if line else ''}: {message}"
    assert caught.value.exit_code == USAGE


@settings(max_examples=300)
@given(st.text())
def test_any_text_parses_or_fails_cleanly(text: str) -> None:
    for candidate in (text, f"# Story 1.1: T\n{text}", f"# Story 1.1: T\n## Tasks\n{text}"):
        try:
            result = parse_story(candidate, "fuzz.md")
        except StoryFormatError:
            continue
        if isinstance(result, ParsedStory):
            to_story(result)


@settings(max_examples=200)
@given(st.binary(max_size=2000))
def test_any_bytes_parse_or_fail_cleanly(data: bytes) -> None:
    with contextlib.suppress(StoryFormatError):
        parse_story_bytes(b"# Story 1.1: T\n" + data, "fuzz.md")
