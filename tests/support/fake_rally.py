"""A small stateful Rally for unit tests of the client, served through ``httpx.MockTransport``.

It answers like Rally (HTTP 200 with ``Errors[]``, 401 HTML for a wrong key, absolute
``_ref``s) and refuses what it does not know, but it understands only the query forms these
tests use: one ``(Field = "value")`` term, or none. Integration tests use the real emulator.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx

BASE = "https://rally.example.com"
API = "/slm/webservice/v2.0"
KEY = "s3cret-api-key-1234"

Fault = Callable[[httpx.Request], httpx.Response | None]

_TYPE_NAMES = {
    "hierarchicalrequirement": "HierarchicalRequirement",
    "portfolioitem/feature": "PortfolioItem/Feature",
    "task": "Task",
    "conversationpost": "ConversationPost",
    "workspace": "Workspace",
    "project": "Project",
    "subscription": "Subscription",
    "typedefinition": "TypeDefinition",
    "attributedefinition": "AttributeDefinition",
    "changeset": "Changeset",
}
_PREFIX = {"hierarchicalrequirement": "US", "portfolioitem/feature": "F", "task": "TA"}
_TERM = re.compile(r'^\((?P<field>[\w.]+) = "(?P<value>[^"]*)"\)$')


def envelope(key: str, errors: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    body = {"_rallyAPIMajor": "2", "_rallyAPIMinor": "0", "Errors": errors or [], "Warnings": []}
    body.update(extra)
    return {key: body}


def reply(doc: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=doc)


def auth_page() -> httpx.Response:
    html = "<html><body><h2>HTTP ERROR 401</h2><p>Full authentication is required</p></body></html>"
    return httpx.Response(401, text=html, headers={"Content-Type": "text/html"})


class FakeRally:
    def __init__(
        self, *, key: str = KEY, latency: float | Callable[[httpx.Request], float] = 0.0
    ) -> None:
        self.key = key
        self.latency = latency
        self.objects: dict[str, dict[int, dict[str, Any]]] = {}
        self.collections: dict[tuple[str, int, str], list[str]] = {}
        self.requests: list[httpx.Request] = []
        self.faults: list[Fault] = []
        self.warnings: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._next_oid = 1000
        self.add("subscription", {"Name": "Acme"}, oid=1)
        self.add("workspace", {"Name": "WS One", "State": "Open"}, oid=100)
        self.add("workspace", {"Name": "WS Two", "State": "Open"}, oid=101)
        self.add("project", {"Name": "Team A", "Workspace": f"{API}/workspace/100"}, oid=300)
        self.add("project", {"Name": "Team B", "Workspace": f"{API}/workspace/100"}, oid=301)
        self.add("project", {"Name": "Other", "Workspace": f"{API}/workspace/101"}, oid=302)
        self.collections[("subscription", 1, "Workspaces")] = ["/workspace/100", "/workspace/101"]
        self.collections[("workspace", 100, "Projects")] = ["/project/300", "/project/301"]
        self.collections[("workspace", 101, "Projects")] = ["/project/302"]
        hr = self.add(
            "typedefinition",
            {
                "Name": "User Story",
                "ElementName": "HierarchicalRequirement",
                "TypePath": "HierarchicalRequirement",
            },
            oid=50,
        )
        self.collections[("typedefinition", 50, "Attributes")] = []
        for element, kind, custom in (
            ("ObjectID", "INTEGER", False),
            ("FormattedID", "STRING", False),
            ("Name", "STRING", False),
            ("c_LockedBy", "STRING", True),
        ):
            self._attribute(hr["ObjectID"], element, kind, custom)

    # --- state ---

    def add(
        self, type_seg: str, fields: dict[str, Any], *, oid: int | None = None
    ) -> dict[str, Any]:
        with self._lock:
            if oid is None:
                self._next_oid += 1
                oid = self._next_oid
            obj = {"ObjectID": oid, "_type": _TYPE_NAMES[type_seg], **fields}
            if type_seg in _PREFIX and "FormattedID" not in obj:
                obj["FormattedID"] = f"{_PREFIX[type_seg]}{oid}"
            self.objects.setdefault(type_seg, {})[oid] = obj
            return obj

    def _attribute(self, typedef_oid: int, element: str, kind: str, custom: bool) -> dict[str, Any]:
        attr = self.add(
            "attributedefinition",
            {
                "ElementName": element,
                "Name": element.removeprefix("c_"),
                "AttributeType": kind,
                "Custom": custom,
                "ReadOnly": element == "ObjectID",
            },
        )
        self.collections[("typedefinition", typedef_oid, "Attributes")].append(
            f"/attributedefinition/{attr['ObjectID']}"
        )
        return attr

    def stories(self, count: int) -> None:
        for n in range(count):
            self.add("hierarchicalrequirement", {"Name": f"Story {n}"})

    def requests_to(self, method: str, pattern: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and re.search(pattern, r.url.path)]

    # --- wire ---

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            fault = self.faults.pop(0) if self.faults else None
        try:
            delay = self.latency(request) if callable(self.latency) else self.latency
            if delay:
                time.sleep(delay)
            if fault is not None:
                injected = fault(request)
                if injected is not None:
                    return injected
            if request.headers.get("zsessionid") != self.key:
                return auth_page()
            return self._route(request)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _shell(self, type_seg: str, obj: dict[str, Any], fetch: str | None) -> dict[str, Any]:
        shell = {
            "_rallyAPIMajor": "2",
            "_rallyAPIMinor": "0",
            "_ref": f"{BASE}{API}/{type_seg}/{obj['ObjectID']}",
            "_type": obj["_type"],
            "_refObjectName": obj.get("Name", ""),
        }
        if fetch in (None, "true"):
            shell.update(obj)
        elif fetch != "false":
            for name in fetch.split(","):
                if name in obj:
                    shell[name] = obj[name]
        return shell

    def _route(self, request: httpx.Request) -> httpx.Response:  # noqa: PLR0911, PLR0912
        path = request.url.path
        if not path.startswith(API + "/"):
            return httpx.Response(404, text="not found")
        parts = path[len(API) + 1 :].split("/")
        params = {k: v[-1] for k, v in parse_qs(request.url.query.decode()).items()}
        fetch = params.get("fetch")
        if parts[0].lower() == "portfolioitem" and len(parts) > 1:
            parts = [f"portfolioitem/{parts[1].lower()}", *parts[2:]]
        type_seg = parts[0].lower()
        if type_seg not in _TYPE_NAMES:
            return reply(
                envelope("OperationResult", [f'Requested type name "{parts[0]}" is unknown'])
            )
        table = self.objects.setdefault(type_seg, {})
        if type_seg == "subscription" and len(parts) == 1:
            return reply(
                {
                    "Subscription": {
                        **self._shell(type_seg, table[1], fetch),
                        "Errors": [],
                        "Warnings": [],
                    }
                }
            )
        if len(parts) == 1 and request.method == "GET":
            return self._query(list(table.values()), type_seg, params)
        if parts[1] == "create" and request.method in ("POST", "PUT"):
            body = json.loads(request.content)
            (fields,) = body.values()
            obj = self.add(type_seg, {k: v for k, v in fields.items() if k != "ObjectID"})
            return reply(
                envelope(
                    "CreateResult",
                    Object=self._shell(type_seg, obj, fetch),
                    Warnings=list(self.warnings),
                )
            )
        oid = int(parts[1])
        if len(parts) == 2:
            found = table.get(oid)
            if request.method == "DELETE":
                if found is None:
                    return reply(envelope("OperationResult", ["Object to delete cannot be null"]))
                del table[oid]
                return reply(envelope("OperationResult"))
            if found is None:
                return reply(envelope("OperationResult", ["Cannot find object to read"]))
            obj = found
            if request.method == "POST":
                (fields,) = json.loads(request.content).values()
                obj.update(fields)
                return reply(envelope("OperationResult", Object=self._shell(type_seg, obj, fetch)))
            return reply(
                {
                    obj["_type"].split("/")[-1]: {
                        **self._shell(type_seg, obj, fetch),
                        "Errors": [],
                        "Warnings": [],
                    }
                }
            )
        key = (type_seg, oid, parts[2])
        members = self.collections.setdefault(key, [])
        if len(parts) == 4 and request.method == "POST":
            items = [i["_ref"] for i in json.loads(request.content)["CollectionItems"]]
            if parts[3] == "add":
                members.extend(r for r in items if r not in members)
            else:
                members[:] = [r for r in members if r not in items]
            changed = [self._resolve(r) for r in items]
            return reply(
                envelope("OperationResult", Results=[self._shell(t, o, fetch) for t, o in changed])
            )
        resolved = [self._resolve(r) for r in members]
        return self._query(
            [o for _, o in resolved], resolved[0][0] if resolved else type_seg, params
        )

    def _resolve(self, ref: str) -> tuple[str, dict[str, Any]]:
        type_seg, oid = ref.strip("/").rsplit("/", 1)
        return type_seg, self.objects[type_seg][int(oid)]

    def _query(
        self, items: list[dict[str, Any]], type_seg: str, params: dict[str, str]
    ) -> httpx.Response:
        query = params.get("query")
        if query:
            match = _TERM.match(query)
            if not match:
                return reply(
                    envelope(
                        "QueryResult",
                        [f"Could not parse: {query}"],
                        TotalResultCount=0,
                        StartIndex=0,
                        PageSize=0,
                        Results=[],
                    )
                )
            field, value = match.group("field"), match.group("value")
            items = [i for i in items if str(i.get(field)) == value]
        items = sorted(items, key=lambda i: i["ObjectID"])
        start, size = int(params.get("start", 1)), int(params.get("pagesize", 20))
        page = items[start - 1 : start - 1 + size]
        return reply(
            envelope(
                "QueryResult",
                TotalResultCount=len(items),
                StartIndex=start,
                PageSize=size,
                Results=[self._shell(type_seg, o, params.get("fetch")) for o in page],
            )
        )
