"""RallyClient against the emulator as a real server (``pantheon rally serve`` subprocess):
paging across 5,000 stories, every error class, and retries under injected faults."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from pantheon_git.config import load_config
from pantheon_git.errors import (
    ConfigError,
    RallyAuthError,
    RallyNotFound,
    RallyQueryError,
    RallyRetryableError,
    RallyUnreachable,
    RallyValidationError,
)
from pantheon_git.rally.backoff import Backoff
from pantheon_git.rally.client import RallyClient
from pantheon_git.rally.query import all_of, eq, where
from pantheon_git.rally.records import STORY
from tests.support.rally import RallyProcess

FAST = Backoff(base=0.01, cap=0.2, max_attempts=12)
Spawn = Callable[..., RallyProcess]


def connect(server: RallyProcess, **options: Any) -> RallyClient:
    settings: dict[str, Any] = {
        "url": server.url,
        "api_key": server.api_key,
        "workspace": server.workspace,
        "project": server.project,
        "backoff": FAST,
    }
    settings.update(options)
    return RallyClient(**settings)


def test_paging_across_5000_stories(rally_process_factory: Spawn) -> None:
    server = rally_process_factory(seed=None)
    server.control("POST", "seed", {"stories": 5000, "epics": 10})
    with connect(server, max_concurrency=4) as client:
        assert client.count(STORY) == 5000
        before = client.request_count
        stories = client.wire.query(STORY, fetch=["FormattedID", "LastUpdateDate"])
        assert client.request_count - before == 3  # pages of 2000: start 1, 2001, 4001
        ids = [s["ObjectID"] for s in stories]
        assert len(ids) == len(set(ids)) == 5000
        assert ids == sorted(ids)

        small = client.wire.query(
            STORY, fetch=["FormattedID"], order=["LastUpdateDate DESC"], pagesize=333
        )
        assert {s["ObjectID"] for s in small} == set(ids)
        assert client.wire.query(STORY, fetch=False, limit=2500, pagesize=1000)[-1]["_ref"]
        assert len(client.wire.query(STORY, fetch=False, limit=2500, pagesize=1000)) == 2500
    stats = server.control("GET", "stats")
    assert stats["total"] >= 3


def test_config_from_the_environment_reaches_the_server(rally_process: RallyProcess) -> None:
    config = load_config(environ=rally_process.env())
    with RallyClient.from_config(config) as client:
        scope = client.scope()
        assert scope.workspace_name == rally_process.workspace
        assert scope.project_name == rally_process.project
        story = client.wire.query(STORY, fetch=["FormattedID"], limit=1)[0]
        assert client.wire.find_story(story["FormattedID"])["ObjectID"] == story["ObjectID"]


def test_every_error_class(rally_process: RallyProcess) -> None:
    with pytest.raises(RallyAuthError), connect(rally_process, api_key="not-the-key") as client:
        client.scope()
    with (
        pytest.raises(RallyNotFound, match=rally_process.workspace),
        connect(rally_process, workspace="No Such Workspace") as client,
    ):
        client.scope()
    with (
        pytest.raises(RallyNotFound, match=rally_process.project),
        connect(rally_process, project="No Such Project") as client,
    ):
        client.scope()
    with connect(rally_process) as client:
        with pytest.raises(RallyNotFound):
            client.wire.get(STORY, 1)
        with pytest.raises(RallyNotFound):
            client.delete(f"/{STORY}/1")
        with pytest.raises(RallyNotFound):
            client.wire.update(f"/{STORY}/1", {"Name": "x"})
        with pytest.raises(RallyNotFound, match="US-99999"):
            client.wire.find_story("US-99999")
        with pytest.raises(RallyQueryError, match="is unknown"):
            client.wire.query("NoSuchType")
        with pytest.raises(RallyQueryError, match="Could not parse"):
            client.wire.query(STORY, eq("NoSuchField", "x"))
        with pytest.raises(RallyValidationError, match="Name"):
            client.wire.create(STORY, {"Description": "no name"})
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with (
        pytest.raises(RallyUnreachable),
        connect(rally_process, url=f"http://127.0.0.1:{port}", deadline=0.5) as client,
    ):
        client.scope()


def test_retries_run_out_under_constant_failure(rally_process_factory: Spawn) -> None:
    server = rally_process_factory(fault_rate=1.0, fault_seed=3)
    with (
        pytest.raises(RallyRetryableError, match="gave up after") as info,
        connect(server, deadline=1.0) as client,
    ):
        client.scope()
    assert info.value.exit_code == 5
    with pytest.raises(ConfigError), connect(server, url="ftp://127.0.0.1") as client:
        client.scope()


def test_faults_end_with_the_right_data(rally_process_factory: Spawn) -> None:
    server = rally_process_factory(seed=None, fault_rate=0.3, fault_seed=11)
    names = [f"Fault story {n}" for n in range(30)]
    with connect(server, max_concurrency=4) as client:
        made = {}
        for name in names:
            made[name] = client.wire.create(
                STORY, {"Name": name}, fetch=["FormattedID"], dedupe=eq("Name", name)
            )
        for n, name in enumerate(names):
            client.wire.update(made[name], {"c_Branch": f"story/{n}", "PlanEstimate": n % 5})
        first, second, third = (made[names[i]] for i in range(3))
        client.collection_add(third, "Predecessors", [first, second])
        for name in names[-5:]:
            client.delete(made[name])
        post = client.post_discussion(first, "<p>checked out</p>")
        paged = client.wire.query(STORY, fetch=["Name"], pagesize=3)  # 9 pages, 4 at a time
        assert sorted(s["Name"] for s in paged) == sorted(names[:-5])
        retries = client.counts().get("retries", 0)

    server.control("POST", "config", {"fault_rate": 0})
    with connect(server) as check:
        stories = check.wire.query(STORY, fetch=["Name", "c_Branch", "PlanEstimate"])
        by_name = {s["Name"]: s for s in stories}
        assert sorted(by_name) == sorted(names[:-5])
        assert len(stories) == 25  # nothing created twice
        for n, name in enumerate(names[:-5]):
            assert by_name[name]["c_Branch"] == f"story/{n}"
            assert by_name[name]["PlanEstimate"] == n % 5
        preds = check.wire.collection(third, "Predecessors", fetch=["Name"])
        assert sorted(p["Name"] for p in preds) == sorted([names[0], names[1]])
        posts = check.wire.collection(first, "Discussion", fetch=["Text"])
        assert [p["ObjectID"] for p in posts] == [post.object_id]
        assert check.count(STORY, where("PlanEstimate", ">=", 3)) == sum(
            1 for n in range(25) if n % 5 >= 3
        )
        assert check.count(STORY, all_of(eq("c_Branch", "story/0"), eq("Name", names[0]))) == 1
    stats = server.control("GET", "stats")
    assert stats["faults"]
    assert retries > 0
