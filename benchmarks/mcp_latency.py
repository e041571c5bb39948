"""Benchmark: what ``pantheon mcp`` costs an agent, against baselines measured in the same run.

On the demo backlog (the emulator on a background thread, a synced git repository):

1. **Start to first result**: from spawning ``pantheon mcp`` (stdio, the initialize handshake
   Claude Code and other clients use) to the first ``status`` result, median of ``--starts``.
   Target: under 1 s. Baseline: ``pantheon status --json`` as a process, what an agent shells
   out to without the server. On a shared machine the wall time follows the load, so the
   server's own CPU time is printed too (user + system of the whole server process: start-up,
   initialize, the call, shutting down), which the load does not change much.
2. **Tool-call overhead**: per tool, the median time of a call through a running server against
   the same use case called in-process (``features/mcp/run.py``, what the tool runs), median of
   ``--calls`` each, alternating. Their difference is what MCP adds: JSON-RPC over stdio, the
   worker thread, the document encoded for the wire and checked by the client against the
   tool's output schema. Target: about 50 ms or less. For scale, the same command run as a
   process (``pantheon <command> --json``), which is what an agent pays without the server.

Usage: python benchmarks/mcp_latency.py [--starts 5] [--calls 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from pantheon_git.features.mcp.arguments import checked
from pantheon_git.features.mcp.run import USE_CASES, Call
from pantheon_git.features.mcp.tools import BY_NAME
from pantheon_git.rally.emulator.server import start

TOOLS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("status", {}, ["status"]),
    ("deps", {}, ["deps"]),
    ("plan", {"developers": "4"}, ["plan", "--developers", "4"]),
    ("conflicts", {"all": True}, ["conflicts", "--all"]),
    ("metrics", {}, ["metrics"]),
    ("release", {"story": "US-128"}, ["release", "US-128"]),
]
SERVER = [sys.executable, "-m", "pantheon_git", "mcp"]


def git(*args: str, cwd: Path, env: dict[str, str]) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def setup(base: Path, rally: Any) -> tuple[Path, dict[str, str]]:
    home = base / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n"
    )
    env = {
        "HOME": str(home),
        "PATH": os.environ["PATH"],
        "GIT_CONFIG_NOSYSTEM": "1",
        **rally.env(),
        "PANTHEON_USER": "bench@example.com",
    }
    repo = base / "repo"
    git("init", "-q", "-b", "main", str(repo), cwd=base, env=env)
    (repo / "README.md").write_text("# bench\n")
    git("add", ".", cwd=repo, env=env)
    git("commit", "-q", "-m", "init", cwd=repo, env=env)
    subprocess.run(
        [*SERVER[:3], "sync", "--json"], cwd=repo, env=env, check=True, capture_output=True
    )
    return repo, env


def process_seconds(
    argv: list[str], repo: Path, env: dict[str, str], *, check: bool = True
) -> float:
    """A whole process (``check=False``: exit 1, a check saying no, is a result too)."""
    started = time.perf_counter()
    subprocess.run(argv, cwd=repo, env=env, check=check, capture_output=True)
    return time.perf_counter() - started


async def first_result(repo: Path, env: dict[str, str]) -> tuple[float, float]:
    """(seconds to the initialize reply, seconds to the first tool result)."""
    params = StdioServerParameters(command=SERVER[0], args=SERVER[1:], cwd=repo, env=env)
    started = time.perf_counter()
    async with Client(params, mode="legacy") as client:
        ready = time.perf_counter() - started
        result = await client.call_tool("status", {})
        done = time.perf_counter() - started
        assert not result.is_error, result.content
    return ready, done


async def call_times(
    repo: Path, env: dict[str, str], calls: int, direct: Callable[[str, dict[str, Any]], float]
) -> dict[str, tuple[list[float], list[float]]]:
    params = StdioServerParameters(command=SERVER[0], args=SERVER[1:], cwd=repo, env=env)
    out: dict[str, tuple[list[float], list[float]]] = {}
    async with Client(params, mode="legacy") as client:
        await client.list_tools()  # the client learns the output schemas, as clients do
        for name, arguments, _ in TOOLS:
            await client.call_tool(name, arguments)  # warm: the tool's modules are loaded
            direct(name, arguments)
            through, alone = [], []
            for _ in range(calls):
                started = time.perf_counter()
                await client.call_tool(name, arguments)
                through.append(time.perf_counter() - started)
                alone.append(direct(name, arguments))
            out[name] = (through, alone)
    return out


def in_process(repo: Path, env: dict[str, str]) -> Callable[[str, dict[str, Any]], float]:
    os.environ.update(env)
    os.chdir(repo)

    def run(name: str, arguments: dict[str, Any]) -> float:
        call = Call(root=repo, arguments=checked(BY_NAME[name].inputs, arguments))
        started = time.perf_counter()
        USE_CASES[name](call)
        return time.perf_counter() - started

    return run


def children_cpu() -> float:
    """CPU seconds (user + system) of the child processes this one has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--calls", type=int, default=15)
    options = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    rally = start(seed="demo")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            repo, env = setup(Path(tmp), rally)
            cli = [process_seconds([*SERVER[:3], "status", "--json"], repo, env)]
            starts, server_cpu, cli_cpu = [], [], []
            for _ in range(options.starts):
                before = children_cpu()
                starts.append(anyio.run(first_result, repo, env))
                server_cpu.append(children_cpu() - before)
                before = children_cpu()
                cli.append(process_seconds([*SERVER[:3], "status", "--json"], repo, env))
                cli_cpu.append(children_cpu() - before)
            ready = statistics.median(s[0] for s in starts)
            first = statistics.median(s[1] for s in starts)
            baseline = statistics.median(cli)
            print("\nStart to first result (median of", options.starts, "starts)")
            print(f"  initialize reply                  {ms(ready)}")
            print(f"  first tool result (status)        {ms(first)}   target < 1000 ms")
            print(f"  baseline: `pantheon status --json` process {ms(baseline)}")
            print(f"  ratio first result / CLI process  {first / baseline:7.2f}x")
            print(f"  server CPU time, whole process    {ms(statistics.median(server_cpu))}")
            print(f"  CLI process CPU time              {ms(statistics.median(cli_cpu))}")

            times = anyio.run(call_times, repo, env, options.calls, in_process(repo, env))
            print(f"\nTool-call overhead (median of {options.calls} calls each)")
            head = ("tool", "through MCP", "in-process", "overhead", "CLI process")
            print(f"  {head[0]:10} " + " ".join(f"{h:>11}" for h in head[1:]))
            for name, _, argv in TOOLS:
                through, alone = times[name]
                a, b = statistics.median(through), statistics.median(alone)
                process = statistics.median(
                    process_seconds([*SERVER[:3], *argv, "--json"], repo, env, check=False)
                    for _ in range(3)
                )
                print(f"  {name:10} {ms(a):>11} {ms(b):>11} {ms(a - b):>11} {ms(process):>11}")
            print("  target: overhead about 50 ms or less")
    finally:
        rally.stop()


if __name__ == "__main__":
    main()
