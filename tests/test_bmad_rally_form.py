"""What a parsed BMAD story becomes in Rally, and Rally tasks read back as a tree."""

from __future__ import annotations

import pytest

from pantheon_git.bmad import ParsedStory, parse_story, to_story
from pantheon_git.bmad.criteria import criteria_from_markdown
from pantheon_git.bmad.rally_form import (
    NAME_LIMIT,
    TitleTooLong,
    flatten_tasks,
    rally_story,
    schedule_state,
    tasks_from_rally,
)
from pantheon_git.config import DEFAULT_MIGRATE_STATUS_MAP
from pantheon_git.core.richtext import html_to_markdown, markdown_to_html
from pantheon_git.core.story import Task
from pantheon_git.features.migrate.report import MigrationResult, StoryOutcome, render_migration
from pantheon_git.rally import records
from tests.support.bmad import BMAD_FIXTURES, BMAD_STORIES


def load(name: str) -> ParsedStory:
    parsed = parse_story((BMAD_FIXTURES / name).read_text(encoding="utf-8"), name)
    assert isinstance(parsed, ParsedStory)
    return parsed


def plain(tasks: tuple[Task, ...]) -> list[tuple[object, ...]]:
    return [(t.name, t.done, t.ac_refs, plain(t.children)) for t in tasks]


def rally_tasks(items: list[dict[str, object]]) -> list[records.TaskRecord]:
    """Tasks as Rally sends them (each with its ObjectID), decoded."""
    return [records.task({"ObjectID": n, **item}) for n, item in enumerate(items, start=1)]


def as_rally(parsed: ParsedStory) -> list[dict[str, object]]:
    """What Rally would hold after the tasks were created in order (TA1, TA2, ...)."""
    items: list[dict[str, object]] = []
    for index, task in enumerate(flatten_tasks(parsed.tasks)):
        parent = f"TA{task.parent + 1}" if task.parent is not None else None
        items.append(
            {
                "FormattedID": f"TA{index + 1}",
                "Name": task.name,
                "State": "Completed" if task.done else "Defined",
                "Description": task.description(parent),
            }
        )
    return items


@pytest.mark.parametrize("name", BMAD_STORIES)
def test_tasks_survive_the_flat_rally_form(name: str) -> None:
    parsed = load(name)
    back = tasks_from_rally(rally_tasks(as_rally(parsed)))
    assert plain(back) == plain(to_story(parsed).tasks)


@pytest.mark.parametrize("name", BMAD_STORIES)
def test_criteria_survive_the_rally_field(name: str) -> None:
    parsed = load(name)
    form = rally_story(parsed, status_map=DEFAULT_MIGRATE_STATUS_MAP, criteria_field=True)
    back = criteria_from_markdown(html_to_markdown(form.criteria_html))
    assert len(back) == len(parsed.criteria)
    for original, returned in zip(parsed.criteria, back, strict=True):
        assert markdown_to_html(returned) == markdown_to_html(original.text)


def test_criteria_go_into_the_description_without_the_field() -> None:
    parsed = load("v6/docvet/1-2-create-finding-dataclass.md")
    form = rally_story(parsed, status_map={}, criteria_field=False)
    assert form.criteria_html == ""
    assert "<h3>Acceptance Criteria</h3>" in form.description_html
    assert form.fields(criteria_field=None) == {
        "Name": "Create Finding Dataclass",
        "Description": form.description_html,
    }


def test_description_is_story_and_dev_notes_as_safe_html() -> None:
    text = (
        "# Story 1.1: <script>alert(1)</script>\n\n## Story\n\nAs a <b>user</b>, I want x, "
        "so that y.\n\n<!-- hidden note -->\n\n## Dev Notes\n\n### Testing\n\n<img src=x "
        "onerror=alert(1)>\n"
    )
    parsed = parse_story(text, "s.md")
    assert isinstance(parsed, ParsedStory)
    form = rally_story(parsed, status_map={}, criteria_field=True)
    assert form.name == "<script>alert(1)</script>"  # Rally shows Name as text
    assert "&lt;b&gt;user&lt;/b&gt;" in form.description_html
    assert "&lt;img src=x" in form.description_html
    assert "<img" not in form.description_html
    assert "hidden note" not in form.description_html
    assert "<h3>Dev Notes</h3>" in form.description_html
    assert "<h4>Testing</h4>" in form.description_html


@pytest.mark.parametrize(
    ("raw", "state", "warned"),
    [
        ("Draft", "Defined", False),
        ("ready-for-dev", "Defined", False),
        ("InProgress", "In-Progress", False),
        ("Ready for Review", "In-Progress", False),  # via its v6 word "review"
        ("**DONE** ✅ - QA", "Completed", False),
        ("Blocked", "Defined", True),
    ],
)
def test_schedule_state(raw: str, state: str, warned: bool) -> None:
    parsed = parse_story(f"# Story 1.1: X\n\nStatus: {raw}\n", "s.md")
    assert isinstance(parsed, ParsedStory)
    got, warning = schedule_state(parsed.status, DEFAULT_MIGRATE_STATUS_MAP)
    assert got == state
    assert bool(warning) == warned


def test_names_too_long_for_rally() -> None:
    title = "x" * (NAME_LIMIT + 1)
    parsed = parse_story(f"# Story 1.1: {title}\n\n## Tasks\n- [ ] {title}\n", "s.md")
    assert isinstance(parsed, ParsedStory)
    with pytest.raises(TitleTooLong):
        rally_story(parsed, status_map={}, criteria_field=True)
    [task] = flatten_tasks(parsed.tasks)
    assert len(task.name) == NAME_LIMIT
    assert task.full_name == title
    assert title in task.description(None)


def test_tasks_without_descriptions_are_a_flat_list() -> None:
    items = [
        {"FormattedID": "TA1", "Name": "a", "State": "Completed", "Estimate": 2, "Description": ""},
        {"FormattedID": "TA2", "Name": "b", "State": "Defined", "Description": None},
        {"FormattedID": "TA3", "Name": "c", "Description": "<p>Acceptance criteria: 1, 3</p>"},
    ]
    tasks = tasks_from_rally(rally_tasks(items))
    assert [(t.name, t.done, t.estimate_hours, t.ac_refs) for t in tasks] == [
        ("a", True, 2.0, ()),
        ("b", False, None, ()),
        ("c", False, None, ("1", "3")),
    ]
    assert all(t.children == () for t in tasks)


def test_hostile_task_parents_do_not_lose_tasks() -> None:
    items = [
        {"FormattedID": "TA1", "Name": "a", "Description": "<p>Subtask of TA2</p>"},
        {"FormattedID": "TA2", "Name": "b", "Description": "<p>Subtask of TA1</p>"},
        {"FormattedID": "TA3", "Name": "c", "Description": "<p>Subtask of TA3</p>"},
        {"FormattedID": "TA4", "Name": "d", "Description": "<p>Subtask of TA99</p>"},
    ]
    names = [t.name for t in tasks_from_rally(rally_tasks(items))]
    assert sorted(names) == ["a", "c", "d"]
    assert [c.name for t in tasks_from_rally(rally_tasks(items)) for c in t.children] == ["b"]


def test_report_has_the_seed_shape() -> None:
    result = MigrationResult(
        epic="F17",
        epic_name="User Authentication",
        dry_run=False,
        run="20260105T100000Z-ab12",
        stories=(
            StoryOutcome(
                "docs/stories/1.1.story.md",
                "Create user model",
                "created",
                key="US-120",
                url="https://rally.example.com/#/detail/userstory/1",
                schedule_state="Defined",
                tasks_created=4,
            ),
            StoryOutcome("docs/stories/bad.md", "Bad", "failed", error="line 3: nope"),
        ),
        skipped=(("docs/stories/notes.md", "no `# Story X.Y: Title` heading"),),
        backup=".bmad/archive/20260105T100000Z-ab12/",
    )
    text = render_migration(result)
    assert text.splitlines()[:3] == [
        "Rally Migration Complete",
        "━" * 47,
        "Migrated 1 story to Rally Epic F17: User Authentication (1 created)",
    ]
    assert "✅ US-120: Create user model\n   From: docs/stories/1.1.story.md\n" in text
    assert "   Rally: https://rally.example.com/#/detail/userstory/1" in text
    assert "  ❌ docs/stories/bad.md: line 3: nope" in text
    assert "(backed up to .bmad/archive/20260105T100000Z-ab12/)" in text
    assert text.endswith("Undo this run: pantheon migrate rollback 20260105T100000Z-ab12")
    assert result.exit_code == 2
