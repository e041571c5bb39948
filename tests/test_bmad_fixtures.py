"""The five real BMAD stories (tests/fixtures/bmad, see PROVENANCE.md) parse to known fields."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pantheon_git.bmad import ParsedStory, parse_story_bytes, to_story
from pantheon_git.core.states import COMPLETED, DEFINED

FIXTURES = Path(__file__).parent / "fixtures" / "bmad"

# Git blob SHAs from PROVENANCE.md: the copies must stay byte for byte the originals.
BLOBS = {
    "v4/security-design-assistant/1.1.story.md": "f3b7f9c5b9b6bccf53d65e6203b63ee0afac8a5a",
    "v4/security-design-assistant/4.3.2.story.md": "47f41b6d1c5fe95db463f8305688f607d4e6930f",
    "v4/ferrocodex/1.1.story.md": "e1a57512c29bd052d5cfdc39fbbf019741627d9c",
    "v6/docvet/1-2-create-finding-dataclass.md": "eb94165a15df480859ee22ed2a775c45e6dcc2a5",
    "v6/tally/1-2-rule-registry.md": "dcbca2606e3682e7950155f409651149c52567c0",
}


def load(name: str) -> ParsedStory:
    parsed = parse_story_bytes((FIXTURES / name).read_bytes(), name)
    assert isinstance(parsed, ParsedStory)
    return parsed


@pytest.mark.parametrize("name", sorted(BLOBS))
def test_fixture_is_the_original(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    blob = hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
    assert blob == BLOBS[name]


def test_v4_canonical_security_design_assistant_1_1() -> None:
    story = load("v4/security-design-assistant/1.1.story.md")
    assert (story.story_id, story.title) == ("1.1", "Project Setup and Basic API")
    assert story.dialect == "v4"
    assert story.status is not None
    assert (story.status.raw, story.status.canonical, story.status.source) == (
        "Completed",
        "done",
        "section",
    )
    # Bold "**As a** ... **So that** ..." lines with markdown hard breaks.
    [clause] = story.clauses
    assert clause.role == "developer"
    assert clause.want == "to set up the project structure with a basic REST API"
    assert clause.benefit == "we have a foundation for receiving drawing processing requests"
    assert [c.number for c in story.criteria] == list(range(1, 11))
    # An item runs over its nested bullets.
    assert story.criteria[1].text.splitlines()[0] == "Create initial README.md with:"
    assert "- Basic troubleshooting section" in story.criteria[1].text
    assert len(story.tasks) == 8
    assert len(story.all_tasks()) == 39
    assert all(t.done for t in story.all_tasks())
    assert story.tasks[3].name == "Implement FastAPI application structure"
    assert story.tasks[3].ac_refs == ("4", "6")
    # "(Testing Requirements)" is not an AC reference and stays in the name.
    assert story.tasks[7].name == "Write unit tests (Testing Requirements)"
    assert story.tasks[7].ac_refs == ()
    assert story.dev_notes.startswith("### Testing")
    assert "architecture/source-tree.md" in story.dev_notes
    assert [s.key for s in story.sections][-3:] == ["change log", "dev agent record", "qa results"]
    assert story.notes == ()


def test_v4_edge_security_design_assistant_4_3_2() -> None:
    story = load("v4/security-design-assistant/4.3.2.story.md")
    assert story.story_id == "4.3.2"  # three-part id
    assert story.title == "CI/CD and E2E Test Fixes"
    assert story.status is not None
    assert story.status.raw.startswith("**DONE** ✅ - QA Review Complete")
    assert story.status.canonical == "done"
    assert "FINAL SUCCESS" in story.status.note  # the rest of the section is kept as a note
    assert len(story.criteria) == 5
    assert story.criteria[0].text.startswith("✅ Unit tests run successfully")
    tasks = story.all_tasks()
    assert (len(story.tasks), len(tasks), sum(t.done for t in tasks)) == (5, 30, 25)
    # "✅ COMPLETED" after the AC group is a marker, not part of the name.
    assert story.tasks[1].name == "Task 2: Identify and fix failing E2E tests"
    assert story.tasks[1].ac_refs == ("2",)
    assert story.tasks[4].ac_refs == ("1", "2", "3", "5")
    assert not story.tasks[4].done
    # "# Step 1: ..." lines inside python/bash fences are not headings.
    keys = [s.key for s in story.sections]
    assert "root cause analysis & solution" in keys
    assert "final delivery summary" in keys
    assert all(not s.title.startswith(("Step", "Run all", "Wait")) for s in story.sections)
    assert keys.index("qa results") < keys.index("change log")
    assert [n.message for n in story.notes] == [
        "the status is done but 5 of 30 tasks are unchecked"
    ]


def test_v4_deviant_ferrocodex_1_1() -> None:
    story = load("v4/ferrocodex/1.1.story.md")
    assert (story.story_id, story.title) == ("1.1", "Project Initialization")
    assert story.status is not None
    assert (story.status.raw, story.status.source, story.status.line) == (
        "Completed",
        "metadata",
        8,
    )
    assert story.clauses[0].role == "Project Owner"
    assert story.clauses[0].benefit.startswith("developers have a clean, consistent foundation")
    assert len(story.criteria) == 4
    assert story.criteria[0].text.startswith("**Monorepo Structure Created:**")
    # "### Task N: Title (AC: n) ✅" headings with numbered checkbox subtasks, 5-space details.
    assert len(story.tasks) == 6
    assert [t.ac_refs for t in story.tasks] == [("1",), ("2",), ("3",), ("4",), (), ()]
    assert story.tasks[0].name == "Task 1: Initialize Monorepo Structure"
    assert [len(t.children) for t in story.tasks] == [5, 6, 5, 5, 4, 4]
    assert story.tasks[0].children[0].name.startswith("1.1. Create root package.json")
    assert all(t.done for t in story.all_tasks())
    # Definition of Done checkboxes are not tasks.
    assert not any("Monorepo structure is created" in t.name for t in story.all_tasks())
    # Dev Notes come before Tasks here: order does not matter.
    keys = [s.key for s in story.sections]
    assert keys.index("dev notes") < keys.index("tasks/subtasks")
    assert story.dev_notes.startswith("### Previous Story Insights")


def test_v6_canonical_docvet_1_2() -> None:
    story = load("v6/docvet/1-2-create-finding-dataclass.md")
    assert (story.story_id, story.title) == ("1.2", "Create Finding Dataclass")
    assert story.dialect == "v6"
    assert story.status is not None
    assert (story.status.raw, story.status.source, story.status.line) == ("done", "line", 3)
    [clause] = story.clauses
    assert clause.want == "a shared, immutable `Finding` dataclass in `checks/__init__.py`"
    # Given/When/Then criteria inline in bold, each ending in its own "(AC: #n)".
    assert [c.number for c in story.criteria] == [1, 2, 3, 4, 5]
    assert story.criteria[2].text.startswith("**Given** a `Finding` instance, **when** any")
    assert story.criteria[2].text.endswith("(AC: #3)")
    assert [len(t.children) for t in story.tasks] == [5, 6, 4]
    assert story.tasks[0].ac_refs == ("1", "2", "3", "4", "5")
    assert story.tasks[2].ac_refs == ()
    assert (
        story.tasks[0].children[0].name
        == "1.1: Add module docstring explaining checks package purpose"
    )
    # The template's HTML comment is not metadata and not part of the description.
    assert story.metadata == (("Status", "done"),)
    assert "Validation is optional" not in to_story(story).description
    assert story.notes == ()


def test_v6_deviant_tally_1_2() -> None:
    story = load("v6/tally/1-2-rule-registry.md")
    assert story.title == "Rule Registry — Centralized Rule Management with Semantic Matching"
    assert story.status is not None
    assert (story.status.raw, story.status.canonical) == ("ready-for-dev", "ready-for-dev")
    assert dict(story.metadata)["Epic"] == "Query & Search Enhancements"
    assert dict(story.metadata)["License"] == "Apache-2.0"
    # Three As-a blocks with bold phrases.
    assert [c.role for c in story.clauses] == [
        "developer using tally with multiple AI agents",
        "AI coding agent using tally's MCP interface",
        "project maintainer",
    ]
    # "### AC-N: Title" subheadings with bullet bodies.
    assert [c.number for c in story.criteria] == list(range(1, 13))
    assert story.criteria[0].text.splitlines()[0] == "Rule Data Model"
    assert story.criteria[11].text.startswith("dclaude Integration (cross-repo: `../dclaude`)")
    tasks = story.all_tasks()
    assert (len(story.tasks), len(tasks), sum(t.done for t in tasks)) == (13, 125, 0)
    # "(AC: 12, cross-repo: `../dclaude`)": the note is ignored, the number kept.
    assert story.tasks[-1].name == "Task 12: dclaude integration"
    assert story.tasks[-1].ac_refs == ("12",)
    assert story.tasks[9].name == "Task 9: Tests"
    assert story.tasks[9].ac_refs == tuple(str(n) for n in range(1, 12))  # "(AC: 1-11)"
    assert [s.key for s in story.sections][:2] == ["problem statement", "solution"]
    assert len(story.dev_notes) > 50_000
    assert story.notes == ()


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("v4/security-design-assistant/1.1.story.md", COMPLETED),
        ("v4/security-design-assistant/4.3.2.story.md", COMPLETED),
        ("v4/ferrocodex/1.1.story.md", COMPLETED),
        ("v6/docvet/1-2-create-finding-dataclass.md", COMPLETED),
        ("v6/tally/1-2-rule-registry.md", DEFINED),
    ],
)
def test_story_view(name: str, state: str) -> None:
    parsed = load(name)
    story = to_story(parsed)
    assert story.title == parsed.title
    assert story.state == state
    assert story.acceptance_criteria == tuple(c.text for c in parsed.criteria)
    assert [t.name for t in story.tasks] == [t.name for t in parsed.tasks]
    assert [t.done for t in story.tasks] == [t.done for t in parsed.tasks]
    assert [len(t.children) for t in story.tasks] == [len(t.children) for t in parsed.tasks]
    assert story.description.startswith(parsed.story_text.split("\n")[0])
    assert story.extra["bmad_id"] == parsed.story_id
