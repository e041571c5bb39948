"""``pantheon hook STAGE``: the one entry for git hooks (plain or through pre-commit).

Imported on every commit: keep the imports here and in what it loads to the bare minimum
(``benchmarks/hook_latency.py`` measures it; ``tests/test_hooks.py`` lists what may load).

Each stage reads git's own form when it is there (argv, and stdin for pre-push) and falls back
to pre-commit's ``PRE_COMMIT_*`` variables (pre-commit passes no stdin, and for pre-push only
the first ref with something to push).
"""

from __future__ import annotations

import os
import sys

from pantheon_git import errors

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence


def _say(lines: Sequence[str]) -> None:
    if lines:
        # lazy: only when a hook has something to say
        from pantheon_git.safetext import for_output

        text = for_output("\n".join(errors.redact(line) for line in lines))
        print(text, file=sys.stderr, flush=True)


def pre_commit(args: list[str]) -> int:
    """The branch's story must be locked by you (file names pre-commit passes are ignored)."""
    # lazy: each stage loads only what it needs (start-up is the hook's cost)
    from pantheon_git.features.hooks.run import HookRun
    from pantheon_git.features.hooks.run import pre_commit as check

    _say(check(HookRun.here()))
    return errors.OK


def commit_msg(args: list[str]) -> int:
    """Prepend (or require) the story key; argv[0] is the message file."""
    # lazy: each stage loads only what it needs (start-up is the hook's cost)
    from pantheon_git.features.hooks.run import HookRun
    from pantheon_git.features.hooks.run import commit_msg as check

    if not args:
        raise errors.UsageError(
            "commit-msg needs the commit message file (git passes it as the first argument)"
        )
    _say(check(HookRun.here(), args[0]))
    return errors.OK


def post_checkout(args: list[str]) -> int:
    """One line when you switch to a story branch someone else holds. Never fails."""
    try:
        # lazy: each stage loads only what it needs (start-up is the hook's cost)
        from pantheon_git.features.hooks.run import HookRun
        from pantheon_git.features.hooks.run import post_checkout as notice

        flag = args[2] if len(args) >= 3 else os.environ.get("PRE_COMMIT_CHECKOUT_TYPE", "1")
        _say(notice(HookRun.here(), branch_checkout=flag == "1"))
    except errors.PantheonError as exc:
        _say([f"pantheon: post-checkout: {exc.message}"])
    except Exception as exc:  # a notice must never fail a checkout
        _say([f"pantheon: post-checkout: {type(exc).__name__}: {exc}"])
    return errors.OK


def pre_push(args: list[str]) -> int:
    """Every pushed story branch: fresh lock check and heartbeat, then overlaps."""
    # lazy: each stage loads only what it needs (start-up is the hook's cost)
    import time
    from pathlib import Path

    from pantheon_git.app import App
    from pantheon_git.core.deadline import Deadline
    from pantheon_git.features.hooks.run_alarm import Alarm, TimeUp
    from pantheon_git.features.hooks.run_prepush import PushOutcome, parse_refs
    from pantheon_git.features.hooks.run_prepush import pre_push as check

    started = time.monotonic()
    app = App.load(
        cwd=Path.cwd(),
        warn=lambda message: _say([f"pantheon: warning: {message}"]),
        deadline=None,
    )
    refs = parse_refs(_push_input(args, os.environ, str(app.root)))
    budget = app.config.hook_budget
    # Two limits: every Rally wait draws on the deadline (hook_budget from the start), so the
    # hook ends cleanly, saying what it could not check; the alarm, 2 s later, stops it
    # wherever it is (POSIX; there is no SIGALRM on Windows).
    app.deadline = Deadline(
        started + budget, budget, time.monotonic, "the pre-push hook", "hook_budget"
    )
    outcome = PushOutcome()
    try:
        with Alarm(budget + 2.0, TimeUp()):
            check(app, refs, outcome)
    except TimeUp:
        # Out of time: what was decided stands; what was not checked does not block.
        outcome.lines.append(f"pantheon: pre-push stopped after its {budget:g} s budget")
    finally:
        app.close()
    _say(outcome.lines)
    return outcome.exit_code


def _push_input(args: Sequence[str], environ: Mapping[str, str], root: str) -> str:
    """git's stdin lines; under pre-commit, the one ref it describes in ``PRE_COMMIT_*``."""
    if environ.get("PRE_COMMIT") == "1" and not args:
        local = environ.get("PRE_COMMIT_LOCAL_BRANCH")
        if not local:
            return ""
        # lazy: each stage loads only what it needs (start-up is the hook's cost)
        from pantheon_git.git.command import run_git

        to_ref = environ.get("PRE_COMMIT_TO_REF") or local
        # try-repo passes names such as HEAD, not commit ids
        sha = run_git(
            ["rev-parse", "--verify", "--end-of-options", f"{to_ref}^{{commit}}"], cwd=root
        )
        remote = environ.get("PRE_COMMIT_REMOTE_BRANCH") or local
        from_ref = environ.get("PRE_COMMIT_FROM_REF") or "0" * 40
        return f"{local} {sha.strip()} {remote} {from_ref}\n"
    if sys.stdin is None or sys.stdin.isatty():
        return ""
    return sys.stdin.buffer.read().decode("utf-8", "surrogateescape")


STAGES: dict[str, Callable[[list[str]], int]] = {
    "pre-commit": pre_commit,
    "commit-msg": commit_msg,
    "pre-push": pre_push,
    "post-checkout": post_checkout,
}


def main(argv: Sequence[str]) -> int:
    args = list(argv)
    if not args or args[0] in ("-h", "--help"):
        print("usage: pantheon hook STAGE [ARGS...]   stages: " + ", ".join(sorted(STAGES)))
        return errors.OK if args else errors.USAGE
    stage, rest = args[0], args[1:]
    handler = STAGES.get(stage)
    if handler is None:
        print(f"error: unknown hook stage {stage!r}", file=sys.stderr)
        return errors.USAGE
    return errors.boundary(lambda: handler(rest), verbose=_verbose, json_mode=lambda: False)


def _verbose() -> int:
    return 1 if os.environ.get("PANTHEON_HOOK_DEBUG") else 0
