"""Git for the benchmarks that build repositories: a hermetic environment and one caller.

Imported by the scripts beside it (they run with this folder first on ``sys.path``)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PANTHEON_", "RALLY_"))},
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "PANTHEON_USER": "bench@example.com",
}


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    """``git ARGS`` in ``repo`` (``data`` on stdin); its output, or exit with git's error."""
    proc = subprocess.run(
        ["git", *args], cwd=repo, input=data, capture_output=True, env=ENV, check=False
    )
    if proc.returncode:
        raise SystemExit(f"git {' '.join(args[:3])} failed: {proc.stderr.decode()[-500:]}")
    return proc.stdout.decode("utf-8", "surrogateescape")
