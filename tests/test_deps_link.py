"""`pantheon deps --link`: dependencies a reader states, written as Rally Predecessors whether
or not the analysis inferred them. The demo backlog is synced from the Rally emulator (a real
HTTP server); the links go through the client's ``Predecessors/add`` (as ``--accept``: rally-node
posts ``{"CollectionItems": [...]}`` to the collection's ``add`` endpoint, rally-wsapi.md §10),
and the next sync reads them back.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pantheon_git.core.keys import StoryKey
from pantheon_git.errors import UsageError
from pantheon_git.features.deps.links import check_loops, route
from pantheon_git.rally.client import RallyClient
from tests.support.gitrepo import GitRepo
from tests.support.sync import CLI
from tests.test_deps_accept import predecessors


def edges_of(cli: CLI, *args: str) -> dict[tuple[str, str], dict[str, Any]]:
    code, out, err = cli("deps", "--json", *args)
    assert code == 0, err
    return {(e["from"], e["to"]): e for e in json.loads(out)["edges"]}


def test_a_read_link_is_written_once_and_sync_reads_it_back(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient
) -> None:
    assert cli("sync")[0] == 0
    assert ("US-126", "US-127") not in edges_of(cli)  # no text links them

    code, out, err = cli("deps", "--link", "US-126:US-127", "--dry-run")
    assert code == 0, err
    assert "Dry run: nothing written. 1 predecessor would be added" in out
    assert "+ US-126 before US-127 (would add) [read]" in out
    assert predecessors(rally_client, "US127") == set()

    # a reader's link and an inferred one, in one call
    code, out, err = cli("deps", "--link", "US-126:US-127", "US-121:US-124", "--json")
    assert code == 0, err
    doc = json.loads(out)
    written = {(w["from"], w["to"]): w for w in doc["predecessors"]}
    assert written[("US-126", "US-127")] == {
        "from": "US-126",
        "to": "US-127",
        "status": "added",
        "kind": "explicit",
        "confidence": "explicit",
        "read": True,
    }
    inferred = written[("US-121", "US-124")]
    assert [inferred[k] for k in ("status", "kind", "confidence")] == ["added", "api", "high"]
    assert "read" not in inferred
    assert doc["cache_updated"] is True
    assert doc["overrules"] == []
    assert predecessors(rally_client, "US127") == {"US126"}
    assert predecessors(rally_client, "US124") == {"US121"}

    # the cache has it at once: an explicit edge, the stories in two waves
    edge = edges_of(cli)[("US-126", "US-127")]
    assert (edge["kind"], edge["confidence"]) == ("explicit", "explicit")
    assert "also" not in edge
    code, out, _ = cli("deps", "--json")
    waves = json.loads(out)["waves"]
    wave_of = {key: n for n, wave in enumerate(waves) for key in wave}
    assert wave_of["US-126"] < wave_of["US-127"]

    code, out, err = cli("deps", "--link", "US-126:US-127")  # idempotent
    assert code == 0, err
    assert "Rally predecessors: 0 added." in out
    assert "= US-126 before US-127 (already in Rally) [read]" in out
    assert predecessors(rally_client, "US127") == {"US126"}

    assert cli("sync")[0] == 0
    edge = edges_of(cli)[("US-126", "US-127")]
    assert (edge["kind"], edge["confidence"]) == ("explicit", "explicit")
    code, out, _ = cli("deps", "--review", "--json")
    assert ("US-126", "US-127") not in {(p["from"], p["to"]) for p in json.loads(out)["proposed"]}


def test_a_link_that_closes_a_cycle_is_refused_with_the_path(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient
) -> None:
    assert cli("sync")[0] == 0
    assert cli("deps", "--link", "US-124:US-126,US-126:US-127")[0] == 0

    code, out, err = cli("deps", "--link", "US-127:US-124")
    assert code == 2, out
    assert (
        "error: US-127:US-124 would close a cycle: US-124 already comes before US-127 "
        "(US-124 -> US-126 -> US-127 in Rally)"
    ) in err
    assert "\nLeave the pair out" in err
    assert "Traceback" not in err

    # the path may run through Rally and the call's other pairs; nothing of the call is written
    code, out, err = cli("deps", "--link", "US-128:US-129", "US-127:US-128", "US-128:US-124")
    assert code == 2, out
    assert (
        "US-127:US-128 would close a cycle: US-128 already comes before US-127 "
        "(US-128 -> US-124 asked in this call, US-124 -> US-126 -> US-127 in Rally)"
    ) in err
    assert predecessors(rally_client, "US129") == set()
    assert predecessors(rally_client, "US128") == set()

    code, _, err = cli("deps", "--link", "US-128:US-129", "US-129:US-128")
    assert code == 2
    assert "US-129 already comes before US-128 (US-129 -> US-128 asked in this call)" in err

    # a cycle through another epic is seen when the link names one epic's stories
    assert cli("deps", "--link", "US-121:US-200", "US-200:US-122")[0] == 0
    code, _, err = cli("deps", "--epic", "17", "--link", "US-122:US-121")
    assert code == 2
    assert "(US-121 -> US-200 -> US-122 in Rally)" in err
    assert predecessors(rally_client, "US121") == set()


def test_a_link_overrules_the_inferred_edge_it_reverses(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient
) -> None:
    assert cli("sync")[0] == 0
    assert edges_of(cli)[("US-121", "US-124")]["kind"] == "api"  # the login form calls it

    code, out, err = cli("deps", "--link", "US-124:US-121", "--dry-run")
    assert code == 0, err
    assert "Would overrule what the texts suggested" in out
    assert "  US-121 before US-124 [api, high]" in out

    code, out, err = cli("deps", "--link", "US-124:US-121")
    assert code == 0, err
    assert "+ US-124 before US-121 (added) [read]" in out
    assert "Overrules what the texts suggested" in out
    assert "  US-121 before US-124 [api, high]" in out
    assert predecessors(rally_client, "US121") == {"US124"}

    code, out, _ = cli("deps", "--link", "US-124:US-121", "--json")  # already: nothing new
    assert json.loads(out)["overrules"] == []
    code, out, _ = cli("deps", "--json")
    doc = json.loads(out)
    edges = {(e["from"], e["to"]): e for e in doc["edges"]}
    assert edges[("US-124", "US-121")]["kind"] == "explicit"
    assert ("US-121", "US-124") not in edges
    assert ("US-121", "US-124") in {(e["from"], e["to"]) for e in doc["overruled"]}
    assert doc["cycles"] == []


# --- the pure side ---------------------------------------------------------------------------


def keys(*texts: str) -> tuple[StoryKey, ...]:
    return tuple(StoryKey.parse(t) for t in texts)


def test_the_route_says_which_steps_are_rallys_and_which_the_calls() -> None:
    a, b, c, d = keys("US-1", "US-2", "US-3", "US-4")
    rally = {(a, b), (c, d)}
    assert route([a, b], rally) == "US-1 -> US-2 in Rally"
    assert route([a, b, c, d], rally) == (
        "US-1 -> US-2 in Rally, US-2 -> US-3 asked in this call, US-3 -> US-4 in Rally"
    )


def test_a_pair_rally_already_has_is_no_cycle_even_inside_one() -> None:
    a, b, c = keys("US-1", "US-2", "US-3")
    check_loops([(a, b)], {(a, b), (b, c)})
    check_loops([(a, b), (b, c)], {(a, b), (b, a)})  # Rally's own loop is the report's to name
    with pytest.raises(UsageError, match="US-3:US-1 would close a cycle"):
        check_loops([(c, a)], {(a, b), (b, c)})
