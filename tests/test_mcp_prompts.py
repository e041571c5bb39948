"""The seed's workflows as prompts: each renders its workflow's steps as calls of this
server's tools, with the arguments filled in (MCP passes prompt arguments as strings)."""

from __future__ import annotations

import re

import pytest

from pantheon_git.errors import UsageError
from pantheon_git.features.deps import guide
from pantheon_git.features.mcp.prompts import BY_NAME, PROMPTS
from pantheon_git.features.mcp.tools import BY_NAME as TOOLS


def render(name: str, **arguments: str) -> str:
    return BY_NAME[name].render(arguments)


def test_each_prompt_calls_tools_that_exist() -> None:
    for prompt in PROMPTS:
        given = {
            a.name: "US-123" if a.name in ("story", "stories") else "" for a in prompt.arguments
        }
        called = set(re.findall(r"`([a-z_]+)` \{", prompt.render(given)))
        assert called, prompt.name
        assert called <= set(TOOLS), (prompt.name, called - set(TOOLS))


def test_sync_and_analysis_take_the_seeds_arguments() -> None:
    assert '`sync` {"epics": ["17", "18"], "force": true}' in render(
        "rally-sync", epic="17,18", force="true"
    )
    deps = render("rally-analyze-deps", epics="17 18 19", visualize="true")
    assert '`deps` {"epics": ["17", "18", "19"], "mermaid": true}' in deps
    assert "Mermaid diagram" in deps
    plan = render("rally-plan-workstreams", epic="17", developers="12", lanes="0=j@x,3=s@x")
    assert '`plan` {"epics": ["17"], "developers": "12", "lanes": ["0=j@x", "3=s@x"]}' in plan


def test_checkout_takes_a_story_or_an_epic() -> None:
    assert '`checkout` {"story": "US-123"}' in render("rally-checkout", story="US-123")
    epic = render("rally-checkout", epic="17", lock_hours="48")
    assert '`checkout` {"epic": "17", "lock_hours": 48.0}' in epic
    assert "alternatives" in epic
    with pytest.raises(UsageError, match="lock_hours: expected a number"):
        render("rally-checkout", story="US-1", lock_hours="two days")


def test_the_story_pipeline_has_the_seeds_phases() -> None:
    text = render("story-pipeline", story="US-123")
    phases = [line.split(":")[0] for line in text.splitlines() if line.startswith("Phase")]
    assert phases == ["Phase 0 PREPARE", "Phases 1-5", "Phase 6 COMMIT", "Phase 7 REFLECT"]
    assert '`complete` {"story": "US-123", "coverage": "coverage.xml"}' in text
    with pytest.raises(UsageError, match="needs a story"):
        render("story-pipeline")


def test_batch_stories_takes_a_list_or_the_next_of_an_epic() -> None:
    listed = render("batch-stories", stories="US-121, us122")
    assert '`batch` {"stories": ["US-121", "us122"]}' in listed
    assert "Work only on the stories in `taken`" in listed
    epic = render("batch-stories", epic="17", count="3", lock_hours="8")
    assert '`batch` {"epics": ["17"], "count": 3, "lock_hours": 8.0}' in epic
    assert "the next 3 of epic 17" in epic
    for bad, message in (
        ({}, "needs stories"),
        ({"stories": "US-1", "epic": "17"}, "needs stories"),
        ({"epic": "17"}, "give count"),
        ({"epic": "17", "count": "three"}, "count: expected a whole number"),
        ({"epic": "17", "count": "0"}, "at least 1"),
    ):
        with pytest.raises(UsageError, match=message):
            render("batch-stories", **bad)


def test_reading_dependencies_renders_the_guide_and_the_calls() -> None:
    text = render("rally-read-deps", epic="17,18")
    assert text.startswith("Read the stories of epic 17, 18 for the dependencies")
    assert guide.PRINCIPLE in text
    assert guide.KINDS in text
    assert guide.NOT_DEPENDENCIES in text
    assert guide.CAUTION in text
    links = '`deps_link` {"pairs": ["BEFORE:AFTER", "..."], "dry_run": true, "epics": ["17", "18"]}'
    assert links in text
    assert '`deps` {"epics": ["17", "18"]}' in text
    real = '`deps_link` {"pairs": ["BEFORE:AFTER", "..."], "epics": ["17", "18"]}.'
    assert text.index("dry_run") < text.index(real)
    dismiss = '`deps_dismiss` {"pairs": ["BEFORE:AFTER", "..."], "why": "not in the stories'
    assert text.index(real) < text.index(dismiss) < text.index('`deps` {"epics"')
    files = '`deps_dismiss` {"files": ["PATH"], "why": "no story changes it", "dry_run": true'
    assert text.index(dismiss) < text.index(files) < text.index('`deps` {"epics"')
    assert "a file the application writes at run time, a script the stories only run" in text
    # declaring conflicts is a person's call (deps --conflict): readers given the prompt
    # declared mostly guesses, so the prompt does not ask for them
    assert "deps_conflict" not in text
    assert "6. Call `deps`" in text
    whole = render("rally-read-deps")
    assert '`deps_link` {"pairs": ["BEFORE:AFTER", "..."], "dry_run": true}.' in whole
    assert "pantheon://stories/{key}" in text
    assert "Read the stories of the backlog" in render("rally-read-deps")
