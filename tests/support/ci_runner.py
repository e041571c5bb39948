"""Run `pantheon ci` / `pantheon complete` as real processes with a GitHub-runner environment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pantheon_git.features.ci.run_ghactions import parse_outputs
from tests.support.ghevents import REPO


@dataclass
class CiRun:
    code: int
    stdout: str
    stderr: str
    summary: str
    outputs: dict[str, str]

    @property
    def annotations(self) -> list[str]:
        return [ln for ln in self.stdout.splitlines() if ln.startswith("::")]

    def everything(self) -> str:
        return "\n".join([self.stdout, self.stderr, self.summary, json.dumps(self.outputs)])


def pantheon_exe() -> str:
    exe = shutil.which("pantheon")
    assert exe, "the pantheon console script is not on PATH"
    return exe


def run_ci(
    cwd: Path,
    event_name: str,
    payload: Any,
    *,
    env: Mapping[str, str] | None = None,
    args: tuple[str, ...] = (),
    tmp: Path | None = None,
    timeout: float = 120,
) -> CiRun:
    work = tmp or cwd.parent
    work.mkdir(parents=True, exist_ok=True)
    event_path = work / "event.json"
    if isinstance(payload, (bytes, str)):
        event_path.write_bytes(payload.encode() if isinstance(payload, str) else payload)
    else:
        event_path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    summary, output = work / "summary.md", work / "output.txt"
    for f in (summary, output):
        f.write_text("")
    full_env = dict(os.environ)
    full_env.update(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_RUN_ID": "4242",
        }
    )
    full_env.update(env or {})
    proc = subprocess.run(
        [pantheon_exe(), "ci", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CiRun(
        proc.returncode,
        proc.stdout,
        proc.stderr,
        summary.read_text(encoding="utf-8"),
        parse_outputs(output.read_text(encoding="utf-8")),
    )
