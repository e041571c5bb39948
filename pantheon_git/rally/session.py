"""One HTTP connection to Rally: headers, TLS, no cookies, a cap on requests in flight, and
retries with jittered backoff, every wait held to a deadline.

Three limits nest: the command's ``Deadline`` (``until``), one request with its retries
(``deadline`` seconds), one try (``timeout`` seconds, from connecting to the reply's last byte).
Each wait (a free slot, a connection, every read, a pause before a retry) gets what is left of
the nearest; a reply is read as it arrives and given up once it passes ``max_reply`` bytes.

Thread-safe: one ``httpx.Client`` is shared by every thread; a semaphore keeps at most
``max_concurrency`` requests in flight (Rally slows down users above 12, KB 95713).
"""

from __future__ import annotations

import http.cookiejar
import platform
import random
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from pantheon_git import __version__
from pantheon_git.core import jsonio
from pantheon_git.core.deadline import Deadline
from pantheon_git.core.rallyurl import check_rally_url
from pantheon_git.errors import (
    ConfigError,
    PantheonError,
    RallyError,
    RallyRetryableError,
    RallyTimeout,
    redact,
)
from pantheon_git.rally import body as body_reader
from pantheon_git.rally import sockets
from pantheon_git.rally.backoff import DEFAULT_BACKOFF, Backoff, parse_retry_after
from pantheon_git.rally.failures import Failure, Retry, from_app_errors, from_exception, from_status
from pantheon_git.rally.refs import API_PREFIX
from pantheon_git.rally.replies import MALFORMED_HINT, Envelope, envelope

Params = Mapping[str, str | int]
Probe = Callable[[], Envelope | None]
"""After a reply was lost: the result if the request did land, ``None`` if it did not."""
Ambiguous = Literal["retry", "raise"] | Probe

_LOOPBACK = ("127.0.0.1", "localhost", "::1")
MB = 1 << 20
DEFAULT_MAX_REPLY = 128 * MB


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Refuse every cookie: with an API key a stale session cookie makes Rally answer
    'Invalid key' (KB 127054), so none is kept or sent (as Rally's Node toolkit does)."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


def normalize_base_url(url: str) -> str:
    """``https://host[:port]`` from what a user wrote (trailing ``/slm/webservice/v2.0`` ok)."""
    return check_rally_url(url)


def is_loopback(base_url: str) -> bool:
    return (urlsplit(base_url).hostname or "") in _LOOPBACK


def tls_verify(verify: bool | str) -> bool | ssl.SSLContext:
    """``True``, ``False``, or a CA bundle path turned into an SSL context."""
    if isinstance(verify, bool):
        return verify
    path = Path(verify).expanduser()
    try:
        found = path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, or holding a NUL
        found = False
    if not found:
        raise ConfigError(
            f"rally_verify names a CA bundle that does not exist: {verify}",
            hint="Set PANTHEON_RALLY_VERIFY to a PEM file, or to true to use the default CAs.",
        )
    try:
        return ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"cannot load the CA bundle {verify}: {exc}") from None


def integration_headers() -> dict[str, str]:
    return {
        "X-RallyIntegrationName": "pantheon_git",
        "X-RallyIntegrationVendor": "pantheon_git",
        "X-RallyIntegrationVersion": __version__,
        "X-RallyIntegrationLibrary": f"httpx/{httpx.__version__}",
        "X-RallyIntegrationPlatform": f"Python {platform.python_version()}",
        "X-RallyIntegrationOS": f"{platform.system()} {platform.release()}".strip(),
        "User-Agent": f"pantheon-git/{__version__}",
        "Accept": "application/json",
    }


class Session:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        verify: bool | str = True,
        timeout: float = 30.0,
        connect_timeout: float | None = None,
        deadline: float = 120.0,
        until: Deadline | None = None,
        max_reply: int = DEFAULT_MAX_REPLY,
        max_concurrency: int = 8,
        backoff: Backoff = DEFAULT_BACKOFF,
        warn: Callable[[str], None] | None = None,
        note: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if max_concurrency < 1:
            raise ConfigError(f"rally_max_concurrency must be at least 1, not {max_concurrency}")
        self.base_url = normalize_base_url(base_url)
        self.timeout = timeout
        """Seconds one try may take, from connecting to the reply's last byte."""
        self.connect_timeout = connect_timeout
        """Seconds to wait for a connection (default: ``timeout``); short for "fail fast
        when offline" callers such as checkout and the hooks."""
        self.deadline = deadline
        """Seconds one request may take with its retries."""
        self.until = until or Deadline.never(clock=clock)
        """The command's deadline: nothing is waited for past it."""
        self.max_reply = max_reply
        self.max_concurrency = max_concurrency
        self.backoff = backoff
        self._key = api_key
        self._warn = warn or (lambda message: None)
        self._note = note or (lambda message: None)
        """Details shown with ``-v``: each retry and why."""
        self._sleep, self._clock, self._rand = sleep, clock, rand
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._warned: set[str] = set()
        self._reached = False
        """Rally answered once: a refused connection after that is a restart, not a typo."""
        headers = integration_headers()
        headers["ZSESSIONID"] = api_key
        self._http = httpx.Client(
            base_url=self.base_url + API_PREFIX + "/",
            headers=headers,
            cookies=http.cookiejar.CookieJar(policy=_NoCookies()),
            verify=tls_verify(verify),
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(
                max_connections=max_concurrency, max_keepalive_connections=max_concurrency
            ),
            follow_redirects=False,
        )
        sockets.install(self._http)

    def __repr__(self) -> str:
        return f"<Session {self.base_url}>"

    def close(self) -> None:
        self._http.close()

    # --- counters ---

    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    # --- requests ---

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        body: Mapping[str, Any] | None = None,
        ambiguous: Ambiguous = "retry",
        deadline: float | None = None,
    ) -> Envelope:
        """Send until Rally answers without ``Errors``, or the failure is final.

        ``deadline`` (seconds, default the session's) bounds this call, retries included: no
        attempt is sent, and no reply awaited, past it, nor past the command's deadline. Timed
        protocols (story locks) use it.

        ``ambiguous`` says what to do when the request may have been applied but the reply was
        lost: ``"retry"`` resends (idempotent requests), ``"raise"`` gives up at once, a probe
        is asked whether the request landed.
        """
        where = f"{method} {path}"
        started = self._clock()
        limit = self.until.within(
            self.deadline if deadline is None else deadline, setting="rally_deadline"
        )
        retries = 0
        uncertain = False  # did any try fail in a way that may have left it applied?
        while True:
            outcome = self._attempt(method, path, params, body, where=where, limit=limit)
            if isinstance(outcome, Envelope):
                return outcome
            failure, retry_after = outcome
            uncertain = uncertain or failure.retry not in (Retry.SAFE, Retry.CONFLICT)
            if failure.retry is Retry.AMBIGUOUS and ambiguous != "retry":
                if ambiguous == "raise":
                    raise self._scrub(_maybe_applied(failure.error, where))
                landed = ambiguous()
                if landed is not None:
                    return landed
            if failure.retry is Retry.CONFLICT and callable(ambiguous):
                # Rally says the create failed; look before resending all the same.
                landed = ambiguous()
                if landed is not None:
                    return landed
            if not failure.retryable:
                raise self._scrub(_applied(failure.error, uncertain))
            if failure.limit is not None and retries >= failure.limit:
                raise self._scrub(_applied(failure.final or failure.error, uncertain))
            retries += 1
            wait = self.backoff.delay(retries, self._rand(), retry_after=retry_after)
            spent = self._clock() - started
            if retries >= self.backoff.max_attempts or wait >= limit.remaining():
                error = _gave_up(failure.error, retries, spent, self._cut(limit))
                raise self._scrub(_applied(error, uncertain))
            self.count("retries")
            self._note(
                f"Rally: {self._scrub_text(failure.error.message)}; trying again in {wait:.1f}s"
            )
            self._sleep(wait)

    def _cut(self, limit: Deadline) -> Deadline | None:
        """The command's deadline, when it is the limit that ended a request."""
        return self.until if self.until.bounded and limit.at >= self.until.at else None

    def _attempt(
        self,
        method: str,
        path: str,
        params: Params | None,
        body: Mapping[str, Any] | None,
        *,
        where: str,
        limit: Deadline,
    ) -> Envelope | tuple[Failure, float | None]:
        """One request; the reply's envelope, or the failure and the server's Retry-After."""
        url_hint = f"Check RALLY_URL (now {self.base_url}) and your network."
        if limit.passed or not self._slots.acquire(timeout=limit.remaining()):
            return _out_of_time(where, limit, self._cut(limit)), None
        try:
            this_try = limit.within(self.timeout, setting="rally_timeout")
            self.count("requests")
            self.count(method)
            try:
                with sockets.bounded(this_try):
                    status, headers, content = self._exchange(method, path, params, body, this_try)
            except (body_reader.TooLarge, body_reader.BadEncoding) as exc:
                return _unreadable(exc, where, self.max_reply), None
            except Exception as exc:  # translated here: every httpx class is listed
                reached = self._reached
                return from_exception(exc, where=where, url_hint=url_hint, reached=reached), None
        finally:
            self._slots.release()
        self._reached = True
        failed = from_status(status, where=where, url_hint=url_hint)
        if failed is not None:
            return failed, parse_retry_after(headers.get("Retry-After"))
        return self._decode(status, headers, content, where)

    def _decode(
        self, status: int, headers: httpx.Headers, content: bytes, where: str
    ) -> Envelope | tuple[Failure, float | None]:
        try:
            payload = jsonio.loads(content)
        except ValueError:
            kind = headers.get("Content-Type", "no content type")
            text = content[:200].decode("utf-8", "replace")
            snippet = " ".join(text[:80].split())
            error = RallyError(
                f"Rally sent a reply that is not JSON to {where} "
                f"(HTTP {status}, {kind}): {snippet!r}",
                hint=MALFORMED_HINT,
            )
            return Failure(error, Retry.NO), None
        try:
            env = envelope(payload, where=where)
        except PantheonError as exc:
            return Failure(exc, Retry.NO), None
        self._surface(env.warnings)
        if env.errors:
            return from_app_errors(env.errors, where=where), None
        return env

    def _exchange(
        self,
        method: str,
        path: str,
        params: Params | None,
        body: Mapping[str, Any] | None,
        this_try: Deadline,
    ) -> tuple[int, httpx.Headers, bytes]:
        """Send, and read the reply whole within the try's deadline and the size cap."""
        request = self._http.build_request(
            method,
            path.lstrip("/"),
            params=dict(params) if params else None,
            json=body,
            headers={"Accept-Encoding": body_reader.ACCEPT_ENCODING},
            timeout=self._timeout(this_try.remaining()),
        )
        response = self._http.send(request, stream=True)
        try:
            if not 200 <= response.status_code < 300:
                return response.status_code, response.headers, b""
            if response.is_stream_consumed:  # built in memory (a test transport): decoded
                content = body_reader.read_capped([response.content], None, self.max_reply)
            else:
                encoding = response.headers.get("Content-Encoding")
                chunks = _until(response.iter_raw(), this_try)
                content = body_reader.read_capped(chunks, encoding, self.max_reply)
        finally:
            response.close()
        return response.status_code, response.headers, content

    def _timeout(self, remaining: float) -> httpx.Timeout:
        total = min(self.timeout, remaining)
        connect = total if self.connect_timeout is None else min(self.connect_timeout, total)
        return httpx.Timeout(total, connect=connect)

    def _surface(self, warnings: list[str]) -> None:
        for text in warnings:
            with self._lock:
                if text in self._warned:
                    continue
                self._warned.add(text)
            self._warn(f"Rally: {self._scrub_text(text)}")

    def _scrub_text(self, text: str) -> str:
        return redact(text, {"RALLY_API_KEY": self._key})

    def _scrub(self, error: PantheonError) -> PantheonError:
        error.message = self._scrub_text(error.message)
        error.args = (error.message,)
        if error.hint:
            error.hint = self._scrub_text(error.hint)
        error.__cause__ = error.__context__ = None
        error.__suppress_context__ = True
        return error


def _until(chunks: Iterator[bytes], limit: Deadline) -> Iterator[bytes]:
    """The chunks, stopping with a read timeout once ``limit`` has passed (a reply that trickles
    in keeps every single read short)."""
    for chunk in chunks:
        if limit.passed:
            raise httpx.ReadTimeout(f"the reply took longer than {limit.describe()}")
        yield chunk


def _out_of_time(where: str, limit: Deadline, cut: Deadline | None) -> Failure:
    error = RallyTimeout(
        f"no time left for {where}: {limit.describe()} has passed",
        hint=_deadline_hint(cut),
    )
    return Failure(error, Retry.NO)


def _deadline_hint(cut: Deadline | None) -> str:
    if cut is not None and cut.setting:
        return (
            f"Rally is slow or not answering. If it is only slow, raise {cut.setting} "
            f"(now {cut.seconds:g} s) and run the command again."
        )
    return "Rally or the network is struggling; try again in a few minutes."


def _unreadable(exc: Exception, where: str, cap: int) -> Failure:
    if isinstance(exc, body_reader.TooLarge):
        error = RallyError(
            f"Rally's reply to {where} is larger than {cap / MB:g} MB (rally_max_reply_mb)",
            hint="Raise rally_max_reply_mb if your stories are that large; "
            "otherwise check RALLY_URL points at Rally.",
        )
    else:
        error = RallyError(
            f"Rally's reply to {where} could not be read: {exc}", hint=MALFORMED_HINT
        )
    return Failure(error, Retry.NO)


def _applied(error: PantheonError, uncertain: bool) -> PantheonError:
    """Mark whether any try may have been applied (``RallyError.maybe_applied``)."""
    if isinstance(error, RallyError):
        error.maybe_applied = uncertain
    return error


def _maybe_applied(error: PantheonError, where: str) -> PantheonError:
    return type(error)(
        f"{error.message}. The request may or may not have been applied, so it was not resent",
        hint=f"Check Rally for the result of {where} before running the command again.",
    )


def _gave_up(
    error: PantheonError, retries: int, spent: float, cut: Deadline | None
) -> PantheonError:
    tries = "try" if retries == 1 else "tries"
    kind = type(error) if isinstance(error, RallyRetryableError) else RallyRetryableError
    hint = _deadline_hint(cut) if cut is not None else error.hint
    why = f": {cut.describe()}" if cut is not None else ""
    return kind(f"{error.message} (gave up after {retries} {tries}, {spent:.1f}s{why})", hint=hint)
