"""What a tool call produced: the command's ``--json`` document and its exit code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Outcome:
    document: Mapping[str, Any]
    exit_code: int = 0
    """The command's exit code: 0, or 1 when a check said no (a refusal)."""
    extra: str | None = None
    """More text for the agent after the summary (the Mermaid diagram ``deps`` was asked for)."""
