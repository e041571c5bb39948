"""Tables a schema story writes as their columns, files changed before the story that creates
them, and products named like web domains. The sentences are from the naming backlog (a
business-naming web product; see tests/fixtures/deps/bmad/PROVENANCE.md)."""

from __future__ import annotations

from pantheon_git.features.deps import Analysis, analyse
from pantheon_git.features.deps.rules import is_library_name
from pantheon_git.features.deps.tables import defined_tables
from pantheon_git.features.deps.tokens import tokenise_text
from tests.support.deps import story


def edges(analysis: Analysis) -> dict[tuple[str, str], str]:
    return {(str(e.source), str(e.target)): e.kind for e in analysis.edges}


def test_a_name_followed_by_its_columns_is_a_table() -> None:
    found = defined_tables(
        tokenise_text(
            "`user_profiles` (id, user_id FK, segment, created_at) and `naming_sessions` "
            "(id, user_id FK, criteria JSONB, created_at)\n"
            "A call to `generate(id, name)` returns a name\n"
            "The session keeps (id, name) pairs"
        )
    )
    assert set(found) == {"user_profile", "naming_session"}


def test_the_first_story_to_write_a_table_as_its_columns_makes_it() -> None:
    a = analyse(
        [
            story(
                "US-1",
                "Database schema and migrations",
                acceptance_criteria=(
                    "`risk_checks` (id, name_id FK, status, factors JSONB, checked_at)",
                ),
            ),
            story(
                "US-2",
                "Trademark check",
                tasks=["Store each result in the `risk_checks` table"],
            ),
            story(
                "US-3",
                "Risk details",
                tasks=["Read the factors from `risk_checks` (id, name_id, factors)"],
            ),
        ]
    )
    found = edges(a)
    assert found[("US-1", "US-2")] == "data"
    assert found[("US-1", "US-3")] == "data"
    assert ("US-3", "US-2") not in found
    assert ("US-2", "US-3") not in found


def test_a_file_changed_before_the_story_that_creates_it_links_neither_way() -> None:
    a = analyse(
        [
            story(
                "US-1",
                "Project structure",
                acceptance_criteria=(
                    "Given the project exists, `server/actions/` holds `orders.ts` and `naming.ts`",
                ),
            ),
            story(
                "US-2",
                "Checkout",
                tasks=["Server action `createCheckout()` in `server/actions/orders.ts`"],
            ),
            story(
                "US-3",
                "Order history",
                tasks=["Server action `getOrderHistory()` in `server/actions/orders.ts`"],
            ),
        ]
    )
    assert ("US-3", "US-2") not in edges(a)


def test_a_product_named_like_a_web_domain_is_not_a_file() -> None:
    assert is_library_name("Polar.sh")
    assert is_library_name("Signa.so")
    assert is_library_name("Alpine.js")
    assert not is_library_name("deploy.sh")
    assert not is_library_name("scripts/Build.sh")
