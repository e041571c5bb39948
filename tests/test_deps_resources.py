"""Records a story makes by serving their collection, and the stories that use them by key
column, nested path, words, initials or acronym. The sentences are from the stock backlog (a
warehouse-inventory back end; see tests/fixtures/deps/bmad/PROVENANCE.md)."""

from __future__ import annotations

import pytest

from pantheon_git.core.story import Story
from pantheon_git.features.deps import Analysis, analyse
from pantheon_git.features.deps.endpoints import Endpoint, endpoint_roles
from pantheon_git.features.deps.resources import parents, resource_of
from pantheon_git.features.deps.tokens import tokenise_text
from tests.support.deps import story


def linked(analysis: Analysis) -> dict[tuple[str, str], str]:
    return {(str(e.source), str(e.target)): e.confidence for e in analysis.edges}


def test_a_line_of_methods_before_one_path_is_each_of_them_served() -> None:
    made, used = endpoint_roles(
        tokenise_text("Warehouse configuration\nAPI: GET/POST/PUT/DELETE /api/settings/warehouses"),
        tasks_from=1,
    )
    assert set(made) == {
        Endpoint(m, "/api/settings/warehouses") for m in ("GET", "POST", "PUT", "DELETE")
    }
    assert used == {}


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/settings/warehouses", "warehouse"),
        ("/api/planning/purchase-orders", "purchase_order"),
        ("/api/planning/purchase-orders/{}/lines", "purchase_order_line"),
        ("/api/warehouse/license-plates/merge", None),  # an operation
        ("/api/warehouse/license-plates/{}", None),
        ("/health", None),
    ],
)
def test_the_record_type_a_collection_holds(path: str, name: str | None) -> None:
    assert resource_of(path) == name


def test_a_nested_collection_hangs_under_its_parent() -> None:
    assert parents("/api/planning/purchase-orders/{}/lines") == ["purchase_order"]


def stock() -> list[Story]:
    return [
        story(
            "US-1",
            "Warehouse configuration",
            "As an admin I want to define warehouses.",
            tasks=["API: GET/POST/PUT/DELETE /api/settings/warehouses"],
        ),
        story(
            "US-2",
            "Purchase order CRUD",
            acceptance_criteria=('"Add PO" opens a modal with supplier_id and warehouse_id',),
            tasks=["API: GET/POST/PUT/DELETE /api/planning/purchase-orders"],
        ),
        story(
            "US-3",
            "PO line management",
            acceptance_criteria=("Given a PO is created, adding a line opens a modal",),
            tasks=["API: POST/PUT/DELETE /api/planning/purchase-orders/:id/lines"],
        ),
        story(
            "US-4",
            "Goods receipt",
            "As a warehouse user I want to receive goods.",
            acceptance_criteria=("Receiving updates po_line.received_qty",),
        ),
        story("US-5", "Pallets", tasks=["API: GET/POST /api/warehouse/pallets"]),
        story(
            "US-6",
            "Pallet status",
            acceptance_criteria=("Given a pallet exists, its status is open",),
        ),
    ]


def test_a_story_serving_a_collection_makes_the_records_later_stories_use() -> None:
    a = linked(analyse(stock()))
    assert a[("US-1", "US-2")] == "medium"  # warehouse_id
    assert a[("US-2", "US-3")] == "medium"  # the PO, and its lines hang under purchase orders
    assert a[("US-3", "US-4")] == "medium"  # po_line.received_qty
    assert a[("US-5", "US-6")] == "medium"  # "Given a pallet exists"
    # "As a warehouse user": a one-word type in prose says too little
    assert ("US-1", "US-4") not in a


def test_a_record_named_before_the_story_that_serves_it_is_a_forward_mention() -> None:
    a = analyse(
        [
            story("US-1", "Transfers", acceptance_criteria=("Each TO keeps its warehouse_id",)),
            story("US-2", "Warehouses", tasks=["API: GET/POST /api/settings/warehouses"]),
        ]
    )
    assert linked(a) == {}


def test_a_table_a_story_creates_in_words_is_left_to_the_table_rules() -> None:
    a = analyse(
        [
            story("US-1", "Warehouses table", "Create the warehouses table."),
            story("US-2", "Warehouse API", tasks=["API: GET/POST /api/settings/warehouses"]),
            story("US-3", "Locations", "Each location has a warehouse_id."),
        ]
    )
    edges = {(str(e.source), str(e.target)): e.kind for e in a.edges}
    assert edges.get(("US-1", "US-3")) == "data"
    assert ("US-2", "US-3") not in edges


def test_an_acronym_that_spells_a_stop_word_still_qualifies_a_title() -> None:
    # "TO line management" is a transfer order's lines, not the purchase order's
    a = analyse(
        [
            story("US-1", "PO line management", "Lines of a purchase order."),
            story("US-2", "TO line management", "Lines of a transfer order."),
        ]
    )
    assert linked(a) == {}


def test_endpoints_a_client_story_builds_its_client_for_are_calls() -> None:
    # autofill: the extension's client lists the backend endpoints its methods call
    made, used = endpoint_roles(
        tokenise_text(
            "Backend client\n"
            "Then `extension/lib/api-client.js` implements `BackendAPIClient(baseURL)` with "
            "`checkConnection()` (GET /api/status) and `analyzeForm(fields)` "
            "(POST /api/analyze-form)"
        ),
        tasks_from=2,
    )
    assert made == {}
    assert set(used) == {Endpoint("GET", "/api/status"), Endpoint("POST", "/api/analyze-form")}


def test_an_endpoint_a_story_implements_outright_is_still_built() -> None:
    made, _used = endpoint_roles(
        tokenise_text("Status\nImplement GET /api/status for the client"), tasks_from=2
    )
    assert set(made) == {Endpoint("GET", "/api/status")}
