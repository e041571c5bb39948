"""Inferred edges Rally's own order already implies: ``US-1 -> US-3`` where Rally's
predecessors run ``US-1 -> US-2 -> US-3`` adds nothing to the order a plan works on, so
``--review`` lists it apart with the chain and ``--accept-all`` does not write it.

The pure side (the chains) needs nothing; the end-to-end test runs the real CLI against the
Rally emulator as a real HTTP server, with a backlog created through the client: stories
created with ``HierarchicalRequirement/create``, predecessors added as rally-node adds
collection members (``{"CollectionItems": [...]}`` posted to the collection's ``add``
endpoint; research notes, rally-wsapi.md §10; ``RallyClient.collection_add``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps import analyse
from pantheon_git.features.deps.implied import Implied, rally_chains, split
from pantheon_git.features.deps.review import (
    choose,
    parse_pairs,
    proposals,
    render_written,
    review,
)
from pantheon_git.features.deps.run_accept import IMPLIED, Written, chosen
from pantheon_git.features.mcp import run as mcp_run
from pantheon_git.features.mcp.summary import summarize
from pantheon_git.rally import records
from pantheon_git.rally.client import RallyClient
from tests.support.deps import story
from tests.support.gitrepo import GitRepo
from tests.support.locks import client_for
from tests.support.sync import CLI, point_at
from tests.test_deps_accept import predecessors


def k(*names: str) -> tuple[StoryKey, ...]:
    return tuple(StoryKey.parse(n) for n in names)


def pair(a: str, b: str) -> tuple[StoryKey, StoryKey]:
    return StoryKey.parse(a), StoryKey.parse(b)


KNOWN = frozenset(k(*(f"US-{n}" for n in range(1, 10))))


# --- the chains --------------------------------------------------------------------------------


def test_an_edge_implied_through_three_hops_gets_its_whole_chain() -> None:
    rally = [pair("US-1", "US-2"), pair("US-2", "US-3"), pair("US-3", "US-4")]
    chains = rally_chains(rally, [pair("US-1", "US-4"), pair("US-2", "US-4")], KNOWN)
    assert chains == {
        pair("US-1", "US-4"): k("US-1", "US-2", "US-3", "US-4"),
        pair("US-2", "US-4"): k("US-2", "US-3", "US-4"),
    }


def test_the_shortest_chain_is_given_and_ties_go_to_the_smallest_keys() -> None:
    rally = [
        pair("US-1", "US-5"), pair("US-5", "US-6"), pair("US-6", "US-9"),  # 3 hops
        pair("US-1", "US-3"), pair("US-3", "US-9"),  # 2 hops
        pair("US-1", "US-2"), pair("US-2", "US-9"),  # 2 hops, smaller keys
    ]  # fmt: skip
    assert rally_chains(rally, [pair("US-1", "US-9")], KNOWN) == {
        pair("US-1", "US-9"): k("US-1", "US-2", "US-9")
    }


def test_pairs_rally_does_not_order_that_way_are_not_implied() -> None:
    rally = [pair("US-1", "US-2"), pair("US-2", "US-3")]
    proposed = [pair("US-3", "US-1"), pair("US-1", "US-4"), pair("US-4", "US-3")]
    assert rally_chains(rally, proposed, KNOWN) == {}
    assert rally_chains([], [pair("US-1", "US-3")], KNOWN) == {}


def test_a_cycle_in_rallys_predecessors_is_walked_once() -> None:
    # US-1 -> US-2 -> US-3 -> US-1 wait on each other; US-3 -> US-4 leaves the loop
    rally = [pair("US-1", "US-2"), pair("US-2", "US-3"), pair("US-3", "US-1"), pair("US-3", "US-4")]
    proposed = [
        pair("US-2", "US-4"),
        pair("US-1", "US-3"),
        pair("US-3", "US-2"),
        pair("US-4", "US-1"),
    ]
    assert rally_chains(rally, proposed, KNOWN) == {
        pair("US-2", "US-4"): k("US-2", "US-3", "US-4"),
        pair("US-1", "US-3"): k("US-1", "US-2", "US-3"),
        pair("US-3", "US-2"): k("US-3", "US-1", "US-2"),
    }


def test_only_predecessors_between_the_analysed_stories_count() -> None:
    # US-1 -> US-20 -> US-3 in Rally, but US-20 is in an epic the analysis did not read
    rally = [pair("US-1", "US-20"), pair("US-20", "US-3")]
    assert rally_chains(rally, [pair("US-1", "US-3")], KNOWN) == {}
    assert rally_chains(rally, [pair("US-1", "US-3")], {*KNOWN, *k("US-20")}) == {
        pair("US-1", "US-3"): k("US-1", "US-20", "US-3")
    }


def test_through_the_analysis_a_chain_outside_the_analysed_stories_leaves_a_proposal() -> None:
    stories = [
        story("US-1", "Orders API", "Implement POST /api/orders.", successors=["US-20"]),
        story("US-3", "Admin", "The admin page calls POST /api/orders.", predecessors=["US-20"]),
    ]
    a = analyse(stories)
    left, implied = split(a, proposals(a))
    assert [(e.source, e.target) for e in left] == [pair("US-1", "US-3")]
    assert implied == []


@st.composite
def graphs(draw: Any) -> tuple[list[tuple[StoryKey, StoryKey]], list[tuple[StoryKey, StoryKey]]]:
    nodes = st.integers(1, 8).map(lambda n: StoryKey("US", n))
    edges = st.lists(st.tuples(nodes, nodes).filter(lambda p: p[0] != p[1]), max_size=16)
    return draw(edges), draw(edges)


@given(graphs())
def test_chains_are_rallys_shortest_paths(
    drawn: tuple[list[tuple[StoryKey, StoryKey]], list[tuple[StoryKey, StoryKey]]],
) -> None:
    rally, proposed = drawn
    graph = nx.DiGraph(rally)
    chains = rally_chains(rally, proposed, KNOWN)
    for a, b in proposed:
        ordered = a in graph and b in graph and nx.has_path(graph, a, b)
        assert ((a, b) in chains) == ordered
        if ordered:
            chain = chains[(a, b)]
            assert (chain[0], chain[-1]) == (a, b)
            assert all(graph.has_edge(u, v) for u, v in pairwise(chain))
            assert len(chain) - 1 == nx.shortest_path_length(graph, a, b)


# --- review and accept, pure --------------------------------------------------------------------

STORIES = [
    story("US-1", "Orders API", "Implement POST /api/orders."),
    story("US-2", "Order form", "The form submits to POST /api/orders.", predecessors=["US-1"]),
    story("US-3", "Admin list", "The admin page calls POST /api/orders.", predecessors=["US-2"]),
    story("US-4", "Reports", "The report page calls POST /api/orders."),
]


def test_the_review_lists_implied_edges_apart_and_counts_only_what_is_left() -> None:
    a = analyse(STORIES)
    found = review(a, STORIES, None)
    assert [(e.source, e.target) for e in found.found] == [pair("US-1", "US-4")]
    assert found.implied == [Implied(found.implied[0].edge, k("US-1", "US-2", "US-3"))]
    text = found.render(evidence=True)
    assert text.startswith("Inferred dependencies Rally does not have (1):")
    group = text.index("Already ordered by Rally (nothing to write):")
    assert text.index("  US-1:US-4  US-1 (Orders API)") < group < text.index("Next:")
    assert "  US-1:US-3  US-1 -> US-2 -> US-3\n      US-3 calls POST /api/orders" in text
    doc = found.document()
    assert [(p["from"], p["to"]) for p in doc["proposed"]] == [("US-1", "US-4")]
    assert doc["counts"] == {"high": 1, "medium": 0, "low": 0, "hint": 0}
    (implied,) = doc["implied"]
    assert implied["chain"] == ["US-1", "US-2", "US-3"]
    assert (implied["from"], implied["to"], implied["kind"], implied["confidence"]) == (
        "US-1",
        "US-3",
        "api",
        "high",
    )
    assert "calls POST" not in found.render(evidence=False)  # evidence only when asked for


def test_when_every_inferred_edge_is_rallys_or_implied_the_head_says_so() -> None:
    stories = STORIES[:3]
    found = review(analyse(stories), stories, None)
    assert found.found == []
    assert found.render(evidence=False).splitlines() == [
        "Every inferred dependency is already in Rally's order: a predecessor, or a chain of them.",
        "",
        "Already ordered by Rally (nothing to write):",
        "  US-1:US-3  US-1 -> US-2 -> US-3",
    ]
    summary = summarize("deps_review", found.document())
    assert summary.splitlines() == [
        "Rally has every dependency the analysis found: nothing to accept.",
        "Already ordered by Rally's predecessors, through a chain: 1 inferred dependency "
        "(nothing to write).",
    ]


def test_accept_all_leaves_implied_edges_and_a_named_pair_is_taken_with_its_chain() -> None:
    a = analyse(STORIES)
    every = chosen(a, [], accept_all=True, min_confidence=None)
    assert [(c.source, c.target, c.leave, c.chain) for c in every] == [
        (*pair("US-1", "US-4"), False, ()),
        (*pair("US-1", "US-3"), True, k("US-1", "US-2", "US-3")),
    ]
    (named,) = choose(a, parse_pairs(["US-1:US-3"]))
    assert (named.leave, named.chain) == (False, k("US-1", "US-2", "US-3"))


def test_the_accept_report_counts_implied_edges_in_one_line() -> None:
    chain = k("US-1", "US-2", "US-3")
    written = [
        Written(*pair("US-1", "US-3"), IMPLIED, "api", "high", chain=chain),
        Written(*pair("US-5", "US-7"), IMPLIED, "api", "high", chain=k("US-5", "US-6", "US-7")),
        Written(*pair("US-1", "US-4"), "added", "api", "high"),
    ]
    assert render_written(written, dry_run=False).splitlines()[:3] == [
        "Rally predecessors: 1 added.",
        "  + US-1 before US-4 (added) [api, high]",
        "2 already ordered by Rally's predecessors: not written (`pantheon deps --review` "
        "shows the chains).",
    ]
    named = [Written(*pair("US-1", "US-3"), "added", "api", "high", chain=chain)]
    assert render_written(named, dry_run=False).splitlines()[1] == (
        "  + US-1 before US-3 (added) [api, high] (already ordered by Rally: US-1 -> US-2 -> US-3)"
    )
    assert written[0].to_dict()["chain"] == ["US-1", "US-2", "US-3"]
    assert "chain" not in written[2].to_dict()
    doc = {"dry_run": False, "predecessors": [w.to_dict() for w in written], "overrules": []}
    assert summarize("deps_accept", doc).splitlines() == [
        "Rally predecessors: added US-1:US-4.",
        "2 already ordered by Rally's predecessors: not written (deps_review shows the chains).",
    ]


# --- end to end: the CLI against the Rally emulator ------------------------------------------

BACKLOG = [
    ("Orders API", "Implement POST /api/orders."),
    ("Order form", "The form submits to POST /api/orders."),
    ("Admin list", "The admin page calls POST /api/orders."),
    ("Reports", "The report page calls POST /api/orders."),
]


@pytest.fixture
def chain_repo(
    git_repo: GitRepo, rally_thread_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RallyClient]:
    """A repository whose Rally holds US1..US4 of BACKLOG, with US1 -> US2 -> US3 as
    predecessors; US1 -> US4 and US1 -> US3 are what the texts add (an endpoint, high)."""
    handle = rally_thread_factory(seed=None)
    point_at(handle, monkeypatch)
    monkeypatch.chdir(git_repo.path)
    with client_for(handle) as client:
        feature = client.create("PortfolioItem/Feature", {"Name": "Orders"}, decode=records.entity)
        made = [
            client.create(
                "HierarchicalRequirement",
                {"Name": name, "Description": text, "PortfolioItem": feature.ref},
                decode=records.entity,
            )
            for name, text in BACKLOG
        ]
        assert [m.formatted_id for m in made] == ["US1", "US2", "US3", "US4"]
        client.collection_add(made[1].ref, "Predecessors", [made[0].ref])
        client.collection_add(made[2].ref, "Predecessors", [made[1].ref])
        yield client


def test_review_and_accept_all_leave_what_rallys_chain_orders_already(
    chain_repo: RallyClient, cli: CLI
) -> None:
    assert cli("sync")[0] == 0
    code, out, err = cli("deps", "--review", "-v")
    assert code == 0, err
    assert out.startswith("Inferred dependencies Rally does not have (1):")
    assert "  US-1:US-4  US-1 (Orders API) before US-4 (Reports) [api]" in out
    implied = out.index("Already ordered by Rally (nothing to write):\n  US-1:US-3  US-1 -> US-2")
    assert "US-1:US-3" not in out[:implied]  # not among the proposals
    code, out, _ = cli("deps", "--review", "--json")
    doc = json.loads(out)
    assert [(p["from"], p["to"]) for p in doc["proposed"]] == [("US-1", "US-4")]
    assert [(i["from"], i["to"], i["chain"]) for i in doc["implied"]] == [
        ("US-1", "US-3", ["US-1", "US-2", "US-3"])
    ]

    code, out, err = cli("deps", "--accept-all")
    assert code == 0, err
    assert out.splitlines()[:3] == [
        "Rally predecessors: 1 added.",
        "  + US-1 before US-4 (added) [api, high]",
        "1 already ordered by Rally's predecessors: not written (`pantheon deps --review` "
        "shows the chains).",
    ]
    assert predecessors(chain_repo, "US3") == {"US2"}  # unchanged
    assert predecessors(chain_repo, "US4") == {"US1"}
    # the next review, from the cache the accept updated (no sync): nothing left to judge
    code, out, err = cli("deps", "--review")
    assert code == 0, err
    assert out.splitlines()[:3] == [
        "Every inferred dependency is already in Rally's order: a predecessor, or a chain of them.",
        "",
        "Already ordered by Rally (nothing to write):",
    ]
    assert "  US-1:US-3  US-1 -> US-2 -> US-3" in out

    # the MCP tool runs the same code: the same document, the same line
    root = Path.cwd()
    again = mcp_run.deps_accept(mcp_run.Call(root, {"all": True}))
    assert [(w["from"], w["to"], w["status"]) for w in again.document["predecessors"]] == [
        ("US-1", "US-3", "implied by Rally")
    ]
    assert again.document["predecessors"][0]["chain"] == ["US-1", "US-2", "US-3"]
    assert "1 already ordered by Rally's predecessors: not written" in summarize(
        "deps_accept", again.document
    )
    assert predecessors(chain_repo, "US3") == {"US2"}

    # named, it is what the user asked for: written, with the chain noted
    code, out, err = cli("deps", "--accept", "US-1:US-3", "--json")
    assert code == 0, err
    (written,) = json.loads(out)["predecessors"]
    assert (written["status"], written["chain"]) == ("added", ["US-1", "US-2", "US-3"])
    assert predecessors(chain_repo, "US3") == {"US1", "US2"}
