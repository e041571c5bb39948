"""Builder: the same story files whatever order Rally's pages come in."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.cache.index import IndexEntry
from pantheon_git.cache.swap import Staging
from pantheon_git.features.sync.run_build import Builder
from pantheon_git.rally import records
from pantheon_git.rally.mapping import MapSettings

REF = "https://rally1.rallydev.com/slm/webservice/v2.0"
EPIC = {"_ref": f"{REF}/portfolioitem/feature/900", "FormattedID": "F9", "Name": "Billing"}


def story(n: int, tasks: int, **fields: Any) -> dict[str, Any]:
    return {
        "_ref": f"{REF}/hierarchicalrequirement/{n}",
        "ObjectID": n,
        "FormattedID": f"US{n}",
        "Name": f"Story {n}",
        "VersionId": "3",
        "LastUpdateDate": f"2026-11-0{n % 9 + 1}T10:00:00.000Z",
        "Description": f"<p>Pay <b>invoice</b> {n}</p>",
        "ScheduleState": "Defined",
        "PortfolioItem": EPIC,
        "Tasks": {"_ref": f"{REF}/hierarchicalrequirement/{n}/Tasks", "Count": tasks},
        "Successors": {"_ref": f"{REF}/hierarchicalrequirement/{n}/Successors", "Count": 1},
        "Summary": {"Successors": {"Count": 1, "FormattedID": {f"US{n + 1}": 1}}},
        **fields,
    }


def task(n: int, story_oid: int, index: int) -> dict[str, Any]:
    return {
        "ObjectID": n,
        "FormattedID": f"TA{n}",
        "Name": f"Task {n}",
        "State": "Completed" if index else "Defined",
        "TaskIndex": index,
        "VersionId": "1",
        "Description": "<p>Acceptance criteria: 1</p>" if index else None,
        "WorkProduct": {
            "_ref": f"{REF}/hierarchicalrequirement/{story_oid}",
            "ObjectID": story_oid,
        },
    }


STORIES = [
    story(1, 2),
    story(2, 1, c_LockedBy="ann@x.io", c_LockedAt="not a date"),  # lock left out, noted
    story(3, 0),
    story(4, 1, FormattedID="not a key"),  # skipped, noted
]
TASKS = [task(11, 1, 1), task(12, 1, 0), task(21, 2, 0), task(41, 4, 0)]
PAGES = [
    ("stories", STORIES[:2]),
    ("stories", STORIES[2:]),
    ("tasks", TASKS[:2]),
    ("tasks", TASKS[2:]),
]


Files = dict[str, Any]


def build(
    root: Path, pages: list[tuple[str, list[dict[str, Any]]]], **kw: Any
) -> tuple[Builder, Files]:
    """Feed the pages in this order; the builder and the story files it wrote."""
    with Staging(root / "cache") as stage:
        mapping = MapSettings()
        builder = Builder(stage, kw.pop("index", {}), mapping, **kw)
        decode = {"stories": mapping.decoder, "tasks": records.task}
        for kind, items in pages:
            getattr(builder, kind)([decode[kind](i) for i in items])
        builder.finish({})
        stage.flush()
        files = {rel: json.loads((stage.dir / rel).read_text()) for rel in builder.written_paths}
    return builder, files


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_page_order_does_not_change_the_files(tmp_path: Path, order: tuple[int, ...]) -> None:
    reference, expected = build(tmp_path / "ref", PAGES)
    got, files = build(tmp_path / "got", [PAGES[i] for i in order])
    assert files == expected
    assert sorted(got.new) == ["US-1", "US-2", "US-3"]
    assert sorted(got.notes) == sorted(reference.notes)
    assert len(got.notes) == 2, got.notes
    doc = files["stories/epic-9/US-1.json"]
    assert [t["name"] for t in doc["bmad"]["tasks"]] == ["Task 12", "Task 11"]
    assert doc["bmad"]["tasks"][1]["ac_refs"] == ["1"]
    assert doc["bmad"]["successors"] == ["US-2"]
    assert files["stories/epic-9/US-2.json"]["bmad"]["lock"] is None


def test_unchanged_stories_are_left_alone_in_any_order(tmp_path: Path) -> None:
    first, _ = build(tmp_path / "a", PAGES)
    index: dict[Any, IndexEntry] = dict(first.index)
    again, _ = build(tmp_path / "b", list(reversed(PAGES)), index=index)
    assert again.written_paths == set()
    assert again.unchanged == 3
    newer = [{**STORIES[0], "VersionId": "4", "Name": "Renamed"}, *STORIES[1:]]
    pages = [("stories", newer), ("tasks", TASKS)]
    third, files = build(tmp_path / "c", pages, index=dict(first.index))
    assert third.updated == ["US-1"]
    assert files["stories/epic-9/US-1.json"]["bmad"]["title"] == "Renamed"
