"""The GitHub Actions runner's files and workflow commands.

- the event payload (``GITHUB_EVENT_PATH``), read with one-line errors (exit 2);
- step outputs (``GITHUB_OUTPUT``) in the multiline ``name<<DELIM`` form with a random delimiter
  that the value cannot contain, so a PR title with newlines cannot inject outputs;
- the job summary (``GITHUB_STEP_SUMMARY``), appended;
- annotations (``::warning title=...::message``) escaped the way actions/toolkit does:
  data ``%``, CR, LF; properties also ``:`` and ``,``.

Secrets are redacted (``errors.redact``) from everything written here.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from pantheon_git.errors import UsageError, redact
from pantheon_git.fsio import read_json_input
from pantheon_git.safetext import visible

LEVELS = ("debug", "notice", "warning", "error")


def _stderr(message: str) -> None:
    print(f"warning: {redact(message)}", file=sys.stderr)


def load_payload(path: str | None) -> Any:
    if not path:
        raise UsageError(
            "GITHUB_EVENT_PATH is not set",
            hint="`pantheon ci` runs inside GitHub Actions; point GITHUB_EVENT_PATH at a "
            "webhook payload to replay an event.",
        )
    return read_json_input(Path(path), "event payload")


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, *, title: str | None = None) -> str:
    """One workflow command line, e.g. ``::warning title=pantheon::US-123 is locked``."""
    if level not in LEVELS:
        raise ValueError(f"unknown annotation level {level!r}")
    props = f" title={visible(escape_property(redact(title)))}" if title else ""
    return f"::{level}{props}::{visible(escape_data(redact(message)))}"


def annotate(out: TextIO, level: str, message: str, *, title: str | None = None) -> None:
    out.write(command(level, message, title=title) + "\n")
    out.flush()


def output_block(name: str, value: str) -> str:
    """``name<<DELIM\\nvalue\\nDELIM\\n`` with a delimiter absent from the value."""
    if not name or any(c in name for c in "\r\n=<"):
        raise ValueError(f"bad output name {name!r}")
    value = redact(value)
    while True:
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        if delimiter not in value:
            return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def write_outputs(
    path: str | None, values: Mapping[str, str], *, warn: Callable[[str], None] = _stderr
) -> None:
    text = "".join(output_block(name, value) for name, value in values.items())
    _append(path, text, "step outputs (GITHUB_OUTPUT)", warn)


def append_summary(
    path: str | None, markdown: str, *, warn: Callable[[str], None] = _stderr
) -> None:
    text = redact(markdown) + ("" if markdown.endswith("\n") else "\n")
    _append(path, text, "job summary (GITHUB_STEP_SUMMARY)", warn)


def _append(path: str | None, text: str, what: str, warn: Callable[[str], None]) -> None:
    """Append to a runner file; a file that cannot be written is a warning, not a failure:
    Rally is already updated by then, and the job's log still says what happened."""
    if not path:
        return
    try:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(text)
    except (OSError, ValueError) as exc:
        warn(f"cannot write the {what} to {path[:200]!r}: {exc}")


def parse_outputs(text: str) -> dict[str, str]:
    """Read a ``GITHUB_OUTPUT`` file back the way the runner does (for tests and self-checks)."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            values[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
        else:
            name, _, value = line.partition("=")
            values[name] = value
            i += 1
    return values
