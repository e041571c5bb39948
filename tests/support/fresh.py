"""Python run in a fresh interpreter (one thread, nothing imported yet): for code that must
not run inside a pytest-xdist worker, such as a fork."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def printed(*parts: str, timeout: float = 120) -> list[str]:
    """The lines ``parts`` (joined, each dedented) print, run from the repository's root; the
    script must exit 0."""
    script = "\n".join(textwrap.dedent(part) for part in parts)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()
