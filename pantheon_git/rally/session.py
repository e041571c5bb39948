"""One HTTP connection to Rally: headers, TLS, no cookies, a cap on requests in flight, and
retries with jittered backoff under a total deadline.

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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import httpx

from pantheon_git import __version__
from pantheon_git.core import jsonio
from pantheon_git.errors import ConfigError, PantheonError, RallyError, RallyRetryableError
from pantheon_git.rally.backoff import DEFAULT_BACKOFF, Backoff, parse_retry_after
from pantheon_git.rally.failures import Failure, Retry, from_app_errors, from_exception, from_status
from pantheon_git.rally.refs import API_PREFIX
from pantheon_git.rally.replies import MALFORMED_HINT, Envelope, envelope

if TYPE_CHECKING:
    from pantheon_git.core.deadline import Deadline

Params = Mapping[str, str | int]
Probe = Callable[[], Envelope | None]
"""After a reply was lost: the result if the request did land, ``None`` if it did not."""
Ambiguous = Literal["retry", "raise"] | Probe

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Refuse every cookie: with an API key a stale session cookie makes Rally answer
    'Invalid key' (KB 127054), so none is kept or sent (as Rally's Node toolkit does)."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


def normalize_base_url(url: str) -> str:
    """``https://host[:port]`` from what a user wrote (trailing ``/slm/webservice/v2.0`` ok)."""
    text = (url or "").strip().rstrip("/")
    if text.endswith(API_PREFIX):
        text = text[: -len(API_PREFIX)].rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"RALLY_URL must look like https://rally1.rallydev.com, not {url!r}",
            hint="Set RALLY_URL (or rally_url in _bmad/pantheon/config.yaml) to your Rally host.",
        )
    return text


def is_loopback(base_url: str) -> bool:
    return (urlsplit(base_url).hostname or "") in _LOOPBACK


def tls_verify(verify: bool | str) -> bool | ssl.SSLContext:
    """``True``, ``False``, or a CA bundle path turned into an SSL context."""
    if isinstance(verify, bool):
        return verify
    path = Path(verify).expanduser()
    if not path.is_file():
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
        max_concurrency: int = 8,
        backoff: Backoff = DEFAULT_BACKOFF,
        warn: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
        until: Deadline | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ConfigError(f"rally_max_concurrency must be at least 1, not {max_concurrency}")
        self.base_url = normalize_base_url(base_url)
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        """Seconds to wait for a connection (default: ``timeout``); short for "fail fast
        when offline" callers such as checkout and the hooks."""
        self.deadline = deadline
        self.until = until
        """The command's deadline: no attempt is sent, and no reply awaited, past it."""
        self.max_concurrency = max_concurrency
        self.backoff = backoff
        self._key = api_key
        self._warn = warn or (lambda message: None)
        self._sleep, self._clock, self._rand = sleep, clock, rand
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._warned: set[str] = set()
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
        attempt is sent, and no reply awaited, past it. Timed protocols (story locks) use it.

        ``ambiguous`` says what to do when the request may have been applied but the reply was
        lost: ``"retry"`` resends (idempotent requests), ``"raise"`` gives up at once, a probe
        is asked whether the request landed.
        """
        where = f"{method} {path}"
        started = self._clock()
        limit = self.deadline if deadline is None else deadline
        until = self.until
        if until is not None:
            if until.passed:
                raise self._scrub(_out_of_time(where, until))
            limit = min(limit, until.remaining())
        retries = 0
        while True:
            outcome = self._attempt(
                method, path, params, body, where=where, started=started, limit=limit
            )
            if isinstance(outcome, Envelope):
                return outcome
            failure, retry_after = outcome
            if failure.retry is Retry.AMBIGUOUS and ambiguous != "retry":
                if ambiguous == "raise":
                    raise self._scrub(_maybe_applied(failure.error, where))
                landed = ambiguous()
                if landed is not None:
                    return landed
            if not failure.retryable:
                raise self._scrub(failure.error)
            retries += 1
            wait = self.backoff.delay(retries, self._rand(), retry_after=retry_after)
            spent = self._clock() - started
            if retries >= self.backoff.max_attempts or spent + wait >= limit:
                bound = until is not None and wait >= until.remaining()
                reason = until.describe() if bound and until is not None else None
                raise self._scrub(_gave_up(failure.error, retries, spent, reason))
            self.count("retries")
            self._sleep(wait)

    def _attempt(
        self,
        method: str,
        path: str,
        params: Params | None,
        body: Mapping[str, Any] | None,
        *,
        where: str,
        started: float,
        limit: float,
    ) -> Envelope | tuple[Failure, float | None]:
        """One request; the reply's envelope, or the failure and the server's Retry-After."""
        url_hint = f"Check RALLY_URL (now {self.base_url}) and your network."
        remaining = max(0.001, limit - (self._clock() - started))
        with self._slots:
            self.count("requests")
            self.count(method)
            try:
                response = self._http.request(
                    method,
                    path.lstrip("/"),
                    params=dict(params) if params else None,
                    json=body,
                    timeout=self._timeout(remaining),
                )
            except Exception as exc:  # translated here: every httpx class is listed
                return from_exception(exc, where=where, url_hint=url_hint), None
        failed = from_status(response.status_code, where=where, url_hint=url_hint)
        if failed is not None:
            return failed, parse_retry_after(response.headers.get("Retry-After"))
        try:
            payload = jsonio.loads(response.content)
        except ValueError:
            kind = response.headers.get("Content-Type", "no content type")
            snippet = " ".join(response.text[:80].split())
            error = RallyError(
                f"Rally sent a reply that is not JSON to {where} "
                f"(HTTP {response.status_code}, {kind}): {snippet!r}",
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
        return text.replace(self._key, "***") if len(self._key) >= 4 else text

    def _scrub(self, error: PantheonError) -> PantheonError:
        error.message = self._scrub_text(error.message)
        error.args = (error.message,)
        if error.hint:
            error.hint = self._scrub_text(error.hint)
        error.__cause__ = error.__context__ = None
        error.__suppress_context__ = True
        return error


def _maybe_applied(error: PantheonError, where: str) -> PantheonError:
    return type(error)(
        f"{error.message}. The request may or may not have been applied, so it was not resent",
        hint=f"Check Rally for the result of {where} before running the command again.",
    )


def _gave_up(
    error: PantheonError, retries: int, spent: float, reason: str | None = None
) -> PantheonError:
    tries = "try" if retries == 1 else "tries"
    kind = type(error) if isinstance(error, RallyRetryableError) else RallyRetryableError
    why = f": {reason}" if reason else ""
    return kind(
        f"{error.message} (gave up after {retries} {tries}, {spent:.1f}s{why})", hint=error.hint
    )


def _out_of_time(where: str, until: Deadline) -> PantheonError:
    return RallyRetryableError(
        f"gave up on Rally before {where}: {until.describe()} has passed",
        hint="Rally was slow or unreachable; run the command again when it answers.",
    )
