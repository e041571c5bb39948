"""Every socket wait of a Rally request held to its deadline.

httpx's timeouts bound each socket operation, not the request: a server that sends a byte a
second (in the headers or the body) never trips a read timeout, and a name lookup has no
timeout at all. This network backend, put under the HTTP connection pool, gives every lookup,
connect, read and write at most what is left of the deadline of the request running in the
calling thread (``bounded``), and fails the operation once nothing is left.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

from pantheon_git.core.deadline import Deadline

_current = threading.local()


@contextlib.contextmanager
def bounded(deadline: Deadline) -> Iterator[None]:
    """Hold the socket waits of this thread to ``deadline`` while the block runs."""
    previous = getattr(_current, "deadline", None)
    _current.deadline = deadline
    try:
        yield
    finally:
        _current.deadline = previous


def _left(error: type[Exception], what: str) -> float | None:
    deadline: Deadline | None = getattr(_current, "deadline", None)
    if deadline is None or not deadline.bounded:
        return None
    left = deadline.remaining()
    if left <= 0:
        raise error(f"{what}: no time left, {deadline.describe()} has passed")
    return left


def _clamp(timeout: float | None, error: type[Exception], what: str) -> float | None:
    left = _left(error, what)
    if left is None:
        return timeout
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout, "reading"))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout, "sending"))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        wait = _clamp(timeout, httpcore.ConnectTimeout, "TLS handshake")
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, wait))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve(host, port, _left(httpcore.ConnectTimeout, "name lookup"))
        failure: Exception | None = None
        for address in addresses:
            wait = _clamp(timeout, httpcore.ConnectTimeout, "connecting")
            try:
                stream = self._inner.connect_tcp(address, port, wait, local_address, socket_options)
            except httpcore.ConnectError as exc:  # the next address may answer
                failure = exc
                continue
            return DeadlineStream(stream)
        assert failure is not None  # resolve() returns at least one address
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        wait = _clamp(timeout, httpcore.ConnectTimeout, "connecting")
        return DeadlineStream(self._inner.connect_unix_socket(path, wait, socket_options))

    def sleep(self, seconds: float) -> None:
        left = _left(httpcore.ConnectTimeout, "waiting to connect again")
        self._inner.sleep(seconds if left is None else min(seconds, left))


def resolve(host: str, port: int, wait: float | None) -> list[str]:
    """The addresses of ``host`` (an address is its own), looked up within ``wait`` seconds.

    The lookup runs on a helper thread because the resolver has no timeout of its own; a lookup
    still running when the wait ends is left to finish on its own."""
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(host)
        return [host]
    found: list[Any] = []
    failed: list[BaseException] = []

    def lookup() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the waiting thread
            failed.append(exc)

    worker = threading.Thread(target=lookup, name="rally-dns", daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(None if wait is None or math.isinf(wait) else wait)
    if worker.is_alive():
        raise httpcore.ConnectTimeout(
            f"looking up {host} took longer than {time.monotonic() - started:.1f}s"
        )
    if failed:
        raise httpcore.ConnectError(str(failed[0])) from failed[0]
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses:
        raise httpcore.ConnectError(f"no address for {host}")
    return addresses


def install(client: httpx.Client) -> int:
    """Put the deadline backend under every connection pool of ``client`` (its own and the
    proxies' it mounted from the environment); returns how many pools it went under.

    httpx has no public way to choose the network backend of the pools it builds, so this
    reaches the pool's ``_network_backend``; tests against a trickling server check it holds."""
    transports = [client._transport, *client._mounts.values()]
    done = 0
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        inner = getattr(pool, "_network_backend", None)
        if isinstance(inner, httpcore.NetworkBackend) and not isinstance(inner, DeadlineBackend):
            pool._network_backend = DeadlineBackend(inner)  # type: ignore[union-attr]
            done += 1
    return done
