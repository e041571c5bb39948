"""Every httpx exception, HTTP status and Rally ``Errors[]`` text maps to the right error."""

from __future__ import annotations

import inspect

import httpx
import pytest

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
)
from pantheon_git.rally.failures import (
    TRANSPORT_ERRORS,
    Retry,
    from_app_errors,
    from_exception,
    from_status,
)
from pantheon_git.rally.refs import make_ref, ref_oid, ref_path, ref_type, type_segment

HTTPX_EXCEPTIONS = [
    obj
    for name in httpx.__all__
    if inspect.isclass(obj := getattr(httpx, name)) and issubclass(obj, Exception)
]


def test_every_httpx_exception_is_listed() -> None:
    """Like httpx's own test that no httpcore exception is left unmapped."""
    assert len(HTTPX_EXCEPTIONS) > 20
    missing = [e.__name__ for e in HTTPX_EXCEPTIONS if e not in TRANSPORT_ERRORS]
    assert missing == []


def _instance(exc_type: type[Exception]) -> Exception:
    request = httpx.Request("GET", "https://rally.example.com/x")
    if issubclass(exc_type, httpx.HTTPStatusError):
        return exc_type("boom", request=request, response=httpx.Response(500))
    if issubclass(exc_type, httpx.RequestError):
        return exc_type("boom", request=request)
    if issubclass(exc_type, httpx.StreamError):
        if exc_type is httpx.StreamError:
            return httpx.StreamError("boom")
        return exc_type()  # type: ignore[call-arg]
    return exc_type("boom")


@pytest.mark.parametrize("exc_type", HTTPX_EXCEPTIONS, ids=lambda e: e.__name__)
def test_every_httpx_exception_becomes_a_pantheon_error(exc_type: type[Exception]) -> None:
    failure = from_exception(_instance(exc_type), where="GET /x", url_hint="hint")
    assert isinstance(failure.error, PantheonError)
    assert "GET /x" in failure.error.message


@pytest.mark.parametrize(
    ("exc_type", "kind", "retry"),
    [
        (httpx.ConnectError, RallyUnreachable, Retry.SAFE),
        (httpx.ConnectTimeout, RallyUnreachable, Retry.SAFE),
        (httpx.PoolTimeout, RallyRetryableError, Retry.SAFE),
        (httpx.ReadTimeout, RallyRetryableError, Retry.AMBIGUOUS),
        (httpx.RemoteProtocolError, RallyRetryableError, Retry.AMBIGUOUS),
        (httpx.ReadError, RallyRetryableError, Retry.AMBIGUOUS),
        (httpx.UnsupportedProtocol, ConfigError, Retry.NO),
        (httpx.TooManyRedirects, RallyError, Retry.NO),
        (httpx.LocalProtocolError, PantheonError, Retry.NO),
    ],
)
def test_transport_error_kinds(
    exc_type: type[Exception], kind: type[PantheonError], retry: Retry
) -> None:
    failure = from_exception(_instance(exc_type), where="GET /x", url_hint="hint")
    assert type(failure.error) is kind
    assert failure.retry is retry


def test_tls_failure_is_not_retried_and_says_how_to_fix() -> None:
    exc = httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    failure = from_exception(exc, where="GET /x", url_hint="hint")
    assert isinstance(failure.error, RallyUnreachable)
    assert failure.retry is Retry.NO
    assert "PANTHEON_RALLY_VERIFY" in (failure.error.hint or "")


def test_non_httpx_exceptions_are_not_swallowed() -> None:
    with pytest.raises(KeyError):
        from_exception(KeyError("bug"), where="GET /x", url_hint="")


@pytest.mark.parametrize(
    ("status", "kind", "retry"),
    [
        (401, RallyAuthError, Retry.NO),
        (403, RallyAuthError, Retry.NO),
        (404, RallyError, Retry.NO),
        (429, RallyRetryableError, Retry.SAFE),
        (503, RallyRetryableError, Retry.SAFE),
        (500, RallyRetryableError, Retry.AMBIGUOUS),
        (502, RallyRetryableError, Retry.AMBIGUOUS),
        (524, RallyRetryableError, Retry.AMBIGUOUS),
    ],
)
def test_status_kinds(status: int, kind: type[PantheonError], retry: Retry) -> None:
    failure = from_status(status, where="GET /x", url_hint="")
    assert failure is not None
    assert type(failure.error) is kind
    assert failure.retry is retry


def test_success_statuses_are_read_as_json() -> None:
    assert from_status(200, where="GET /x", url_hint="") is None


CONFLICT = (
    "Concurrency conflict: [Object has been modified since being read for update in this "
    "context] - ConcurrencyConflictException : Modified since read on update : Object Class : "
    "com.f4tech.slm.domain.UserStory : ObjectID : 1001"
)


@pytest.mark.parametrize(
    ("text", "kind", "retry"),
    [
        ("Cannot find object to read", RallyNotFound, Retry.NO),
        ("Object to delete cannot be null", RallyNotFound, Retry.NO),
        (
            "Could not read: Could not read HierarchicalRequirement 1 to update.",
            RallyNotFound,
            Retry.NO,
        ),
        (CONFLICT, RallyRetryableError, Retry.CONFLICT),
        (
            "Could not update: Could not write changes in Unit Of Work",
            RallyRetryableError,
            Retry.CONFLICT,
        ),
        # a value that is no reference: pyral test/test_vsm_incident.py, against live Rally
        ('Cannot parse object reference from "InfinityDrain"', RallyValidationError, Retry.NO),
        (
            "Could not set value for Work Product: Cannot find object to read",
            RallyValidationError,
            Retry.NO,
        ),
        ("Not authorized to perform action: Invalid key", RallyAuthError, Retry.NO),
        ('Could not parse: Unknown operator "zobolts"', RallyQueryError, Retry.NO),
        ('Requested type name "iamnotarealone" is unknown', RallyQueryError, Retry.NO),
        (
            "Validation error: HierarchicalRequirement.Name should not be null",
            RallyValidationError,
            Retry.NO,
        ),
        ("Something new Rally says", RallyValidationError, Retry.NO),
    ],
)
def test_rally_error_texts(text: str, kind: type[PantheonError], retry: Retry) -> None:
    failure = from_app_errors([text, "second"], where="GET /x")
    assert type(failure.error) is kind
    assert failure.retry is retry
    assert text in failure.error.message
    assert "second" in failure.error.message


def test_unit_of_work_is_retried_briefly_then_a_bad_value() -> None:
    """KB 77114 gives the words for a conflict, KB 95485 for a malformed date: a few quick
    tries, then exit 2 saying both."""
    failure = from_app_errors(
        ["Could not update: Could not write changes in Unit of work"], where="POST /x/1"
    )
    assert failure.limit == 2
    assert failure.final is not None
    assert failure.final.exit_code == 2
    assert "KB 95485" in failure.final.message
    assert "3 tries" in failure.final.message
    assert failure.final.hint is not None
    assert not failure.final.maybe_applied


def test_query_errors_exit_as_bugs_and_bad_values_as_bad_input() -> None:
    assert from_app_errors(["Could not parse: x"], where="").error.exit_code == 70
    assert from_app_errors(["Validation error: x"], where="").error.exit_code == 2


# --- refs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref",
    [
        "https://rally1.rallydev.com/slm/webservice/v2.0/hierarchicalrequirement/123",
        "http://127.0.0.1:8080/slm/webservice/v2.0/HierarchicalRequirement/123.js",
        "/hierarchicalrequirement/123",
        "hierarchicalrequirement/123",
        {"_ref": "/HierarchicalRequirement/123"},
    ],
)
def test_ref_forms(ref: str | dict[str, str]) -> None:
    assert ref_path(ref) == "/hierarchicalrequirement/123"
    assert ref_oid(ref) == 123
    assert ref_type(ref) == "hierarchicalrequirement"


def test_portfolio_refs_and_bad_refs() -> None:
    assert ref_path("https://h/slm/webservice/v2.0/PortfolioItem/Feature/7") == (
        "/portfolioitem/feature/7"
    )
    assert make_ref("PortfolioItem/Feature", "7") == "/portfolioitem/feature/7"
    assert type_segment("ConversationPost") == "conversationpost"
    for bad in ("", "/hierarchicalrequirement/abc", "../../etc/passwd/1", {"x": 1}):
        with pytest.raises(RallyError):
            ref_path(bad)
    with pytest.raises(RallyError):
        type_segment("Hierarchical Requirement")
