"""WSAPI routes: an authenticated request in, Rally's reply out (no sockets here).

Application errors are HTTP 200 with ``Errors[]`` inside the envelope the route would have
answered with (QueryResult for queries, CreateResult for creates, OperationResult otherwise).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pantheon_git.rally.emulator import writes
from pantheon_git.rally.emulator.derived import value_of
from pantheon_git.rally.emulator.evaluate import (
    compile_query,
    formatted_ids,
    parse_order,
    sort_objects,
)
from pantheon_git.rally.emulator.faults import conflict_text
from pantheon_git.rally.emulator.query import Node, QueryError, parse
from pantheon_git.rally.emulator.render import Fetch, View
from pantheon_git.rally.emulator.schema import Attr, Schema, TypeSpec, is_a
from pantheon_git.rally.emulator.schema_doc import workspace_schema
from pantheon_git.rally.emulator.scope import NOT_FOUND, Refused, Scope
from pantheon_git.rally.emulator.store import Conflict, Obj, Store
from pantheon_git.rally.emulator.values import WSAPI, rally_time
from pantheon_git.rally.emulator.wire import Request, Response, envelope, json_reply
from pantheon_git.rally.emulator.workspace import WorkspaceSettings

SCHEMA_PREFIX = "/slm/schema/v2.0/"
PLURALS = {"users": "User", "subscriptions": "Subscription"}
MAX_PAGESIZE = 2000
DEFAULT_PAGESIZE = 20
JS_WARNING = 'It is no longer necessary to append ".js" to WSAPI resources.'


@dataclass
class Call:
    """One authenticated WSAPI request."""

    store: Store
    schema: Schema
    request: Request
    user: int
    now: datetime
    settings: WorkspaceSettings = field(default_factory=WorkspaceSettings)
    since: int | None = None
    """The store revision when the request arrived: a write conflicts with any change
    committed after it to an object it changes (research §10.5)."""
    params: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    conflicted: bool = False
    plural: bool = False  # /users, /subscriptions: always a query

    def __post_init__(self) -> None:
        self.params = self.request.params
        self.view = View(self.store, self.schema, self.request.base, self.now)
        self.scope = Scope(self.store, self.params, self.user)

    # ---- entry ---------------------------------------------------------------------------
    def route(self) -> Response:
        path = self.request.path
        if path.startswith(SCHEMA_PREFIX):
            return self.schema_service(path[len(SCHEMA_PREFIX) :])
        segments = [s for s in path[len(WSAPI) :].split("/") if s]
        if segments and segments[-1].lower().endswith(".js"):
            segments[-1] = segments[-1][:-3]
            self.warnings.append(JS_WARNING)
        method = self.request.method
        if [s.lower() for s in segments] == ["security", "authorize"]:
            return self.ok("OperationResult", SecurityToken=str(uuid.uuid4()))
        spec, rest = self.split_type(segments)
        if rest and rest[0].lower() == "create":
            rest[0] = "create"
        kind = self.envelope_kind(method, rest)
        if spec is None:
            name = "/".join(segments[:1]) or path
            return self.fail(kind, f'Requested type name "{name}" is unknown')
        try:
            return self.dispatch(method, spec, rest, kind)
        except (Refused, QueryError, writes.WriteError) as exc:
            return self.fail(kind, str(exc))
        except Conflict as exc:
            self.conflicted = True
            return self.fail(
                kind, conflict_text(exc.type_path, exc.oid, self.settings.conflict_text)
            )

    def envelope_kind(self, method: str, rest: list[str]) -> str:
        if method == "GET" and len(rest) != 1:
            return "QueryResult"
        if rest[:1] == ["create"]:
            return "CreateResult"
        return "OperationResult"

    def split_type(self, segments: list[str]) -> tuple[TypeSpec | None, list[str]]:
        if not segments:
            return None, []
        if len(segments) > 1 and not segments[1].isdigit() and segments[1].lower() != "create":
            spec = self.schema.resolve(f"{segments[0]}/{segments[1]}")
            if spec is not None:
                return spec, segments[2:]
        plural = PLURALS.get(segments[0].lower())
        if plural is not None:
            self.plural = True
        return self.schema.resolve(plural or segments[0]), segments[1:]

    def dispatch(self, method: str, spec: TypeSpec, rest: list[str], kind: str) -> Response:
        if not rest:
            if method != "GET":
                raise Refused(f"Cannot {method} to a type: use {spec.element.lower()}/create")
            return self.query(spec)
        if rest == ["create"] and method in ("POST", "PUT"):
            return self.create(spec)
        if not rest[0].isdigit():
            raise Refused(NOT_FOUND)
        oid = int(rest[0])
        if len(rest) == 1:
            verbs = {
                "GET": self.read,
                "POST": self.update,
                "PUT": self.update,
                "DELETE": self.delete,
            }
            return verbs[method](spec, oid)
        if len(rest) == 2 and method == "GET":
            return self.collection(spec, oid, rest[1])
        if len(rest) == 3 and method == "POST" and rest[2].lower() in ("add", "remove"):
            return self.change_collection(spec, oid, rest[1], add=rest[2].lower() == "add")
        raise Refused(f"Unsupported operation {method} {'/'.join(rest)} on {spec.element}")

    # ---- replies -------------------------------------------------------------------------
    def ok(self, kind: str, **extra: Any) -> Response:
        return envelope(kind, [], self.warnings, **extra)

    def fail(self, kind: str, error: str) -> Response:
        if kind == "QueryResult":
            return envelope(
                kind,
                [error],
                self.warnings,
                TotalResultCount=0,
                StartIndex=0,
                PageSize=0,
                Results=[],
            )
        return envelope(kind, [error], self.warnings)

    def single(self, obj: Obj, fetch: Fetch) -> Response:
        doc = self.view.render(obj, fetch)
        doc.update(Errors=[], Warnings=self.warnings)
        return json_reply({self.schema[obj["_type"]].element: doc})

    # ---- reads ---------------------------------------------------------------------------
    def paging(self) -> tuple[int, int]:
        values = []
        for name, default in (("start", 1), ("pagesize", DEFAULT_PAGESIZE)):
            raw = self.params.get(name, "").strip()
            try:
                values.append(int(raw) if raw else default)
            except ValueError:
                # [UNSURE] Rally's wording for a non-numeric paging parameter.
                raise Refused(f'Could not parse: "{raw}" is not a valid value for {name}') from None
        start, size = values
        return max(start, 1), min(max(size, 1), MAX_PAGESIZE)

    def run_query(
        self, spec: TypeSpec, candidates: Iterable[Obj], *, node: Node | None = None
    ) -> Response:
        node = node if node is not None else parse(self.params.get("query", ""))
        predicate = compile_query(node, self.schema, spec, self.now)
        keys = parse_order(self.params.get("order"), self.schema, spec)
        start, size = self.paging()
        fetch = Fetch.parse(self.params.get("fetch"), default_everything=False)
        matched = [obj for obj in candidates if predicate(self.store, obj)]
        ordered = sort_objects(self.store, matched, keys)
        page = ordered[start - 1 : start - 1 + size]
        return self.ok(
            "QueryResult",
            TotalResultCount=len(matched),
            StartIndex=start,
            PageSize=size,
            Results=[self.view.render(obj, fetch) for obj in page],
        )

    def query(self, spec: TypeSpec) -> Response:
        if spec.path in ("User", "Subscription") and not self.plural and "query" not in self.params:
            # /user and /subscription name the caller's own user and subscription
            oid = (
                self.user
                if spec.path == "User"
                else self.store.objects[self.user].get("Subscription")
            )
            obj = self.store.get(oid) if isinstance(oid, int) else None
            if obj is not None:
                return self.single(
                    obj, Fetch.parse(self.params.get("fetch"), default_everything=True)
                )
        in_scope = self.scope.filter(spec)
        node = parse(self.params.get("query", ""))
        wanted = formatted_ids(node)
        types = self.schema.concrete(spec)
        if wanted is not None:  # a lookup by FormattedID: use the index, then filter as usual
            found = (self.store.get(self.store.fids.get(fid, -1)) for fid in wanted)
            pool: Iterable[Obj] = (o for o in found if o is not None and o["_type"] in types)
        else:
            pool = (o for path in types for o in self.store.by_type.get(path, {}).values())
        return self.run_query(spec, (o for o in pool if in_scope(o)), node=node)

    def find(self, spec: TypeSpec, oid: int) -> Obj:
        obj = self.store.get(oid)
        if obj is None or not is_a(obj["_type"], spec.path):
            raise Refused(NOT_FOUND)
        return obj

    def read(self, spec: TypeSpec, oid: int) -> Response:
        obj = self.find(spec, oid)
        return self.single(obj, Fetch.parse(self.params.get("fetch"), default_everything=True))

    def collection_attr(self, spec: TypeSpec, name: str) -> Attr:
        attr = spec.attr(name) or next(
            (a for a in spec.attrs.values() if a.name.lower() == name.lower()), None
        )
        if attr is None or attr.type != "COLLECTION":
            # [UNSURE] Rally's wording for a collection a type does not have.
            raise Refused(f'Could not read: "{name}" is not a collection of {spec.element}')
        return attr

    def collection(self, spec: TypeSpec, oid: int, name: str) -> Response:
        owner = self.find(spec, oid)
        real = self.schema[owner["_type"]]
        attr = self.collection_attr(real, name)
        assert attr.target is not None
        # [UNSURE] Without fetch a collection answers with shells, as a query does (research §2
        # says so for queries; the collection endpoint takes the same parameters).
        members = [self.store.objects[o] for o in value_of(self.store, owner, attr)]
        target = self.schema.types.get(attr.target) or self.schema["Artifact"]
        return self.run_query(target, members)

    def schema_service(self, rest: str) -> Response:
        parts = [p for p in rest.split("/") if p]
        if len(parts) < 2 or parts[0].lower() != "workspace" or not parts[1].isdigit():
            return self.fail("QueryResult", f'Requested type name "{rest}" is unknown')
        ws = self.store.get(int(parts[1]))
        if ws is None or ws["_type"] != "Workspace":
            return self.fail("QueryResult", NOT_FOUND)
        results = workspace_schema(self.view, int(ws["ObjectID"]))
        return self.ok(
            "QueryResult",
            TotalResultCount=len(results),
            StartIndex=1,
            PageSize=len(results),
            Results=results,
        )

    # ---- writes --------------------------------------------------------------------------
    def body(self, spec: TypeSpec) -> tuple[dict[str, Any], str]:
        """The field map in ``{"<Type>": {...}}``; the wrapper key matches case-insensitively."""
        doc = self.json_body()
        names = {spec.path.lower(), spec.element.lower()}
        if isinstance(doc, dict):
            for key, value in doc.items():
                if key.lower() in names and isinstance(value, dict):
                    return value, key
        raise Refused(
            f'Cannot parse input stream as JSON document: expected an object "{spec.element}"'
        )

    def json_body(self) -> Any:
        try:
            return json.loads(self.request.body.decode("utf-8") or "null")
        except RecursionError:  # nested deeper than the parser goes: still a parse error
            raise Refused(
                "Cannot parse input stream due to I/O error as JSON document: Parse error: "
                "nested too deeply"
            ) from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            # [UNSURE] the tail after Rally's prefix is Python's parser message.
            raise Refused(
                f"Cannot parse input stream due to I/O error as JSON document: Parse error: {exc}"
            ) from None

    def actor(self) -> writes.Actor:
        return writes.Actor(
            self.user,
            self.scope.workspace(),
            self.scope.project(),
            rally_time(self.now),
            self.settings,
        )

    def create(self, spec: TypeSpec) -> Response:
        fields, wrapper = self.body(spec)
        actor = self.actor()
        with self.store.write(self.since) as tx:
            obj = writes.create(tx, spec, fields, wrapper=wrapper, actor=actor)
        self.warnings.extend(actor.warnings)
        fetch = Fetch.parse(self.params.get("fetch"), default_everything=True)
        doc = self.view.render(self.store.objects[obj["ObjectID"]], fetch)
        doc["_CreatedAt"] = "just now"
        return self.ok("CreateResult", Object=doc)

    def update(self, spec: TypeSpec, oid: int) -> Response:
        fields, wrapper = self.body(spec)
        actor = self.actor()
        with self.store.write(self.since) as tx:
            writes.update(tx, self.schema, spec, oid, fields, wrapper=wrapper, actor=actor)
        self.warnings.extend(actor.warnings)
        fetch = Fetch.parse(self.params.get("fetch"), default_everything=True)
        return self.ok("OperationResult", Object=self.view.render(self.store.objects[oid], fetch))

    def delete(self, spec: TypeSpec, oid: int) -> Response:
        actor = self.actor()
        with self.store.write(self.since) as tx:
            writes.delete(tx, spec, oid, actor)
        return self.ok("OperationResult")

    def change_collection(self, spec: TypeSpec, oid: int, name: str, *, add: bool) -> Response:
        owner = self.find(spec, oid)
        attr = self.collection_attr(self.schema[owner["_type"]], name)
        doc = self.json_body()
        items = None
        if isinstance(doc, dict):
            # CollectionItems (Java, Node) or the collection's own name (pyral 1.7) [UNSURE]
            items = doc.get("CollectionItems", doc.get(attr.name))
        if not isinstance(items, list):
            raise Refused('Cannot parse input stream as JSON document: expected "CollectionItems"')
        actor = self.actor()
        with self.store.write(self.since) as tx:
            targets = writes.change_collection(
                tx, self.schema, owner, attr, items, add=add, actor=actor
            )
        fetch = Fetch.parse(self.params.get("fetch"), default_everything=False)
        results = [
            self.view.render(self.store.objects[t], fetch)
            for t in targets
            if t in self.store.objects
        ]
        return self.ok("OperationResult", Results=results)
