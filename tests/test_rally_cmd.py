"""`pantheon rally serve` as users run it: a subprocess, its first line, its exit on signals."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from pantheon_git.cli import main
from tests.support.rally import RallyProcess

FIRST_LINE = re.compile(r"^Rally emulator listening on http://127\.0\.0\.1:(\d+)$")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_its_url_first_and_exits_0_on_a_signal(
    rally_process_factory: Callable[..., RallyProcess], sig: int
) -> None:
    server = rally_process_factory(seed=None)
    match = FIRST_LINE.match(server.banner[0])
    assert match, server.banner
    assert int(match.group(1)) > 0
    reply = httpx.get(
        f"{server.url}/slm/webservice/v2.0/user", headers={"ZSESSIONID": "demo"}, timeout=30
    )
    assert reply.json()["User"]["UserName"] == "emulator@example.com"
    assert server.stop(sig) == 0


def test_serve_options_reach_the_emulator(
    rally_process_factory: Callable[..., RallyProcess],
) -> None:
    server = rally_process_factory(
        seed="demo",
        api_key="k-123",
        workspace="WS One",
        project="Proj A",
        no_custom_fields=True,
    )
    info = server.control("GET", "info")
    assert (info["workspace"], info["project"]) == ("WS One", "Proj A")
    wsapi = httpx.Client(
        base_url=f"{server.url}/slm/webservice/v2.0", headers={"ZSESSIONID": "k-123"}
    )
    stories = wsapi.get("/hierarchicalrequirement", params={"query": "(FormattedID = US120)"})
    assert stories.json()["QueryResult"]["TotalResultCount"] == 1
    missing = wsapi.get("/hierarchicalrequirement", params={"query": "(c_LockedBy = null)"})
    assert missing.json()["QueryResult"]["Errors"]
    assert wsapi.get("/user", headers={"ZSESSIONID": "demo"}).status_code == 401
    wsapi.close()


def test_json_mode_prints_one_json_line(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pantheon_git", "rally", "serve", "--json", "--seed", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        doc = json.loads(proc.stdout.readline())
        assert doc["workspace"] == "Demo Workspace"
        assert doc["data"] is None
        user = httpx.get(
            f"{doc['url']}/slm/webservice/v2.0/user",
            headers={"ZSESSIONID": doc["api_key"]},
            timeout=30,
        ).json()["User"]
        assert user["DisplayName"] == "Alice Example"  # the key's owner is the seed's first user
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert rest == ""


def test_a_busy_port_is_a_usage_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "pantheon_git", "rally", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "--port 0" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rally", "serve", "--seed", "bogus"]) == 2
    assert main(["rally", "serve", "--fault-rate", "1.5"]) == 2
    assert main(["rally", "serve", "--port", "-1"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rally", "serve", "--help"]) == 0
    out = capsys.readouterr().out
    for option in (
        "--host",
        "--port",
        "--data",
        "--api-key",
        "--workspace",
        "--project",
        "--seed",
        "--latency-ms",
        "--jitter-ms",
        "--fault-rate",
        "--fault-seed",
        "--no-custom-fields",
    ):
        assert option in out
    assert main(["--help"]) == 0
    assert "rally" in capsys.readouterr().out


def test_serve_names_the_four_variables_a_client_needs_as_a_line_to_paste(
    rally_process_factory: Callable[..., RallyProcess],
) -> None:
    server = rally_process_factory(seed="demo", api_key="k-123", workspace="WS 'One'")
    assert server.proc.stdout is not None
    line = server.proc.stdout.readline().rstrip("\n")  # the third line, after the banner
    assert line.startswith("export RALLY_URL="), server.banner
    shell = subprocess.run(
        [
            "bash",
            "-c",
            f'{line}; printf "%s\\n" "$RALLY_URL" "$RALLY_API_KEY" '
            '"$RALLY_WORKSPACE" "$RALLY_PROJECT"',
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert shell.stdout.splitlines() == [server.url, "k-123", "WS 'One'", server.project]
