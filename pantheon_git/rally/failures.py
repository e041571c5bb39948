"""Every way a Rally request can fail, translated where it enters: httpx exceptions, HTTP
statuses, and the ``Errors[]`` Rally sends with HTTP 200.

Each failure says whether a retry can help and, for retries, whether the server may already
have acted on the request. That second point decides whether a create may be sent again:

- ``SAFE``: the server did not act (no connection was made, the pool had no slot, 503/429).
  Any request may be resent.
- ``CONFLICT``: Rally refused the write because another write to the same object overlapped
  it (KB 77114: the transaction failed). Updates and deletes are resent; a create is looked up
  first when the caller says how to find it, then resent.
- ``AMBIGUOUS``: the request may have been applied and only the reply lost (read timeouts,
  dropped connections, 500, 502/504/524: Rally kills requests over 5 minutes with 502 or 524
  after the work may have been done, KB 125586). Reads, updates (last write wins) and deletes
  are resent; creates are not, unless the caller says how to find a create that did land.
- ``NO``: retrying cannot help (auth, bad query, validation, bad configuration, our own bugs,
  and a connection refused or a host name that does not exist before Rally ever answered: a
  wrong URL or an offline machine; after an answer it is a restart, and ``SAFE``).
"""

from __future__ import annotations

import enum
import errno
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from pantheon_git.errors import (
    ConfigError,
    PantheonError,
    RallyAuthError,
    RallyError,
    RallyNotFound,
    RallyQueryError,
    RallyRetryableError,
    RallyUnreachable,
    RallyValidationError,
    RallyWriteRefused,
)


class Retry(enum.Enum):
    NO = "no"
    SAFE = "safe"
    CONFLICT = "conflict"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Failure:
    error: PantheonError
    retry: Retry
    limit: int | None = None
    """At most this many retries (``None``: as many as the backoff and deadline allow)."""
    final: PantheonError | None = None
    """What to raise when ``limit`` retries did not help (instead of "gave up after...")."""

    @property
    def retryable(self) -> bool:
        return self.retry is not Retry.NO


AUTH_HINT = (
    "Check RALLY_API_KEY: the key may be wrong, revoked, or read-only (writes need a "
    "full-access key)."
)
BUG_HINT = "This is a bug in pantheon_git: run again with -v and report it."


# --- Errors[] in a reply (usually with HTTP 200) ---------------------------------------------

# "Cannot find object to read" and "Object to delete cannot be null" are Rally's (research
# §2); the update form is unconfirmed on real Rally and matched as the emulator words it.
_NOT_FOUND = re.compile(
    r"cannot find object to|object to \w+ cannot be null|could not read \S+ \d+ to update"
)
# A value a write sets is bad, whatever the rest says: a reference that is not one (pyral
# test/test_vsm_incident.py against live Rally: 'Cannot parse object reference from "x"'), or
# one Rally cannot set ("Could not set value for <Field>: ...").
_BAD_VALUE = ("cannot parse object reference", "could not set value for")
_CONFLICT = "concurrency conflict"
_UNIT_OF_WORK = "unit of work"
UNIT_OF_WORK_RETRIES = 2
"""Quick retries of "Could not write changes in Unit of Work": a conflict passes within them,
a bad value never does."""
_AUTH = ("not authorized", "invalid key")
_QUERY = ("could not parse", "is unknown")


def from_app_errors(errors: Sequence[str], *, where: str) -> Failure:  # noqa: PLR0911
    """Classify a non-empty ``Errors[]``; the first message decides, all are shown.

    A concurrency conflict is Rally saying it rolled the write back (KB 77114): safe to send
    again. "Could not write changes in Unit of Work" is ambiguous: KB 77114 gives it as the
    other form of a conflict, KB 95485 as the answer to a malformed date. It is retried
    :data:`UNIT_OF_WORK_RETRIES` times at once, then reported as a value Rally will not take
    (exit 2), never retried for minutes as a conflict.
    """
    text = "; ".join(str(e) for e in errors)
    first = str(errors[0]).lower() if errors else ""
    message = f"Rally refused {where}: {text}"
    if any(p in first for p in _BAD_VALUE):
        return Failure(
            RallyValidationError(message, hint="A value written is not one Rally accepts."),
            Retry.NO,
        )
    if _NOT_FOUND.search(first):
        return Failure(RallyNotFound(message), Retry.NO)
    if _CONFLICT in first:
        return Failure(
            RallyRetryableError(
                message,
                hint="Another process kept writing the same object; run the command again.",
            ),
            Retry.CONFLICT,
        )
    if _UNIT_OF_WORK in first:
        final = RallyWriteRefused(
            f"{message} ({UNIT_OF_WORK_RETRIES + 1} tries). Rally says this when a value "
            "cannot be stored, such as a date not written YYYY-MM-DD (Broadcom KB 95485), and "
            "sometimes when another write to the same object overlapped",
            hint="Check the values being written; if they are right, run the command again.",
        )
        retrying = RallyRetryableError(message, hint=final.hint)
        return Failure(retrying, Retry.CONFLICT, limit=UNIT_OF_WORK_RETRIES, final=final)
    if any(p in first for p in _AUTH):
        return Failure(RallyAuthError(message, hint=AUTH_HINT), Retry.NO)
    if any(p in first for p in _QUERY):
        return Failure(RallyQueryError(message, hint=BUG_HINT), Retry.NO)
    return Failure(RallyValidationError(message), Retry.NO)


# --- HTTP status ------------------------------------------------------------------------------

_SAFE_STATUSES = {408, 429, 503}


def from_status(status: int, *, where: str, url_hint: str) -> Failure | None:
    """A failure for a non-2xx status, or ``None`` when the body should be read as JSON."""
    if 200 <= status < 300:
        return None
    if status in (401, 403):
        return Failure(
            RallyAuthError(f"Rally refused the API key (HTTP {status}) on {where}", hint=AUTH_HINT),
            Retry.NO,
        )
    if status in _SAFE_STATUSES or status >= 500:
        retry = Retry.SAFE if status in _SAFE_STATUSES else Retry.AMBIGUOUS
        return Failure(
            RallyRetryableError(
                f"Rally answered HTTP {status} on {where}",
                hint="Rally is busy or down; try again in a few minutes.",
            ),
            retry,
        )
    return Failure(
        RallyError(f"Rally answered HTTP {status} on {where}", hint=url_hint),
        Retry.NO,
    )


# --- httpx exceptions -------------------------------------------------------------------------

# Every exception class httpx exports, most specific first; tests check none is missing.
# (error class, retry, what to say)
_UNREACHABLE = "cannot reach Rally"
_LOST = "lost the connection to Rally"
TRANSPORT_ERRORS: dict[type[Exception], tuple[type[PantheonError], Retry, str]] = {
    httpx.ConnectTimeout: (RallyUnreachable, Retry.SAFE, f"{_UNREACHABLE} (connect timed out)"),
    httpx.ConnectError: (RallyUnreachable, Retry.SAFE, _UNREACHABLE),
    httpx.ProxyError: (RallyUnreachable, Retry.SAFE, f"{_UNREACHABLE} through the proxy"),
    httpx.PoolTimeout: (RallyRetryableError, Retry.SAFE, "no free connection to Rally"),
    httpx.ReadTimeout: (RallyRetryableError, Retry.AMBIGUOUS, "Rally did not answer in time"),
    httpx.WriteTimeout: (RallyRetryableError, Retry.AMBIGUOUS, "sending to Rally timed out"),
    httpx.TimeoutException: (RallyRetryableError, Retry.AMBIGUOUS, "Rally timed out"),
    httpx.ReadError: (RallyRetryableError, Retry.AMBIGUOUS, _LOST),
    httpx.WriteError: (RallyRetryableError, Retry.AMBIGUOUS, _LOST),
    httpx.CloseError: (RallyRetryableError, Retry.AMBIGUOUS, _LOST),
    httpx.NetworkError: (RallyRetryableError, Retry.AMBIGUOUS, _LOST),
    httpx.RemoteProtocolError: (
        RallyRetryableError,
        Retry.AMBIGUOUS,
        "Rally closed the connection or broke the HTTP protocol",
    ),
    httpx.LocalProtocolError: (PantheonError, Retry.NO, "internal error: invalid HTTP request"),
    httpx.ProtocolError: (RallyRetryableError, Retry.AMBIGUOUS, "HTTP protocol error"),
    httpx.UnsupportedProtocol: (ConfigError, Retry.NO, "RALLY_URL has an unsupported scheme"),
    httpx.TransportError: (RallyRetryableError, Retry.AMBIGUOUS, _LOST),
    httpx.TooManyRedirects: (RallyError, Retry.NO, "too many redirects from Rally"),
    httpx.DecodingError: (RallyError, Retry.NO, "Rally's reply could not be decoded"),
    httpx.RequestError: (RallyError, Retry.NO, "request to Rally failed"),
    httpx.HTTPStatusError: (RallyError, Retry.NO, "Rally answered with an error status"),
    httpx.HTTPError: (RallyError, Retry.NO, "HTTP error talking to Rally"),
    httpx.InvalidURL: (ConfigError, Retry.NO, "RALLY_URL is not a valid URL"),
    httpx.CookieConflict: (PantheonError, Retry.NO, "internal error: cookie conflict"),
    httpx.StreamConsumed: (PantheonError, Retry.NO, "internal error: stream consumed"),
    httpx.StreamClosed: (PantheonError, Retry.NO, "internal error: stream closed"),
    httpx.ResponseNotRead: (PantheonError, Retry.NO, "internal error: response not read"),
    httpx.RequestNotRead: (PantheonError, Retry.NO, "internal error: request not read"),
    httpx.StreamError: (PantheonError, Retry.NO, "internal error: HTTP stream misuse"),
}

_TLS_MARKERS = ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "SSL", "TLS")
# A name that does not exist, or a port nobody listens on: asking again cannot help. (A resolver
# that could not answer this time, EAI_AGAIN, is not among them.)
_DEFINITE_ERRNOS = {errno.ECONNREFUSED, socket.EAI_NONAME}
_DEFINITE_TEXTS = ("connection refused", "name or service not known", "nodename nor servname")


def lookup(exc_type: type[BaseException]) -> tuple[type[PantheonError], Retry, str] | None:
    """The table entry for ``exc_type`` or its nearest listed base class."""
    for klass in exc_type.__mro__:
        if klass in TRANSPORT_ERRORS:
            return TRANSPORT_ERRORS[klass]
    return None


def from_exception(exc: Exception, *, where: str, url_hint: str, reached: bool = False) -> Failure:
    """``reached``: this server answered before. A refused connection or an unknown name is
    then a server restarting, worth retrying; before any answer it is final."""
    entry = lookup(type(exc))
    if entry is None:  # not an httpx error: let it surface as a bug
        raise exc
    kind, retry, what = entry
    detail = str(exc).strip() or type(exc).__name__
    if isinstance(exc, httpx.ConnectError) and any(m in detail for m in _TLS_MARKERS):
        return Failure(
            RallyUnreachable(
                f"TLS check failed talking to Rally on {where}: {detail}",
                hint=(
                    "Point PANTHEON_RALLY_VERIFY at your CA bundle (e.g. the corporate proxy's "
                    "certificate), or set it to false only for a local test server."
                ),
            ),
            Retry.NO,
        )
    if isinstance(exc, httpx.ConnectError) and not reached and _definite(exc):
        retry = Retry.NO
    hint = url_hint if kind in (RallyUnreachable, ConfigError, RallyError) else None
    if kind is PantheonError:
        hint = BUG_HINT
    if kind is RallyRetryableError:
        hint = "Rally or the network is struggling; try again in a few minutes."
    return Failure(kind(f"{what} on {where}: {detail}", hint=hint), retry)


def _definite(exc: BaseException) -> bool:
    """A connection that failed for good: refused, or a name the resolver says does not exist.

    The operating system's error is found down the chain httpx and httpcore keep (``from``)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.errno in _DEFINITE_ERRNOS:
            return True
        seen = seen.__cause__ or seen.__context__
    text = str(exc).lower()
    return any(t in text for t in _DEFINITE_TEXTS)
