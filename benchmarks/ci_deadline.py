"""Benchmark: how long `pantheon ci` takes to give up on a Rally it cannot reach.

Two unreachable Rallys, each a real socket on 127.0.0.1:

1. a refused port (nothing listens: every connect fails at once, so the time goes to retries);
2. a silent server (accepts the connection, reads the request, never answers).

For each, one `pantheon ci` process replays a pull request payload (a story branch, an author
in `identities`) in a fresh git repository, and the wall time to its exit is measured, with its
exit code and whether the job summary says what was and was not written. Printed against the
`ci_deadline` setting (default 30 s) as a ratio: at most 1.0 is the target.

Usage: python benchmarks/ci_deadline.py [--deadline SECONDS]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchgit import ENV, git

PROJECT = Path(__file__).resolve().parents[1]
PAYLOAD = PROJECT / "tests" / "fixtures" / "github" / "pull_request.opened.json"


def refused_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class Silent:
    """Accepts connections and reads what is sent; never writes a byte back."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.held: list[socket.socket] = []
        self.stopped = False
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.stopped = True
        self.sock.close()
        for conn in self.held:
            conn.close()


def repository(base: Path) -> Path:
    repo = base / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("demo\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "init")
    config = repo / "_bmad" / "pantheon" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("pantheon:\n  identities:\n    Codertocat: alice@example.com\n")
    return repo


def run_ci(repo: Path, url: str, deadline: float | None) -> tuple[float, int, str]:
    doc = json.loads(PAYLOAD.read_text())
    doc["pull_request"]["head"]["ref"] = "story/US-121-add-login"
    event = repo.parent / "event.json"
    event.write_text(json.dumps(doc))
    summary = repo.parent / "summary.md"
    summary.write_text("")
    env = {
        **ENV,
        "RALLY_URL": url,
        "RALLY_API_KEY": "_benchmarkKey0123456789",
        "RALLY_WORKSPACE": "W",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_REPOSITORY": "Codertocat/Hello-World",
    }
    if deadline is not None:
        env["PANTHEON_CI_DEADLINE"] = str(deadline)
    exe = shutil.which("pantheon", path=str(Path(sys.executable).parent)) or "pantheon"
    started = time.perf_counter()
    proc = subprocess.run([exe, "ci"], cwd=repo, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    return elapsed, proc.returncode, summary.read_text()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline", type=float, default=None, help="PANTHEON_CI_DEADLINE")
    args = parser.parse_args()
    target = args.deadline or 30.0
    load = os.getloadavg()[0]
    print(f"pantheon ci against an unreachable Rally (target: exit within {target:g} s)")
    print(f"load average {load:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for name, make in (("refused port", None), ("silent server", Silent)):
            sub = base / name.replace(" ", "-")
            sub.mkdir()
            repo = repository(sub)
            server = make() if make else None
            url = server.url if server else refused_port()
            try:
                elapsed, code, summary = run_ci(repo, url, args.deadline)
            finally:
                if server:
                    server.close()
            said = "Nothing was written" in summary or "Not written" in summary
            print(
                f"  {name:14} {elapsed:6.1f} s  ratio {elapsed / target:4.2f}  exit {code}  "
                f"summary says what was written: {'yes' if said else 'no'}"
            )


if __name__ == "__main__":
    main()
