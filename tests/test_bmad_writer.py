"""Writing a Story as a BMAD file and reading it back gives the same fields."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pantheon_git.bmad import ParsedStory, parse_story, render_story, to_story
from pantheon_git.bmad.writer import criterion_text, one_line, section_safe, task_text
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.states import WORKFLOW
from pantheon_git.core.story import Story, Task
from tests.support.bmad import BMAD_FIXTURES, BMAD_STORIES

# Text people type: letters, digits, punctuation and symbols, markdown's special characters,
# any script, emoji; no control characters (the parser removes those from titles).
CHARS = st.characters(
    blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
    blacklist_characters="\ufeff",
)
MARKDOWN_BITS = st.sampled_from(
    [
        "*",
        "**",
        "_",
        "`",
        "```",
        "~~~",
        "#",
        "## ",
        "[",
        "](",
        ")",
        "<",
        ">",
        "<!--",
        "-->",
        "|",
        "\\",
        "- [ ] ",
        "1. ",
        "(AC: 2)",
        "✅",
        "&amp;",
        "<script>alert(1)</script>",
        "  ",
    ]
)
WORDS = st.lists(st.one_of(st.text(CHARS, min_size=1, max_size=8), MARKDOWN_BITS), max_size=8)
LINE = WORDS.map("".join)
BLOCK = st.lists(LINE, min_size=1, max_size=6).map("\n".join)


def reparse(story: Story, dialect: str = "v4") -> ParsedStory:
    parsed = parse_story(render_story(story, dialect=dialect), "docs/stories/US-1.md")
    assert isinstance(parsed, ParsedStory)
    return parsed


def normal_block(text: str) -> str:
    lines = [line.rstrip() for line in section_safe(text).split("\n")]
    return "\n".join(lines).strip("\n").strip()


def normal_tasks(tasks: tuple[Task, ...]) -> list[tuple[object, ...]]:
    return [
        (one_line(t.name) or "Unnamed task", t.done, t.ac_refs, normal_tasks(t.children))
        for t in tasks
    ]


def parsed_tasks(tasks: tuple[Task, ...]) -> list[tuple[object, ...]]:
    return [(t.name, t.done, t.ac_refs, parsed_tasks(t.children)) for t in tasks]


refs = st.lists(st.integers(1, 40), unique=True, max_size=4).map(
    lambda ns: tuple(str(n) for n in ns)
)
tasks = st.recursive(
    st.builds(Task, name=LINE, done=st.booleans(), ac_refs=refs),
    lambda children: st.builds(
        Task,
        name=LINE,
        done=st.booleans(),
        ac_refs=refs,
        children=st.lists(children, max_size=3).map(tuple),
    ),
    max_leaves=8,
)
stories = st.builds(
    Story,
    key=st.integers(1, 10**6).map(lambda n: StoryKey("US", n)),
    title=LINE.filter(lambda t: bool(one_line(t))),
    epic=st.one_of(st.none(), st.integers(1, 99).map(lambda n: f"F{n}")),
    epic_title=st.one_of(st.none(), LINE),
    description=st.one_of(st.just(""), BLOCK),
    acceptance_criteria=st.lists(BLOCK, max_size=5).map(tuple),
    tasks=st.lists(tasks, max_size=4).map(tuple),
    state=st.sampled_from(WORKFLOW),
    url=st.one_of(st.none(), st.just("https://rally1.rallydev.com/#/detail/userstory/42")),
)


@settings(max_examples=250)
@given(stories, st.sampled_from(["v4", "v6"]))
def test_round_trip_keeps_title_status_criteria_tasks(story: Story, dialect: str) -> None:
    parsed = reparse(story, dialect)
    back = to_story(parsed)
    assert back.key == story.key
    assert back.title == one_line(story.title)
    assert back.state == story.state
    expected = [criterion_text(n, c) for n, c in enumerate(story.acceptance_criteria, start=1)]
    assert list(back.acceptance_criteria) == [c for c in expected if c]
    assert parsed_tasks(back.tasks) == normal_tasks(story.tasks)
    assert back.url == story.url
    assert parsed.dialect == dialect


paragraph_words = st.text(
    st.characters(whitelist_categories=("L", "N", "P", "S", "Zs"), blacklist_characters="#<>`~"),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip() == t and bool(t))
description_blocks = st.lists(
    st.one_of(
        paragraph_words,
        paragraph_words.map(lambda t: f"### {t}"),
        st.lists(paragraph_words, min_size=1, max_size=3).map(
            lambda items: "\n".join(f"- {i}" for i in items)
        ),
        paragraph_words.map(lambda t: f"```\n# {t}\n## {t}\n```"),
    ),
    min_size=1,
    max_size=5,
).map("\n\n".join)


@settings(max_examples=150)
@given(description_blocks)
def test_round_trip_keeps_the_description(description: str) -> None:
    story = Story(key=StoryKey("US", 5), title="T", description=description)
    assert to_story(reparse(story)).description == description


def test_description_headings_are_kept_inside_the_story_section() -> None:
    story = Story(
        key=StoryKey("US", 5),
        title="T",
        description="# Big\n\ntext\n\n## Tasks\n\n- [ ] not a task\n\n```\nopen fence",
        acceptance_criteria=("real criterion",),
        tasks=(Task("real task"),),
    )
    parsed = reparse(story)
    assert [t.name for t in parsed.tasks] == ["real task"]
    assert [c.text for c in parsed.criteria] == ["real criterion"]
    assert (
        parsed.story_text
        == "### Big\n\ntext\n\n#### Tasks\n\n- [ ] not a task\n\n```\nopen fence\n```"
    )


def test_the_written_file() -> None:
    story = Story(
        key=StoryKey("US", 123),
        title="Implement Login Form",
        epic="F17",
        epic_title="User Authentication",
        description="As a user,\nI want to log in,\nso that I see my work.",
        acceptance_criteria=("Form validates\n- email\n- password", "Errors are shown"),
        tasks=(
            Task("Build form", done=True, ac_refs=("1",), children=(Task("Email field"),)),
            Task("Wire errors ✅", ac_refs=()),
        ),
        state="In Progress",
        url="https://rally1.rallydev.com/#/detail/userstory/9",
    )
    assert render_story(story) == (
        "# Story US-123: Implement Login Form\n\n"
        "Rally: US123 https://rally1.rallydev.com/#/detail/userstory/9\n\n"
        "Epic: F17 - User Authentication\n\n"
        "## Status\n\nInProgress\n\n"
        "## Story\n\nAs a user,\nI want to log in,\nso that I see my work.\n\n"
        "## Acceptance Criteria\n\n"
        "1. Form validates\n   - email\n   - password\n\n"
        "2. Errors are shown\n\n"
        "## Tasks / Subtasks\n\n"
        "- [x] Build form (AC: 1)\n"
        "  - [ ] Email field\n"
        "- [ ] Wire errors ✅ (AC: none)\n\n"
        "## Dev Notes\n\n"
        "## Dev Agent Record\n\n### Agent Model Used\n\n### Debug Log References\n\n"
        "### Completion Notes List\n\n### File List\n"
    )
    parsed = reparse(story)
    assert parsed.clauses[0].want == "to log in"
    assert render_story(story, dialect="v6").splitlines()[6] == "Status: in-progress"


@pytest.mark.parametrize(
    ("name", "refs", "text"),
    [
        ("Plain", (), "Plain"),
        ("Plain", ("1", "2"), "Plain (AC: 1, 2)"),
        ("Done already ✅", (), "Done already ✅ (AC: none)"),
        ("Has (AC: 3) inside", (), "Has (AC: 3) inside (AC: none)"),
        ("  spaced\tout  ", ("4",), "spaced out (AC: 4)"),
        ("", (), "Unnamed task"),
    ],
)
def test_task_text(name: str, refs: tuple[str, ...], text: str) -> None:
    assert task_text(name, refs) == text


@pytest.mark.parametrize(
    "name",
    BMAD_STORIES,
)
def test_real_stories_survive_a_write_and_read(name: str) -> None:
    first = parse_story((BMAD_FIXTURES / name).read_text(encoding="utf-8"), name)
    assert isinstance(first, ParsedStory)
    story = to_story(first, key=StoryKey("US", 77))
    again = to_story(reparse(story))
    assert again.title == story.title
    assert again.state == story.state
    assert again.acceptance_criteria == tuple(normal_block(c) for c in story.acceptance_criteria)
    assert parsed_tasks(again.tasks) == normal_tasks(story.tasks)
    assert again.description == story.description


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "Given a\nWhen b\n\nThen c",
        "with list:\n- a\n  - b\n1. c",
        "code:\n```python\n# comment\n```\nafter",
        "### sub heading\nbody <b>x</b> & `y`",
        "<!-- note -->\nvisible",
    ],
)
def test_criterion_text_keeps_self_contained_markdown(text: str) -> None:
    assert criterion_text(1, text) == text
    assert criterion_text(12, text) == text


def test_criterion_text_seals_open_fences_and_comments() -> None:
    assert criterion_text(1, "x\n```\ncode") == "x\n```\ncode\n```"
    assert criterion_text(1, "x\n<!--\nhidden") == "x\n<!--\nhidden\n-->"
    assert criterion_text(1, "# top") == "### top"


@pytest.mark.parametrize("comment", ["<!-->", "<!--->", "<!-- note -->"])
def test_empty_html_comments_close_at_once(comment: str) -> None:
    """``<!-->`` is an empty comment in HTML; it must not swallow the sections after it."""
    story = Story(StoryKey("US", 1), "T", description=comment, tasks=(Task("only task"),))
    back = to_story(reparse(story))
    assert [t.name for t in back.tasks] == ["only task"]
