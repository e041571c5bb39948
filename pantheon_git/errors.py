"""One error root and one exit-code boundary for every entry point.

Exit codes (the README's table):
0 ok; 1 a check said no; 2 usage or bad input; 3 configuration; 4 git;
5 Rally or network after retries; 70 internal bug; 130 interrupted.

This module is imported on the hook path: it must stay free of heavy imports (even
``traceback`` and ``typing`` are imported only when needed).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

OK = 0
CHECK_FAILED = 1
USAGE = 2
CONFIG = 3
GIT = 4
RALLY = 5
INTERNAL = 70
INTERRUPTED = 130

SECRET_ENV_VARS = ("RALLY_API_KEY",)


class PantheonError(Exception):
    """Base of every error a user may see. Carries its exit code and an optional next step."""

    exit_code = INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class CheckFailed(PantheonError):
    """A check said no: a hook blocks, a lock is taken, a conflict in block mode."""

    exit_code = CHECK_FAILED


class UsageError(PantheonError):
    """Bad arguments or bad input (branch names, markdown, payloads, coverage files)."""

    exit_code = USAGE


class StoryFormatError(UsageError):
    """A markdown story file that cannot be read: binary, not UTF-8, too large, or malformed.

    The message starts with ``path:line`` so editors and terminals can jump to it.
    """

    def __init__(
        self, reason: str, *, path: str, line: int | None = None, hint: str | None = None
    ) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {reason}", hint=hint)
        self.path = path
        self.line = line
        self.reason = reason


class ConfigError(PantheonError):
    exit_code = CONFIG


class CacheCorrupt(PantheonError):
    """A cache file cannot be read back: the fix is a full sync."""

    exit_code = CONFIG


class GitError(PantheonError):
    exit_code = GIT

    def __init__(
        self,
        message: str,
        *,
        argv: Sequence[str] = (),
        returncode: int | None = None,
        stderr: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.argv = tuple(argv)
        self.returncode = returncode
        self.stderr = stderr


class RallyError(PantheonError):
    """Rally answered with an error, or could not be reached after retries."""

    exit_code = RALLY
    maybe_applied = True
    """For a write: whether Rally may have applied it. ``False`` only when Rally answered
    every try saying it did not (a concurrency conflict, 503...), so nothing of it landed."""


class RallyAuthError(RallyError):
    """HTTP 401 (Rally sends an HTML page) or an invalid security token."""


class RallyNotFound(RallyError):
    """'Cannot find object to read', a missing FormattedID, a missing workspace or project."""


class StoryNotFound(RallyNotFound):
    """No story has the FormattedID the user gave: bad input (exit 2), not a Rally failure."""

    exit_code = USAGE


class ScopeNotFound(RallyNotFound):
    """The configured workspace or project does not exist or is not visible: configuration
    (exit 3)."""

    exit_code = CONFIG


class RallyRetryableError(RallyError):
    """Concurrency conflicts, 5xx, 429, timeouts and dropped connections, once retries ran out."""


class RallyUnreachable(RallyRetryableError):
    """No connection could be made at all (offline, DNS, refused)."""


class RallyTimeout(RallyRetryableError):
    """The command's deadline passed before Rally answered (exit 5)."""


class RallyQueryError(RallyError):
    """Rally could not parse a query or does not know a type: a bug in the caller."""

    exit_code = INTERNAL


class RallyValidationError(RallyError):
    """'Validation error: ...' and other application errors Rally reports with HTTP 200: a
    value Rally will not take is bad input (exit 2)."""

    exit_code = USAGE
    maybe_applied = False


class RallyWriteRefused(RallyValidationError):
    """ "Could not write changes in Unit of Work" on every try: Rally says it for a value it
    cannot store (KB 95485) and for writes that overlap (KB 77114); nothing was applied."""


LONG_KEY = 12
"""A key this long is masked wherever it appears: such a string does not occur by chance in a
path or a sentence (Rally's keys are ``_`` and about 40 more characters)."""
_LABELS = r"(?:zsessionid|api[ _-]?key|apikey|key|token|password|secret|authorization)"


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """Remove secrets from anything about to be shown or stored: the Rally API key, and the
    password of a URL (``https://user:secret@host``).

    A long key is masked everywhere. A short one (the emulator's ``demo``) could be any word
    of a path or a sentence, so it is masked only where it stands as the value of a label
    (``ZSESSIONID: demo``, ``api_key=demo``, ``key 'demo'``)."""
    env = os.environ if environ is None else environ
    for name in SECRET_ENV_VARS:
        value = env.get(name, "")
        if len(value) >= LONG_KEY:
            text = text.replace(value, "***")
        elif value and value in text:
            text = _redact_labelled(text, value)
    if "@" in text and "://" in text:
        text = mask_url_credentials(text)
    return text


def _redact_labelled(text: str, value: str) -> str:
    import re  # lazy: only when a short key is in the text

    pattern = rf"(?i:({_LABELS})([\s:=\"']{{1,4}}))(?<![\w-]){re.escape(value)}(?![\w-])"
    return re.sub(pattern, lambda m: f"{m.group(1)}{m.group(2)}***", text)


def mask_url_credentials(text: str) -> str:
    """``scheme://user:password@host`` becomes ``scheme://user:***@host``."""
    import re  # lazy: only for text that holds a URL with an ``@``

    return re.sub(r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^/\s@]*@", r"\1:***@", text)


def report(error: PantheonError, *, json_mode: bool = False) -> None:
    """Print an error the way every entry point does: one or two lines on stderr."""
    from pantheon_git.safetext import for_json, for_output  # lazy: only when an error is shown

    message = for_output(redact(error.message))
    hint = for_output(redact(error.hint)) if error.hint else None
    if json_mode:
        # lazy: every hook loads this module; json only for --json
        import json

        doc = {"error": {"message": message, "hint": hint, "exit_code": error.exit_code}}
        print(for_json(json.dumps(doc)), flush=True)
    print(f"error: {message}", file=sys.stderr)
    if hint:
        print(hint, file=sys.stderr)


def _print_traceback() -> None:
    import traceback  # only with -v: the hook path does not pay for it

    traceback.print_exc()


def boundary(
    func: Callable[[], int | None], *, verbose: Callable[[], int], json_mode: Callable[[], bool]
) -> int:
    """Run ``func`` and turn every outcome into an exit code.

    ``verbose`` and ``json_mode`` are callables because the options are only known once
    argument parsing (inside ``func``) has happened.
    """
    try:
        code = func()
    except PantheonError as exc:
        if verbose():
            _print_traceback()
        report(exc, json_mode=json_mode())
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # stdout closed early (`pantheon status | head`): not an error worth a traceback.
        import contextlib

        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - replaced for the rest of the run
        return OK
    except Exception as exc:
        if verbose():
            _print_traceback()
        report(
            PantheonError(
                f"internal error: {type(exc).__name__}: {exc}",
                hint="This is a bug: run again with -v for the traceback and report it.",
            ),
            json_mode=json_mode(),
        )
        return INTERNAL
    return OK if code is None else code
