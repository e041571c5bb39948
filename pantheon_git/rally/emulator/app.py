"""The emulator as one object: store, credentials, faults, counters; ``handle(request)``.

``Emulator.handle`` is the whole server minus the socket: the HTTP server, an
``httpx.MockTransport`` (:func:`mock_transport`) and tests all call it.
"""

from __future__ import annotations

import re
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import httpx

from pantheon_git.rally.emulator import seed
from pantheon_git.rally.emulator.backlog import demo_backlog
from pantheon_git.rally.emulator.control import control
from pantheon_git.rally.emulator.faults import Faults, FaultSettings, fault_reply
from pantheon_git.rally.emulator.handler import SCHEMA_PREFIX, Call
from pantheon_git.rally.emulator.schema import Attr, Override, Schema, custom_attr
from pantheon_git.rally.emulator.store import Obj, Store
from pantheon_git.rally.emulator.values import WSAPI, rally_time
from pantheon_git.rally.emulator.wire import Request, Response, envelope, not_found, unauthorized
from pantheon_git.rally.emulator.workspace import WorkspaceSettings

CONTROL_PREFIX = "/_emulator/"
DEFAULT_USER = "emulator@example.com"


@dataclass
class Options:
    """How an emulator starts; kept so ``/_emulator/reset`` can start over the same way."""

    api_key: str = "demo"
    user: str | None = None  # owner of api_key; default: the demo's first user or DEFAULT_USER
    workspace: str | None = None
    project: str | None = None
    seed: str | None = None  # "demo"
    custom_fields: Mapping[str, str] | None = None  # label -> type; None: all of the seed's
    faults: FaultSettings = field(default_factory=FaultSettings)
    settings: WorkspaceSettings = field(default_factory=WorkspaceSettings)


@dataclass
class Stats:
    total: int = 0
    by_method: Counter[str] = field(default_factory=Counter)
    by_route: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0
    """Writes refused because another write to the same object overlapped them."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_method": dict(self.by_method),
            "by_route": dict(self.by_route),
            "faults": dict(self.faults),
            "conflicts": self.conflicts,
        }


def route_key(method: str, path: str) -> str:
    """``POST /hierarchicalrequirement/{oid}``: the path after ``/slm/webservice/v2.0``, in
    lower case, with ObjectIDs folded (schema requests keep their full path)."""
    prefix = WSAPI.rstrip("/")
    short = path[len(prefix) :] or "/" if path.startswith(prefix) else path
    short = re.sub(r"/\d+(?=/|$|\.js)", "/{oid}", short.lower())
    return f"{method} {short}"


class Emulator:
    """A Rally WSAPI emulator over one :class:`Store`."""

    def __init__(
        self,
        store: Store,
        options: Options | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``clock``: Rally's time (creation and update stamps); ``sleep``: how injected
        latency is waited out (both replaceable in tests)."""
        self.store = store
        self.options = options or Options()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.sleep = sleep
        self.faults = Faults(self.options.faults)
        self.stats = Stats()
        self._stats_lock = threading.Lock()
        self.keys: dict[str, str] = {}
        self._schema: tuple[int, int, Schema] | None = None
        self.workspace = ""
        self.project = ""
        self.setup()

    # ---- data ----------------------------------------------------------------------------
    def setup(self) -> None:
        """Bootstrap the workspace and users, and load the seed once per data file."""
        opts = self.options
        backlog: dict[str, Any] = {}
        if opts.seed == "demo":
            backlog = demo_backlog()
        elif opts.seed:
            raise ValueError(f"unknown seed {opts.seed!r}: the only one is 'demo'")
        self.workspace = opts.workspace or backlog.get("workspace") or "Emulator Workspace"
        self.project = opts.project or backlog.get("project") or "Emulator Project"
        users = backlog.get("users") or []
        owner = opts.user or (users[0]["email"] if users else DEFAULT_USER)
        now = self.clock()
        with self.store.write() as tx:
            place = seed.bootstrap(
                tx,
                workspace=self.workspace,
                project=self.project,
                now=rally_time(now),
                custom_fields=opts.custom_fields,
            )
            if backlog and tx.store.meta("seeded:demo") is None:
                seed.seed_demo(tx, place, now, backlog, opts.settings.date_precision)
                tx.set_meta("seeded:demo", rally_time(now))
            # after the seed, so a seeded user keeps the seed's display name
            seed.ensure_user(tx, place, owner, owner.split("@")[0].title(), rally_time(now))
        with self.store.write() as tx:  # on what the first transaction committed
            seed.apply_settings(tx, place, opts.settings, rally_time(now))
        self.place = place
        self.keys[opts.api_key] = owner

    def seed(self, **options: Any) -> dict[str, Any]:
        """Bulk stories straight into the store (no HTTP): ``stories``, ``epics``,
        ``tasks_per_story``, ``predecessors``, ``seed``; see :func:`seed.seed_bulk`."""
        with self.store.write() as tx:
            return seed.seed_bulk(tx, self.place, self.clock(), **options)

    def reset(self) -> None:
        """Back to the starting state: data wiped and seeded again, counters cleared."""
        self.store.wipe()
        self.keys = {}
        self.setup()
        self.reset_stats()

    def reset_stats(self) -> None:
        with self._stats_lock:
            self.stats = Stats()

    def add_user(self, email: str, display_name: str, api_key: str | None) -> int:
        now = rally_time(self.clock())
        with self.store.write() as tx:
            oid = seed.ensure_user(tx, self.place, email, display_name, now)
        if api_key:
            self.keys[api_key] = email
        return oid

    def configure_workspace(self, settings: WorkspaceSettings) -> None:
        """Change how the workspace behaves (``/_emulator/workspace``); kept for a reset."""
        with self.store.write() as tx:
            seed.apply_settings(tx, self.place, settings, rally_time(self.clock()))
        self.options = replace(self.options, settings=settings)

    def schema(self) -> Schema:
        """Built-in types and the custom fields as the store's AttributeDefinitions describe
        them (cached until they change)."""
        store = self.store
        key = (id(store), store.schema_gen)
        if self._schema is not None and self._schema[:2] == key:
            return self._schema[2]
        custom: dict[str, list[Attr]] = {}
        overrides: dict[tuple[str, str], Override] = {}
        for ad in store.by_type.get("AttributeDefinition", {}).values():
            td = store.get(ad.get("TypeDefinition") or -1)
            if td is None or td.get("Workspace") != self.place.workspace:
                continue
            values = _allowed(store, ad)
            length = ad.get("MaxLength")
            length = length if isinstance(length, int) else -1
            path = str(td["TypePath"])
            if not ad.get("Custom"):
                overrides[(path, str(ad["ElementName"]))] = Override(values, length)
                continue
            attr = custom_attr(
                str(ad.get("Name")),
                str(ad["ElementName"]),
                str(ad.get("AttributeType")),
                values,
                length,
            )
            custom.setdefault(path, []).append(attr)
        schema = Schema(custom, overrides)
        self._schema = (key[0], key[1], schema)
        return schema

    # ---- requests ------------------------------------------------------------------------
    def count(self, request: Request) -> None:
        with self._stats_lock:
            self.stats.total += 1
            self.stats.by_method[request.method] += 1
            self.stats.by_route[route_key(request.method, request.path)] += 1

    def authenticate(self, request: Request) -> int | None:
        email = self.keys.get(request.header("zsessionid") or "")
        if email is None:
            return None
        with self.store.read() as store:
            for oid, user in store.by_type.get("User", {}).items():
                if user.get("UserName") == email:
                    return oid
        return None

    def handle(self, request: Request) -> Response:
        path = request.path
        if path.startswith(CONTROL_PREFIX):
            return control(self, request)
        self.count(request)
        if not (path.startswith(WSAPI) or path.startswith(SCHEMA_PREFIX)):
            return not_found(path)
        if request.method not in ("GET", "POST", "PUT", "DELETE"):
            allow = {"Allow": "GET, POST, PUT, DELETE"}
            return Response(405, b"", content_type="text/plain", headers=allow)
        # Injected latency is split like network transit: half before the request is applied,
        # half (slept by the caller) before the reply leaves. A write lands between the two,
        # and is in progress from the moment it arrives: another write committed to the same
        # object meanwhile makes it a concurrency conflict, as in Rally (research §10.5).
        since = self.store.current_rev() if request.method != "GET" else None
        delay = self.faults.delay() / 2
        if delay:
            self.sleep(delay)
        user = self.authenticate(request)
        if user is None:
            reply = unauthorized()
        elif (kind := self.faults.draw(request.method)) is not None:
            with self._stats_lock:
                self.stats.faults[kind] += 1
            segments = [s for s in path[len(WSAPI) :].split("/") if s]
            form = self.options.settings.conflict_text
            reply = fault_reply(kind, request.method, segments, form)
        else:
            reply = self._serve(request, user, since)
        reply.delay = delay
        return reply

    def _serve(self, request: Request, user: int, since: int | None = None) -> Response:
        try:
            with self.store.read() as store:
                call = Call(
                    store,
                    self.schema(),
                    request,
                    user,
                    self.clock(),
                    settings=self.options.settings,
                    since=since,
                )
                reply = call.route()
            if call.conflicted:
                with self._stats_lock:
                    self.stats.conflicts += 1
            return reply
        except Exception:  # a bug: report it without leaking a traceback to the client
            traceback.print_exc(file=sys.stderr)
            reply = envelope("OperationResult", ["An unexpected error occurred"])
            reply.status = 500
            return reply


def _allowed(store: Store, ad: Obj) -> tuple[str, ...]:
    values = sorted(
        (store.objects[o] for o in store.referrers("AttributeDefinition", ad["ObjectID"])),
        key=lambda v: v.get("ValueIndex", 0),
    )
    return tuple(str(v["StringValue"]) for v in values if v["_type"] == "AllowedAttributeValue")


def mock_transport(emulator: Emulator) -> Any:
    """An ``httpx.MockTransport`` calling the emulator in-process (no socket, no thread)."""

    def handler(request: httpx.Request) -> httpx.Response:
        reply = emulator.handle(
            Request(
                method=request.method,
                target=request.url.raw_path.decode("ascii"),
                headers={k.lower(): v for k, v in request.headers.items()},
                body=request.read(),
                base=f"{request.url.scheme}://{request.url.netloc.decode('ascii')}",
            )
        )
        if reply.delay:
            emulator.sleep(reply.delay)
        if reply.drop:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        headers = {"Content-Type": reply.content_type, **reply.headers}
        return httpx.Response(reply.status, headers=headers, content=reply.body)

    return httpx.MockTransport(handler)
