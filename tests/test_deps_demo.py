"""The demo backlog: the seed's Epic 17 comes out exactly as the seed shows it, and Epic 18's
conflict, functional edge and cross-epic data edge are found."""

from __future__ import annotations

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story
from pantheon_git.features.deps import analyse
from pantheon_git.features.deps.mermaid import render_mermaid
from pantheon_git.features.deps.report import render_text
from pantheon_git.rally import records
from pantheon_git.rally.emulator.backlog import load_backlog
from pantheon_git.rally.mapping import story_from_rally
from tests.support.deps import demo_stories, html_to_text, list_items, story

SEED_EPIC_17 = """\
Dependency Analysis Complete
━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
Epic 17: User Authentication (10 stories)

Dependency Graph:
  US-120 (Create user model)
    ├─▶ US-121 (Add login endpoint)
    ├─▶ US-122 (Add registration endpoint)
    └─▶ US-123 (Add profile page)

  US-121 (Add login endpoint)
    └─▶ US-124 (Implement login form)

  US-122 (Add registration endpoint)
    └─▶ US-125 (Implement signup form)

  US-126 (Add OAuth integration) ← INDEPENDENT
  US-127 (Add MFA support) ← INDEPENDENT
  US-128 (Add password reset) ← INDEPENDENT
  US-129 (Add email verification) ← INDEPENDENT

Parallelization Opportunities:
━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
Wave 1 (Foundation - MUST GO FIRST):
  - US-120 (Create user model)

Wave 2 (Depends on Wave 1):
  - US-121 (Add login endpoint)
  - US-122 (Add registration endpoint)
  - US-123 (Add profile page)

Wave 3 (Depends on Wave 2):
  - US-124 (Implement login form)
  - US-125 (Implement signup form)

Independent (Can run anytime):
  - US-126 (Add OAuth integration)
  - US-127 (Add MFA support)
  - US-128 (Add password reset)
  - US-129 (Add email verification)

Saved to: .bmad/rally-cache/epic-17-dependencies.json

Next: Run `pantheon plan` to assign to developers"""

SEED_EDGES = {
    ("US-120", "US-121"),
    ("US-120", "US-122"),
    ("US-120", "US-123"),
    ("US-121", "US-124"),
    ("US-122", "US-125"),
}


def pairs(analysis: object) -> set[tuple[str, str]]:
    return {(str(e.source), str(e.target)) for e in analysis.edges}  # type: ignore[attr-defined]


def test_epic_17_is_the_seed_graph() -> None:
    stories = demo_stories(["F17"])
    assert [str(s.key) for s in stories] == [f"US-{n}" for n in range(120, 130)]
    a = analyse(stories)
    assert pairs(a) == SEED_EDGES
    assert a.conflicts == ()
    assert a.cycles == ()
    assert [[str(k) for k in w] for w in a.waves] == [
        ["US-120"],
        ["US-121", "US-122", "US-123"],
        ["US-124", "US-125"],
    ]
    assert [str(k) for k in a.independent] == ["US-126", "US-127", "US-128", "US-129"]
    for key in a.independent:
        assert a.stories[key].independence == 1.0


def test_epic_17_report_is_the_seed_report() -> None:
    stories = demo_stories(["F17"])
    text = render_text(
        analyse(stories), stories, saved_to=".bmad/rally-cache/epic-17-dependencies.json"
    )
    assert text == SEED_EPIC_17


def test_epic_17_mermaid_has_the_seed_edges_and_independent_nodes() -> None:
    stories = demo_stories(["F17"])
    lines = render_mermaid(analyse(stories), stories).split("\n")
    # The seed's edges; those found only from a mention in words are dashed (low confidence).
    assert lines[:6] == [
        "graph TD",
        '    US120["US-120: Create user model"] -.-> US121["US-121: Add login endpoint"]',
        '    US120 -.-> US122["US-122: Add registration endpoint"]',
        '    US120 -.-> US123["US-123: Add profile page"]',
        '    US121 --> US124["US-124: Implement login form"]',
        '    US122 --> US125["US-125: Implement signup form"]',
    ]
    assert lines[6] == ""
    assert lines[7:] == [
        f'    US{n}["US-{n}: {t}"]'
        for n, t in [
            (126, "Add OAuth integration"),
            (127, "Add MFA support"),
            (128, "Add password reset"),
            (129, "Add email verification"),
        ]
    ]


def test_epic_17_edges_come_from_the_texts_with_evidence() -> None:
    a = analyse(demo_stories(["F17"]))
    kinds = {(str(e.source), str(e.target)): e.kind for e in a.edges}
    assert kinds[("US-120", "US-121")] == "functional"
    assert kinds[("US-121", "US-124")] == "api"
    assert kinds[("US-122", "US-125")] == "api"
    for edge in a.edges:
        assert str(edge.target) in edge.evidence
        assert str(edge.source) in edge.evidence


def test_epic_18_conflict_functional_edge_and_cross_epic_data_edge() -> None:
    a = analyse(demo_stories())
    kinds = {(str(e.source), str(e.target)): e.kind for e in a.edges}
    assert kinds[("US-200", "US-201")] == "functional"
    assert kinds[("US-120", "US-203")] == "data"
    assert pairs(a) == SEED_EDGES | {("US-200", "US-201"), ("US-120", "US-203")}
    (conflict,) = a.conflicts
    assert (str(conflict.a), str(conflict.b), conflict.kind) == ("US-200", "US-202", "file")
    assert conflict.paths == ("src/integrations/client.py",)
    assert a.stories[StoryKey.parse("US-202")].independence < 1.0


def test_html_helper() -> None:
    assert html_to_text("<p>A &amp; B</p><p>C&nbsp;<code>x</code></p>") == "A & B\n\nC\xa0x"
    assert list_items("<ol><li>one</li><li>two &lt;3</li></ol>") == ("one", "two <3")


def rally_backlog_stories(epics: set[str]) -> list[Story]:
    """The demo backlog as Rally would return it, read through the sync's own mapping."""
    stories = []
    for epic in load_backlog()["epics"]:
        if epic["formatted_id"] not in epics:
            continue
        parent = records.epic(
            {
                "_ref": f"/portfolioitem/feature/{epic['formatted_id'][1:]}",
                "FormattedID": epic["formatted_id"],
                "Name": epic["name"],
            }
        )
        for n, doc in enumerate(epic["stories"], start=1):
            raw = {
                "ObjectID": n,
                "FormattedID": doc["formatted_id"],
                "Name": doc["name"],
                "Description": doc.get("description", ""),
                "c_AcceptanceCriteria": doc.get("acceptance_criteria", ""),
                "PlanEstimate": doc.get("plan_estimate"),
                "ScheduleState": "Defined",
            }
            tasks = [
                records.task({"ObjectID": i, "FormattedID": f"TA{i}", "Name": name})
                for i, name in enumerate(doc.get("tasks", ()), 1)
            ]
            stories.append(story_from_rally(records.story(raw), tasks=tasks, epic=parent))
    return stories


def test_epic_17_through_the_real_rally_mapping() -> None:
    stories = rally_backlog_stories({"F17"})
    assert stories[0].description.startswith("Create the user model")
    a = analyse(stories)
    assert pairs(a) == SEED_EDGES
    assert [str(k) for k in a.independent] == ["US-126", "US-127", "US-128", "US-129"]
    assert a.conflicts == ()


def test_markdown_escapes_from_the_sync_do_not_hide_names() -> None:
    a = analyse(
        [
            story("US-1", "Users", r"Migration creates the \_users table in src/\_\_init\_\_.py."),
            story("US-2", "Sessions", r"Each row has \_users\_id. Edit src/\_\_init\_\_.py."),
        ]
    )
    assert {(str(e.source), str(e.target), e.kind) for e in a.edges} == {("US-1", "US-2", "data")}
    assert [c.paths for c in a.conflicts] == [("src/__init__.py",)]
