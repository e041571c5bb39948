"""A hostile HTTP server for tests: it accepts connections and then misbehaves on purpose.

Modes:

- ``silent``: reads the request and never answers (the connection stays open);
- ``trickle``: sends the status line and headers, then one byte of body every ``interval``;
- ``trickle-headers``: sends the status line and headers one byte every ``interval``;
- ``huge``: a 200 reply whose JSON body is ``size`` bytes, sent as fast as the socket takes;
- ``gzip-bomb``: a small gzip body that inflates to ``size`` bytes of JSON;
- ``reply``: answers every request with ``body`` (bytes) and ``headers``.

``refused_url()`` is an address where nothing listens (a definite failure).

    with HostileServer("silent") as server:
        env = {"RALLY_URL": server.url, ...}
"""

from __future__ import annotations

import gzip
import socket
import threading
from collections.abc import Mapping
from types import TracebackType


class HostileServer:
    def __init__(
        self,
        mode: str,
        *,
        interval: float = 0.5,
        size: int = 64 << 20,
        body: bytes = b"{}",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.mode = mode
        self.interval = interval
        self.size = size
        self.body = body
        self.headers = dict(headers or {})
        self.requests = 0
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._bomb = (
            gzip.compress(self._json_of(size), compresslevel=9) if mode == "gzip-bomb" else b""
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def __enter__(self) -> HostileServer:
        acceptor = threading.Thread(target=self._accept, daemon=True)
        acceptor.start()
        self._threads.append(acceptor)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        with self._lock:
            for conn in self._conns:
                conn.close()

    # --- serving ---

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                if self._stop.is_set():  # accepted just as close() ran: it would never close
                    conn.close()
                    return
                self._conns.append(conn)
                self.requests += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            while not self._stop.is_set():
                if not self._read_request(conn):
                    return
                self._answer(conn)
        except OSError:
            return

    def _read_request(self, conn: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            rest += chunk
        return True

    def _answer(self, conn: socket.socket) -> None:
        mode = self.mode
        if mode == "silent":
            self._stop.wait()
            return
        if mode == "trickle":
            conn.sendall(self._head(10_000_000))
            while not self._stop.wait(self.interval):
                conn.sendall(b" ")
            return
        if mode == "trickle-headers":
            for byte in self._head(2):
                if self._stop.wait(self.interval):
                    return
                conn.sendall(bytes([byte]))
            conn.sendall(b"{}")
            return
        if mode == "huge":
            conn.sendall(self._head(self.size))
            opening, closing = b'{"QueryResult": {"Results": ["', b'"]}}'
            conn.sendall(opening)
            left = self.size - len(opening) - len(closing)
            block = b"a" * (1 << 20)
            while left > 0:
                conn.sendall(block[: min(len(block), left)])
                left -= len(block)
            conn.sendall(closing)
            return
        if mode == "gzip-bomb":
            conn.sendall(self._head(len(self._bomb), {"Content-Encoding": "gzip"}))
            conn.sendall(self._bomb)
            return
        conn.sendall(self._head(len(self.body), self.headers) + self.body)

    def _head(self, length: int, extra: Mapping[str, str] | None = None) -> bytes:
        lines = [
            "HTTP/1.1 200 OK",
            "Content-Type: application/json",
            f"Content-Length: {length}",
            *(f"{k}: {v}" for k, v in (extra or {}).items()),
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    @staticmethod
    def _json_of(size: int) -> bytes:
        opening = b'{"QueryResult": {"Results": ["'
        closing = b'"]}}'
        return opening + b"a" * max(0, size - len(opening) - len(closing)) + closing


def refused_url() -> str:
    """An address on this machine where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
