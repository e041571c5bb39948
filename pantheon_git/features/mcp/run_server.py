"""The MCP server (``pantheon mcp``), on the official MCP Python SDK's low-level ``Server``:
the tools, prompts and resources of this feature, over stdio or streamable HTTP.

A tool call checks its arguments against the tool's schema, then runs the use case on a worker
thread (the use cases are synchronous), one call at a time: the server keeps answering
(pings, lists, progress) while a long sync runs, and two calls never move the same git work
tree at once. Progress the use case reports becomes MCP progress notifications. The result is
the command's ``--json`` document as structured content, a short summary as text, and the
exit code in ``_meta``; a non-zero exit is a tool error (``isError``), with the refusal's
document when there is one. Nothing a call raises stops the server; no traceback and no API
key reaches the client.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
import mcp_types as types
from mcp import MCPError
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

from pantheon_git import __version__
from pantheon_git.errors import INTERNAL, PantheonError, redact
from pantheon_git.features.mcp import arguments, prompts, resources, run_resources, summary, tools
from pantheon_git.features.mcp.outcome import Outcome
from pantheon_git.features.mcp.run import USE_CASES, Call, backlog
from pantheon_git.safetext import for_output

Ctx = ServerRequestContext[Any]
NAME = "pantheon"
EXIT_CODE = "pantheon/exit_code"
WARNINGS = "pantheon/warnings"


@dataclass
class Served:
    """What the server serves: the repository (its working directory) and the config."""

    root: Path
    config_path: Path | None = None
    verbose: bool = False
    """``pantheon -v mcp``: a bug's traceback goes to stderr (the client's log), never to
    the client."""
    busy: anyio.Lock = field(default_factory=anyio.Lock)


def build(served: Served) -> Server[Any]:
    return Server(
        NAME,
        version=__version__,
        title="pantheon: Rally-driven parallel development",
        instructions=tools.INSTRUCTIONS,
        on_list_tools=_list_tools,
        on_call_tool=functools.partial(_call_tool, served),
        on_list_prompts=_list_prompts,
        on_get_prompt=functools.partial(_get_prompt, served),
        on_list_resources=_list_resources,
        on_list_resource_templates=_list_templates,
        on_read_resource=functools.partial(_read_resource, served),
    )


# --- tools ---------------------------------------------------------------------------------


async def _list_tools(
    ctx: Ctx, params: types.PaginatedRequestParams | None
) -> types.ListToolsResult:
    return types.ListToolsResult(
        tools=[
            types.Tool(
                name=spec.name,
                title=spec.title,
                description=spec.description,
                input_schema=spec.inputs,
                output_schema=spec.output,
                annotations=types.ToolAnnotations(**spec.hints()),
            )
            for spec in tools.TOOLS
        ]
    )


async def _call_tool(
    served: Served, ctx: Ctx, params: types.CallToolRequestParams
) -> types.CallToolResult:
    spec = tools.BY_NAME.get(params.name)
    if spec is None:
        known = ", ".join(tools.BY_NAME)
        return _error(PantheonError(f"no tool {params.name!r}", hint=f"Tools: {known}."), 2)
    try:
        checked = arguments.checked(spec.inputs, params.arguments)
    except PantheonError as exc:
        return _error(exc, exc.exit_code)
    warnings: list[str] = []
    call = Call(
        root=served.root,
        arguments=checked,
        config_path=served.config_path,
        warn=warnings.append,
        progress=_progress_bridge(ctx),
    )
    async with served.busy:
        outcome = await anyio.to_thread.run_sync(_run, spec.name, call, served.verbose)
    if isinstance(outcome, PantheonError):
        return _error(outcome, outcome.exit_code, warnings)
    return _result(spec.name, outcome, warnings)


def _run(name: str, call: Call, verbose: bool) -> Outcome | PantheonError:
    """The use case, on a worker thread: its outcome, or the error a command would print."""
    try:
        return USE_CASES[name](call)
    except PantheonError as exc:
        return exc
    except Exception as exc:  # the boundary every entry point has: no traceback leaves
        return _bug(name, exc, verbose)


def _bug(name: str, exc: Exception, verbose: bool) -> PantheonError:
    error = PantheonError(  # exit 70, as the CLI's boundary says
        f"internal error: {type(exc).__name__}: {exc}",
        hint="This is a bug: run `pantheon -v mcp` for the traceback (in the client's log) "
        "and report it.",
    )
    print(f"pantheon mcp: {name}: {redact(error.message)}", file=sys.stderr)
    if verbose:
        # lazy: only for a bug, with -v
        import traceback

        print(redact(traceback.format_exc()), file=sys.stderr)
    return error


def _result(name: str, outcome: Outcome, warnings: list[str]) -> types.CallToolResult:
    document = _plain(outcome.document)
    try:
        text = summary.summarize(name, document, outcome.exit_code)
    except Exception as exc:  # a document the summary does not know: the result still goes
        _bug(f"{name} summary", exc, verbose=False)
        text = f"{name}: done (exit {outcome.exit_code}); the document is the structured content."
    lines = [text]
    if outcome.extra:
        lines.append(outcome.extra)
    lines += [f"warning: {w}" for w in warnings]
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=shown("\n".join(lines)))],
        structured_content=document,
        is_error=outcome.exit_code != 0,
        _meta=_meta(outcome.exit_code, warnings),
    )


def _error(
    exc: PantheonError, code: int, warnings: list[str] | None = None
) -> types.CallToolResult:
    message, hint = redact(exc.message), redact(exc.hint) if exc.hint else None
    text = summary.error_text(message, hint, list(tools.BY_NAME))
    if warnings:
        text += "\n" + "\n".join(f"warning: {w}" for w in warnings)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=shown(text))],
        structured_content={"error": {"message": message, "hint": hint, "exit_code": code}},
        is_error=True,
        _meta=_meta(code, warnings or []),
    )


def shown(text: str) -> str:
    """Text for the agent, which may hold what Rally said: secrets masked, control characters
    as escapes (a story's title can hold terminal escapes), as the CLI prints it."""
    return for_output(redact(text))


def _meta(code: int, warnings: list[str]) -> dict[str, Any]:
    meta: dict[str, Any] = {EXIT_CODE: code}
    if warnings:
        meta[WARNINGS] = [redact(w) for w in warnings]
    return meta


def _plain(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document exactly as ``--json`` prints it (same encoder), the API key removed."""
    text = redact(json.dumps(document, default=str, ensure_ascii=False))
    plain = json.loads(text)
    assert isinstance(plain, dict)
    return plain


def _progress_bridge(ctx: Ctx) -> Callable[[str], None]:
    """A ``progress(message)`` callback for the use case (any thread): each message becomes a
    progress notification with a rising count; a no-op when the caller asked for none."""
    token = anyio.lowlevel.current_token()
    lock = threading.Lock()
    count = 0

    def progress(message: str) -> None:
        nonlocal count
        with lock:
            count += 1
            step = count
        # progress is a courtesy: a client that went away stops nothing
        with contextlib.suppress(Exception):
            anyio.from_thread.run(
                ctx.session.report_progress, float(step), None, shown(message), token=token
            )

    return progress


# --- prompts -------------------------------------------------------------------------------


async def _list_prompts(
    ctx: Ctx, params: types.PaginatedRequestParams | None
) -> types.ListPromptsResult:
    return types.ListPromptsResult(
        prompts=[
            types.Prompt(
                name=spec.name,
                title=spec.title,
                description=spec.description,
                arguments=[
                    types.PromptArgument(
                        name=a.name, description=a.description, required=a.required
                    )
                    for a in spec.arguments
                ],
            )
            for spec in prompts.PROMPTS
        ]
    )


async def _get_prompt(
    served: Served, ctx: Ctx, params: types.GetPromptRequestParams
) -> types.GetPromptResult:
    spec = prompts.BY_NAME.get(params.name)
    if spec is None:
        raise MCPError(
            types.INVALID_PARAMS,
            f"no prompt {params.name!r}; prompts: {', '.join(prompts.BY_NAME)}",
        )
    given = dict(params.arguments or {})
    missing = [a.name for a in spec.arguments if a.required and not given.get(a.name)]
    if missing:
        raise MCPError(types.INVALID_PARAMS, f"{spec.name} needs {', '.join(missing)}")
    try:
        text = spec.render(given)
    except PantheonError as exc:
        raise MCPError(types.INVALID_PARAMS, shown(exc.message)) from None
    messages = [types.PromptMessage(role="user", content=types.TextContent(type="text", text=text))]
    story = given.get("story")
    if spec.name == "story-pipeline" and story:
        messages += await _story_context(served, story)
    if spec.name == "rally-read-deps":
        messages.append(await _backlog_context(served, given))
    return types.GetPromptResult(description=spec.description, messages=messages)


async def _backlog_context(served: Served, given: dict[str, str]) -> types.PromptMessage:
    """The stories and the dependencies already known, from the cache (the analysis saves its
    graph: one call at a time, as a tool)."""
    call = Call(
        root=served.root,
        arguments={"epics": prompts.listed(given.get("epic") or given.get("epics"))},
        config_path=served.config_path,
    )
    async with served.busy:
        outcome = await anyio.to_thread.run_sync(_backlog, call, served.verbose)
    if isinstance(outcome, PantheonError):
        hint = f" {outcome.hint}" if outcome.hint else ""
        code = types.INTERNAL_ERROR if outcome.exit_code == INTERNAL else types.INVALID_PARAMS
        raise MCPError(code, shown(outcome.message + hint))
    content = types.TextContent(type="text", text=shown(outcome))
    return types.PromptMessage(role="user", content=content)


def _backlog(call: Call, verbose: bool) -> str | PantheonError:
    try:
        return backlog(call)
    except PantheonError as exc:
        return exc
    except Exception as exc:  # the boundary every entry point has: no traceback leaves
        return _bug("rally-read-deps", exc, verbose)


async def _story_context(served: Served, story: str) -> list[types.PromptMessage]:
    """The cached story as a BMAD file, embedded, when the cache has it."""
    uri = f"{resources.STORY_PREFIX}{story}"
    try:
        contents = await anyio.to_thread.run_sync(run_resources.read, served.root, uri)
    except PantheonError:
        return []
    markdown = [c for c in contents if c.text is not None]
    return [
        types.PromptMessage(
            role="user",
            content=types.EmbeddedResource(
                type="resource",
                resource=types.TextResourceContents(
                    uri=uri, mime_type=c.mime, text=shown(c.text or "")
                ),
            ),
        )
        for c in markdown
    ]


# --- resources -----------------------------------------------------------------------------


async def _list_resources(
    ctx: Ctx, params: types.PaginatedRequestParams | None
) -> types.ListResourcesResult:
    return types.ListResourcesResult(
        resources=[
            types.Resource(
                uri=spec.uri,
                name=spec.name,
                title=spec.title,
                description=spec.description,
                mime_type=resources.JSON,
            )
            for spec in resources.RESOURCES
        ]
    )


async def _list_templates(
    ctx: Ctx, params: types.PaginatedRequestParams | None
) -> types.ListResourceTemplatesResult:
    return types.ListResourceTemplatesResult(
        resource_templates=[
            types.ResourceTemplate(
                uri_template=resources.STORY_TEMPLATE,
                name="story",
                title=resources.STORY_TITLE,
                description=resources.STORY_DESCRIPTION,
                mime_type=resources.JSON,
            )
        ]
    )


async def _read_resource(
    served: Served, ctx: Ctx, params: types.ReadResourceRequestParams
) -> types.ReadResourceResult:
    uri = str(params.uri)
    try:
        contents = await anyio.to_thread.run_sync(run_resources.read, served.root, uri)
    except PantheonError as exc:
        hint = f" {exc.hint}" if exc.hint else ""
        raise MCPError(types.INVALID_PARAMS, shown(exc.message + hint), data={"uri": uri}) from None
    return types.ReadResourceResult(
        contents=[
            types.TextResourceContents(
                uri=uri,
                mime_type=c.mime,
                text=redact(c.text if c.text is not None else json.dumps(c.document, indent=2)),
            )
            for c in contents
        ]
    )


# --- serving -------------------------------------------------------------------------------


def serve_stdio(served: Served) -> None:
    """Serve one client on stdin/stdout until it closes them."""
    server = build(served)

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)


def serve_http(served: Served, port: int, ready: Callable[[str], None]) -> None:
    """Serve streamable HTTP on 127.0.0.1:``port`` (0: any free port); ``ready(url)`` once
    the socket listens."""
    # lazy: the HTTP server's modules load only for --http
    import socket

    import uvicorn

    app = build(served).streamable_http_app(host="127.0.0.1")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        # listen before saying so: a client that connects as soon as it reads the URL waits in
        # the backlog until uvicorn serves, instead of being refused
        sock.listen(128)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        server = uvicorn.Server(config)
        ready(url)
        server.run(sockets=[sock])
