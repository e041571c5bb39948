"""The emulator on a socket: a ThreadingHTTPServer speaking HTTP/1.1 with keep-alive."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from pantheon_git.rally.emulator.app import Emulator, Options, mock_transport
from pantheon_git.rally.emulator.faults import FaultSettings
from pantheon_git.rally.emulator.store import Store
from pantheon_git.rally.emulator.wire import Request, Response
from pantheon_git.rally.emulator.workspace import WorkspaceSettings

MAX_BODY = 32 * 1024 * 1024
IDLE_TIMEOUT = 60.0
_HOST_RE = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: EmulatorServer
    timeout = IDLE_TIMEOUT
    """Seconds a connection may sit idle (or trickle a request) before it is closed: an idle
    keep-alive connection would otherwise hold its thread for ever."""

    def setup(self) -> None:
        super().setup()
        # headers and body go out in separate writes: without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every reply on a keep-alive connection
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        body = self._body()
        if body is None:
            self.close_connection = True
            return
        host = self._host()
        request = Request(
            method=self.command,
            target=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base=f"http://{host}",
        )
        reply = self.server.emulator.handle(request)
        if reply.delay:
            self.server.emulator.sleep(reply.delay)
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(reply)

    def _body(self) -> bytes | None:
        """The request body (``Content-Length`` or chunked), or ``None`` after refusing it."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._send(Response(413 if length > 0 else 400, b"", content_type="text/plain"))
            return None
        return self.rfile.read(length) if length else b""

    def _chunked(self) -> bytes | None:
        body = bytearray()
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                self._send(Response(400, b"", content_type="text/plain"))
                return None
            if size < 0 or len(body) + size > MAX_BODY:
                self._send(Response(413, b"", content_type="text/plain"))
                return None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return bytes(body)
            body += self.rfile.read(size)
            self.rfile.readline(1024)

    def _host(self) -> str:
        """The address the client used, for absolute ``_ref``s: the ``Host`` header when it is
        a plain host[:port] (it is copied into every reply), else the listening address."""
        host = self.headers.get("Host") or ""
        if not _HOST_RE.fullmatch(host):
            host = "{}:{}".format(*self.server.server_address[:2])
        return host

    def _send(self, reply: Response) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, emulator: Emulator, host: str, port: int, *, verbose: bool = False):
        self.emulator = emulator
        self.verbose = verbose
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class EmulatorHandle:
    """A running emulator: ``.url``, ``.api_key``, ``.workspace``, ``.project``, ``.stop()``.

    Use it as a context manager. ``.emulator`` is the handler core (its ``.store`` holds the
    data); ``.transport()`` gives an ``httpx.MockTransport`` over the same emulator.
    """

    def __init__(self, server: EmulatorServer, thread: threading.Thread, *, own_store: bool):
        self.server = server
        self.thread = thread
        self.emulator = server.emulator
        self._own_store = own_store

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def api_key(self) -> str:
        return self.emulator.options.api_key

    @property
    def workspace(self) -> str:
        return self.emulator.workspace

    @property
    def project(self) -> str:
        return self.emulator.project

    @property
    def store(self) -> Store:
        return self.emulator.store

    def env(self) -> dict[str, str]:
        """The environment a client uses to reach this emulator."""
        return {
            "RALLY_URL": self.url,
            "RALLY_API_KEY": self.api_key,
            "RALLY_WORKSPACE": self.workspace,
            "RALLY_PROJECT": self.project,
        }

    def control(self, method: str, route: str, body: Any = None) -> Any:
        """Call the ``/_emulator/<route>`` control plane (in-process, no socket)."""
        payload = b"" if body is None else json.dumps(body).encode()
        reply = self.emulator.handle(
            Request(method, f"/_emulator/{route}", {}, payload, base=self.url)
        )
        return json.loads(reply.body)

    def transport(self) -> Any:
        return mock_transport(self.emulator)

    def seed(self, **kwargs: Any) -> dict[str, Any]:
        """Bulk stories straight into the store; see :meth:`Emulator.seed`."""
        return self.emulator.seed(**kwargs)

    def configure(self, **settings: Any) -> None:
        """Change latency_ms, jitter_ms, fault_rate or fault_seed while running."""
        faults = self.emulator.faults
        faults.configure(replace(faults.settings, **settings))

    def configure_workspace(self, **changes: Any) -> WorkspaceSettings:
        """Change how the workspace behaves while running (``date_precision``...)."""
        settings = self.emulator.options.settings.changed(changes)
        self.emulator.configure_workspace(settings)
        return settings

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join(timeout=10)
        self.server.server_close()
        if self._own_store:
            self.store.close()

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    data: str | None = None,
    api_key: str = "demo",
    user: str | None = None,
    workspace: str | None = None,
    project: str | None = None,
    seed: str | None = None,
    custom_fields: dict[str, str] | None = None,
    latency_ms: float = 0,
    jitter_ms: float = 0,
    fault_rate: float = 0,
    fault_seed: int | None = None,
    settings: WorkspaceSettings | None = None,
    verbose: bool = False,
    clock: Callable[[], datetime] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> EmulatorHandle:
    """Start an emulator on a background thread (``port=0``: any free port). ``settings``: how
    the workspace behaves (``workspace.py``); ``clock`` and ``sleep``: Rally's time and how
    latency is waited out (see :class:`Emulator`)."""
    options = Options(
        api_key=api_key,
        user=user,
        workspace=workspace,
        project=project,
        seed=seed,
        custom_fields=custom_fields,
        faults=FaultSettings(latency_ms, jitter_ms, fault_rate, fault_seed),
        settings=settings or WorkspaceSettings(),
    )
    store = Store(data)
    try:
        emulator = Emulator(store, options, clock=clock, sleep=sleep)
        server = EmulatorServer(emulator, host, port, verbose=verbose)
    except BaseException:
        store.close()
        raise
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        daemon=True,
        name=f"rally-emulator-{server.server_address[1]}",
    )
    thread.start()
    return EmulatorHandle(server, thread, own_store=True)
