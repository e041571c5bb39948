"""Job summary, discussion note and Mermaid graph: content, escaping, limits."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.ci.event import parse_event
from pantheon_git.features.ci.report import (
    CiOutcome,
    Links,
    Notice,
    Overlap,
    md,
    mermaid,
    pr_note,
    summary_markdown,
)
from pantheon_git.features.complete.note import (
    NOTE_LIMIT,
    NoteFacts,
    note_html,
    note_marker,
    note_text_matches,
)
from pantheon_git.features.complete.rules import Decision, Stage, Verdict
from tests.support.ghevents import HEAD_SHA, HOSTILE_BRANCHES, HOSTILE_TITLES, REPO, pr_event

KEY = StoryKey("US", 123)


def decision(**kw: object) -> Decision:
    base: dict[str, object] = {
        "key": KEY,
        "verdict": Verdict.OK,
        "before": "In Progress",
        "after": "Code Review",
        "updates": {"c_CommitSHA": HEAD_SHA},
        "lock_released": "alice@example.com",
    }
    base.update(kw)
    return Decision(**base)  # type: ignore[arg-type]


def outcome(branch: str = "story/US-123-add-login", title: str = "Add login") -> CiOutcome:
    event = parse_event("pull_request", pr_event(branch=branch, title=title))
    return CiOutcome(
        event,
        (decision(key=event.story),),
        coverage=87.5,
        overlaps=(Overlap("story/US-124-x", "US-124", ("src/a.py", "src/b.py")),),
        notices=(Notice("warning", "something to know"),),
        links=Links("https://github.com", REPO, "42"),
        notes={str(event.story): "posted"},
        edges=(("US-120", "US-123"), ("US-123", "US-125"), ("US-1", "US-2")),
        titles={"US-120": "Create user model", "US-123": 'Login "form" <b>'},
    )


def test_summary_has_every_part() -> None:
    text = summary_markdown(outcome())
    assert text.startswith("### Rally · US-123 → Code Review")
    assert "In Progress → **Code Review**" in text
    assert "87.5%" in text
    assert "released (alice@example.com)" in text
    assert f"https://github.com/{REPO}/commit/{HEAD_SHA}" in text
    assert f"https://github.com/{REPO}/actions/runs/42" in text
    assert "[PR \\#2](https://github.com/Codertocat/Hello-World/pull/2)" in text
    assert "<code>story/US-124-x</code>" in text
    assert "```mermaid" in text
    assert "US120 --> US123" in text
    assert "US1 --> US2" not in text  # only the story's neighbourhood
    assert "something to know" in text


@pytest.mark.parametrize("branch", HOSTILE_BRANCHES)
def test_hostile_branch_is_inert_in_markdown(branch: str) -> None:
    text = summary_markdown(outcome(branch=branch))
    assert "`touch" not in text
    assert "<" not in text.replace("<code>", "").replace("</code>", "")  # only our own tags
    assert "\n::" not in text
    table_rows = [ln for ln in text.splitlines() if ln.startswith("| Branch")]
    assert len(table_rows) == 1
    assert table_rows[0].count(" | ") == 1  # no extra cells from `|` in the name


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_title_in_note_is_escaped(title: str) -> None:
    text = note_html(facts(title=title))
    assert "<script>" not in text
    assert html.escape(" ".join(title.split())) in text


def test_md_escapes() -> None:
    assert md("a|b") == "a\\|b"
    assert md("<img src=x>") == "&lt;img src=x&gt;"
    assert md("`x`") == "&#96;x&#96;"
    assert md("a\nb") == "a b"
    assert md("x" * 300).endswith("…")


def facts(**kw: object) -> NoteFacts:
    event = parse_event("pull_request", pr_event(branch="story/US-123-add-login"))
    base = pr_note(
        event, state="Code Review", coverage=87.5, links=Links("https://github.com", REPO, "42")
    )
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def test_note_content_and_marker() -> None:
    text = note_html(facts())
    assert "ready for review" in text
    assert HEAD_SHA[:12] in text
    assert "87.5%" in text
    assert "/actions/runs/42" in text
    assert note_text_matches(text, note_marker(REPO, 2, Stage.REVIEW))
    assert not note_text_matches(text, note_marker(REPO, 2, Stage.MERGED))
    assert not note_text_matches(text, note_marker(REPO, 3, Stage.REVIEW))


def test_marker_survives_rally_reformatting() -> None:
    text = note_html(facts())
    reformatted = text.replace("<p>", '<div class="x">').replace(" · ", " &middot; ")
    assert note_text_matches(reformatted, note_marker(REPO, 2, Stage.REVIEW))


def test_note_stays_under_rallys_limit() -> None:
    huge = note_html(facts(title="<&>" * 5000, branch="b" * 5000))
    assert len(huge) <= NOTE_LIMIT
    assert note_text_matches(huge, note_marker(REPO, 2, Stage.REVIEW))
    long_urls = note_html(
        facts(run_url="https://x/" + "r" * 5000, link_url="https://y/" + "p" * 3000)
    )
    assert len(long_urls) <= NOTE_LIMIT


def test_mermaid_labels_are_sanitised() -> None:
    graph = mermaid(KEY, [("US-120", "US-123")], {"US-120": 'a"]; click x call evil() %%'})
    label_lines = [ln for ln in graph.splitlines() if "[" in ln]
    for line in label_lines:
        inner = re.search(r'\["(.*)"\]', line)
        assert inner is not None
        assert '"' not in inner.group(1)
        assert "]" not in inner.group(1)
    assert mermaid(KEY, [("US-1", "US-2")]) == ""


def test_skipped_and_push_tables() -> None:
    event = parse_event("pull_request", pr_event(branch="feature/x", title="no key"))
    text = summary_markdown(CiOutcome(event, skipped="No story key: nothing sent to Rally."))
    assert "No story key" in text
    assert "none found" in text
    stale = decision(verdict=Verdict.STALE, after="In Progress", updates={}, lock_released=None)
    ev = parse_event("pull_request", pr_event(branch="story/US-123-x"))
    assert "older news" in summary_markdown(CiOutcome(ev, (stale,)))
