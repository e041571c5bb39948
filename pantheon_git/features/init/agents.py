"""``.mcp.json``: the project's MCP client configuration, so Claude Code (and other clients
that read it) start ``pantheon mcp`` from the repository.

Pure: the file's current text in, the new text out. Other servers in the file are kept as they
are; only the ``pantheon`` entry is written. The environment it passes names variables, never
their values (``${RALLY_API_KEY:-}`` is expanded by the client from its own environment; the
file is committed and holds no secret).
"""

from __future__ import annotations

import json
from typing import Any

from pantheon_git.errors import UsageError

FILE = ".mcp.json"
SERVER = "pantheon"
PASSED = ("RALLY_API_KEY", "RALLY_URL", "RALLY_WORKSPACE", "RALLY_PROJECT", "PANTHEON_USER")
"""Variables handed to the server from the client's environment (empty when unset, which
pantheon treats as unset: the config file's values then apply)."""


def server_entry() -> dict[str, Any]:
    return {
        "type": "stdio",
        "command": "pantheon",
        "args": ["mcp"],
        "env": {name: f"${{{name}:-}}" for name in PASSED},
    }


def with_server(text: str | None) -> tuple[str, str]:
    """The new ``.mcp.json`` text and what changed: ``written`` (new file), ``added``,
    ``updated`` or ``kept`` (already the same)."""
    if text is None or not text.strip():
        doc: dict[str, Any] = {}
        action = "written"
    else:
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise UsageError(
                f"{FILE} is not valid JSON ({exc}); not changed",
                hint=f"Fix or remove {FILE}, then run `pantheon init --agents` again.",
            ) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("mcpServers", {}), dict):
            raise UsageError(
                f"{FILE}: expected an object with an `mcpServers` object; not changed",
                hint=f"Fix or remove {FILE}, then run `pantheon init --agents` again.",
            )
        servers = doc.get("mcpServers", {})
        if servers.get(SERVER) == server_entry():
            return text, "kept"
        action = "updated" if SERVER in servers else "added"
    servers = dict(doc.get("mcpServers", {}))
    servers[SERVER] = server_entry()
    doc["mcpServers"] = servers
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n", action
