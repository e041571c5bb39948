"""The write order under failure: Rally goes away after the story update and before the note.

The emulator runs in-process behind a transport that drops the connection for chosen requests
(a real emulator, a real client; only the network is cut). The run exits 5 and says what was
written; a rerun with the network back writes only what is missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from pantheon_git.app import App
from pantheon_git.config import load_config
from pantheon_git.features.ci.run import CiRequest, run_ci
from pantheon_git.rally.client import RallyClient
from tests.support.ghevents import HEAD_SHA, pr_event
from tests.support.gitrepo import GitRepo

IDENTITIES = {"Codertocat": "alice@example.com"}
"""The payloads' author, mapped: `pantheon ci` writes nothing for an unknown author."""


class CutTransport(httpx.BaseTransport):
    """Pass requests to the emulator, except those ``cut`` says to drop."""

    def __init__(self, inner: httpx.BaseTransport, cut: Callable[[httpx.Request], bool]) -> None:
        self.inner = inner
        self.cut = cut
        self.dropped = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.cut(request):
            self.dropped += 1
            raise httpx.ConnectError("connection refused", request=request)
        return self.inner.handle_request(request)


def app_for(repo: Path, handle: Any, cut: Callable[[httpx.Request], bool]) -> App:
    env = {**handle.env(), "PANTHEON_RALLY_DEADLINE": "1", "PANTHEON_RALLY_TIMEOUT": "1"}
    config = replace(load_config(cwd=repo, environ=env), identities=IDENTITIES)
    app = App(config=config, root=repo)
    app._rally = RallyClient.from_config(config, transport=CutTransport(handle.transport(), cut))
    return app


def story(handle: Any) -> dict[str, Any]:
    client = RallyClient.from_config(
        load_config(environ=handle.env()), transport=handle.transport()
    )
    try:
        item = client.wire.find_story(
            "US-121", fetch=("c_PantheonStatus", "c_CommitSHA", "VersionId")
        )
        posts = client.wire.collection(item["_ref"], "Discussion", fetch=("Text",))
    finally:
        client.close()
    return {**item, "posts": posts}


def test_rally_lost_before_the_note_then_rerun_finishes(
    git_repo: GitRepo, tmp_path: Path, rally_thread: Any
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps(pr_event(branch="story/US-121-add-login-endpoint")))
    request = CiRequest("pull_request", str(event), repository="Codertocat/Hello-World")

    def cut_posts(req: httpx.Request) -> bool:
        return req.method == "POST" and "conversationpost/create" in req.url.path.lower()

    app = app_for(git_repo.path, rally_thread, cut_posts)
    try:
        first = run_ci(app, request, warn=lambda message: None)
    finally:
        app.close()
    assert first.exit_code == 5
    assert first.error is not None
    assert "US-121 itself was updated" in first.error.message
    said = first.outcome.notices[-1].text
    assert "Written to Rally: US-121 fields (ScheduleState, c_Branch, c_CommitSHA" in said
    assert "Not written: US-121 discussion note and what follows it" in said
    after_first = story(rally_thread)
    assert after_first["c_PantheonStatus"] == "Code Review"
    assert after_first["c_CommitSHA"] == HEAD_SHA
    assert after_first["posts"] == []

    app = app_for(git_repo.path, rally_thread, lambda req: False)
    try:
        second = run_ci(app, request, warn=lambda message: None)
    finally:
        app.close()
    assert second.exit_code == 0
    after_second = story(rally_thread)
    assert after_second["VersionId"] == after_first["VersionId"]  # the story was not rewritten
    assert len(after_second["posts"]) == 1
    assert second.outcome.notes == {"US-121": "posted"}


def test_rally_lost_at_the_first_read_writes_nothing(
    git_repo: GitRepo, tmp_path: Path, rally_thread: Any
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps(pr_event(branch="story/US-121-add-login-endpoint")))
    request = CiRequest("pull_request", str(event), repository="Codertocat/Hello-World")
    before = story(rally_thread)
    app = app_for(git_repo.path, rally_thread, lambda req: True)
    try:
        result = run_ci(app, request, warn=lambda message: None)
    finally:
        app.close()
    assert result.exit_code == 5
    assert "Nothing was written" in result.outcome.notices[-1].text
    assert story(rally_thread)["VersionId"] == before["VersionId"]
