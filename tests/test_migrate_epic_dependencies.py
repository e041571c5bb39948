"""``pantheon migrate`` of an epics file whose epics state their own dependencies
(``**Dependencies:** Epic 1`` under ``## Epic 2``, or in the ``## Epic List`` summary), against
the Rally emulator as a real HTTP server: the stories that start the epic get the stories that
end each epic named as Predecessors, shown by the dry run, in ``--json``, once (a rerun adds
nothing, a rollback takes them away); a hedged line, an epic in no file given and a loop are
told, never linked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.cache.journal import Journal
from pantheon_git.core.keys import StoryKey
from pantheon_git.rally.client import RallyClient
from tests.support.gitrepo import GitRepo
from tests.support.sync import CLI
from tests.test_migrate_epics import predecessors, story_count

EPICS = """# Shop - Epic Breakdown

## Epic List

### Epic 1: Accounts
**Dependencies:** None (foundation epic)

### Epic 2: Checkout
**Dependencies:** Epic 1 (accounts must exist)

## Epic 1: Accounts

### Story 1.1: User model

As a developer, I want a user table, so that accounts persist.

**Acceptance Criteria:** a users table exists

### Story 1.2: Login form

As a user, I want to sign in, so that I see my orders.

**Acceptance Criteria:** wrong passwords are refused

**Prerequisites:** Story 1.1

### Story 1.3: Password reset

As a user, I want to reset my password, so that I can sign in again.

**Acceptance Criteria:** a reset mail is sent

**Prerequisites:** Story 1.1

## Epic 2: Checkout

### Story 2.1: Cart

As a shopper, I want a cart, so that I can buy several things.

**Acceptance Criteria:** the cart shows what I added

### Story 2.2: Payment

As a shopper, I want to pay, so that my order ships.

**Acceptance Criteria:** card payments work

**Prerequisites:** Story 2.1

### Story 2.3: Wishlist

As a shopper, I want a wishlist, so that I can buy later.

**Acceptance Criteria:** the wishlist keeps items

**Prerequisites:** Story 1.3

## Epic 3: Reports

**Dependencies:** Epic 2 (can be parallelized with Story 2.2)

### Story 3.1: Sales report

As a manager, I want a sales report, so that I see the month.

**Acceptance Criteria:** the report sums the orders

## Epic 4: Admin

**Dependencies:** Epics 1-3, Epic 9 (Billing)

### Story 4.1: Admin users

As an admin, I want to see the users, so that I can help them.

**Acceptance Criteria:** users are listed

### Story 4.2: Admin orders

As an admin, I want to see the orders, so that I can refund them.

**Acceptance Criteria:** orders are listed
"""
HEDGE_LINE = EPICS.splitlines().index("## Epic 3: Reports") + 3
HEDGE = (
    f"line {HEDGE_LINE}: Epic 3's dependencies name Epic 2 but say \"can be parallelized with "
    'Story 2.2", so no order is linked; if Epic 2 must come first, link it in Rally by hand'
)
BILLING = (
    "docs/epics.md (Epic 4): depends on Epic 9, which none of the files given holds; give its "
    "file too, or link it in Rally by hand"
)


@pytest.fixture
def repo(git_repo: GitRepo, rally_in_env: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    (git_repo.path / "docs").mkdir()
    monkeypatch.chdir(git_repo.path)
    return git_repo.path


def run(cli: CLI, *args: str) -> dict[str, Any]:
    code, out, err = cli("migrate", *args, "--json")
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def by_id(doc: dict[str, Any], field: str) -> dict[str, Any]:
    return {s["bmad_id"]: s[field] for s in doc["stories"]}


def linked_by(repo: Path, run_id: str) -> list[Any]:
    return list(Journal.load(repo, run_id).doc["linked"])


def test_an_epics_own_dependencies_link_its_first_stories_once(
    repo: Path, cli: CLI, rally_client: RallyClient
) -> None:
    (repo / "docs" / "epics.md").write_text(EPICS)
    args = ("docs/epics.md", "--bmad-epic", "all", "--epic", "F17")
    count = story_count(rally_client)

    code, out, err = cli("migrate", *args, "--dry-run")
    assert code == 0, err
    # Epic 2's summary line: 2.1 and 2.3 start Epic 2 (2.2 waits on 2.1), 1.2 and 1.3 end Epic 1.
    assert "➕ new story: Cart\n   From: docs/epics.md (Story 2.1)\n" in out
    assert "   Defined · after Story 1.2, Story 1.3\n" in out
    assert f"  - {BILLING}" in out
    assert f"   ⚠ {HEDGE}" in out
    dry = run(cli, *args, "--dry-run")
    assert by_id(dry, "predecessors") == {
        "1.1": [],
        "1.2": ["Story 1.1"],
        "1.3": ["Story 1.1"],
        "2.1": ["Story 1.2", "Story 1.3"],
        "2.2": ["Story 2.1"],  # not a start of Epic 2: it comes after 2.1
        "2.3": ["Story 1.3", "Story 1.2"],  # its own 1.3 first, not twice
        "3.1": [],  # hedged: told, not linked
        # "Epics 1-3": Epic 1 comes before Epic 2 already; Epic 3 ends with 3.1
        "4.1": ["Story 2.2", "Story 2.3", "Story 3.1"],
        "4.2": ["Story 2.2", "Story 2.3", "Story 3.1"],
    }
    assert dry["notes"] == [BILLING]  # once for the epic, not once per story
    assert story_count(rally_client) == count

    first = run(cli, *args)
    keys = by_id(first, "key")
    expected = {
        "2.1": ["1.2", "1.3"],
        "2.2": ["2.1"],
        "2.3": ["1.3", "1.2"],
        "3.1": [],
        "4.1": ["2.2", "2.3", "3.1"],
        "4.2": ["2.2", "2.3", "3.1"],
    }
    reported = by_id(first, "predecessors")
    for story_id, ids in expected.items():
        assert reported[story_id] == [keys[i] for i in ids]
        assert predecessors(rally_client, keys[story_id]) == sorted(keys[i] for i in ids)
    assert first["notes"] == [BILLING]
    assert HEDGE in next(s["warnings"] for s in first["stories"] if s["bmad_id"] == "3.1")
    links = len(linked_by(repo, first["run"]))
    assert links == sum(len(ids) for ids in expected.values()) + 2  # 1.2 and 1.3 on 1.1

    # The same command again creates nothing and links nothing.
    again = run(cli, *args)
    assert set(by_id(again, "action").values()) == {"unchanged"}
    assert by_id(again, "predecessors") == reported
    assert again["run"] is None  # a run that changed nothing leaves no journal
    assert story_count(rally_client) == count + 9

    # Rollback (the latest run that did something: the first) deletes the stories, their
    # links with them (all between stories the run created: none to remove one by one).
    code, out, err = cli("migrate", "rollback", "--json")
    assert code == 0, err
    undone = json.loads(out)
    assert undone["run"] == first["run"]
    assert sorted(str(StoryKey.parse(k)) for k in undone["deleted"]) == sorted(keys.values())
    assert undone["unlinked"] == []
    assert story_count(rally_client) == count
    assert (repo / "docs" / "epics.md").read_text() == EPICS


SHARD_1 = """# Epic 1: Accounts

## Story 1.1: User model

As a developer, I want a user table, so that accounts persist.

**Acceptance Criteria:** a users table exists

## Story 1.2: Login form

As a user, I want to sign in, so that I see my orders.

**Acceptance Criteria:** wrong passwords are refused

**Prerequisites:** Story 1.1
"""
SHARD_2 = """# Epic 2: Checkout

**Goal:** shoppers pay.

**Dependencies:** Epic 1 (accounts must exist)

## Story 2.1: Cart

As a shopper, I want a cart, so that I can buy several things.

**Acceptance Criteria:** the cart shows what I added

## Story 2.2: Payment

As a shopper, I want to pay, so that my order ships.

**Acceptance Criteria:** card payments work

**Prerequisites:** Story 2.1
"""


def test_sharded_the_dependency_line_in_one_file_the_epic_it_names_in_another(
    repo: Path, cli: CLI, rally_client: RallyClient
) -> None:
    shards = repo / "docs" / "prd"
    shards.mkdir(parents=True)
    (shards / "epic-1-accounts.md").write_text(SHARD_1)
    (shards / "epic-2-checkout.md").write_text(SHARD_2)

    early = run(cli, "docs/prd", "--bmad-epic", "2", "--epic", "F18")
    assert by_id(early, "predecessors") == {"2.1": [], "2.2": [by_id(early, "key")["2.1"]]}
    assert early["notes"] == [
        "docs/prd/epic-2-checkout.md (Epic 2): depends on Epic 1, whose Story 1.2 is not "
        "in Rally yet; migrate it, then run this migration again to link it"
    ]
    accounts = by_id(run(cli, "docs/prd", "--bmad-epic", "1", "--epic", "F17"), "key")

    later = run(cli, "docs/prd", "--bmad-epic", "2", "--epic", "F18")
    keys = by_id(later, "key")
    assert later["notes"] == []
    assert by_id(later, "predecessors")["2.1"] == [accounts["1.2"]]
    assert predecessors(rally_client, keys["2.1"]) == [accounts["1.2"]]
    assert predecessors(rally_client, keys["2.2"]) == [keys["2.1"]]
    assert len(linked_by(repo, later["run"])) == 1
    assert run(cli, "docs/prd", "--bmad-epic", "2", "--epic", "F18")["run"] is None  # no link


LOOP = """# Shop

## Epic 1: Accounts

### Story 1.1: User model

As a developer, I want a user table, so that accounts persist.

**Acceptance Criteria:** a users table exists

### Story 1.2: Order history

As a user, I want my orders, so that I can reorder.

**Acceptance Criteria:** the orders are listed

**Prerequisites:** Story 1.1, Story 2.1

## Epic 2: Checkout

**Dependencies:** Epic 1

### Story 2.1: Cart

As a shopper, I want a cart, so that I can buy several things.

**Acceptance Criteria:** the cart shows what I added
"""


def test_an_epic_line_that_would_make_a_loop_with_a_storys_own_is_told_not_linked(
    repo: Path, cli: CLI, rally_client: RallyClient
) -> None:
    (repo / "docs" / "epics.md").write_text(LOOP)
    doc = run(cli, "docs/epics.md", "--bmad-epic", "all", "--epic", "F17")
    keys = by_id(doc, "key")
    assert predecessors(rally_client, keys["1.2"]) == sorted([keys["1.1"], keys["2.1"]])
    assert predecessors(rally_client, keys["2.1"]) == []
    assert doc["notes"] == [
        "docs/epics.md (Epic 2): depends on Epic 1, but Story 2.1 comes before Story 1.2 "
        "already by the prerequisites stated; linking it would make a loop, so it is not linked"
    ]
