"""A command that fails in a chosen way, to test the CLI's error boundary end to end."""

from __future__ import annotations

import click

from pantheon_git import errors
from pantheon_git.cli._common import common_options, emit

FAILURES: dict[str, Exception] = {
    "check": errors.CheckFailed(
        "US-123 is locked by jane@example.com", hint="Run `pantheon checkout US-125`."
    ),
    "usage": errors.UsageError("not a story key: 'x'"),
    "config": errors.ConfigError("bad config"),
    "git": errors.GitError("`git rev-parse` failed", argv=["git", "rev-parse"]),
    "rally": errors.RallyUnreachable("Rally is unreachable at https://rally.invalid"),
    "secret": errors.RallyAuthError("key s3cr3t-api-key rejected"),
    "bug": ZeroDivisionError("division by zero"),
    "interrupt": KeyboardInterrupt(),
}


@click.command()
@click.argument("how")
@common_options
def probe(how: str) -> int:
    """Fail in the way named by HOW, or succeed with 'ok'."""
    if how == "ok":
        emit({"ok": True}, "all good")
        return 0
    raise FAILURES[how]
