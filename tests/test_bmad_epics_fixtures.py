"""The real BMAD epics files (tests/fixtures/bmad-epics, see PROVENANCE.md) are the originals,
and each set's map.yaml ties every story of the labelled backlog to one story of its source."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

FIXTURES = Path(__file__).parent / "fixtures"
EPICS = FIXTURES / "bmad-epics"
BACKLOGS = FIXTURES / "deps" / "bmad"

# Git blob SHAs of the files at the commits PROVENANCE.md names: the copies stay byte for byte.
BLOBS = {
    "autofill/epics.md": "496b60c8758ff93a9347deff65af63cb5ca56292",
    "braille/epics.md": "d937cd9d0cf1eed9df9ed1a3762d861cb5be2044",
    "budget/epics.md": "cf7c2ba83a018888bd8f9b619543c03ba23c4eda",
    "choir/epics.md": "1c8a6efc95a3525538a9438d292ebb7cdc8ceafc",
    "dex/epics.md": "b7db347328a67113e2c7ae1d842351a841e806e8",
    "docmind/epics.md": "d841cfe3e5c8d260b6a3e4d04af7c595f50bf0ca",
    "docvet/epics.md": "c2ed1457b862cbfff932b4cf468bc6ac7f21cc03",
    "flare/epics.md": "e938e4b073ef9e4f5804b9872ac524eaa4e97717",
    "fleet/epics.md": "9690bd3df9f2506445404d8ed026e243ae8b95d7",
    "inbox/epics.md": "5415d9955a4ed32bd6bd004871b5697eb654425d",
    "jukebox/epics.md": "89829315397e037878ca418db98260272040894d",
    "ledger/epics.md": "908b28b2b8356af067dc339d67291e4395459f8c",
    "lending/epics.md": "2454c07d637db6b34265c2c21b232a8cd5c53ed4",
    "meeting/epic-1-foundation-project-setup.md": "ce2f768416ca871b961def8621c6fa9b021ae32c",
    "meeting/epic-2-basic-meeting-experience.md": "2daa2e863d4cb28093b771bd405265d2d286e9bc",
    "mermaid/epics.md": "48caf6fbbd527aa998cbecde7426dad281930f27",
    "minigames/epics.md": "4d32c016feb1e44ab93ae0d71c2a7e5a528cee87",
    "posture/epics.md": "65ae73b18f2805e3d868dde520fcf2a8e9a1ad5d",
    "press/epics.md": "11679be9030ebd58fff6737182f147929704f05b",
    "rego/epics.md": "cc8893f9fae3353ecaeb0ab5d589c5310ba800ff",
    "robot/epic-01-foundation.md": "514ad5d842d9329bcd8df75780b2c3153ca24d09",
    "robot/epic-03-complete-head-assembly.md": "57df805c42b253bb96552e4b92f58538eaafcc55",
    "rumble/epic-1-foundation.md": "f211c8a66ebeb76ca237effd9f0029a14130e3af",
    "rumble/epic-2-core-combat.md": "0bd2f74e7be60618e19a21150cf1f1428a7599b7",
    "rumble/epic-3-weapon-systems.md": "e7f6a8dabd2f5209c8c3a6cc365b8165ffff31b3",
    "rumble/epic-4-netcode.md": "1035ab54b27758a9815f2a50ec862b55ee34f2d8",
    "sandbox/epic-5-authentication-foundation.md": "0c500eb658d8fca5610afb3a98823f46b73286b7",
    "sandbox/epic-6-catalogue-integration-sandbox-requests.md": (
        "183684d414d42df51a73f3e0d66fbe8ce1dd1362"
    ),
    "sandbox/epic-7-try-sessions-dashboard.md": "b9550d57c06ce259e01add2343c84f21c53c5ef1",
    "sandbox/epic-9-aup-modal-dynamic-lease-details.md": (
        "88b1a4047201046564eadce6cffa0fdbb3626331"
    ),
    "stock/epics.md": "bf3ba24cb76c07207b903eb6862bde4f3c77676f",
    "sudoku/epics.md": "2cb43295de9697b28fa8eeacbdc42472d0515443",
    "swarm/epics.md": "fc2d359213b801daa215d56da7698b03c23ab7db",
    "vdash/epics-phase2.md": "d0933cbec78d16a8776f72f4ad0b417575bf9965",
    "warebot/epics.md": "fb2a2940c190da6f267d563f04389f42dd9795ee",
}
SETS = sorted({name.split("/")[0] for name in BLOBS})

# "### Story 2.6.1: Title", "## Story 5.1: Title", "### Story 4A.1a: Title", and budget's
# "###  Story 1.1: Title" (two spaces)
HEADING = re.compile(r"^#{2,3} +Story ([0-9]+[A-Z]?(?:\.[0-9]+[A-Za-z]?)+): (.+?)\s*$", re.M)
BOLD = re.compile(r"^\*\*Story ([0-9]+(?:\.[0-9]+)+): ([^*]+?)\*\*", re.M)
"""A story written as a bold line (flare's source has no Story heading)."""


def source_headings(name: str) -> dict[str, list[str]]:
    """Every `Story N.M` heading of the set's source files, id to the titles it is given."""
    found: dict[str, list[str]] = {}
    for path in sorted((EPICS / name).glob("*.md")):
        text = path.read_text(encoding="utf-8")
        for story_id, title in HEADING.findall(text) or BOLD.findall(text):
            found.setdefault(story_id, []).append(title)
    return found


def backlog_keys(name: str) -> list[str]:
    doc: dict[str, Any] = yaml.safe_load((BACKLOGS / f"{name}.yaml").read_text(encoding="utf-8"))
    return [story["key"] for epic in doc["epics"] for story in epic["stories"]]


def load_map(name: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = yaml.safe_load(
        (EPICS / name / "map.yaml").read_text(encoding="utf-8")
    )
    return rows


def test_every_set_directory_is_listed() -> None:
    assert sorted(p.name for p in EPICS.iterdir() if p.is_dir()) == SETS
    for name in SETS:
        on_disk = {f"{name}/{p.name}" for p in (EPICS / name).glob("*.md")}
        assert on_disk == {key for key in BLOBS if key.startswith(f"{name}/")}


@pytest.mark.parametrize("name", sorted(BLOBS))
def test_source_file_is_the_original(name: str) -> None:
    data = (EPICS / name).read_bytes()
    blob = hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
    assert blob == BLOBS[name]


@pytest.mark.parametrize("name", SETS)
def test_map_names_every_key_once_in_the_sets_order(name: str) -> None:
    assert [row["key"] for row in load_map(name)] == backlog_keys(name)


@pytest.mark.parametrize("name", SETS)
def test_map_sources_are_story_headings_of_the_source(name: str) -> None:
    headings = source_headings(name)
    rows = load_map(name)
    sources = [row["source"] for row in rows]
    assert len(set(sources)) == len(sources)
    for row in rows:
        assert headings.get(row["source"]) == [row["title"]], row
