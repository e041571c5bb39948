"""The three outputs: the seed-style report, the Mermaid diagram and the JSON document."""

from __future__ import annotations

import json
import re

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story
from pantheon_git.features.deps import analyse
from pantheon_git.features.deps.document import document
from pantheon_git.features.deps.mermaid import label, node_id, render_mermaid
from pantheon_git.features.deps.report import render_text
from tests.support.deps import story

HOSTILE = [
    'Fix "quotes" & <b>tags</b>',
    "[brackets] (parens) {braces} |pipes|",
    "#hash; `tick` end --> X[boom]",
    "graph TD\nsubgraph end",
    "Ünïcödé — naïve café ✓ " + "long " * 30,
]

NODE = r'[A-Za-z][A-Za-z0-9_]*(?:\["[^"\n]*"\])?'
LINE_RES = [
    re.compile(rf"^    {NODE}$"),
    re.compile(rf"^    {NODE} (?:-->|==>|-\.->|-\.-) {NODE}$"),
    re.compile(r"^    classDef cycle [^\n]+$"),
    re.compile(r"^    class [A-Za-z][A-Za-z0-9_]*(?:,[A-Za-z][A-Za-z0-9_]*)* cycle$"),
    re.compile(r"^$"),
]


def assert_valid_mermaid(text: str) -> None:
    lines = text.split("\n")
    assert lines[0] == "graph TD"
    declared: dict[str, str] = {}
    used: set[str] = set()
    for line in lines[1:]:
        assert any(r.match(line) for r in LINE_RES), f"not a flowchart line: {line!r}"
        for ident, lab in re.findall(r'([A-Za-z][A-Za-z0-9_]*)\["([^"\n]*)"\]', line):
            assert ident not in declared, f"{ident} declared twice"
            declared[ident] = lab
            # Inside a label only entity codes may use # and nothing may open HTML or markdown.
            assert not re.search(r"[<>`]", lab), lab
            assert re.fullmatch(r"(?:[^#]|#(?:\d+|[a-z]+);)*", lab), lab
        body = re.sub(r'\["[^"\n]*"\]', "", line)
        if "-->" in body or "-.-" in body or "==>" in body:
            used.update(re.findall(r"[A-Za-z][A-Za-z0-9_]*", body.strip()))
    assert used <= set(declared), used - set(declared)


def hostile_stories() -> list[Story]:
    stories = [story(f"US-{i}", title) for i, title in enumerate(HOSTILE, 1)]
    stories[1] = story("US-2", HOSTILE[1], predecessors=["US-1"])
    stories[2] = story("US-3", HOSTILE[2], predecessors=["US-2"], tasks=["Edit src/a.py"])
    stories[3] = story("US-4", HOSTILE[3], tasks=["Edit src/a.py"])
    return stories


def test_mermaid_ids_are_sanitised_and_labels_quoted_for_hostile_titles() -> None:
    stories = hostile_stories()
    text = render_mermaid(analyse(stories), stories)
    assert_valid_mermaid(text)
    assert 'US1["US-1: Fix #quot;quotes#quot; #amp; #lt;b#gt;tags#lt;/b#gt;"] ==> US2[' in text
    assert "#35;hash; #96;tick#96; end --#gt; X[boom]" in text
    assert "    US3 -.- US4" in text
    assert "US-4: graph TD subgraph end" in text  # newline flattened inside the quotes
    assert "…" in text  # the long title is shortened


def test_mermaid_node_ids() -> None:
    assert node_id(StoryKey.parse("us-120")) == "US120"
    assert label('a "b"') == '"a #quot;b#quot;"'
    assert label("x\ty\x00z") == '"x y z"'


def test_mermaid_cycles_are_marked_and_still_valid() -> None:
    stories = [story("US-1", "A", predecessors=["US-2"]), story("US-2", "B", predecessors=["US-1"])]
    text = render_mermaid(analyse(stories), stories)
    assert_valid_mermaid(text)
    assert "    class US1,US2 cycle" in text


def test_json_document_has_the_issue_shape() -> None:
    stories = [
        story("US-1", "Create user model", epic="F17", epic_title="User Authentication"),
        story("US-2", "Add profile page", "Reads the user model.", epic="F17", tasks=["a", "b"]),
        story("US-3", "Client", "Edit src/c.py", epic="F18"),
        story("US-4", "Limits", "Edit src/c.py", epic="F18"),
    ]
    doc = json.loads(json.dumps(document(analyse(stories), stories)))
    assert set(doc) >= {"stories", "edges", "conflicts", "waves", "independent", "cycles"}
    first = doc["stories"][0]
    assert {k: first[k] for k in ("key", "title", "epic", "independence", "wave")} == {
        "key": "US-1",
        "title": "Create user model",
        "epic": "F17",
        "independence": 0.667,
        "wave": 1,
    }
    assert doc["stories"][1]["tasks"] == 2
    assert doc["stories"][2]["files"] == ["src/c.py"]
    (edge,) = doc["edges"]
    assert {k: edge[k] for k in ("from", "to", "kind")} == {
        "from": "US-1",
        "to": "US-2",
        "kind": "functional",
    }
    assert isinstance(edge["evidence"], str)
    assert "\n" not in edge["evidence"]
    (conflict,) = doc["conflicts"]
    assert {k: conflict[k] for k in ("a", "b", "kind")} == {
        "a": "US-3",
        "b": "US-4",
        "kind": "file",
    }
    assert conflict["files"] == ["src/c.py"]
    assert doc["waves"] == [["US-1"], ["US-2"]]
    assert doc["independent"] == ["US-3", "US-4"]
    assert doc["cycles"] == []


def test_json_cycles_name_stories_edges_and_blocked_stories() -> None:
    stories = [
        story("US-1", "A", predecessors=["US-2"]),
        story("US-2", "B", predecessors=["US-1"]),
        story("US-3", "C", predecessors=["US-2"]),
    ]
    doc = document(analyse(stories), stories)
    (cycle,) = doc["cycles"]
    assert cycle["stories"] == ["US-1", "US-2"]
    assert cycle["blocks"] == ["US-3"]
    assert {(e["from"], e["to"]) for e in cycle["edges"]} == {("US-1", "US-2"), ("US-2", "US-1")}
    assert [s["wave"] for s in doc["stories"]] == [None, None, None]


def test_text_report_shows_conflicts_cycles_and_evidence() -> None:
    stories = [
        story("US-1", "A", predecessors=["US-2"], tasks=["Edit src/x.py"]),
        story("US-2", "B", predecessors=["US-1"]),
        story("US-3", "C", tasks=["Edit src/x.py"]),
    ]
    text = render_text(analyse(stories), stories, evidence=True)
    assert "  - US-1 (A) ↔ US-3 (C): file src/x.py" in text
    assert "US-1 → US-2 → US-1" in text or "US-2 → US-1 → US-2" in text
    assert "explicit: Rally: US-2 is a predecessor of US-1" in text
    assert "No story can be scheduled" not in text  # US-3 is independent
    assert text.endswith("Next: Run `pantheon plan` to assign to developers")
