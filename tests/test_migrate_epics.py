"""``pantheon migrate`` of BMAD epics files, against the Rally emulator as a real HTTP server:
one BMAD epic per run under its own Rally epic, Prerequisites as Predecessors (within a run,
across runs, whole epics), the Rally lines in the file, reruns, dry runs and rollback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.bmad.epics import parse_epics
from pantheon_git.rally.client import RallyClient
from pantheon_git.rally.query import eq
from pantheon_git.rally.records import STORY
from tests.support.gitrepo import GitRepo
from tests.support.sync import CLI

EXCERPTS = Path(__file__).parent / "fixtures" / "epics-excerpts"
EPICS = """---
stepsCompleted: [1, 2, 3]
---
# Shop - Epic Breakdown

## Epic List

### Epic 1: Accounts
Users sign in.

### Epic 2: Checkout
Users pay.

## Epic 1: Accounts

### Story 1.1: User model

As a developer,
I want a user table,
So that accounts persist.

**Acceptance Criteria:**

**Given** the database is empty
**When** the migration runs
**Then** a users table exists

**Prerequisites:** None

---

### Story 1.2: Login form

As a user,
I want to sign in,
So that I see my orders.

**Acceptance Criteria:**

1. The form has email and password
2. Wrong passwords are refused

**Technical Notes:**
- Use the session cookie

**Prerequisites:** Story 1.1 - User model

## Epic 2: Checkout

### Story 2.1: Cart

As a shopper, I want a cart, so that I can buy several things.

**Acceptance Criteria:**

**Given** an item **When** I add it **Then** the cart shows it

**Prerequisites:** Story 1.2 - Login form

### Story 2.2: Payment

As a shopper, I want to pay, so that my order ships.

**Acceptance Criteria:**

1. Card payments work

**Prerequisites:** Epic 1 - Accounts complete, Story 2.1
"""


@pytest.fixture
def repo(git_repo: GitRepo, rally_in_env: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    docs = git_repo.path / "docs"
    docs.mkdir()
    # CRLF line ends: every byte but the inserted lines must stay as it was.
    (docs / "epics.md").write_bytes(EPICS.replace("\n", "\r\n").encode())
    (docs / "stories").mkdir()
    monkeypatch.chdir(git_repo.path)
    return git_repo.path


@pytest.fixture
def client(rally_client: RallyClient) -> RallyClient:
    return rally_client


def story_count(client: RallyClient) -> int:
    return len(client.wire.query(STORY, fetch=("ObjectID",)))


def predecessors(client: RallyClient, key: str) -> list[str]:
    item = client.wire.find_story(key, fetch=("ObjectID",))
    found = client.wire.collection(item["_ref"], "Predecessors", fetch=("FormattedID",))
    return sorted(f"US-{p['FormattedID'][2:]}" for p in found)


def epic_of(client: RallyClient, key: str) -> str:
    item = client.wire.find_story(key, fetch=("PortfolioItem",))
    epics = client.wire.query("PortfolioItem/Feature", fetch=("ObjectID", "FormattedID"))
    ref = item["PortfolioItem"]["_ref"]
    return next(e["FormattedID"] for e in epics if ref.endswith(f"/{e['ObjectID']}"))


def without_rally_lines(data: bytes) -> bytes:
    """The file as it was before the runs: each inserted blank line + Rally line removed."""
    lines = data.split(b"\r\n")
    out: list[bytes] = []
    for line in lines:
        if line.startswith(b"Rally: US"):
            assert out[-1] == b""
            out.pop()
            continue
        out.append(line)
    return b"\r\n".join(out)


def migrate(cli: CLI, *args: str) -> dict[str, Any]:
    code, out, err = cli("migrate", "docs/epics.md", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_two_runs_two_rally_epics_with_predecessors_rerun_and_rollback(
    repo: Path, cli: CLI, client: RallyClient
) -> None:
    path = repo / "docs" / "epics.md"
    original = path.read_bytes()
    count = story_count(client)

    first = migrate(cli, "--bmad-epic", "1", "--epic", "F17")
    assert [(s["bmad_id"], s["action"], s["path"]) for s in first["stories"]] == [
        ("1.1", "created", "docs/epics.md"),
        ("1.2", "created", "docs/epics.md"),
    ]
    keys = {s["bmad_id"]: s["key"] for s in first["stories"]}
    assert first["stories"][1]["predecessors"] == [keys["1.1"]]
    assert predecessors(client, keys["1.2"]) == [keys["1.1"]]
    assert {epic_of(client, k) for k in keys.values()} == {"F17"}
    login = client.wire.find_story(keys["1.2"], fetch=True)
    assert login["Name"] == "Login form"
    assert "Wrong passwords are refused" in login["c_AcceptanceCriteria"]
    assert "session cookie" in login["Description"]
    assert login["ScheduleState"] == "Defined"
    after_first = path.read_bytes()
    assert without_rally_lines(after_first) == original
    parsed = parse_epics(after_first.decode(), "docs/epics.md")
    assert parsed is not None
    assert {s.story.story_id: str(s.story.rally.key) for s in parsed.stories if s.story.rally} == (
        keys
    )
    [journal] = (repo / ".bmad" / "migrations").glob("*.json")
    assert list(json.loads(journal.read_text())["files"]) == ["docs/epics.md"]

    second = migrate(cli, "--bmad-epic", "2", "--epic", "F18")
    assert [(s["bmad_id"], s["action"]) for s in second["stories"]] == [
        ("2.1", "created"),
        ("2.2", "created"),
    ]
    keys |= {s["bmad_id"]: s["key"] for s in second["stories"]}
    assert {epic_of(client, keys[i]) for i in ("2.1", "2.2")} == {"F18"}
    # Story 1.2 was migrated by the first run: found by its Rally line.
    assert predecessors(client, keys["2.1"]) == [keys["1.2"]]
    # "Epic 1 - Accounts complete, Story 2.1": the story that ends epic 1 (1.2, which waits on
    # 1.1), and 2.1.
    assert predecessors(client, keys["2.2"]) == sorted([keys["1.2"], keys["2.1"]])
    assert second["notes"] == []
    after_second = path.read_bytes()
    assert without_rally_lines(after_second) == original
    assert after_second.count(b"\r\nRally: US") == 4
    assert story_count(client) == count + 4

    # The same command again creates nothing and writes nothing.
    again = migrate(cli, "--bmad-epic", "2", "--epic", "F18")
    assert {s["action"] for s in again["stories"]} == {"unchanged"}
    assert story_count(client) == count + 4
    assert path.read_bytes() == after_second

    # It leaves no run to undo: rollback, newest run first, puts the file back byte for byte.
    assert again["run"] is None
    code, _, err = cli("migrate", "rollback", second["run"])
    assert code == 0, err
    assert path.read_bytes() == after_first
    assert story_count(client) == count + 2
    code, _, err = cli("migrate", "rollback", first["run"])
    assert code == 0, err
    assert path.read_bytes() == original
    assert story_count(client) == count


def test_an_epic_migrated_before_its_prerequisites_is_told_to_run_again(
    repo: Path, cli: CLI, client: RallyClient
) -> None:
    second = migrate(cli, "--bmad-epic", "2", "--epic", "F18")
    keys = {s["bmad_id"]: s["key"] for s in second["stories"]}
    assert predecessors(client, keys["2.2"]) == [keys["2.1"]]
    # "Epic 1" (which 1.2 ends) and "Story 1.2" name a story that is not in Rally yet: said,
    # with what to do.
    assert second["notes"]
    assert all(
        "depends on Story 1.2, which is not in Rally yet; migrate it, then run this "
        "migration again to link it" in note
        for note in second["notes"]
    )
    first = migrate(cli, "--bmad-epic", "1", "--epic", "F17")
    keys |= {s["bmad_id"]: s["key"] for s in first["stories"]}
    again = migrate(cli, "--bmad-epic", "2", "--epic", "F18")
    assert again["notes"] == []
    assert predecessors(client, keys["2.1"]) == [keys["1.2"]]
    assert predecessors(client, keys["2.2"]) == sorted([keys["1.2"], keys["2.1"]])


def test_dry_run_writes_nothing(repo: Path, cli: CLI, client: RallyClient) -> None:
    before = (repo / "docs" / "epics.md").read_bytes()
    count = story_count(client)
    code, out, err = cli(
        "migrate", "docs/epics.md", "--bmad-epic", "1", "--epic", "17", "--dry-run"
    )
    assert code == 0, err
    assert "Would migrate 2 stories to Rally Epic F17: User Authentication" in out
    assert "➕ new story: Login form\n   From: docs/epics.md (Story 1.2)" in out
    # the next step is the same command, paths and BMAD epic included
    assert "Run `pantheon migrate docs/epics.md --bmad-epic 1 --epic F17` to do it." in out
    # ... options included: the command it names does what the preview showed
    code, out, err = cli(
        "migrate", "docs/epics.md", "--bmad-epic", "1", "--epic", "17", "--no-archive", "--dry-run"
    )
    assert code == 0, err
    assert "Run `pantheon migrate docs/epics.md --bmad-epic 1 --no-archive --epic F17`" in out
    assert (repo / "docs" / "epics.md").read_bytes() == before
    assert story_count(client) == count
    assert not (repo / ".bmad").exists()


def test_several_bmad_epics_need_bmad_epic(repo: Path, cli: CLI, client: RallyClient) -> None:
    count = story_count(client)
    code, out, err = cli("migrate", "docs/epics.md", "--epic", "F17")
    assert code == 2
    assert out == ""
    first = err.splitlines()[0]
    assert first == (
        "error: docs/epics.md holds 2 BMAD epics (1: Accounts, 2: Checkout); "
        "choose one with --bmad-epic N"
    )
    assert "One run per BMAD epic, each under its own Rally epic" in err
    assert "--bmad-epic 1 --epic F17" in err
    # the hint is the same command, its project included (else it would go to another)
    code, _, err = cli("migrate", "docs/epics.md", "--epic", "F17", "--project", "Mobile Team")
    assert code == 2
    assert (
        "`pantheon migrate docs/epics.md --bmad-epic 1 --project 'Mobile Team' --epic F17`" in err
    )
    code, _, err = cli("migrate", "docs/epics.md", "--bmad-epic", "7", "--epic", "F17")
    assert code == 2
    assert "no BMAD epic 7 in docs/epics.md; it holds 1: Accounts, 2: Checkout" in err
    code, _, err = cli("migrate", "docs/epics.md", "--bmad-epic", " ", "--epic", "F17")
    assert code == 2
    assert err.splitlines()[0] == "error: --bmad-epic is empty"
    (repo / "docs" / "stories" / "1.1.story.md").write_text(
        "# Story 1.1: A\n\n## Story\nAs a x, I want y, so that z.\n"
    )
    code, _, err = cli("migrate", "docs/stories", "--bmad-epic", "1", "--epic", "F17")
    assert code == 2
    assert "--bmad-epic needs an epics file" in err
    assert story_count(client) == count
    assert not (repo / ".bmad").exists()


def test_a_malformed_epics_file_is_reported_with_file_and_line(
    repo: Path, cli: CLI, client: RallyClient
) -> None:
    path = repo / "docs" / "epics.md"
    path.write_text(EPICS.replace("### Story 2.2: Payment", "### Story 2.1: Payment"))
    count = story_count(client)
    code, out, err = cli("migrate", "docs/epics.md", "--epic", "F17", "--json")
    assert code == 2, err
    doc = json.loads(out)
    assert doc["stories"] == []
    [error] = doc["errors"]
    line = EPICS.splitlines().index("### Story 2.2: Payment") + 1
    first = EPICS.splitlines().index("### Story 2.1: Cart") + 1
    assert error["message"] == (
        f"docs/epics.md:{line}: a second Story 2.1 (the first is at line {first})"
    )
    assert story_count(client) == count
    assert "Traceback" not in err


def test_a_real_epics_file_excerpt(repo: Path, cli: CLI, client: RallyClient) -> None:
    path = repo / "docs" / "epics.md"
    shutil.copyfile(EXCERPTS / "deskpulse-epics.md", path)
    original = path.read_bytes()
    doc = migrate(cli, "--bmad-epic", "1", "--epic", "F17")
    assert [(s["bmad_id"], s["title"]) for s in doc["stories"]] == [
        ("1.2", "Database Schema Initialization with WAL Mode"),
        ("1.3", "Configuration Management System"),
    ]
    # Story 1.1 is not in the excerpt: said, not guessed.
    assert any("depends on Story 1.1" in note for note in doc["notes"])
    item = client.wire.find_story(doc["stories"][0]["key"], fetch=True)
    assert "CREATE TABLE posture_event" in item["c_AcceptanceCriteria"]
    assert epic_of(client, doc["stories"][0]["key"]) == "F17"
    lines = path.read_bytes().split(b"\n")
    heading = lines.index(b"### Story 1.2: Database Schema Initialization with WAL Mode")
    assert lines[heading + 1 : heading + 3] == [
        b"",
        f"Rally: {doc['stories'][0]['key'].replace('-', '')} {doc['stories'][0]['url']}".encode(),
    ]
    code, _, err = cli("migrate", "rollback")
    assert code == 0, err
    assert path.read_bytes() == original
    assert client.wire.query(STORY, eq("Name", "Configuration Management System")) == []


SHARD_1 = """# Epic 1: Accounts

## Stories

## Story 1.1: User model

As a developer, I want a user table, so that accounts persist.

**Acceptance Criteria:**

1. A users table exists

## Story 1.2: Login form

As a user, I want to sign in, so that I see my orders.

**Acceptance Criteria:**

1. Wrong passwords are refused

**Prerequisites:** Story 1.1
"""
SHARD_2 = """# Epic 2: Checkout

## Story 2.1: Cart

As a shopper, I want a cart, so that I can buy several things.

**Acceptance Criteria:**

1. The cart shows what I added

**Prerequisites:** Epic 1 complete
"""


def test_sharded_epic_files_link_a_whole_epic_of_another_file(
    repo: Path, cli: CLI, client: RallyClient
) -> None:
    shards = repo / "docs" / "prd"
    shards.mkdir()
    (shards / "epic-1-accounts.md").write_text(SHARD_1)
    (shards / "epic-2-checkout.md").write_text(SHARD_2)
    code, _, err = cli("migrate", "docs/prd", "--epic", "F17")
    assert code == 2
    # the hint repeats the folder as given: both files, so "Epic 1" resolves across them
    assert "`pantheon migrate docs/prd --bmad-epic 1 --epic F17`" in err
    code, out, err = cli("migrate", "docs/prd", "--bmad-epic", "1", "--epic", "F17", "--json")
    assert code == 0, err
    first = json.loads(out)
    keys = {s["bmad_id"]: s["key"] for s in first["stories"]}
    assert list(keys) == ["1.1", "1.2"]
    assert predecessors(client, keys["1.2"]) == [keys["1.1"]]
    code, out, err = cli("migrate", "docs/prd", "--bmad-epic", "2", "--epic", "F18", "--json")
    assert code == 0, err
    [cart] = json.loads(out)["stories"]
    assert cart["path"] == "docs/prd/epic-2-checkout.md"
    # "Epic 1 complete", from another file: the story that ends epic 1 there (1.2 waits on 1.1)
    assert predecessors(client, cart["key"]) == [keys["1.2"]]
    assert b"Rally: US" in (shards / "epic-1-accounts.md").read_bytes()
    assert b"Rally: US" in (shards / "epic-2-checkout.md").read_bytes()


ORDERS = """# Shop - Epic Breakdown

## Epic 1: Orders

### Story 1.1: Order history page

As a shopper, I want my past orders, so that I can reorder.

**Acceptance Criteria:**

1. The page lists rows of the orders table, newest first

### Story 1.2: Orders schema

As a developer, I want the orders schema, so that orders are kept.

**Acceptance Criteria:**

1. Create the orders table (id, customer_id, total)

**Prerequisites:** Story 1.1
"""


def test_migrated_prerequisites_are_the_order_sync_and_deps_plan_on(
    repo: Path, cli: CLI, client: RallyClient
) -> None:
    # The team put the page first; the texts alone would have the schema first.
    (repo / "docs" / "orders.md").write_text(ORDERS)
    keys = {s["bmad_id"]: s["key"] for s in migrate_file(cli, "docs/orders.md", "--epic", "F17")}
    code, _, err = cli("sync")
    assert code == 0, err
    code, out, err = cli("deps", "--epic", "F17", "--json")
    assert code == 0, err
    doc = json.loads(out)
    edges = {(e["from"], e["to"]): e["confidence"] for e in doc["edges"]}
    assert edges[(keys["1.1"], keys["1.2"])] == "explicit"
    assert (keys["1.2"], keys["1.1"]) not in edges
    assert [(e["from"], e["to"]) for e in doc["overruled"]] == [(keys["1.2"], keys["1.1"])]
    assert doc["cycles"] == []
    code, out, err = cli("deps", "--epic", "F17", "--review", "--min-confidence", "hint", "--json")
    assert code == 0, err
    proposed = {(p["from"], p["to"]) for p in json.loads(out)["proposed"]}
    assert (keys["1.2"], keys["1.1"]) not in proposed


def migrate_file(cli: CLI, path: str, *args: str) -> list[dict[str, Any]]:
    code, out, err = cli("migrate", path, *args, "--json")
    assert code == 0, err
    return list(json.loads(out)["stories"])


RUN_AND_DOCS = """# Shop - Epic Breakdown

## Epic 1: Accounts

### Story 1.1: User model

As a developer, I want a user table, so that accounts persist.

**Acceptance Criteria:**

1. A users table exists

### Story 1.2: Login form

As a user, I want to sign in, so that I see my orders.

**Acceptance Criteria:**

1. The form checks the password

**Prerequisites:** Story 1.1

### Story 1.3: End-to-end run

As a team, we want the whole epic run once, so that we know it works together.

**Acceptance Criteria:**

1. Sign-up and sign-in pass on a fresh database

**Prerequisites:** All Epic 1 stories complete

### Story 1.4: Release notes

As a user, I want release notes, so that I know what changed.

**Acceptance Criteria:**

1. The notes list what the run checked

**Prerequisites:** Story 1.3
"""


def test_a_story_that_waits_on_all_of_its_own_epic_waits_on_what_comes_before_it(
    repo: Path, cli: CLI, client: RallyClient
) -> None:
    # epic 1 ends with 1.4, which waits on 1.3: taking "All Epic 1 stories" as the epic's end
    # would make 1.3 and 1.4 wait on each other
    (repo / "docs" / "epics.md").write_text(RUN_AND_DOCS)
    code, out, err = cli("migrate", "docs/epics.md", "--epic", "F17", "--json")
    assert code == 0, err
    keys = {s["bmad_id"]: s["key"] for s in json.loads(out)["stories"]}
    assert predecessors(client, keys["1.3"]) == [keys["1.2"]]
    assert predecessors(client, keys["1.4"]) == [keys["1.3"]]


BOLD = """# Tracker - Epic Breakdown

## Epic 9: Flare Creation

### Story Breakdown

**Story 9.1: Body Map Placement Page (Foundation)**

As a user logging a new flare,
I want to mark the body location on a placement page,
So that I can capture where it is.

**Acceptance Criteria:**

**Given** I am on the dashboard
**When** I tap the "Flare" button
**Then** the system navigates to `/flares/place`

**Prerequisites:** None (foundational story)

---

**Story 9.2: Flare Details Page** _(IN REVIEW)_

As a user,
I want to describe the flare,
So that I can track it.

**Acceptance Criteria:**

**Given** I placed a marker
**Then** the details page opens

**Prerequisites:** Story 9.1 (placement page provides marker data)
"""


def test_an_epics_file_of_bold_story_lines(repo: Path, cli: CLI, client: RallyClient) -> None:
    # symptom-tracker's docs/epics.md writes "**Story 9.1: Title**" lines, not headings
    # (tests/fixtures/bmad-epics/flare); such a file migrates like any other
    path = repo / "docs" / "epics.md"
    path.write_bytes(BOLD.replace("\n", "\r\n").encode())
    original = path.read_bytes()
    count = story_count(client)
    run = migrate(cli, "--bmad-epic", "9", "--epic", "F17")
    keys = {s["bmad_id"]: s["key"] for s in run["stories"]}
    assert list(keys) == ["9.1", "9.2"]
    assert predecessors(client, keys["9.2"]) == [keys["9.1"]]
    details = client.wire.find_story(keys["9.2"], fetch=True)
    assert details["Name"] == "Flare Details Page"
    assert "the details page opens" in details["c_AcceptanceCriteria"]
    after = path.read_bytes()
    assert without_rally_lines(after) == original
    assert b"**Story 9.2: Flare Details Page** _(IN REVIEW)_\r\n\r\nRally: US" in after
    again = migrate(cli, "--bmad-epic", "9", "--epic", "F17")
    assert {s["action"] for s in again["stories"]} == {"unchanged"}
    assert story_count(client) == count + 2
    code, _, err = cli("migrate", "rollback", run["run"])
    assert code == 0, err
    assert path.read_bytes() == original
