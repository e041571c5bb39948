"""``pantheon mcp`` as a real server process, driven by the MCP SDK's own client.

``McpSession`` is a plain (synchronous) handle on a ``mcp.Client`` connected over stdio: the
client lives on an event loop in a background thread (an anyio blocking portal), so tests and
module-scoped fixtures call it like any function::

    with McpSession.spawn(cwd=repo.path, env=server_env(rally, user=ALICE)) as mcp:
        result = mcp.call("checkout", {"story": "US-121"})
        assert not result.is_error, mcp.text(result)

The server process gets only the environment it is given (the SDK's allow-list: HOME, PATH,
...; plus ``env``), as it would from an MCP client.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.from_thread
import mcp_types as types
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.support.locks import FAST_TIMING

SERVER = [sys.executable, "-m", "pantheon_git", "mcp"]
TIMEOUT = 120.0


def server_env(rally: Any, user: str, **extra: str) -> dict[str, str]:
    """What an agent's client hands the server: Rally, the agent's identity, a test HOME."""
    env = {
        **rally.env(),
        "PANTHEON_USER": user,
        **FAST_TIMING,
        "HOME": os.environ["HOME"],
        "PATH": os.environ["PATH"],
        **extra,
    }
    for name in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "XDG_CONFIG_HOME", "PYTHONPATH"):
        if name in os.environ:
            env.setdefault(name, os.environ[name])
    return env


def stdio(
    cwd: Path, env: Mapping[str, str], argv: list[str] | None = None
) -> StdioServerParameters:
    command, *args = argv or SERVER
    return StdioServerParameters(command=command, args=args, cwd=cwd, env=dict(env))


@dataclass
class Progress:
    """The progress notifications one call received."""

    steps: list[tuple[float, float | None, str | None]] = field(default_factory=list)

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.steps.append((progress, total, message))


class McpSession:
    def __init__(self, server: StdioServerParameters | str, *, mode: str = "legacy") -> None:
        self._stack = ExitStack()
        self.portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        client = Client(server, mode=mode, read_timeout_seconds=TIMEOUT)  # type: ignore[arg-type]
        self.client: Client = self._stack.enter_context(
            self.portal.wrap_async_context_manager(client)
        )

    @classmethod
    @contextmanager
    def spawn(
        cls, cwd: Path, env: Mapping[str, str], *, mode: str = "legacy"
    ) -> Iterator[McpSession]:
        session = cls(stdio(cwd, env), mode=mode)
        try:
            yield session
        finally:
            session.close()

    def close(self) -> None:
        self._stack.close()

    # --- calls ------------------------------------------------------------------------------

    def call(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        progress: Progress | None = None,
    ) -> types.CallToolResult:
        call = functools.partial(
            self.client.call_tool, name, dict(arguments or {}), progress_callback=progress
        )
        return self.portal.call(call)

    def tools(self) -> list[types.Tool]:
        return self.portal.call(self.client.list_tools).tools

    def prompts(self) -> list[types.Prompt]:
        return self.portal.call(self.client.list_prompts).prompts

    def prompt(self, name: str, arguments: Mapping[str, str]) -> types.GetPromptResult:
        return self.portal.call(self.client.get_prompt, name, dict(arguments))

    def resources(self) -> list[types.Resource]:
        return self.portal.call(self.client.list_resources).resources

    def templates(self) -> list[types.ResourceTemplate]:
        return self.portal.call(self.client.list_resource_templates).resource_templates

    def read(self, uri: str) -> types.ReadResourceResult:
        return self.portal.call(self.client.read_resource, uri)

    @property
    def initialized(self) -> Any:
        """What the server said about itself at initialize."""
        return self.client.session

    @staticmethod
    def text(result: types.CallToolResult) -> str:
        return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))

    @staticmethod
    def exit_code(result: types.CallToolResult) -> int:
        return int((result.meta or {})["pantheon/exit_code"])
