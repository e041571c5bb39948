"""The one decoder from raw WSAPI items to typed records: everything outside ``rally/`` reads
Rally through these, never through a raw item's fields.

- :class:`StoryRecord` (with its workflow state, epic, owner, lock, the seed's custom fields,
  predecessor/successor keys and task count), :class:`TaskRecord`, :class:`EpicRecord`,
  :class:`UserRecord`, :class:`PostRecord`, and :class:`Entity` for any other object (a
  repository, a changeset, an iteration: its reference, id and name). A type's attributes are
  ``schema.AttributeDef``, decoded there.
- A value Rally sends in a shape no WSAPI reply has (an ObjectID that is not a number, a
  reference that is not an object) is a :class:`RallyError` naming the field, never a
  ``KeyError``. A field that was not fetched is ``None`` (or empty): WSAPI sends only the fields
  a ``fetch`` names, so which ones are filled is the caller's choice.
- Each record keeps the item as Rally sent it (``raw``), out of equality and repr: the cache
  stores it beside the BMAD form (:func:`lean`), and :meth:`StoryRecord.values` reads the fields
  a configuration names (state map, custom field names) as Rally holds them, to diff a write.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeGuard

from pantheon_git.core import fields as lockfields
from pantheon_git.core import states
from pantheon_git.core.fields import FieldNames
from pantheon_git.core.keys import StoryKey, sorted_keys
from pantheon_git.core.story import Lock
from pantheon_git.errors import RallyError, UsageError
from pantheon_git.rally.refs import make_ref, ref_path
from pantheon_git.rally.replies import MALFORMED_HINT

if TYPE_CHECKING:
    from pantheon_git.config import Config
    from pantheon_git.rally.client import RallyClient

STORY = "HierarchicalRequirement"
TASK = "Task"
DISCUSSION_POST = "ConversationPost"

Raw = Mapping[str, Any]


def malformed(what: str, why: str) -> RallyError:
    return RallyError(f"Rally sent a malformed {what}: {why}", hint=MALFORMED_HINT)


# --- records -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entity:
    """Any object, or a reference to one: what a create, a collection member or a query of a
    type without its own record gives."""

    ref: str
    """``/type/oid`` (the form every client method takes)."""
    object_id: int
    formatted_id: str | None = None
    name: str | None = None
    """``Name``, else the name Rally shows for the reference (``_refObjectName``)."""


@dataclass(frozen=True, slots=True)
class UserRecord:
    ref: str
    object_id: int
    user_name: str | None = None
    email: str | None = None
    display_name: str | None = None
    disabled: bool = False

    @property
    def shown(self) -> str | None:
        """How a person reads the user's name."""
        return self.display_name or self.user_name


@dataclass(frozen=True, slots=True)
class EpicRecord:
    """A portfolio item (the configured ``epic_type``), or a story's reference to one."""

    ref: str
    object_id: int | None
    formatted_id: str | None
    name: str | None
    owner: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class TaskRecord:
    ref: str
    object_id: int
    formatted_id: str | None = None
    name: str = ""
    state: str | None = None
    description: str = ""
    """Rich text (HTML) as Rally holds it."""
    estimate: float | None = None
    task_index: float | None = None
    story_oid: int | None = None
    """The ObjectID of its work product (``None`` when the reply does not tell)."""
    version_id: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @property
    def done(self) -> bool:
        return self.state == "Completed"

    @property
    def order(self) -> tuple[float, int]:
        """Rally's order of a story's tasks: TaskIndex, then ObjectID."""
        return (float("inf") if self.task_index is None else self.task_index, self.object_id)


@dataclass(frozen=True, slots=True)
class PostRecord:
    """A discussion post (``ConversationPost``)."""

    ref: str
    object_id: int
    text: str = ""
    post_number: int | None = None
    artifact: str | None = None
    """The ref of the story it is on."""


@dataclass(frozen=True, slots=True)
class StoryRecord:
    """A user story as Rally holds it (the BMAD form is ``rally/mapping.py``'s work)."""

    ref: str
    object_id: int
    formatted_id: str | None
    key: StoryKey | None
    """``None`` when the FormattedID is missing or is not a story key."""
    name: str = ""
    description: str = ""
    """Rich text (HTML)."""
    criteria: str | None = None
    """The acceptance criteria field (HTML), when the workspace has it and it is not empty."""
    owner: str | None = None
    schedule_state: str | None = None
    pantheon_status: str | None = None
    state: str = states.DEFINED
    """The workflow state: ScheduleState with ``c_PantheonStatus`` (``core/states.py``)."""
    epic: EpicRecord | None = None
    lock_held: Lock | None = None
    lock_problem: str | None = None
    """Why the lock fields could not be read (a date that is not one), if they could not."""
    branch: str | None = None
    coverage: float | None = None
    commit_sha: str | None = None
    predecessors: tuple[StoryKey, ...] = ()
    predecessor_count: int | None = None
    successors: tuple[StoryKey, ...] = ()
    task_count: int | None = None
    plan_estimate: float | None = None
    rank: str | None = None
    iteration: str | None = None
    project: str | None = None
    version_id: str | None = None
    last_update: str | None = None
    in_progress_date: str | None = None
    blocked: bool = False
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @property
    def lock(self) -> Lock | None:
        """The lock Rally holds; a lock field that cannot be read is a ``UsageError``."""
        if self.lock_problem is not None:
            raise UsageError(self.lock_problem)
        return self.lock_held

    def fetched(self, name: str) -> bool:
        """Whether Rally sent this field (it leaves out fields a workspace does not have)."""
        return name in self.raw

    def values(self, names: Iterable[str]) -> dict[str, Any]:
        """What Rally holds in the fields a configuration names, as a write would send them
        back: a reference as its ``_ref``, a missing field as ``None``."""
        out: dict[str, Any] = {}
        for name in names:
            value = self.raw.get(name)
            out[name] = value.get("_ref") if _is_map(value) else value
        return out


# --- decoding a story ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StoryDecoder:
    """What decoding a story needs to know about the workspace: the names of the seed's custom
    fields, the state map, the lease of a lock without an expiry, and where to read the
    workspace's ScheduleState order (asked only for a value outside Rally's fixed four, such
    as a state a workspace adds before Defined or after Accepted)."""

    names: FieldNames = FieldNames()
    state_map: states.StateMap = field(default_factory=lambda: states.DEFAULT_STATE_MAP)
    lock_hours: float = 24.0
    order: Callable[[], states.ScheduleOrder] | None = field(default=None, compare=False)
    """``RallyClient.schedule_states``, or ``None``: the fixed four, and a guess by name."""

    @classmethod
    def from_config(cls, config: Config, client: RallyClient | None = None) -> StoryDecoder:
        return cls(
            FieldNames.from_config(config.fields),
            config.state_map,
            config.rally_lock_hours,
            client.schedule_states if client is not None else None,
        )

    def schedule_order(self, schedule_state: str | None) -> states.ScheduleOrder:
        """The order to place ``schedule_state`` in (Rally is asked only when it matters)."""
        if schedule_state in states.SCHEDULE_STATES or not schedule_state or self.order is None:
            return states.SCHEDULE_STATES
        return self.order()

    def __call__(self, raw: Raw) -> StoryRecord:
        return story(raw, self)


def story(raw: Raw, decoder: StoryDecoder = StoryDecoder()) -> StoryRecord:
    names = decoder.names
    _object(raw, "user story")
    formatted = _str(raw, "FormattedID")
    what = f"user story {formatted}" if formatted else "user story"
    object_id = _oid(raw, what)
    schedule = _str(raw, "ScheduleState")
    status = _str(raw, names.pantheon_status)
    lock, problem = _lock(raw, decoder)
    criteria = raw.get(names.acceptance_criteria)
    return StoryRecord(
        ref=_ref(raw, STORY, object_id, what),
        object_id=object_id,
        formatted_id=formatted,
        key=StoryKey.try_parse(formatted) if formatted else None,
        name=_str(raw, "Name") or "",
        description=_str(raw, "Description") or "",
        criteria=str(criteria) if criteria else None,
        owner=person(raw.get("Owner"), what),
        schedule_state=schedule,
        pantheon_status=status,
        state=states.workflow_state(
            schedule, status, decoder.state_map, decoder.schedule_order(schedule)
        ),
        epic=_parent(raw, what),
        lock_held=lock,
        lock_problem=problem,
        branch=_str(raw, names.branch),
        coverage=_number(raw.get(names.coverage)),
        commit_sha=_str(raw, names.commit_sha),
        predecessors=_keys(summary(raw, "Predecessors", "FormattedID", what)),
        predecessor_count=count(raw, "Predecessors", what),
        successors=_keys(summary(raw, "Successors", "FormattedID", what)),
        task_count=count(raw, "Tasks", what),
        plan_estimate=_number(raw.get("PlanEstimate")),
        rank=_str(raw, "DragAndDropRank"),
        iteration=_shell_name(raw.get("Iteration"), f"{what}'s Iteration"),
        project=_shell_name(raw.get("Project"), f"{what}'s Project"),
        version_id=_str(raw, "VersionId"),
        last_update=_str(raw, "LastUpdateDate"),
        in_progress_date=_str(raw, "InProgressDate"),
        blocked=bool(raw.get("Blocked")),
        raw=raw,
    )


def _lock(raw: Raw, decoder: StoryDecoder) -> tuple[Lock | None, str | None]:
    try:
        return lockfields.from_fields(raw, decoder.lock_hours, decoder.names.lock), None
    except UsageError as exc:
        return None, exc.message


def _parent(raw: Raw, what: str) -> EpicRecord | None:
    """The story's portfolio item (``PortfolioItem``, or ``Feature`` which Rally derives from
    it), as the reference the story carries."""
    for name in ("PortfolioItem", "Feature"):
        value = raw.get(name)
        if value is None or value == "":
            continue
        if not _is_map(value):
            raise malformed(what, f"`{name}` is not a reference")
        if value.get("FormattedID") or value.get("_ref"):
            return epic(value, f"{what}'s {name}")
    return None


# --- summaries of collections ----------------------------------------------------------------

NO_ENTRY = "-- No Entry --"
"""The key under which a collection summary counts members whose value is empty (research
§10.1: Rally App SDK apps skip it among ``Summary.Tasks.Estimate``)."""


def summary(raw: Raw, collection: str, by: str, what: str = "object") -> tuple[str, ...] | None:
    """The values of ``by`` among the members of ``collection``, from a fetch of
    ``Collection:summary[by]`` (Broadcom KB 131935); ``None`` when the item carries no summary
    of that collection.

    Rally puts the summary on the item, keyed by the collection's name, and leaves the
    collection a plain ``{_ref, _type, Count}`` (research §10.1; the raw replies an Android
    client parsed, PaitoAnderson/SkrumazAndroid ``data/RallyDev/GetItems.java``)::

        {"Summary": {"Predecessors": {"Count": 2, "FormattedID": {"US1": 1, "US2": 1}}}}
    """
    top = raw.get("Summary")
    if top is None:
        return None
    if not _is_map(top):
        raise malformed(what, "`Summary` is not an object")
    found = top.get(collection)
    if found is None:
        return None
    return _summary_values(found, by, f"{what}'s Summary.{collection}")


def _summary_values(found: Any, by: str, where: str) -> tuple[str, ...]:
    if not _is_map(found):
        raise malformed(where, "not an object")
    counts = found.get(by)
    if counts is None:
        return ()
    if not _is_map(counts):
        raise malformed(where, f"`{by}` is not an object of counts")
    return tuple(str(v) for v in counts if str(v) != NO_ENTRY)


def count(raw: Raw, collection: str, what: str = "object") -> int | None:
    """How many members a collection has (its ``Count``); ``None`` when it was not fetched."""
    value = raw.get(collection)
    if value is None:
        return None
    if isinstance(value, list):  # members inline (a hand-made item, or an old reply)
        return len(value)
    if not _is_map(value):
        raise malformed(what, f"`{collection}` is not a collection")
    number = value.get("Count")
    if isinstance(number, int) and not isinstance(number, bool):
        return number
    if number is None:
        values = summary(raw, collection, "FormattedID", what)
        return len(values) if values is not None else None
    raise malformed(what, f"`{collection}.Count` is not a number")


def _keys(values: tuple[str, ...] | None) -> tuple[StoryKey, ...]:
    """The story keys among a summary's values (any other value is left out)."""
    if not values:
        return ()
    return sorted_keys(v for v in values if StoryKey.try_parse(v) is not None)


# --- the other records -------------------------------------------------------------------------


def task(raw: Raw) -> TaskRecord:
    _object(raw, "task")
    formatted = _str(raw, "FormattedID")
    what = f"task {formatted}" if formatted else "task"
    object_id = _oid(raw, what)
    return TaskRecord(
        ref=_ref(raw, TASK, object_id, what),
        object_id=object_id,
        formatted_id=formatted,
        name=_str(raw, "Name") or "",
        state=_str(raw, "State"),
        description=_str(raw, "Description") or "",
        estimate=_number(raw.get("Estimate")),
        task_index=_number(raw.get("TaskIndex")),
        story_oid=_work_product(raw.get("WorkProduct")),
        version_id=_str(raw, "VersionId"),
        raw=raw,
    )


def _work_product(product: Any) -> int | None:
    if not _is_map(product):
        return None
    oid = product.get("ObjectID")
    if type(oid) is int:  # there whenever the fetch names ObjectID: no URL to parse
        return oid
    try:
        return int(ref_path(product).rsplit("/", 1)[1])
    except RallyError:  # a malformed ref: the task cannot be placed
        return None


def epic(raw: Raw, what: str = "portfolio item") -> EpicRecord:
    """A portfolio item, whole or as a story's reference to it."""
    _object(raw, what)
    formatted = _str(raw, "FormattedID")
    oid = raw.get("ObjectID")
    if oid is not None and (type(oid) is not int or oid < 0):
        raise malformed(what, f"ObjectID {oid!r} is not a number")
    ref = raw.get("_ref")
    if not isinstance(ref, str) or not ref:
        raise malformed(what, "`_ref` is missing")
    return EpicRecord(
        ref=_path(ref, what),
        object_id=oid,
        formatted_id=formatted,
        name=_str(raw, "Name") or _str(raw, "_refObjectName"),
        owner=person(raw.get("Owner"), what),
        raw=raw,
    )


def user(raw: Raw) -> UserRecord:
    _object(raw, "user")
    object_id = _oid(raw, "user")
    return UserRecord(
        ref=_ref(raw, "User", object_id, "user"),
        object_id=object_id,
        user_name=_str(raw, "UserName"),
        email=_str(raw, "EmailAddress"),
        display_name=_str(raw, "DisplayName"),
        disabled=bool(raw.get("Disabled")),
    )


def post(raw: Raw) -> PostRecord:
    _object(raw, "discussion post")
    object_id = _oid(raw, "discussion post")
    artifact = raw.get("Artifact")
    number = raw.get("PostNumber")
    return PostRecord(
        ref=_ref(raw, DISCUSSION_POST, object_id, "discussion post"),
        object_id=object_id,
        text=_str(raw, "Text") or "",
        post_number=number if type(number) is int else None,
        artifact=_path(artifact, "discussion post's Artifact") if artifact else None,
    )


def entity(raw: Raw) -> Entity:
    _object(raw, "object")
    what = str(raw.get("_type") or "object")
    object_id = _oid(raw, what)
    ref = raw.get("_ref")
    if not isinstance(ref, str) or not ref:
        raise malformed(what, "`_ref` is missing")
    return Entity(
        ref=_path(ref, what),
        object_id=object_id,
        formatted_id=_str(raw, "FormattedID"),
        name=_str(raw, "Name") or _str(raw, "_refObjectName"),
    )


# --- fields ------------------------------------------------------------------------------------


def person(value: Any, what: str = "object") -> str | None:
    """A user reference as pantheon names people: the email when Rally gives one."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if not _is_map(value):
        raise malformed(what, "`Owner` is not a user reference")
    for name in ("EmailAddress", "UserName", "_refObjectName", "DisplayName"):
        if value.get(name):
            return str(value[name])
    return None


def lean(raw: Raw) -> dict[str, Any]:
    """An item as Rally sent it, its references cut down to who they are (the cache's copy):
    WSAPI applies the fetch list to referenced objects too, so a story's PortfolioItem and a
    task's WorkProduct arrive with every fetched field of their own."""
    out = dict(raw)
    for name, value in raw.items():
        if type(value) is dict and "_ref" in value:  # JSON objects: exactly dict, and fast
            out[name] = {k: v for k, v in value.items() if k in _REF_KEEP}
    return out


_REF_KEEP = frozenset(
    {"_ref", "_refObjectName", "_type", "ObjectID", "FormattedID", "Name", "EmailAddress",
     "UserName", "Count"}
)  # fmt: skip


def _is_map(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """A JSON object (``dict``, checked first: it is what replies hold, and the fastest)."""
    return type(value) is dict or isinstance(value, Mapping)


def _object(raw: Any, what: str) -> None:
    if not _is_map(raw):
        raise malformed(what, f"expected an object, got {type(raw).__name__}")


def _oid(raw: Raw, what: str) -> int:
    oid = raw.get("ObjectID")
    if type(oid) is int and oid >= 0:
        return oid
    if oid is None:
        raise malformed(what, "ObjectID is missing")
    raise malformed(what, f"ObjectID {oid!r} is not a number")


def _ref(raw: Raw, type_path: str, object_id: int, what: str) -> str:
    ref = raw.get("_ref")
    if ref is None or ref == "":
        return make_ref(type_path, object_id)
    return _path(ref, what)


def _path(ref: Any, what: str) -> str:
    try:
        return ref_path(ref)
    except RallyError:
        raise malformed(what, f"{ref!r} is not a reference") from None


def _str(raw: Raw, name: str) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    return value if type(value) is str else str(value)


def _shell_name(value: Any, what: str) -> str | None:
    if value is None or value == "":
        return None
    if _is_map(value):
        name = value.get("Name") or value.get("_refObjectName")
        return str(name) if name else None
    if isinstance(value, str):
        return value
    raise malformed(what, "not a reference")


MAX_NUMBER = 1_000_000.0


def _number(value: Any) -> float | None:
    """A number Rally holds (PlanEstimate, Estimate, coverage); absent, unreadable, not finite
    or beyond any real one (1e30 hours would swallow every other estimate in a plan's sums)
    means unknown."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and abs(number) <= MAX_NUMBER else None
