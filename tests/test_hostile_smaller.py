"""The smaller findings of the hostile sweep: a cached lock of the wrong shape is read again
from Rally rather than judged; a rollback killed half-way is listed as such; sync's retries
are shown with -v; and the emulator bounds idle connections, reads chunked bodies, keeps a
hostile Host header out of its refs, and answers a body nested too deeply as Rally does
(HTTP 200 with Errors)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from pantheon_git.rally.emulator import server as emulator_server
from tests.support.gitrepo import GitRepo
from tests.support.hooks import ALICE, hook, lock_in_rally, now, rally_env, seed_lock
from tests.support.hostile import refused_url
from tests.support.sync import CLI, point_at


@pytest.mark.parametrize(
    "lock",
    [
        {"holder": 123, "expires": "2030-01-01T00:00:00.000Z"},
        {"holder": "bob@example.com", "expires": ["not", "a", "time"]},
        {"holder": "bob@example.com", "expires": "soon"},
        ["not", "a", "lock"],
    ],
    ids=["holder-int", "expires-list", "expires-text", "lock-list"],
)
def test_a_cached_lock_of_the_wrong_shape_is_read_again_from_rally(
    git_repo: GitRepo, rally_thread: Any, lock: Any
) -> None:
    """Judged as it was, it would refuse the real holder until ``lock_check_ttl``."""
    git_repo.git("checkout", "-q", "-b", "story/US-121-login")
    path = seed_lock(git_repo.path, "US-121", ALICE)
    doc = json.loads(path.read_text())
    doc["bmad"]["lock"] = lock
    path.write_text(json.dumps(doc))
    lock_in_rally(rally_thread, "US-121", ALICE, expires=now() + timedelta(hours=4))
    env = {**rally_env(rally_thread), "PANTHEON_USER": ALICE}
    proc = hook(git_repo, "pre-commit", env=env)
    assert proc.returncode == 0, proc.stderr


def test_a_rollback_that_stopped_half_way_is_not_listed_as_complete(
    repo_migrated: tuple[GitRepo, CLI], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, cli = repo_migrated
    monkeypatch.setenv("RALLY_URL", refused_url())
    code, _, err = cli("migrate", "rollback")
    assert code == 5, err
    code, out, _ = cli("migrate", "list")
    assert code == 0
    assert "rolling-back" in out
    assert "complete" not in out
    assert "pantheon migrate rollback" in out


@pytest.fixture
def repo_migrated(
    git_repo: GitRepo, rally_thread: Any, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> tuple[GitRepo, CLI]:
    point_at(rally_thread, monkeypatch)
    monkeypatch.chdir(git_repo.path)
    stories = git_repo.path / "docs" / "stories"
    stories.mkdir(parents=True)
    (stories / "9.1.story.md").write_text(
        "# Story 9.1: Audit log\n\n## Status\n\nApproved\n\n## Story\n\nAs an admin...\n\n"
        "## Acceptance Criteria\n\n1. Every change is logged\n\n## Tasks / Subtasks\n\n"
        "- [ ] Table (AC: 1)\n"
    )
    code, _, err = cli("migrate", "--epic", "F17")
    assert code == 0, err
    return git_repo, cli


def test_sync_shows_each_retry_with_v(
    rally_thread_factory: Callable[..., Any],
    git_repo: GitRepo,
    cli: CLI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = rally_thread_factory(fault_rate=0.5, fault_seed=3)
    point_at(server, monkeypatch)
    monkeypatch.chdir(git_repo.path)
    code, _, err = cli("sync", "-v")
    assert code == 0, err
    assert "trying again in" in err
    code, _, err = cli("sync", "--force")
    assert "trying again in" not in err  # without -v: the outcome only


# --- the emulator -------------------------------------------------------------------------


def test_an_idle_connection_is_closed(
    rally_thread_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emulator_server._Handler, "timeout", 0.5)
    server = rally_thread_factory()
    host, port = server.server.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as conn:
        started = time.monotonic()
        assert conn.recv(100) == b""  # closed by the server, not by our timeout
        assert time.monotonic() - started < 8


def _raw(server: Any, request: bytes) -> bytes:
    host, port = server.server.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(
            next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(
                b":"
            )[1]
        )
        while len(body) < length:
            body += conn.recv(65536)
        return head + b"\r\n\r\n" + body


def test_a_chunked_body_is_read(rally_thread: Any) -> None:
    body = json.dumps({"HierarchicalRequirement": {"Name": "Sent in chunks"}}).encode()
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + 7]), body[i : i + 7]) for i in range(0, len(body), 7)
    )
    request = (
        b"POST /slm/webservice/v2.0/hierarchicalrequirement/create HTTP/1.1\r\n"
        b"Host: 127.0.0.1\r\nZSESSIONID: demo\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunks + b"0\r\n\r\n"
    )
    reply = json.loads(_raw(rally_thread, request).partition(b"\r\n\r\n")[2])
    assert reply["CreateResult"]["Errors"] == []
    assert reply["CreateResult"]["Object"]["Name"] == "Sent in chunks"


def test_a_hostile_host_header_stays_out_of_the_refs(rally_thread: Any) -> None:
    request = (
        b"GET /slm/webservice/v2.0/subscription HTTP/1.1\r\n"
        b'Host: evil.example/"><script>x</script>\r\nZSESSIONID: demo\r\n'
        b"Connection: close\r\n\r\n"
    )
    text = _raw(rally_thread, request).decode()
    assert "evil.example" not in text
    assert "<script>" not in text
    assert rally_thread.url in text


def test_a_body_nested_too_deeply_is_rallys_error_not_a_500(rally_thread: Any) -> None:
    body = '{"HierarchicalRequirement": {"Name": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    reply = httpx.post(
        f"{rally_thread.url}/slm/webservice/v2.0/hierarchicalrequirement/create",
        content=body,
        headers={"ZSESSIONID": "demo"},
        timeout=30,
    )
    assert reply.status_code == 200
    errors = reply.json()["CreateResult"]["Errors"]
    assert errors
    assert errors[0].startswith("Cannot parse input stream")


def test_a_bug_after_the_lock_is_won_gives_the_lock_back(
    lock_env: Any, git_repo: GitRepo, pantheon: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 70 is a bug; the story must not stay locked by a checkout that never finished."""
    from pantheon_git.features.checkout import run as checkout_run
    from tests.support.locks import rally_fields

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(checkout_run.Checkout, "finish", broken)
    monkeypatch.chdir(git_repo.path)
    result = pantheon("checkout", "US-121", "--no-branch")
    assert result.code == 70
    assert not rally_fields(lock_env, "US-121").get("c_LockedBy")
