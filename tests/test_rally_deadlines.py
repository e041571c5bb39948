"""Every wait of a Rally request is held to a deadline, over real sockets to a hostile server:
a server that never answers, one that trickles its reply a byte at a time (body or headers),
huge and decompression-bomb replies, refused connections and unknown names."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import httpcore
import pytest

from pantheon_git.core.deadline import Deadline
from pantheon_git.errors import RallyError, RallyRetryableError, RallyTimeout, RallyUnreachable
from pantheon_git.rally import body as body_reader
from pantheon_git.rally import sockets
from pantheon_git.rally.backoff import Backoff
from pantheon_git.rally.session import Session
from tests.support.hostile import HostileServer, refused_url

QUICK = Backoff(base=0.05, cap=0.2, max_attempts=3)
SLACK = 1.5
"""Seconds a deadline may be overrun by (thread start, one socket poll)."""


@pytest.fixture
def hostile(request: pytest.FixtureRequest) -> Iterator[HostileServer]:
    mode, options = request.param if isinstance(request.param, tuple) else (request.param, {})
    with HostileServer(mode, **options) as server:
        yield server


def session(url: str, **options: Any) -> Session:
    settings: dict[str, Any] = {"timeout": 30.0, "deadline": 120.0, "backoff": QUICK}
    settings.update(options)
    return Session(url, "k" * 20, **settings)


def timed(s: Session, **options: Any) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        s.request("GET", "/subscription", **options)
    except Exception as exc:
        return time.monotonic() - started, exc
    finally:
        s.close()
    return time.monotonic() - started, None


@pytest.mark.parametrize("hostile", ["silent", "trickle", "trickle-headers"], indirect=True)
def test_one_try_ends_at_its_timeout_whatever_the_server_sends(hostile: HostileServer) -> None:
    """httpx's timeouts bound each read: a byte a second would hold them forever."""
    took, error = timed(session(hostile.url, timeout=1.0, deadline=1.0))
    assert isinstance(error, RallyRetryableError)
    assert took < 1.0 + SLACK


@pytest.mark.parametrize("hostile", ["silent", "trickle", "trickle-headers"], indirect=True)
def test_the_commands_deadline_ends_a_request_and_its_retries(hostile: HostileServer) -> None:
    until = Deadline.after(1.5, setting="lock_deadline")
    took, error = timed(session(hostile.url, until=until))
    assert isinstance(error, RallyRetryableError)
    assert took < 1.5 + SLACK
    assert "lock_deadline" in (error.hint or "")
    assert error.exit_code == 5


@pytest.mark.parametrize("hostile", ["silent"], indirect=True)
def test_an_expired_deadline_sends_nothing(hostile: HostileServer) -> None:
    until = Deadline.after(0.0, setting="lock_deadline")
    took, error = timed(session(hostile.url, until=until))
    assert isinstance(error, RallyTimeout)
    assert hostile.requests == 0
    assert took < SLACK


def capped_read(hostile: HostileServer) -> tuple[BaseException | None, int]:
    """The error of one request capped at 4 MB, and the peak memory it took."""
    tracemalloc.start()
    try:
        _, error = timed(session(hostile.url, max_reply=4 << 20))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return error, peak


@pytest.mark.parametrize("hostile", [("huge", {"size": 48 << 20})], indirect=True)
def test_a_reply_over_the_cap_is_refused_without_holding_it(hostile: HostileServer) -> None:
    error, peak = capped_read(hostile)
    assert isinstance(error, RallyError)
    assert "larger than 4 MB" in error.message
    assert "rally_max_reply_mb" in error.message
    assert peak < 24 << 20  # read up to the cap, never the whole 48 MB


@pytest.mark.parametrize("hostile", [("gzip-bomb", {"size": 64 << 20})], indirect=True)
def test_a_gzip_bomb_is_inflated_only_up_to_the_cap(hostile: HostileServer) -> None:
    error, peak = capped_read(hostile)
    assert isinstance(error, RallyError)
    assert "larger than 4 MB" in error.message
    assert peak < 24 << 20


def test_a_gzip_reply_within_the_cap_is_read() -> None:
    doc = b'{"Subscription": {"_ref": "x", "Name": "S", "Errors": [], "Warnings": []}}'
    packed = gzip.compress(doc)
    with HostileServer("reply", body=packed, headers={"Content-Encoding": "gzip"}) as server:
        s = session(server.url)
        try:
            env = s.request("GET", "/subscription")
        finally:
            s.close()
    assert env.key == "Subscription"


def test_an_unknown_content_encoding_is_a_clear_error() -> None:
    with HostileServer("reply", body=b"\x00\x01", headers={"Content-Encoding": "br"}) as server:
        _, error = timed(session(server.url))
    assert isinstance(error, RallyError)
    assert "Content-Encoding 'br'" in error.message


def test_a_refused_connection_fails_at_once() -> None:
    took, error = timed(session(refused_url()))
    assert isinstance(error, RallyUnreachable)
    assert "gave up" not in error.message  # no retries: nobody listens there
    assert took < SLACK


def test_an_unknown_name_fails_at_once() -> None:
    took, error = timed(session("http://pantheon-no-such-host.invalid"))
    assert isinstance(error, RallyUnreachable)
    assert "gave up" not in error.message
    assert took < 3.0


def test_a_name_lookup_that_hangs_is_held_to_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The resolver has no timeout of its own (a dead DNS server takes tens of seconds)."""
    release = threading.Event()

    def hang(*args: Any, **kwargs: Any) -> Any:
        release.wait(30)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", hang)
    try:
        with (
            sockets.bounded(Deadline.after(0.5)),
            pytest.raises(httpcore.ConnectTimeout, match="looking up"),
        ):
            sockets.resolve("rally.example.com", 443, 0.5)
    finally:
        release.set()


def test_every_pool_of_the_client_gets_the_deadline_backend() -> None:
    s = session("http://127.0.0.1:9")
    try:
        pool = s._http._transport._pool  # type: ignore[attr-defined]
        assert isinstance(pool._network_backend, sockets.DeadlineBackend)
    finally:
        s.close()


def _zlib(data: bytes) -> bytes:
    return zlib.compress(data)


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [("gzip", gzip.compress), ("deflate", _zlib), ("deflate", _raw_deflate), (None, bytes)],
    ids=["gzip", "deflate", "raw-deflate", "identity"],
)
def test_read_capped_decodes_what_it_asks_for(
    encoding: str | None, pack: Callable[[bytes], bytes]
) -> None:
    data = b"x" * 100_000
    packed = pack(data)
    chunks = [packed[i : i + 1000] for i in range(0, len(packed), 1000)]
    assert body_reader.read_capped(chunks, encoding, 200_000) == data
    with pytest.raises(body_reader.TooLarge):
        body_reader.read_capped(chunks, encoding, 50_000)


def test_broken_compressed_data_is_a_bad_encoding() -> None:
    with pytest.raises(body_reader.BadEncoding):
        body_reader.read_capped([b"not gzip at all"], "gzip", 1000)
