"""The backlog as a reader reads it (``deps/reader.py``) and the reading guide (``deps/guide.py``):
the stories in backlog order with what they say, the dependencies already known, and a budget
a large backlog stays within."""

from __future__ import annotations

import re
from pathlib import Path

from pantheon_git.core.story import Task
from pantheon_git.features.deps import analyse, guide
from pantheon_git.features.deps.reader import (
    LIMIT,
    STORIES_MAX,
    STORY_CHARS,
    backlog_text,
    story_block,
)
from tests.support.deps import demo_stories, story

READERS = Path(__file__).parent / "fixtures" / "deps" / "bmad" / "READERS.md"
"""The guide the labelled backlogs' second readers followed."""
URIS = {"story_uri": "pantheon://stories/{key}", "graph_uri": "pantheon://dependencies"}


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_principle_and_the_kinds_are_the_readers_guides_own_words() -> None:
    readers = flat(READERS.read_text(encoding="utf-8"))
    assert flat(guide.PRINCIPLE) in readers
    assert flat(guide.KINDS) in readers


def test_the_guide_says_what_is_not_a_dependency_and_which_way_a_link_goes() -> None:
    text = flat(guide.reading_guide())
    assert flat(guide.PRINCIPLE) in text
    assert flat(guide.KINDS) in text
    assert "a shared domain word" in text
    assert "names another's subject only to say it does not touch it" in text
    assert "Leave conflicts out: the analysis finds them itself." in text
    # readers asked to declare conflicts the analysis misses declared mostly guesses
    assert "deps_conflict" not in text
    assert "a wrong predecessor blocks a story" in text
    assert "a missed one lets two developers build on each other's unfinished work" in text
    assert "leave it out when only shared domain words link the two stories" in text
    assert (
        "Label the direction the text needs: a reference to something a later story builds is "
        "still from the creator to the user." in text
    )


def test_the_demo_backlog_with_what_is_known() -> None:
    stories = demo_stories()
    stories[5] = stories[5].with_(predecessors=(stories[4].key,))  # US-124 before US-125
    text = backlog_text(stories, analyse(stories), **URIS)
    assert text.startswith("# The stories (18, in backlog order)\n")
    heads = re.findall(r"^## (US-\d+)", text, re.MULTILINE)
    assert heads == [str(s.key) for s in stories]
    assert "Not shown here" not in text
    assert (
        "## US-121: Add login endpoint (epic F17: User Authentication)\n"
        "Add the login endpoint POST /api/auth/login. It looks the person up through the user "
        "model and checks the password hash.\n"
        "Acceptance criteria:\n"
        "- POST /api/auth/login returns a session token for valid credentials\n"
        "- Wrong credentials return 401 without saying which part was wrong\n"
        "Tasks:\n"
        "- Implement POST /api/auth/login in src/api/auth/login.py\n"
    ) in text
    known = text.split("# Dependencies already known ")[1]
    assert known.startswith("(8; BEFORE:AFTER, AFTER waits)")
    rally, inferred = known.split("Found by the analysis, not in Rally yet (kind, confidence):")
    assert "- US-124:US-125" in rally
    assert "- US-121:US-124 api, high" in inferred
    assert "- US-120:US-121 functional, low" in inferred


def test_the_backlog_order_is_rallys_rank_when_every_story_has_one() -> None:
    stories = [
        story("US-1", "Orders table", rank="c"),
        story("US-2", "Invoice page", rank="a"),
        story("US-3", "Email digest", rank="b"),
    ]
    text = backlog_text(stories, analyse(stories), **URIS)
    assert re.findall(r"^## (US-\d+)", text, re.MULTILINE) == ["US-2", "US-3", "US-1"]
    assert "None yet." in text


def test_a_large_backlog_stays_within_the_budget_and_says_how_to_read_the_rest() -> None:
    words = "The checkout flow keeps the basket, the address and the payment choice. " * 20
    stories = [
        story(
            f"US-{n}",
            f"Story number {n}",
            words,
            tasks=[f"Task {t} of story {n}" for t in range(8)],
            acceptance_criteria=("It works", "It is tested"),
            predecessors=[f"US-{n - 1}"] if n > 1 else [],
        )
        for n in range(1, 1201)
    ]
    stories[0] = stories[0].with_(description="A very long story. " * 1000)
    text = backlog_text(stories, analyse(stories), **URIS)
    assert len(text) <= LIMIT
    heads = re.findall(r"^## (US-\d+)", text, re.MULTILINE)
    assert 10 < len(heads) <= STORIES_MAX
    assert heads == [f"US-{n}" for n in range(1, len(heads) + 1)]  # the first ones, in order
    assert text.startswith(f"# The stories (1200, in backlog order; the first {len(heads)} here)")
    first = text.split("## US-2:")[0]
    assert len(first) < STORY_CHARS + 200
    assert "… (cut here: read pantheon://stories/US-1 for the rest)" in first
    rest = text.split("Not shown here")[1]
    assert f"{1200 - len(heads)} more stories, in backlog order: US-{len(heads) + 1}, " in rest
    assert "Read each at pantheon://stories/{key} before you link it." in rest
    assert re.search(r"and \d+ more\. Read each", rest)
    assert "Rally's predecessors (explicit):\n- US-1:US-2\n" in text
    assert re.search(r"\n\d+ more: read pantheon://dependencies \(edges and hints\)\.", text)


def test_subtasks_are_read_too() -> None:
    parent = Task("Build the form", children=(Task("Call POST /api/orders"),))
    block = story_block(story("US-9", "Order form").with_(tasks=(parent,)), "x")
    assert block.endswith("Tasks:\n- Build the form\n- Call POST /api/orders\n")


def test_with_deps_inferred_off_the_texts_edges_are_still_listed_as_found_not_as_guesses() -> None:
    stories = demo_stories()
    on = backlog_text(stories, analyse(stories), **URIS)
    off = backlog_text(stories, analyse(stories, inferred=False), **URIS)
    assert off == on  # the same edges, in the same sections: the reader judges them all


def test_the_conflicts_found_and_declared_are_listed_with_their_files() -> None:
    from pantheon_git.core.keys import StoryKey
    from pantheon_git.features.deps import Declared

    stories = [
        story("US-1", "Login form", tasks=["Build src/auth/form.ts"]),
        story("US-2", "Remember me", tasks=["Add a checkbox to src/auth/form.ts"]),
        story("US-3", "Compose db", "PostgreSQL configured in Docker Compose."),
        story("US-4", "Compose cache", "Redis configured in Docker Compose."),
    ]
    none = backlog_text(stories[2:], analyse(stories[2:]), **URIS)
    assert none.endswith(
        "# Conflicts already known (0; A:B must not run at the same time, "
        "neither waits)\n\nNone yet.\n"
    )
    declared = Declared(StoryKey.parse("US-3"), StoryKey.parse("US-4"), None, "declared by a")
    text = backlog_text(stories, analyse(stories, declared=[declared]), **URIS)
    part = text.split("# Conflicts already known (2;")[1]
    assert "\n- US-1:US-2 file: src/auth/form.ts\n" in part
    assert "\n- US-3:US-4 file: a file (declared)\n" in part
