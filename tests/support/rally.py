"""Fixtures that run the Rally emulator: as a real subprocess, or on a background thread.

Subprocess (the real thing: ``pantheon rally serve --port 0``, what hooks and other processes
talk to)::

    def test_x(rally_process):                 # demo backlog, no faults
        client_env = rally_process.env()       # RALLY_URL, RALLY_API_KEY, RALLY_WORKSPACE, ...

    def test_y(rally_process_factory):
        server = rally_process_factory(fault_rate=0.3, fault_seed=7, latency_ms=5)
        server.control("POST", "seed", {"stories": 5000, "epics": 10})

Thread (same server code in this process; faster to start, and ``.emulator.store`` is there
for direct inspection)::

    def test_z(rally_thread):                  # demo backlog
        rally_thread.url, rally_thread.api_key

    def test_w(rally_thread_factory):
        handle = rally_thread_factory(seed=None, custom_fields={})   # a workspace without c_ fields
        handle.seed(stories=10_000, epics=20, tasks_per_story=3, predecessors=2)

For raw WSAPI calls in tests, ``Wsapi(server)`` (or the ``wsapi`` fixture, over ``rally_thread``)
is a bare httpx caller: ``wsapi.get("hierarchicalrequirement", query=..., fetch=...)`` returns
the decoded JSON reply, nothing more.

Both kinds are stopped at teardown. Both have ``env()`` (the RALLY_* variables a client needs)
and ``control(method, route, body=None)`` for the ``/_emulator/`` control plane (stats,
reset, config, seed, users).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from pantheon_git.rally.emulator.server import EmulatorHandle, start
from pantheon_git.rally.emulator.workspace import PRECISIONS, WorkspaceSettings

WORKSPACES = [
    WorkspaceSettings(date_precision=precision, task_rollup=rollup)
    for precision in PRECISIONS
    for rollup in (True, False)
]
"""The matrix of workspace variants the product must work in: every custom DATE precision
(Rally's is unknown, research §10.8) with and without task rollup (§10.2)."""

STARTUP_TIMEOUT = 30.0
BANNER = "Rally emulator listening on "


def control_call(
    url: str, method: str, route: str, body: Any = None, *, timeout: float = 60
) -> Any:
    """Call ``/_emulator/<route>`` on a running emulator; returns the decoded JSON reply."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{url}/_emulator/{route}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.loads(reply.read())


@dataclass
class RallyProcess:
    """A ``pantheon rally serve`` subprocess.

    ``url`` (``http://127.0.0.1:PORT``), ``api_key``, ``workspace``, ``project``,
    ``proc`` (the Popen), ``stderr_path`` (its stderr, for debugging), ``banner`` (stdout lines
    read so far). ``stop()`` sends SIGTERM and returns the exit code.
    """

    proc: subprocess.Popen[str]
    url: str
    api_key: str
    workspace: str
    project: str
    stderr_path: Path
    banner: list[str] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        """The environment a client uses to reach this emulator."""
        return {
            "RALLY_URL": self.url,
            "RALLY_API_KEY": self.api_key,
            "RALLY_WORKSPACE": self.workspace,
            "RALLY_PROJECT": self.project,
        }

    def control(self, method: str, route: str, body: Any = None, *, timeout: float = 60) -> Any:
        return control_call(self.url, method, route, body, timeout=timeout)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        return self.proc.returncode


def _read_banner(proc: subprocess.Popen[str], stderr_path: Path) -> list[str]:
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for _ in range(2):
            line = proc.stdout.readline()
            if not line:
                return
            lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(STARTUP_TIMEOUT)
    if not lines or not lines[0].startswith(BANNER):
        proc.kill()
        proc.wait()
        raise RuntimeError(
            f"emulator did not start: stdout {lines!r}, stderr {stderr_path.read_text()!r}"
        )
    return lines


def spawn_rally(
    tmp_dir: Path,
    *,
    seed: str | None = "demo",
    data: str | Path | None = None,
    api_key: str = "demo",
    workspace: str | None = None,
    project: str | None = None,
    latency_ms: float = 0,
    jitter_ms: float = 0,
    fault_rate: float = 0,
    fault_seed: int | None = None,
    no_custom_fields: bool = False,
    extra_args: tuple[str, ...] = (),
) -> RallyProcess:
    """Start ``pantheon rally serve --port 0`` and wait for its first stdout line."""
    argv = [sys.executable, "-m", "pantheon_git", "rally", "serve", "--port", "0"]
    argv += ["--api-key", api_key]
    for flag, value in (
        ("--seed", seed),
        ("--data", data),
        ("--workspace", workspace),
        ("--project", project),
        ("--fault-seed", fault_seed),
    ):
        if value is not None:
            argv += [flag, str(value)]
    argv += ["--latency-ms", str(latency_ms), "--jitter-ms", str(jitter_ms)]
    argv += ["--fault-rate", str(fault_rate)]
    if no_custom_fields:
        argv.append("--no-custom-fields")
    argv += list(extra_args)
    tmp_dir.mkdir(parents=True, exist_ok=True)
    stderr_path = tmp_dir / f"rally-serve-{os.getpid()}-{len(list(tmp_dir.iterdir()))}.err"
    with stderr_path.open("w") as stderr:
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=stderr, text=True, stdin=subprocess.DEVNULL
        )
    banner = _read_banner(proc, stderr_path)
    url = banner[0][len(BANNER) :].strip()
    info = control_call(url, "GET", "info")
    return RallyProcess(proc, url, api_key, info["workspace"], info["project"], stderr_path, banner)


@pytest.fixture
def rally_process_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., RallyProcess]]:
    """Start emulator subprocesses with any :func:`spawn_rally` options; all stop at teardown."""
    started: list[RallyProcess] = []
    tmp_dir = tmp_path_factory.mktemp("rally-serve")

    def factory(**options: Any) -> RallyProcess:
        server = spawn_rally(tmp_dir, **options)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def rally_process(rally_process_factory: Callable[..., RallyProcess]) -> RallyProcess:
    """One emulator subprocess with the demo backlog (workspace "Demo Workspace")."""
    return rally_process_factory(seed="demo")


@pytest.fixture
def rally_thread_factory() -> Iterator[Callable[..., EmulatorHandle]]:
    """Start emulators on background threads with any ``start()`` options (``seed`` defaults
    to ``"demo"``; pass ``seed=None`` for an empty project); all stop at teardown."""
    started: list[EmulatorHandle] = []

    def factory(**options: Any) -> EmulatorHandle:
        options.setdefault("seed", "demo")
        handle = start(**options)
        started.append(handle)
        return handle

    yield factory
    for handle in started:
        handle.stop()


@pytest.fixture
def rally_thread(rally_thread_factory: Callable[..., EmulatorHandle]) -> EmulatorHandle:
    """One in-thread emulator with the demo backlog."""
    return rally_thread_factory()


class Wsapi:
    """A bare WSAPI caller for tests: no retries, no error mapping, just the decoded reply.

    ``get/post/put/delete(path, body=None, **params)`` take a path under
    ``/slm/webservice/v2.0/``; ``raw(...)`` returns the ``httpx.Response`` itself.
    """

    def __init__(self, server: Any, *, api_key: str | None = None) -> None:
        self.http = httpx.Client(
            base_url=f"{server.url}/slm/webservice/v2.0/",
            headers={"ZSESSIONID": api_key or server.api_key},
            timeout=60,
        )

    def raw(self, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        content = None if body is None else (body if isinstance(body, bytes) else json.dumps(body))
        return self.http.request(method, path, params=params, content=content)

    def get(self, path: str, **params: Any) -> Any:
        return self.raw("GET", path, **params).json()

    def post(self, path: str, body: Any = None, **params: Any) -> Any:
        return self.raw("POST", path, body, **params).json()

    def put(self, path: str, body: Any = None, **params: Any) -> Any:
        return self.raw("PUT", path, body, **params).json()

    def delete(self, path: str, **params: Any) -> Any:
        return self.raw("DELETE", path, **params).json()

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def wsapi(rally_thread: EmulatorHandle) -> Iterator[Wsapi]:
    """A :class:`Wsapi` caller on ``rally_thread`` (the demo backlog)."""
    caller = Wsapi(rally_thread)
    yield caller
    caller.close()
