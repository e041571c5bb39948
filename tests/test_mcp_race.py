"""Many agents, one backlog: eight agents, each with its own ``pantheon mcp`` server process
and identity, call ``checkout`` on the same story at the same moment. Exactly one holds it
afterwards; every other gets the refusal (refused, or lost when it wrote its lock and then saw
the winner's) as a tool error whose structured content lists free alternatives.

The emulator runs as its own process with latency and jitter, as in test_checkout_race. The
servers are started and initialized first; then all eight calls go out from one event loop
at once, so the race is between the calls, not between the servers' start-ups. Lock timings
are roomy (T = 2 s, D = 2.5 s) so that a server the busy 2-core machine leaves unscheduled
does not void its attempt.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp import Client

from tests.support.locks import rally_fields
from tests.support.mcp import TIMEOUT, server_env, stdio

AGENTS = 8
STORY = "US-122"
ROOMY = {"PANTHEON_LOCK_WRITE_BOUND": "2.0", "PANTHEON_LOCK_SETTLE_DELAY": "2.5"}


async def _race(servers: list[Any]) -> list[types.CallToolResult]:
    results: list[types.CallToolResult | None] = [None] * len(servers)
    ready = 0
    go = anyio.Event()

    async def agent(index: int) -> None:
        nonlocal ready
        async with Client(servers[index], mode="legacy", read_timeout_seconds=TIMEOUT) as client:
            await client.list_tools()
            ready += 1
            await go.wait()
            results[index] = await client.call_tool("checkout", {"story": STORY, "branch": False})

    async with anyio.create_task_group() as group:
        for index in range(len(servers)):
            group.start_soon(agent, index)
        with anyio.fail_after(TIMEOUT):
            while ready < len(servers):
                await anyio.sleep(0.02)
        go.set()
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def test_eight_agents_one_story_exactly_one_wins(
    rally_process_factory: Any, tmp_path: Path
) -> None:
    rally = rally_process_factory(latency_ms=20, jitter_ms=20)
    users = [f"agent{i}@example.com" for i in range(AGENTS)]
    servers = []
    for user in users:
        rally.control("POST", "users", {"email": user})  # checkout makes the winner the Owner
        folder = tmp_path / user.split("@")[0]
        folder.mkdir()
        servers.append(stdio(folder, server_env(rally, user, **ROOMY)))

    results = anyio.run(_race, servers)

    winners = [(u, r) for u, r in zip(users, results, strict=True) if not r.is_error]
    assert len(winners) == 1, [(r.is_error, r.content) for r in results]
    winner, won = winners[0]
    assert won.structured_content["locked_by"] == winner  # type: ignore[index]
    outcomes: Counter[str] = Counter()
    for user, result in zip(users, results, strict=True):
        if user == winner:
            continue
        doc = result.structured_content
        assert doc is not None, result.content
        assert (result.meta or {})["pantheon/exit_code"] == 1
        assert doc["locked"] is False
        assert doc["locked_by"] == winner, (user, doc)
        assert doc["alternatives"], doc
        assert STORY not in {a["story"] for a in doc["alternatives"]}
        outcomes[doc["outcome"]] += 1
    assert set(outcomes) <= {"refused", "lost"}
    assert sum(outcomes.values()) == AGENTS - 1
    assert rally_fields(rally, STORY)["c_LockedBy"] == winner
