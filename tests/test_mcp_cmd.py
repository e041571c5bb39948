"""``pantheon mcp`` the command: without the extra it says how to get it (exit 3); ``--http``
serves streamable HTTP on 127.0.0.1; the extra stays out of the Action's pinned install."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import pantheon_git.features.mcp
from pantheon_git.main import main
from tests.support.gitrepo import GitRepo
from tests.support.mcp import McpSession
from tests.support.sync import pantheon_process, point_at

ROOT = Path(__file__).resolve().parent.parent


def test_without_the_extra_it_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "mcp", None)  # `import mcp` fails as if not installed
    monkeypatch.delitem(sys.modules, "pantheon_git.features.mcp.run_server", raising=False)
    # an in-process server test leaves the module as the package's attribute, which `from
    # pantheon_git.features.mcp import run_server` would take without importing it again
    monkeypatch.delattr(pantheon_git.features.mcp, "run_server", raising=False)
    assert main(["mcp"]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    first = err.splitlines()[0]
    assert first == "error: pantheon mcp needs the MCP SDK: run `pip install 'pantheon-git[mcp]'`"


def test_the_action_never_installs_the_extra() -> None:
    lock = (ROOT / "requirements" / "action.txt").read_text(encoding="utf-8")
    pinned = {line.split("==")[0].lower() for line in lock.splitlines() if "==" in line}
    assert "mcp" not in pinned
    assert {"httpx", "click"} <= pinned  # the file is the lock it claims to be


def test_http_serves_on_localhost(
    git_repo: GitRepo, rally_thread: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_at(rally_thread, monkeypatch)
    monkeypatch.setenv("PANTHEON_USER", "alice@example.com")
    proc = pantheon_process(["mcp", "--http", "--port", "0"], cwd=git_repo.path)
    try:
        banner: list[str] = []
        reader = threading.Thread(
            target=lambda: banner.append(proc.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        reader.join(60)
        assert banner, proc.stderr.read() if proc.poll() is not None else "no banner"  # type: ignore[union-attr]
        assert banner[0].startswith("pantheon MCP server listening on "), banner
        url = banner[0].split()[-1]
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/mcp")
        session = McpSession(url)
        try:
            synced = session.call("sync", {"epics": ["18"]})
            assert not synced.is_error, session.text(synced)
            board = session.call("status", {"epics": ["18"]})
            assert not board.is_error
            assert "US-203 (john.doe@example.com)" in session.text(board)
        finally:
            session.close()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


class _Announced(Exception):
    pass


def test_the_http_socket_listens_before_its_url_is_announced(tmp_path: Path) -> None:
    """A client that connects the moment it reads the URL is queued, not refused: the
    announcement comes after listen(), before the server's loop starts."""
    from pantheon_git.features.mcp import run_server

    reached: list[int] = []

    def ready(url: str) -> None:
        port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            reached.append(port)
        raise _Announced  # stop before the server runs: the connection came from the backlog

    with pytest.raises(_Announced):
        run_server.serve_http(run_server.Served(root=tmp_path), 0, ready)
    assert reached
