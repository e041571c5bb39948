"""`pantheon deps --review` and `--accept` end to end: the demo backlog synced from the Rally
emulator (a real HTTP server), inferred edges written back as Rally Predecessors through the
client, and the next sync reading them back as explicit edges.

rally-node adds collection members by posting ``{"CollectionItems": [...]}`` to the
collection's ``add`` endpoint (research notes, rally-wsapi.md §10); the client does the same.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps import analyse
from pantheon_git.features.deps.review import choose, parse_pairs, proposals
from pantheon_git.rally.client import RallyClient
from tests.support.deps import demo_stories, story
from tests.support.gitrepo import GitRepo
from tests.support.sync import CLI, story_ref


def predecessors(client: RallyClient, formatted_id: str) -> set[str]:
    members = client.wire.collection(story_ref(client, formatted_id), "Predecessors")
    return {str(m["FormattedID"]) for m in members}


def test_review_lists_inferred_edges_surest_first_with_confidence(
    sync_repo: GitRepo, cli: CLI
) -> None:
    assert cli("sync")[0] == 0
    code, out, err = cli("deps", "--review")
    assert code == 0, err
    assert out.startswith("Inferred dependencies Rally does not have (7):")
    assert out.index("High confidence:") < out.index("Low confidence:")
    assert "  US-121:US-124  US-121 (Add login endpoint) before US-124" in out
    assert "`pantheon deps --link BEFORE:AFTER ...`" in out  # what the rules miss: a reader's
    code, out, _ = cli("deps", "--review", "--json", "--min-confidence", "high")
    doc = json.loads(out)
    assert {(p["from"], p["to"]) for p in doc["proposed"]} == {
        ("US-121", "US-124"),
        ("US-122", "US-125"),
        ("US-120", "US-203"),
    }
    assert all(p["confidence"] == "high" and p["evidence"] for p in doc["proposed"])
    assert doc["counts"] == {"high": 3, "medium": 0, "low": 0, "hint": 0}


# Whether Rally stamps both stories when it links them, or only the one whose Predecessors
# changed, is not known (docs/rally.md, `link_touch`): the links must hold under both.
@pytest.mark.parametrize("link_touch", ["both", "owner"])
def test_accept_writes_predecessors_once_and_sync_reads_them_back(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient, rally_thread: Any, link_touch: str
) -> None:
    rally_thread.configure_workspace(link_touch=link_touch)
    assert cli("sync")[0] == 0
    assert predecessors(rally_client, "US124") == set()

    code, out, err = cli("deps", "--accept", "US-121:US-124", "--dry-run")
    assert code == 0, err
    assert "Dry run: nothing written. 1 predecessor would be added" in out
    assert predecessors(rally_client, "US124") == set()

    # several pairs after one --accept, as the review's "Next:" line writes them
    code, out, err = cli("deps", "--accept", "US-121:US-124", "US-120:US-121", "--json")
    assert code == 0, err
    written = json.loads(out)["predecessors"]
    assert [(w["from"], w["to"], w["status"]) for w in written] == [
        ("US-120", "US-121", "added"),
        ("US-121", "US-124", "added"),
    ]
    assert written[1]["confidence"] == "high"
    assert json.loads(out)["cache_updated"] is True
    assert predecessors(rally_client, "US124") == {"US121"}
    assert predecessors(rally_client, "US121") == {"US120"}
    # the cache has them at once: no sync needed for the review to stop proposing them
    code, out, _ = cli("deps", "--review", "--json")
    assert ("US-121", "US-124") not in {(p["from"], p["to"]) for p in json.loads(out)["proposed"]}
    code, out, _ = cli("deps", "--json")
    kinds = {(e["from"], e["to"]): e["kind"] for e in json.loads(out)["edges"]}
    assert kinds[("US-121", "US-124")] == kinds[("US-120", "US-121")] == "explicit"

    code, out, _ = cli("deps", "--accept", "US-121:US-124")  # idempotent
    assert code == 0
    assert "0 added" in out
    assert "= US-121 before US-124 (already in Rally)" in out
    assert predecessors(rally_client, "US124") == {"US121"}

    assert cli("sync")[0] == 0
    code, out, _ = cli("deps", "--json")
    edges = {(e["from"], e["to"]): e for e in json.loads(out)["edges"]}
    assert edges[("US-121", "US-124")]["kind"] == "explicit"
    assert edges[("US-121", "US-124")]["confidence"] == "explicit"
    assert [a["kind"] for a in edges[("US-121", "US-124")]["also"]] == ["api"]
    assert edges[("US-120", "US-121")]["kind"] == "explicit"
    code, out, _ = cli("deps", "--review", "--json")
    assert ("US-121", "US-124") not in {(p["from"], p["to"]) for p in json.loads(out)["proposed"]}
    code, out, _ = cli("deps", "--accept", "US-121:US-124")  # now explicit in the cache
    assert code == 0
    assert "(already in Rally)" in out


def test_accept_all_takes_only_sure_edges(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient
) -> None:
    assert cli("sync")[0] == 0
    code, out, err = cli("deps", "--accept-all", "--json")  # default: high only
    assert code == 0, err
    added = {(w["from"], w["to"]) for w in json.loads(out)["predecessors"]}
    assert added == {("US-121", "US-124"), ("US-122", "US-125"), ("US-120", "US-203")}
    assert predecessors(rally_client, "US125") == {"US122"}
    assert predecessors(rally_client, "US203") == {"US120"}
    assert predecessors(rally_client, "US121") == set()  # a low-confidence edge: left alone


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--accept", "US-121"], "is not a pair of stories"),
        (["--accept", "US-121:US-121"], "links US-121 to itself"),
        (["--accept", "US-124:US-121"], "other direction: US-121:US-124"),
        (["--accept", "US-126:US-127"], "no inferred edge US-126 -> US-127"),
        (["--accept", "US-999:US-124"], "US-999 is not among the analysed stories"),
        (["--accept", "US-121:US-124", "--accept-all"], "do not go together"),
        (["--review", "--accept-all"], "--review only lists"),
        (["--dry-run"], "--dry-run goes with --accept"),
        (["--min-confidence", "high"], "--min-confidence goes with"),
        (["--review", "--format", "mermaid"], "not for --review, --accept, --link"),
        (["US-121:US-124"], "Pairs go after --accept"),
        (["--accept", "US-121:US-124", "US-121"], "is not a pair of stories"),
        (["--link", "US-999:US-124"], "US-999 is not among the analysed stories"),
        (["--link", "US-121:US-121"], "'US-121:US-121' links US-121 to itself"),
        (["--link", "US-121"], "'US-121' is not a pair of stories"),
        (["--link", "US-121:US-124", "US-1x"], "'US-1x' is not a pair of stories"),
        (["--link", "US-121:US-124", "--accept", "US-120:US-121"], "--link does not go with"),
        (["--link", "US-121:US-124", "--accept-all"], "--link does not go with"),
        (["--link", "US-121:US-124", "--review"], "--link does not go with"),
        (["--link", "US-121:US-124", "--min-confidence", "high"], "--min-confidence goes with"),
        (["--link", "US-121:US-124", "--format", "mermaid"], "not for --review, --accept,"),
    ],
)
def test_bad_accept_and_link_arguments_are_usage_errors_and_write_nothing(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient, args: list[str], message: str
) -> None:
    assert cli("sync")[0] == 0
    code, out, err = cli("deps", *args)
    assert code == 2, (out, err)
    assert message in err
    assert "Traceback" not in err
    assert predecessors(rally_client, "US124") == set()


def test_a_story_gone_from_rally_fails_that_pair_and_exits_5(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient
) -> None:
    assert cli("sync")[0] == 0
    rally_client.delete(story_ref(rally_client, "US121"))
    code, out, err = cli("deps", "--accept", "US-121:US-124,US-122:US-125", "--json")
    assert code == 5, err
    written = {(w["from"], w["to"]): w for w in json.loads(out)["predecessors"]}
    assert written[("US-121", "US-124")]["status"] == "failed"
    assert "US-121" in written[("US-121", "US-124")]["message"]
    assert written[("US-122", "US-125")]["status"] == "added"  # the others still go through
    assert predecessors(rally_client, "US125") == {"US122"}


# --- the pure side ---------------------------------------------------------------------------


def test_pairs_parse_in_several_spellings() -> None:
    assert parse_pairs(["US-1:US-2", "US-3->US-4, US-5 > US-6", "US-1:US-2"]) == [
        (StoryKey.parse("US-1"), StoryKey.parse("US-2")),
        (StoryKey.parse("US-3"), StoryKey.parse("US-4")),
        (StoryKey.parse("US-5"), StoryKey.parse("US-6")),
    ]


def test_explicit_edges_are_never_proposed_and_choosing_them_writes_nothing() -> None:
    stories: list[Any] = [
        story("US-1", "Users API", "Implement POST /api/users."),
        story("US-2", "Signup form", "The form submits to POST /api/users.", predecessors=["US-1"]),
        story("US-3", "Admin list", "The admin page calls POST /api/users."),
    ]
    a = analyse(stories)
    assert [(str(e.source), str(e.target)) for e in proposals(a)] == [("US-1", "US-3")]
    (explicit,) = choose(a, parse_pairs(["US-1:US-2"]))
    assert explicit.edge is None
    assert proposals(analyse(demo_stories()), "medium") == proposals(
        analyse(demo_stories()), "high"
    )
