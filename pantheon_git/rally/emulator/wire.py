"""Requests and replies independent of any socket: what the handler core takes and gives."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

API = {"_rallyAPIMajor": "2", "_rallyAPIMinor": "0"}
JSON_TYPE = "application/json; charset=utf-8"

# Rally's Jetty page for a missing or wrong key (research §1: rally-node issues 30 and 51).
UNAUTHORIZED_HTML = (
    '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n'
    "<title>Error 401 Full authentication is required to access this resource</title>\n"
    "</head>\n<body><h2>HTTP ERROR 401</h2>\n<p>Problem accessing /slm/webservice/v2.0/. "
    "Reason:\n<pre>    Full authentication is required to access this resource</pre></p>"
    "<hr><i><small>Powered by Jetty://</small></i><hr/>\n</body>\n</html>\n"
)


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # path and query string, as sent
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    base: str = "http://127.0.0.1"  # scheme://host[:port] the client addressed

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def params(self) -> dict[str, str]:
        """Query parameters (percent-decoded; the first value wins)."""
        out: dict[str, str] = {}
        for key, value in parse_qsl(urlsplit(self.target).query, keep_blank_values=True):
            out.setdefault(key, value)
        return out

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without replying (a fault)
    delay: float = 0.0  # seconds to wait before replying (latency injection)


def json_reply(doc: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(doc, ensure_ascii=False).encode("utf-8"))


def envelope(
    kind: str, errors: list[str] | None = None, warnings: list[str] | None = None, **extra: Any
) -> Response:
    """``{"QueryResult"|"CreateResult"|"OperationResult": {..., Errors, Warnings, ...}}``."""
    body = {**API, "Errors": list(errors or []), "Warnings": list(warnings or []), **extra}
    return json_reply({kind: body})


def unauthorized() -> Response:
    return Response(
        401,
        UNAUTHORIZED_HTML.encode("utf-8"),
        content_type="text/html;charset=utf-8",
        headers={"WWW-Authenticate": 'Basic realm="Rally ALM"'},
    )


def not_found(path: str) -> Response:
    where = html.escape(path)
    page = f"<html><body><h2>HTTP ERROR 404</h2><p>Problem accessing {where}.</p></body></html>\n"
    return Response(404, page.encode("utf-8"), content_type="text/html;charset=utf-8")
