"""RallyClient against an in-process fake Rally (httpx.MockTransport): wire format, scope,
paging, error mapping, retries, secrets. The real emulator is used in
test_rally_client_emulator.py."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pantheon_git.config import Config
from pantheon_git.core.deadline import Deadline
from pantheon_git.errors import (
    ConfigError,
    PantheonError,
    RallyAuthError,
    RallyError,
    RallyNotFound,
    RallyQueryError,
    RallyRetryableError,
    RallyUnreachable,
    RallyValidationError,
)
from pantheon_git.rally.client import RallyClient
from pantheon_git.rally.query import eq
from pantheon_git.rally.schema import check_fields
from tests.support.fake_rally import API, BASE, KEY, FakeRally, envelope, reply

CONFLICT = "Concurrency conflict: [Object has been modified since being read for update]"


class FakeClock:
    """Time that moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> FakeRally:
    return FakeRally()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make(fake: FakeRally, clock: FakeClock) -> Iterator[Callable[..., RallyClient]]:
    clients: list[RallyClient] = []

    def build(**overrides: Any) -> RallyClient:
        settings: dict[str, Any] = {
            "url": BASE,
            "api_key": KEY,
            "workspace": "WS One",
            "project": "Team A",
            "transport": fake.transport(),
            "sleep": clock.sleep,
            "clock": clock,
            "rand": lambda: 0.5,
        }
        settings.update(overrides)
        client = RallyClient(**settings)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


def params(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params)


# --- connection -----------------------------------------------------------------------------


def test_missing_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        RallyClient(url=BASE, api_key=None)
    assert info.value.exit_code == 3
    assert "RALLY_API_KEY" in info.value.message
    assert "export RALLY_API_KEY" in (info.value.hint or "")


def test_headers_base_url_and_no_cookies(fake: FakeRally, make: Callable[..., RallyClient]) -> None:
    cookie = httpx.Response(
        200,
        json=envelope("Subscription", Name="Acme", ObjectID=1, _ref=f"{API}/subscription/1"),
        headers={"Set-Cookie": "JSESSIONID=abc; Path=/"},
    )
    fake.faults.append(lambda request: cookie)
    client = make(url=BASE + "/slm/webservice/v2.0/")
    client.scope()
    client.wire.get("/workspace/100")
    first, last = fake.requests[0], fake.requests[-1]
    assert str(last.url).startswith(f"{BASE}{API}/workspace/100")
    assert last.headers["ZSESSIONID"] == KEY
    assert last.headers["X-RallyIntegrationName"] == "pantheon_git"
    assert "X-RallyIntegrationVersion" in last.headers
    assert "cookie" not in last.headers
    assert first.headers["ZSESSIONID"] == KEY


def test_from_config_uses_settings(fake: FakeRally) -> None:
    config = Config(
        rally_url=BASE,
        api_key=KEY,
        rally_workspace="100",
        rally_project="301",
        rally_max_concurrency=3,
        epic_type="PortfolioItem/Epic",
    )
    with RallyClient.from_config(config, transport=fake.transport()) as client:
        assert client.max_concurrency == 3
        assert client.epic_type == "PortfolioItem/Epic"
        scope = client.scope()
    assert (scope.workspace_oid, scope.project_oid, scope.project_name) == (100, 301, "Team B")


def test_bad_settings_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="RALLY_URL"):
        RallyClient(url="rally1.rallydev.com", api_key=KEY)
    with pytest.raises(ConfigError, match="CA bundle"):
        RallyClient(url=BASE, api_key=KEY, verify=str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigError, match="CA bundle"):  # longer than a file name may be
        RallyClient(url=BASE, api_key=KEY, verify="x" * 5000)
    with pytest.raises(ConfigError):
        RallyClient(url=BASE, api_key=KEY, max_concurrency=0)


def test_plain_http_to_a_remote_host_warns(fake: FakeRally) -> None:
    seen: list[str] = []
    RallyClient(url="http://rally.example.com", api_key=KEY, warn=seen.append).close()
    RallyClient(url="http://127.0.0.1:8080", api_key=KEY, warn=seen.append).close()
    assert len(seen) == 1
    assert "unencrypted" in seen[0]


# --- scope ----------------------------------------------------------------------------------


def test_scope_by_name_is_resolved_once_and_always_sent(
    fake: FakeRally, make: Callable[..., RallyClient]
) -> None:
    fake.stories(3)
    client = make()
    scope = client.scope()
    assert (scope.workspace_oid, scope.project_oid) == (100, 300)
    before = client.request_count
    client.wire.query("HierarchicalRequirement", fetch=["FormattedID"])
    client.wire.query("HierarchicalRequirement", fetch=["FormattedID"])
    assert client.request_count == before + 2
    sent = params(fake.requests[-1])
    assert sent["workspace"] == "/workspace/100"
    assert sent["project"] == "/project/300"
    assert (sent["projectScopeUp"], sent["projectScopeDown"]) == ("false", "true")
    client.wire.query("HierarchicalRequirement", whole_workspace=True)
    sent = params(fake.requests[-1])
    assert sent["project"] == "null"
    assert "projectScopeDown" not in sent


def test_an_adopted_scope_costs_no_request(
    fake: FakeRally, make: Callable[..., RallyClient]
) -> None:
    resolved = make().scope()
    fake.stories(2)
    client = make(workspace="ignored once a scope is adopted")
    client.adopt_scope(resolved)
    before = client.request_count
    assert len(client.wire.query("HierarchicalRequirement", fetch=["FormattedID"])) == 2
    assert client.request_count == before + 1
    assert params(fake.requests[-1])["project"] == "/project/300"


def test_collection_summaries_in_fetch(fake: FakeRally, make: Callable[..., RallyClient]) -> None:
    fake.stories(1)
    client = make()
    client.wire.query(
        "HierarchicalRequirement",
        fetch=["FormattedID", "Predecessors:summary[FormattedID;ScheduleState]", "Tasks"],
    )
    sent = params(fake.requests[-1])["fetch"]
    assert sent == "ObjectID,FormattedID,Predecessors:summary[FormattedID;ScheduleState],Tasks"
    for bad in ("Tasks:summary[]", "Tasks:summary[Na me]", "Tasks:sum[State]", "Tasks:"):
        with pytest.raises(RallyQueryError):
            client.wire.query("HierarchicalRequirement", fetch=["FormattedID", bad])


def test_another_project_shares_the_connection(
    fake: FakeRally, make: Callable[..., RallyClient]
) -> None:
    client = make()
    other = client.with_project("Team B")
    assert other.scope().project_oid == 301
    assert client.scope().project_oid == 300
    assert other.session is client.session
    assert client.with_project(None).scope().project_oid is None


def test_app_builds_the_client_from_its_config(tmp_path: Path) -> None:
    from pantheon_git.app import App

    app = App(config=Config(rally_url=BASE, api_key=KEY, rally_workspace="WS One"), root=tmp_path)
    client = app.rally()
    assert app.rally() is client
    assert client.base_url == BASE
    app.close()


def test_unknown_workspace_lists_the_existing_ones(make: Callable[..., RallyClient]) -> None:
    with pytest.raises(RallyNotFound) as info:
        make(workspace="Nope").scope()
    assert "'Nope'" in info.value.message
    assert "WS One, WS Two" in info.value.message
    assert info.value.exit_code == 3  # the configuration names it: not a Rally failure


def test_unknown_story_is_bad_input(make: Callable[..., RallyClient]) -> None:
    with pytest.raises(RallyNotFound) as info:
        make().find_story("US-9999", decode=lambda raw: raw)
    assert info.value.exit_code == 2


def test_unknown_project_lists_the_workspace_projects(make: Callable[..., RallyClient]) -> None:
    with pytest.raises(RallyNotFound) as info:
        make(project="Team Z").scope()
    assert "Team A, Team B" in info.value.message
    assert "Other" not in info.value.message
    assert info.value.exit_code == 3
    with pytest.raises(RallyNotFound, match="Team A, Team B"):
        make(project="999").scope()


def test_project_of_another_workspace_is_refused(make: Callable[..., RallyClient]) -> None:
    with pytest.raises(ConfigError, match="another workspace"):
        make(project="302").scope()


def test_names_with_characters_queries_cannot_carry(
    fake: FakeRally, make: Callable[..., RallyClient]
) -> None:
    fake.add("project", {"Name": "R&D", "Workspace": f"{API}/workspace/100"}, oid=303)
    fake.collections[("workspace", 100, "Projects")].append("/project/303")
    assert make(project="R&D").scope().project_oid == 303


def test_no_workspace_set_with_several_is_a_config_error(
    make: Callable[..., RallyClient],
) -> None:
    with pytest.raises(ConfigError, match="WS One, WS Two"):
        make(workspace=None).scope()


# --- paging ---------------------------------------------------------------------------------


def slow_rally(
    make: Callable[..., RallyClient],
    stories: int,
    *,
    latency: float | Callable[[httpx.Request], float],
    concurrency: int,
) -> tuple[FakeRally, RallyClient]:
    """A fake Rally with ``stories`` stories, each reply ``latency`` seconds late, and a client
    allowed ``concurrency`` requests in flight."""
    fake = FakeRally(latency=latency)
    fake.stories(stories)
    return fake, make(transport=fake.transport(), max_concurrency=concurrency)


def stories_by_200(client: RallyClient, **options: Any) -> list[dict[str, Any]]:
    return client.wire.query("HierarchicalRequirement", fetch=["ObjectID"], pagesize=200, **options)


def test_paging_fetches_every_page_concurrently_under_the_cap(
    make: Callable[..., RallyClient],
) -> None:
    fake, client = slow_rally(make, 5000, latency=0.02, concurrency=3)
    seen: list[tuple[int, int]] = []
    stories = stories_by_200(client, progress=lambda d, t: seen.append((d, t)))
    assert len(stories) == 5000
    assert [s["ObjectID"] for s in stories] == sorted(s["ObjectID"] for s in stories)
    pages = fake.requests_to("GET", "/hierarchicalrequirement$")
    starts = sorted(int(params(r)["start"]) for r in pages)
    assert starts == list(range(1, 5001, 200))
    assert {params(r)["order"] for r in pages} == {"ObjectID"}
    assert 1 < fake.max_in_flight <= 3
    assert seen[-1] == (5000, 5000)


def test_each_page_is_handed_over_as_it_arrives(make: Callable[..., RallyClient]) -> None:
    """The first page first, then whichever comes next; the result keeps Rally's order."""

    def latency(request: httpx.Request) -> float:
        return 0.3 if request.url.params.get("start") == "201" else 0.01

    _, client = slow_rally(make, 450, latency=latency, concurrency=2)
    pages: list[list[int]] = []
    stories = stories_by_200(
        client, on_page=lambda items: pages.append([i["ObjectID"] for i in items])
    )
    assert [len(p) for p in pages] == [200, 50, 200]
    oids = [s["ObjectID"] for s in stories]
    assert oids == sorted(oids)
    assert sorted(oid for page in pages for oid in page) == oids


def test_later_pages_are_asked_for_before_the_first_is_handed_over(
    make: Callable[..., RallyClient],
) -> None:
    fake, client = slow_rally(make, 450, latency=0.01, concurrency=2)
    asked: list[int] = []

    def on_page(items: list[dict[str, Any]]) -> None:
        if not asked:  # the first page: wait (a while) for the others to be on their way
            deadline = time.monotonic() + 5
            while len(fake.requests_to("GET", "/hierarchicalrequirement$")) < 3:
                assert time.monotonic() < deadline, "later pages were not asked for"
                time.sleep(0.005)
        asked.append(len(items))

    stories_by_200(client, on_page=on_page)
    assert sorted(asked) == [50, 200, 200]


def test_limit_and_pagesize_bounds(fake: FakeRally, make: Callable[..., RallyClient]) -> None:
    fake.stories(30)
    client = make()
    assert len(client.wire.query("HierarchicalRequirement", limit=7, pagesize=5)) == 7
    sizes = [params(r)["pagesize"] for r in fake.requests_to("GET", "/hierarchicalrequirement$")]
    assert sizes == ["5", "5"]
    assert client.wire.query("HierarchicalRequirement", limit=0) == []
    with pytest.raises(ValueError, match="2000"):
        client.wire.query("HierarchicalRequirement", pagesize=2001)
    assert client.count("HierarchicalRequirement") == 30


def test_repeats_across_pages_are_dropped(make: Callable[..., RallyClient]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("start", 0))
        if "workspace" in request.url.path or "subscription" in request.url.path:
            return reply({"Workspace": {"ObjectID": 100, "Name": "WS", "Errors": []}})
        shift = 1 if start > 1 else 0  # an item moved onto page 2 while paging
        results = [
            {"_ref": f"/hierarchicalrequirement/{n}", "ObjectID": n}
            for n in range(start - shift, start - shift + 2)
        ]
        return reply(
            envelope(
                "QueryResult", TotalResultCount=4, StartIndex=start, PageSize=2, Results=results
            )
        )

    client = make(transport=httpx.MockTransport(handler), workspace="100", project=None)
    items = client.wire.query("HierarchicalRequirement", pagesize=2)
    assert [i["ObjectID"] for i in items] == [1, 2, 3]


# --- reads and writes -----------------------------------------------------------------------


def test_crud_and_story_lookup(fake: FakeRally, make: Callable[..., RallyClient]) -> None:
    client = make()
    story = client.wire.create(
        "HierarchicalRequirement", {"Name": "Login form", "c_LockedBy": None}
    )
    body = json.loads(fake.requests_to("POST", "/create$")[-1].content)
    assert body == {
        "HierarchicalRequirement": {
            "Name": "Login form",
            "c_LockedBy": None,
            "Project": "/project/300",
        }
    }
    found = client.wire.find_story(f"us-{story['ObjectID']}")
    assert found["Name"] == "Login form"
    updated = client.wire.update(story["_ref"], {"c_LockedBy": "alice@example.com"})
    assert updated["c_LockedBy"] == "alice@example.com"
    assert client.wire.get("HierarchicalRequirement", story["ObjectID"])["c_LockedBy"] == (
        "alice@example.com"
    )
    client.delete(story)
    with pytest.raises(RallyNotFound):
        client.wire.get(story)
    with pytest.raises(RallyNotFound):
        client.delete(story)
    client.delete(story, missing_ok=True)
    with pytest.raises(RallyNotFound, match="US-9999"):
        client.wire.find_story("US-9999")
    counts = client.counts()
    assert counts["create"] == 1
    assert counts["update"] == 1
    assert counts["delete"] == 3


def test_any_type_can_be_created(fake: FakeRally, make: Callable[..., RallyClient]) -> None:
    client = make()
    repo = client.wire.create("Changeset", {"Revision": "abc123", "Message": "US1 fix"})
    assert repo["Revision"] == "abc123"
    assert "Project" not in json.loads(fake.requests[-1].content)["Changeset"]
    feature = client.wire.create("PortfolioItem/Feature", {"Name": "Epic 17"})
    assert fake.requests[-1].url.path.endswith("/portfolioitem/feature/create")
    assert feature["FormattedID"].startswith("F")


def test_collections_discussion_and_predecessors(
    fake: FakeRally, make: Callable[..., RallyClient]
) -> None:
    client = make()
    a = client.wire.create("HierarchicalRequirement", {"Name": "A"})
    b = client.wire.create("HierarchicalRequirement", {"Name": "B"})
    added = client.collection_add(a, "Predecessors", [b["_ref"]])
    assert [i.object_id for i in added] == [b["ObjectID"]]
    assert json.loads(fake.requests[-1].content) == {
        "CollectionItems": [{"_ref": f"/hierarchicalrequirement/{b['ObjectID']}"}]
    }
    assert [p["Name"] for p in client.wire.collection(a, "Predecessors")] == ["B"]
    client.collection_remove(a, "Predecessors", [b])
    assert client.wire.collection(a, "Predecessors") == []
    post = client.post_discussion(a, "<p>Locked by alice</p>")
    assert post.artifact == f"/hierarchicalrequirement/{a['ObjectID']}"


def test_custom_field_definitions(fake: FakeRally, make: Callable[..., RallyClient]) -> None:
    client = make()
    attrs = client.attributes()
    assert {a.element_name for a in attrs} >= {"ObjectID", "FormattedID", "c_LockedBy"}
    problems = check_fields(
        attrs, {"c_LockedBy": ["STRING"], "c_Branch": ["STRING"], "FormattedID": ["INTEGER"]}
    )
    assert [p.describe() for p in problems] == [
        "c_Branch is missing (want STRING)",
        "FormattedID is STRING, want INTEGER",
    ]
    created = client.create_attribute("c_Branch", "string")
    body = json.loads(fake.requests[-1].content)["AttributeDefinition"]
    assert body == {
        "Name": "Branch",
        "RealAttributeType": "STRING",
        "TypeDefinition": "/typedefinition/50",
    }
    assert created.name == "Branch"


# --- errors in replies ----------------------------------------------------------------------


def test_errors_with_http_200_are_raised(fake: FakeRally, make: Callable[..., RallyClient]) -> None:
    client = make()
    client.scope()
    fake.faults.append(
        lambda r: reply(envelope("QueryResult", ['Could not parse: Unknown operator "x"']))
    )
    with pytest.raises(RallyQueryError) as info:
        client.wire.query("HierarchicalRequirement")
    assert info.value.exit_code == 70
    fake.faults.append(
        lambda r: reply(envelope("CreateResult", ["Validation error: Name is required"]))
    )
    with pytest.raises(RallyValidationError, match="Name is required"):
        client.wire.create("HierarchicalRequirement", {})
    with pytest.raises(RallyQueryError, match="is unknown"):
        client.wire.query("Bogus")


def test_wrong_key_is_an_auth_error_and_not_retried(make: Callable[..., RallyClient]) -> None:
    client = make(api_key="wrong-key-5678")
    with pytest.raises(RallyAuthError) as info:
        client.scope()
    assert "401" in info.value.message
    assert client.request_count == 1


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (httpx.Response(200, text="<html>Sign in</html>"), "not JSON"),
        (httpx.Response(200, json=[1, 2]), "expected one top-level object"),
        (httpx.Response(200, json={"QueryResult": {"Errors": "bad"}}), "not a list"),
        (
            httpx.Response(200, json={"QueryResult": {"Errors": [], "Results": []}}),
            "TotalResultCount",
        ),
        (httpx.Response(200, json={"OperationResult": {"Errors": []}}), "expected QueryResult"),
    ],
)
def test_malformed_replies_are_clear_errors(
    fake: FakeRally, make: Callable[..., RallyClient], response: httpx.Response, expected: str
) -> None:
    client = make()
    client.scope()
    fake.faults.append(lambda r: response)
    with pytest.raises(RallyError, match=expected) as info:
        client.wire.query("HierarchicalRequirement")
    assert type(info.value) is RallyError


def test_warnings_are_surfaced_once(fake: FakeRally, make: Callable[..., RallyClient]) -> None:
    seen: list[str] = []
    client = make(warn=seen.append)
    fake.warnings.append("Ignored JSON element hierarchicalrequirement.Bogus")
    client.wire.create("HierarchicalRequirement", {"Name": "x", "Bogus": 1})
    client.wire.create("HierarchicalRequirement", {"Name": "y", "Bogus": 1})
    assert seen == ["Rally: Ignored JSON element hierarchicalrequirement.Bogus"]


# --- retries --------------------------------------------------------------------------------


def conflict(request: httpx.Request) -> httpx.Response:
    return reply(envelope("OperationResult", [CONFLICT]))


def status(code: int) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(code, text="busy")


def drop(request: httpx.Request) -> httpx.Response:
    raise httpx.RemoteProtocolError("Server disconnected without sending a response.")


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused")


def test_conflicts_and_5xx_are_retried_with_growing_jittered_backoff(
    fake: FakeRally, make: Callable[..., RallyClient], clock: FakeClock
) -> None:
    client = make()
    story = client.wire.create("HierarchicalRequirement", {"Name": "A"})
    fake.faults.extend([conflict, status(502), drop, status(429)])
    updated = client.wire.update(story, {"Name": "B"})
    assert updated["Name"] == "B"
    assert clock.sleeps == [0.1875, 0.375, 0.75, 1.5]  # base 0.25 * 2**n * (0.5 + 0.5 * 0.5)
    assert client.counts()["retries"] == 4


def test_retry_after_is_honoured(
    fake: FakeRally, make: Callable[..., RallyClient], clock: FakeClock
) -> None:
    client = make()
    client.scope()
    fake.faults.append(lambda r: httpx.Response(503, headers={"Retry-After": "3"}))
    client.wire.query("HierarchicalRequirement")
    assert clock.sleeps == [3.0]


def test_deadline_bounds_the_retries(
    fake: FakeRally, make: Callable[..., RallyClient], clock: FakeClock
) -> None:
    client = make(deadline=5.0)
    client.scope()
    fake.faults.extend([status(503)] * 50)
    with pytest.raises(RallyRetryableError) as info:
        client.wire.query("HierarchicalRequirement")
    assert "gave up after" in info.value.message
    assert info.value.exit_code == 5
    assert sum(clock.sleeps) < 5.0
    assert 3 <= len(clock.sleeps) <= 6


def test_a_call_deadline_stops_resending_an_update(
    fake: FakeRally, make: Callable[..., RallyClient], clock: FakeClock
) -> None:
    client = make()
    story = client.wire.create("HierarchicalRequirement", {"Name": "A"})
    sent_at: list[float] = []

    def busy(request: httpx.Request) -> httpx.Response:
        sent_at.append(clock.now)
        return httpx.Response(503, text="busy")

    fake.faults.extend([busy] * 50)
    with pytest.raises(RallyRetryableError):
        client.wire.update(story, {"Name": "B"}, deadline=1.0)
    assert max(sent_at) < 1.0  # nothing was sent after the call's deadline
    assert len(sent_at) == 3  # at 0, 0.1875, 0.5625; the next would start at 1.3125


def test_a_connect_timeout_is_passed_apart_from_the_read_timeout(
    make: Callable[..., RallyClient],
) -> None:
    seen: list[dict[str, float | None]] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.extensions["timeout"]))
        raise httpx.ConnectTimeout("timed out")

    client = make(transport=httpx.MockTransport(record), timeout=20.0, connect_timeout=2.0)
    with pytest.raises(RallyUnreachable):
        client.scope()
    assert seen[0]["connect"] == 2.0
    assert seen[0]["read"] == 20.0


def test_a_refused_connection_is_final(make: Callable[..., RallyClient], clock: FakeClock) -> None:
    """Nobody listens there: asking again cannot help, so it is not asked again."""
    client = make(transport=httpx.MockTransport(refuse))
    with pytest.raises(RallyUnreachable) as info:
        client.scope()
    assert "Connection refused" in info.value.message
    assert "RALLY_URL" in (info.value.hint or "")
    assert clock.sleeps == []


def test_unreachable_after_retries(make: Callable[..., RallyClient], clock: FakeClock) -> None:
    """No answer to the connection at all (a dropped SYN) may be a passing outage: retried."""

    def silent(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out")

    client = make(transport=httpx.MockTransport(silent))
    with pytest.raises(RallyUnreachable) as info:
        client.scope()
    assert "gave up after 10 tries" in info.value.message
    assert len(clock.sleeps) == 9  # max_attempts 10


def test_lost_create_reply_is_not_resent_by_default(
    fake: FakeRally, make: Callable[..., RallyClient]
) -> None:
    client = make()
    client.scope()

    def applied_then_dropped(request: httpx.Request) -> httpx.Response:
        fake._route(request)  # the server acts, then the connection drops
        raise httpx.ReadError("Connection reset by peer")

    fake.faults.append(applied_then_dropped)
    with pytest.raises(RallyRetryableError) as info:
        client.wire.create("HierarchicalRequirement", {"Name": "Once"})
    assert "may or may not have been applied" in info.value.message
    assert len(fake.objects["hierarchicalrequirement"]) == 1


def test_lost_create_reply_is_found_with_dedupe(
    fake: FakeRally, make: Callable[..., RallyClient]
) -> None:
    client = make()
    client.scope()

    def applied_then_dropped(request: httpx.Request) -> httpx.Response:
        fake._route(request)
        raise httpx.ReadError("Connection reset by peer")

    fake.faults.append(applied_then_dropped)
    made = client.wire.create("Changeset", {"Revision": "abc"}, dedupe=eq("Revision", "abc"))
    assert made["Revision"] == "abc"
    assert len(fake.objects["changeset"]) == 1
    assert client.counts()["creates_recovered"] == 1

    fake.faults.append(status(502))  # not applied: the probe finds nothing, so it is resent
    made = client.wire.create("Changeset", {"Revision": "def"}, dedupe=eq("Revision", "def"))
    assert len(fake.objects["changeset"]) == 2


def test_creates_are_resent_when_the_server_did_not_act(
    fake: FakeRally, make: Callable[..., RallyClient]
) -> None:
    client = make()
    client.scope()
    fake.faults.extend([refuse, status(503), conflict])
    client.wire.create("HierarchicalRequirement", {"Name": "Once"})
    assert len(fake.objects["hierarchicalrequirement"]) == 1
    fake.faults.append(drop)
    client.wire.create("HierarchicalRequirement", {"Name": "Maybe twice"}, resend=True)
    assert len(fake.objects["hierarchicalrequirement"]) == 2


def test_lost_delete_reply_counts_as_done(
    fake: FakeRally, make: Callable[..., RallyClient]
) -> None:
    client = make()
    story = client.wire.create("HierarchicalRequirement", {"Name": "A"})

    def applied_then_dropped(request: httpx.Request) -> httpx.Response:
        fake._route(request)
        raise httpx.ReadTimeout("timed out")

    fake.faults.append(applied_then_dropped)
    client.delete(story)
    assert fake.objects["hierarchicalrequirement"] == {}


# --- secrets --------------------------------------------------------------------------------


def test_the_key_never_appears_in_errors_or_repr(make: Callable[..., RallyClient]) -> None:
    def echo_key(request: httpx.Request) -> httpx.Response:
        key = request.headers["ZSESSIONID"]
        return reply(
            envelope(
                "OperationResult", [f"Validation error: bad key {key}"], Warnings=[f"key was {key}"]
            )
        )

    seen: list[str] = []
    client = make(transport=httpx.MockTransport(echo_key), warn=seen.append)
    with pytest.raises(PantheonError) as info:
        client.scope()
    shown = " ".join(
        [
            info.value.message,
            info.value.hint or "",
            repr(client),
            repr(info.value),
            *seen,
            repr(client.session),
        ]
    )
    assert KEY not in shown
    assert "***" in info.value.message


def test_the_cap_holds_across_threads_sharing_one_client(
    make: Callable[..., RallyClient],
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    fake, client = slow_rally(make, 400, latency=0.01, concurrency=2)
    client.scope()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda _: client.wire.query("HierarchicalRequirement", pagesize=50), range(4))
        )
    assert [len(r) for r in results] == [400] * 4
    assert fake.max_in_flight == 2


def test_one_deadline_bounds_every_request_and_their_timeouts(
    fake: FakeRally, make: Callable[..., RallyClient], clock: FakeClock
) -> None:
    """The command's deadline (`until`) spans requests: each attempt's timeout is what is
    left of it, and once it has passed nothing more is sent."""
    until = Deadline.after(10.0, clock=clock, owner="pantheon ci")
    client = make(until=until, timeout=30.0)
    client.scope()
    sent: list[tuple[float, float | None]] = []

    def slow(request: httpx.Request) -> httpx.Response:
        sent.append((clock.now, request.extensions["timeout"]["read"]))
        clock.now += 4.0
        return httpx.Response(503, text="busy")

    fake.faults.extend([slow] * 50)
    with pytest.raises(RallyRetryableError) as info:
        client.wire.query("HierarchicalRequirement")
    assert "the 10 s deadline of pantheon ci" in info.value.message
    assert all(at < until.at for at, _ in sent)
    assert all(read is not None and read <= until.at - at + 1e-9 for at, read in sent)
    with pytest.raises(RallyRetryableError) as late:
        client.wire.query("HierarchicalRequirement")
    assert "has passed" in late.value.message
