"""``RallyClient``: the one object use cases talk to Rally through. Synchronous API; pages of a
query are fetched by threads sharing one HTTP connection pool, never more than
``max_concurrency`` requests in flight.

Writes and retries. Reads, updates (Rally is last-write-wins, resending the same body gives
the same result), deletes and collection changes are resent after any retryable failure. A
create is resent only when the server cannot have acted (connection refused, 503/429, a
concurrency conflict that Rally rolled back). When the reply to a create was lost after it was
sent, resending could make a duplicate, so ``create`` then either fails saying so (default),
or, given ``dedupe=`` (a query that finds the object if the create did land, such as
``(Revision = "<sha>")`` for a Changeset), asks Rally before resending. ``resend=True`` accepts
the risk of duplicates.

Every read and write names the record its replies become (``decode=``, ``records.py``): what
leaves ``rally/`` is typed. ``client.wire`` gives the replies as Rally sent them, for the
emulator's tests and the benchmarks.
"""

from __future__ import annotations

import copy
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pantheon_git.core.deadline import Deadline
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.states import ScheduleOrder
from pantheon_git.core.timefmt import format_time
from pantheon_git.errors import ConfigError, RallyNotFound, RallyValidationError, StoryNotFound
from pantheon_git.rally import records, replies
from pantheon_git.rally.backoff import DEFAULT_BACKOFF, Backoff
from pantheon_git.rally.paging import MAX_PAGESIZE, first_pagesize, remaining_starts
from pantheon_git.rally.query import Query, check_field, eq, order_clause, render
from pantheon_git.rally.records import DISCUSSION_POST, STORY, Entity, PostRecord
from pantheon_git.rally.refs import RefLike, make_ref, ref_path, type_segment
from pantheon_git.rally.replies import Item, as_sent
from pantheon_git.rally.schema import (
    ATTRIBUTE_FETCH,
    AttributeDef,
    display_name,
    schedule_states,
)
from pantheon_git.rally.scope import Scope, resolve
from pantheon_git.rally.session import (
    DEFAULT_MAX_REPLY,
    MB,
    Ambiguous,
    Params,
    Session,
    is_loopback,
)

if TYPE_CHECKING:
    import httpx

    from pantheon_git.config import Config
    from pantheon_git.core.deadline import Deadline
    from pantheon_git.rally.wire import Wire

Fetch = bool | Sequence[str]
T = TypeVar("T")
Decode = Callable[[Item], T]
"""Turns one raw item into its record (``records.story``, ``records.task``...)."""
PageSink = Callable[[list[T]], None]
"""Receives one page of query results."""
Progress = Callable[[int, int], None]
"""(items so far, items expected)"""

# Types whose objects belong to a project: a create gets the configured project.
_PROJECT_SCOPED = ("hierarchicalrequirement", "portfolioitem/", "defect")

KEY_HINT = "Run `export RALLY_API_KEY=<key>` (create a key in Rally: your profile, API Keys)."


_SUMMARY_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):summary\[([^\]]*)\]$")


def fetch_term(term: str) -> str:
    """One fetch term: a field name, or ``Coll:summary[Field;Field]`` (Broadcom KB 131935:
    the collection comes back with each field's values among its members and their counts)."""
    match = _SUMMARY_RE.match(term)
    if match is None:
        return check_field(term)
    fields = [check_field(f.strip()) for f in match.group(2).split(";") if f.strip()]
    if not fields:
        check_field(term)  # "Tasks:summary[]": refused with the usual message
    return f"{check_field(match.group(1))}:summary[{';'.join(fields)}]"


def fetch_param(fetch: Fetch) -> str:
    """``True`` (all fields), ``False`` (shells) or field names, ``ObjectID`` always among them."""
    if isinstance(fetch, bool):
        return "true" if fetch else "false"
    if isinstance(fetch, str):
        fetch = [f.strip() for f in fetch.split(",") if f.strip()]
    names = [fetch_term(f) for f in fetch]
    if "ObjectID" not in names:  # every object comes back with its id, whatever was asked
        names.insert(0, "ObjectID")
    return ",".join(names)


class RallyClient:
    def __init__(
        self,
        *,
        url: str,
        api_key: str | None,
        workspace: str | None = None,
        project: str | None = None,
        epic_type: str = "PortfolioItem/Feature",
        verify: bool | str = True,
        timeout: float = 30.0,
        connect_timeout: float | None = None,
        deadline: float = 120.0,
        until: Deadline | None = None,
        max_reply: int = DEFAULT_MAX_REPLY,
        max_concurrency: int = 8,
        transport: httpx.BaseTransport | None = None,
        warn: Callable[[str], None] | None = None,
        note: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
        backoff: Backoff = DEFAULT_BACKOFF,
    ) -> None:
        if not api_key:
            raise ConfigError("RALLY_API_KEY is not set", hint=KEY_HINT)
        self._warn = warn or (lambda message: None)
        self.session = Session(
            url,
            api_key,
            transport=transport,
            verify=verify,
            timeout=timeout,
            connect_timeout=connect_timeout,
            deadline=deadline,
            until=until,
            max_reply=max_reply,
            max_concurrency=max_concurrency,
            backoff=backoff,
            warn=self._warn,
            note=note,
            sleep=sleep,
            clock=clock,
            rand=rand,
        )
        if self.session.base_url.startswith("http://") and not is_loopback(self.session.base_url):
            self._warn(
                f"RALLY_URL {self.session.base_url} is plain http: the API key is sent unencrypted"
            )
        type_segment(epic_type)
        self.epic_type = epic_type
        self._wanted_scope = (workspace, project)
        self._scope: Scope | None = None
        self._scope_lock = threading.Lock()
        self._schedule: ScheduleOrder | None = None

    @classmethod
    def from_config(
        cls,
        config: Config,
        *,
        warn: Callable[[str], None] | None = None,
        until: Deadline | None = None,
        **kwargs: Any,
    ) -> RallyClient:
        """The client ``App.rally()`` uses; ``kwargs`` (``transport=``...) override config.
        ``until``: the command's deadline."""
        settings: dict[str, Any] = {
            "url": config.rally_url,
            "api_key": config.api_key,
            "workspace": config.rally_workspace,
            "project": config.rally_project,
            "epic_type": config.epic_type,
            "verify": config.rally_verify,
            "timeout": config.rally_timeout,
            "deadline": config.rally_deadline,
            "max_concurrency": config.rally_max_concurrency,
            "max_reply": int(config.rally_max_reply_mb * MB),
            "until": until,
            "warn": warn,
        }
        settings.update(kwargs)
        return cls(**settings)

    def __repr__(self) -> str:
        return f"<RallyClient {self.session.base_url} {self._wanted_scope!r}>"

    def __enter__(self) -> RallyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    # --- counters ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.session.base_url

    @property
    def until(self) -> Deadline:
        """The command's deadline this client works under."""
        return self.session.until

    @property
    def max_concurrency(self) -> int:
        return self.session.max_concurrency

    @property
    def request_count(self) -> int:
        """HTTP requests sent, retries included."""
        return self.session.counts().get("requests", 0)

    @property
    def retry_count(self) -> int:
        """Requests sent again after a failure (counted in ``request_count`` too)."""
        return self.session.counts().get("retries", 0)

    def counts(self) -> dict[str, int]:
        """Requests by HTTP method and by operation, plus ``retries`` and ``requests``."""
        return self.session.counts()

    @property
    def wire(self) -> Wire:
        """The same reads and writes, answering with items as Rally sent them."""
        # lazy: only the emulator's tests and the benchmarks read replies undecoded
        from pantheon_git.rally.wire import Wire

        return Wire(self)

    # --- scope ------------------------------------------------------------------------------

    def scope(self) -> Scope:
        """The workspace and project, resolved on first use and kept."""
        with self._scope_lock:
            if self._scope is None:
                workspace, project = self._wanted_scope
                self._scope = resolve(
                    workspace,
                    project,
                    subscription=self._subscription,
                    list_items=lambda path, where, fetch: self._paged(
                        path, self._query_params(where, fetch, ()), 200, None, None, decode=as_sent
                    ),
                    get_object=lambda path, fetch: self.get(path, decode=as_sent, fetch=fetch),
                )
            return self._scope

    def adopt_scope(self, scope: Scope) -> None:
        """Use a scope resolved earlier (ObjectIDs never change; ``pantheon sync`` keeps the
        last one in the cache), saving the requests that resolving names costs."""
        with self._scope_lock:
            self._scope = scope

    def with_project(self, project: str | None) -> RallyClient:
        """The same connection scoped to another project of the workspace (``None``: all of
        it). Shares the connection: closing either closes both."""
        other = copy.copy(self)
        other._wanted_scope = (str(self.scope().workspace_oid), project)
        other._scope = None
        other._scope_lock = threading.Lock()
        return other

    def _subscription(self) -> Item:
        env = self._send("GET", "/subscription", "read", {"fetch": "ObjectID,Name"})
        if env.key == "QueryResult":
            page = replies.query_page(env, where="GET /subscription")
            if not page.items:
                raise RallyNotFound("Rally shows no subscription for this API key")
            return page.items[0]
        return replies.single_object(env, where="GET /subscription")

    # --- reads ------------------------------------------------------------------------------

    def query(
        self,
        type_path: str,
        where: Query | None = None,
        *,
        decode: Decode[T],
        fetch: Fetch = True,
        order: Sequence[str] = (),
        pagesize: int = MAX_PAGESIZE,
        limit: int | None = None,
        whole_workspace: bool = False,
        scope_up: bool = False,
        scope_down: bool = True,
        progress: Progress | None = None,
        on_page: PageSink[T] | None = None,
    ) -> list[T]:
        """Every object of ``type_path`` matching ``where``, in a stable order, decoded.

        Scope: the configured project and its children (``scope_down``), or its parents too
        (``scope_up``); ``whole_workspace=True`` ignores the project. ``on_page`` receives each
        page's items as it arrives (first page first, then in the order they come; in the
        calling thread; before repeats across pages are dropped), so a caller can work while
        later pages are still on their way.
        """
        params = dict(self._query_params(where, fetch, order))
        params.update(
            self.scope().params(whole_workspace=whole_workspace, up=scope_up, down=scope_down)
        )
        path = f"/{type_segment(type_path)}"
        return self._paged(path, params, pagesize, limit, progress, decode=decode, on_page=on_page)

    def count(
        self, type_path: str, where: Query | None = None, *, whole_workspace: bool = False
    ) -> int:
        """How many objects match, from one request of one result."""
        params = dict(self._query_params(where, ("ObjectID",), ()))
        params.update(self.scope().params(whole_workspace=whole_workspace))
        params.update(start=1, pagesize=1)
        path = f"/{type_segment(type_path)}"
        env = self._send("GET", path, "query", params)
        return replies.query_page(env, where=f"GET {path}").total

    def get(
        self, ref: RefLike, oid: int | None = None, *, decode: Decode[T], fetch: Fetch = True
    ) -> T:
        """One object, by reference (any form) or by type and ObjectID."""
        path = make_ref(str(ref), oid) if oid is not None else ref_path(ref)
        env = self._send("GET", path, "read", {"fetch": fetch_param(fetch)})
        return decode(replies.single_object(env, where=f"GET {path}"))

    def find_story(self, key: StoryKey | str, *, decode: Decode[T], fetch: Fetch = True) -> T:
        """The story with this FormattedID anywhere in the workspace, or ``StoryNotFound``
        (a ``RallyNotFound`` that is the user's input: exit 2)."""
        story = key if isinstance(key, StoryKey) else StoryKey.parse(key)
        where = eq("FormattedID", story.formatted_id)
        found = self.query(STORY, where, decode=decode, fetch=fetch, limit=1, whole_workspace=True)
        if not found:
            raise StoryNotFound(
                f"story {story} not found in Rally ({self.scope().describe()})",
                hint="Check the story id; `pantheon sync` refreshes the local list.",
            )
        return found[0]

    def collection(
        self,
        ref: RefLike,
        name: str,
        *,
        decode: Decode[T],
        where: Query | None = None,
        fetch: Fetch = True,
        order: Sequence[str] = (),
        pagesize: int = MAX_PAGESIZE,
        limit: int | None = None,
    ) -> list[T]:
        """The members of a collection attribute (``Tasks``, ``Predecessors``, ``Discussion``)."""
        path = f"{ref_path(ref)}/{check_field(name)}"
        params = dict(self._query_params(where, fetch, order))
        params.update(self.scope().params(whole_workspace=True))
        return self._paged(path, params, pagesize, limit, None, decode=decode)

    # --- writes -----------------------------------------------------------------------------

    def create(
        self,
        type_path: str,
        fields: Mapping[str, Any],
        *,
        decode: Decode[T],
        fetch: Fetch = True,
        dedupe: Query | None = None,
        resend: bool = False,
    ) -> T:
        """Create an object of any type (``SCMRepository``, ``Changeset``... work too).

        See the module docstring for when a create is resent; ``dedupe`` and ``resend`` choose.
        """
        segment = type_segment(type_path)
        body = _encode(fields)
        scope = self.scope()
        if scope.project_ref and "Project" not in body and segment.startswith(_PROJECT_SCOPED):
            body["Project"] = scope.project_ref
        path = f"/{segment}/create"
        params: dict[str, str | int] = {"fetch": fetch_param(fetch), **scope.params()}
        ambiguous: Ambiguous = "retry" if resend else "raise"
        if dedupe is not None:
            ambiguous = self._create_probe(type_path, dedupe, fetch)
        env = self._send(
            "POST", path, "create", params, body={type_path: body}, ambiguous=ambiguous
        )
        return decode(replies.result_object(env, "CreateResult", where=f"POST {path}"))

    def _create_probe(self, type_path: str, dedupe: Query, fetch: Fetch) -> Ambiguous:
        def probe() -> replies.Envelope | None:
            found = self.query(
                type_path, dedupe, decode=as_sent, fetch=fetch, limit=2, whole_workspace=True
            )
            if len(found) > 1:
                raise RallyValidationError(
                    f"more than one {type_path} matches {render(dedupe)}: not creating another"
                )
            if not found:
                return None
            self.session.count("creates_recovered")
            return replies.Envelope("CreateResult", {"Object": found[0]}, [], [])

        return probe

    def update(
        self,
        ref: RefLike,
        fields: Mapping[str, Any],
        *,
        decode: Decode[T],
        fetch: Fetch = True,
        deadline: float | None = None,
    ) -> T:
        """Change some fields. Last write wins: Rally has no conditional update.

        ``deadline``: seconds this update may take, retries included (default: the client's);
        nothing is sent after it.
        """
        path = ref_path(ref)
        type_key = path.rsplit("/", 1)[0].lstrip("/")
        params = {"fetch": fetch_param(fetch), "workspace": self.scope().workspace_ref}
        body = {type_key: _encode(fields)}
        env = self._send("POST", path, "update", params, body=body, deadline=deadline)
        return decode(replies.result_object(env, "OperationResult", where=f"POST {path}"))

    def delete(self, ref: RefLike, *, missing_ok: bool = False) -> None:
        path = ref_path(ref)

        def probe() -> replies.Envelope | None:  # after a lost reply: gone means it worked
            try:
                self.get(path, decode=records.entity, fetch=("ObjectID",))
            except RallyNotFound:
                return replies.Envelope("OperationResult", {}, [], [])
            return None

        params = {"workspace": self.scope().workspace_ref}
        try:
            self._send("DELETE", path, "delete", params, ambiguous=probe)
        except RallyNotFound:
            if not missing_ok:
                raise

    def collection_add(
        self,
        ref: RefLike,
        name: str,
        items: Sequence[RefLike],
        *,
        fetch: Fetch = ("ObjectID", "FormattedID", "Name"),
    ) -> list[Entity]:
        """Add members to a collection (``Predecessors``) without replacing it."""
        return self._collection_change(ref, name, items, "add", fetch)

    def collection_remove(
        self,
        ref: RefLike,
        name: str,
        items: Sequence[RefLike],
        *,
        fetch: Fetch = ("ObjectID", "FormattedID", "Name"),
    ) -> list[Entity]:
        return self._collection_change(ref, name, items, "remove", fetch)

    def _collection_change(
        self, ref: RefLike, name: str, items: Sequence[RefLike], verb: str, fetch: Fetch
    ) -> list[Entity]:
        path = f"{ref_path(ref)}/{check_field(name)}/{verb}"
        body = {"CollectionItems": [{"_ref": ref_path(i)} for i in items]}
        params = {"fetch": fetch_param(fetch), "workspace": self.scope().workspace_ref}
        env = self._send("POST", path, "collection", params, body=body)
        return [records.entity(i) for i in replies.operation_results(env, where=f"POST {path}")]

    def post_discussion(self, artifact: RefLike, text: str) -> PostRecord:
        """A discussion post on a story (rich text: HTML is kept as written)."""
        return self.create(
            DISCUSSION_POST,
            {"Artifact": ref_path(artifact), "Text": text},
            decode=records.post,
            fetch=("ObjectID", "PostNumber", "Text", "Artifact"),
        )

    # --- schema -----------------------------------------------------------------------------

    def type_definition(self, type_path: str = STORY) -> Item:
        found = self.query(
            "TypeDefinition",
            eq("TypePath", type_path),
            decode=as_sent,
            fetch=("ObjectID", "Name", "ElementName", "TypePath", "IDPrefix"),
            whole_workspace=True,
        )
        if not found:
            raise RallyNotFound(f"Rally has no type {type_path!r} in {self.scope().describe()}")
        return found[0]

    def attributes(self, type_path: str = STORY) -> list[AttributeDef]:
        """Every attribute of a type, custom (``c_``) ones included."""
        typedef = self.type_definition(type_path)
        return self.collection(
            typedef, "Attributes", decode=AttributeDef.from_rally, fetch=ATTRIBUTE_FETCH
        )

    def schedule_states(self) -> ScheduleOrder:
        """The workspace's ScheduleState values in order (read once per client)."""
        with self._scope_lock:
            known = self._schedule
        if known is None:
            known = schedule_states(self)
            with self._scope_lock:
                self._schedule = known
        return known

    def create_attribute(
        self, element_name: str, attribute_type: str, *, type_path: str = STORY
    ) -> AttributeDef:
        """Create a custom field (admin key needed). ``c_LockedBy`` is created as ``LockedBy``."""
        typedef = self.type_definition(type_path)
        fields = {
            "Name": display_name(element_name),
            "RealAttributeType": attribute_type.upper(),
            "TypeDefinition": ref_path(typedef),
        }
        return self.create(
            "AttributeDefinition", fields, decode=AttributeDef.from_rally, fetch=ATTRIBUTE_FETCH
        )

    # --- plumbing ---------------------------------------------------------------------------

    def _query_params(self, where: Query | None, fetch: Fetch, order: Sequence[str]) -> Params:
        params: dict[str, str | int] = {"fetch": fetch_param(fetch), "order": order_clause(order)}
        if where is not None:
            params["query"] = render(where)
        return params

    def _send(
        self,
        method: str,
        path: str,
        kind: str,
        params: Params,
        *,
        body: Mapping[str, Any] | None = None,
        ambiguous: Ambiguous = "retry",
        deadline: float | None = None,
    ) -> replies.Envelope:
        self.session.count(kind)
        return self.session.request(
            method, path, params=params, body=body, ambiguous=ambiguous, deadline=deadline
        )

    def _page(self, path: str, params: Params, start: int, size: int) -> replies.Page:
        env = self._send("GET", path, "query", {**params, "start": start, "pagesize": size})
        return replies.query_page(env, where=f"GET {path}", shells=params.get("fetch") == "false")

    def _paged(
        self,
        path: str,
        params: Params,
        pagesize: int,
        limit: int | None,
        progress: Progress | None,
        *,
        decode: Decode[T],
        on_page: PageSink[T] | None = None,
    ) -> list[T]:
        """First page, then the others concurrently; stable order, no repeats.

        The later pages are asked for before ``on_page`` sees the first one, and each page is
        handed to ``on_page`` as soon as it arrives (whatever its place), so the caller's work
        on one page overlaps the transfer of the others."""
        size = first_pagesize(pagesize, limit)
        first = self._page(path, params, 1, size)
        wanted = first.total if limit is None else min(first.total, limit)
        starts = remaining_starts(first.total, size, limit)
        pages: list[list[Item]] = [[] for _ in range(len(starts) + 1)]
        decoded: list[list[T]] = [[] for _ in range(len(starts) + 1)]
        received = 0

        def take(number: int, page: replies.Page) -> None:
            nonlocal received
            if page.total != first.total:
                self._warn(
                    f"Rally: results changed while paging {path} ({first.total} -> "
                    f"{page.total}); run again for a consistent view"
                )
            pages[number] = page.items
            decoded[number] = [decode(item) for item in page.items]
            received += len(page.items)
            if on_page:
                on_page(decoded[number])
            if progress:
                progress(min(wanted, received), wanted)

        if not starts:
            take(0, first)
        else:
            workers = min(len(starts), self.max_concurrency)
            pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rally-page")
            try:
                futures = {
                    pool.submit(self._page, path, params, start, size): number
                    for number, start in enumerate(starts, start=1)
                }
                take(0, first)
                for future in as_completed(futures):
                    take(futures[future], future.result())
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
        unique = _unique(
            (item, record)
            for page, records_of in zip(pages, decoded, strict=True)
            for item, record in zip(page, records_of, strict=True)
        )
        return unique[:limit] if limit is not None else unique


def _unique(pairs: Iterable[tuple[Item, T]]) -> list[T]:
    """Drop repeats (an object shifted across a page boundary while paging), by ObjectID
    (unique across types), else by ``_ref`` (shells): both checked when the page was read."""
    seen: set[object] = set()
    out: list[T] = []
    for item, record in pairs:
        key = item.get("ObjectID") or item.get("_ref")
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        out.append(record)
    return out


def _encode(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A body's field map: datetimes in Rally's form, refs as given."""
    body: dict[str, Any] = {}
    for name, value in fields.items():
        check_field(name)
        body[name] = format_time(value) if isinstance(value, datetime) else value
    return body
