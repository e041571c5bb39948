"""Create, update, delete and collection changes, with Rally's side effects and refusals.

Every function runs inside one store transaction and raises :class:`WriteError` (Rally's error
text) to refuse; the transaction is then rolled back, so a refused write changes nothing.
Writes are last-write-wins: there is no version check, exactly like Rally (research §7).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pantheon_git.core.states import rolled_up
from pantheon_git.rally.emulator.derived import value_of
from pantheon_git.rally.emulator.schema import (
    CUSTOM_TYPES,
    Attr,
    Schema,
    TypeSpec,
    element_name_for,
    is_a,
)
from pantheon_git.rally.emulator.store import REF_FIELDS, Obj, Tx
from pantheon_git.rally.emulator.values import InvalidValue, coerce, parse_ref
from pantheon_git.rally.emulator.workspace import WorkspaceSettings, keep_precision

# Fields every toolkit echoes back in bodies (pyral sends ObjectID and FormattedID on update):
# accepted and ignored without a word.
TOLERATED = frozenset(
    {"ObjectID", "FormattedID", "ObjectUUID", "VersionId", "CreationDate", "LastUpdateDate"}
)
DEFAULTS: dict[str, dict[str, Any]] = {
    "HierarchicalRequirement": {"ScheduleState": "Defined", "Ready": False, "Blocked": False},
    "Defect": {"ScheduleState": "Defined", "State": "Submitted", "Blocked": False},
    "Task": {"State": "Defined", "Blocked": False, "Ready": False},
    "Iteration": {"State": "Planning"},
    "Release": {"State": "Planning"},
    "Workspace": {"State": "Open"},
    "Project": {"State": "Open"},
}
UNDELETABLE = frozenset(
    {"Subscription", "Workspace", "User", "UserProfile", "TypeDefinition", "AttributeDefinition"}
)
SCHEMA_TYPES = {
    "STRING": "string",
    "TEXT": "text",
    "INTEGER": "integer",
    "QUANTITY": "decimal",
    "DATE": "date",
    "BOOLEAN": "boolean",
}


class WriteError(Exception):
    """Rally refused the write; ``str(error)`` is the text for ``Errors[]``."""


@dataclass
class Actor:
    """Who writes, where, and when (from the credentials and the request's parameters)."""

    user: int | None
    workspace: int | None
    project: int | None
    now: str
    settings: WorkspaceSettings = field(default_factory=WorkspaceSettings)
    warnings: list[str] = field(default_factory=list)


def touch(obj: Obj, now: str, *, version: bool = True) -> None:
    if version:
        obj["VersionId"] = int(obj.get("VersionId", 0)) + 1
    obj["LastUpdateDate"] = now


def _touch_oid(tx: Tx, oid: int | None, now: str, *, version: bool = True) -> None:
    obj = tx.edit(oid) if isinstance(oid, int) else None
    if obj is not None:
        touch(obj, now, version=version)
        tx.put(obj)


def _subscription(tx: Tx) -> int | None:
    subs = tx.store.by_type.get("Subscription", {})
    return min(subs) if subs else None


def _ref_target(tx: Tx, spec: TypeSpec, attr: Attr, value: Any, owner_ws: int | None) -> int:
    ref = parse_ref(value)
    if ref is None:
        # Rally's text for a value that is no reference (pyral test/test_vsm_incident.py,
        # run against live Rally).
        shown = value.get("_ref") if isinstance(value, dict) else value
        raise WriteError(f'Cannot parse object reference from "{shown}"')
    target = tx.get(ref[1])
    assert attr.target is not None
    # [UNSURE] Rally's text for a ref to a missing object; the prefix is from a real reply.
    if target is None or not is_a(target["_type"], attr.target):
        raise WriteError(f"Could not set value for {attr.display}: Cannot find object to read")
    ws = target.get("Workspace")
    if owner_ws is not None and isinstance(ws, int) and ws != owner_ws:
        raise WriteError(
            f"Could not set value for {attr.display}: Cannot connect object to value, "
            f"{attr.display} value is in a different workspace. [object workspace "
            f"OID={owner_ws}, value workspace OID={ws}]"
        )
    return int(target["ObjectID"])


def _ref_list(tx: Tx, spec: TypeSpec, attr: Attr, value: Any, ws: int | None) -> list[int]:
    if isinstance(value, dict) and "_ref" not in value and len(value) == 1:
        value = list(value.values())  # {"Artifact": "/defect/1"} shorthand (KB 57554)
    if not isinstance(value, list):
        raise WriteError(f"Could not set value for {attr.display}: a collection must be an array")
    out: list[int] = []
    for item in value:
        oid = _ref_target(tx, spec, attr, item, ws)
        if oid not in out:
            out.append(oid)
    return out


LINKS = ("Predecessors", "Successors")
"""The collections that link two stories (``link_touch`` decides whom a change stamps)."""


def _set_inverse(tx: Tx, obj: Obj, attr: Attr, members: list[int], actor: Actor) -> None:
    """Write an inverse collection by changing the other side (Successors, Children...)."""
    assert attr.inverse is not None
    oid = int(obj["ObjectID"])
    current = set(value_of(tx.store, obj, attr)) if oid in tx.store.objects else set()
    stamp = attr.name not in LINKS or actor.settings.links_stamp_both
    for other_oid in current - set(members):
        _link(tx, other_oid, attr.inverse, oid, add=False, now=actor.now, stamp=stamp)
    for other_oid in members:
        if other_oid not in current:
            _link(tx, other_oid, attr.inverse, oid, add=True, now=actor.now, stamp=stamp)


def _link(
    tx: Tx, oid: int, field_name: str, target: int, *, add: bool, now: str, stamp: bool
) -> None:
    other = tx.edit(oid)
    if other is None:
        return
    if dict(REF_FIELDS.get(other["_type"], ())).get(field_name, False):
        items = [v for v in (other.get(field_name) or []) if v != target]
        other[field_name] = [*items, target] if add else items
    else:
        other[field_name] = target if add else None
    if stamp:
        touch(other, now)
    tx.put(other)


def apply_fields(
    tx: Tx, spec: TypeSpec, obj: Obj, fields: dict[str, Any], *, wrapper: str, actor: Actor
) -> None:
    """Set the body's fields on ``obj`` (a private copy); unknown fields become Warnings."""
    creating = bool(obj.get("_new"))
    for name, value in fields.items():
        if name.startswith("_") or name in TOLERATED:
            continue
        attr = spec.attr(name)
        if attr is None or (attr.readonly and not (creating and name == "Workspace")):
            # [UNSURE] read-only fields get the same warning as unknown ones.
            actor.warnings.append(
                f"Ignored JSON element {wrapper}.{name} during processing of this request."
            )
            continue
        if attr.computed:
            continue
        ws = obj.get("Workspace") if name != "Workspace" else None
        if attr.type == "OBJECT":
            obj[name] = None if value is None else _ref_target(tx, spec, attr, value, ws)
        elif attr.type == "COLLECTION":
            members = [] if value is None else _ref_list(tx, spec, attr, value, ws)
            if attr.inverse is not None:
                obj.setdefault("_inverse", []).append((attr, members))
            else:
                before = set(obj.get(name) or [])
                obj[name] = members
                if name == "Predecessors" and actor.settings.links_stamp_both:
                    for other in before.symmetric_difference(members):
                        _touch_oid(tx, other, actor.now)
        else:
            obj[name] = _scalar(spec, attr, value, actor)


def _scalar(spec: TypeSpec, attr: Attr, value: Any, actor: Actor) -> Any:
    """A plain value as the workspace stores it (a custom date to its precision)."""
    try:
        stored = coerce(spec.element, attr, value)
    except InvalidValue as exc:
        raise WriteError(str(exc)) from None
    if attr.type == "DATE" and attr.custom and stored is not None:
        return keep_precision(stored, actor.settings.date_precision)
    return stored


def _check_required(spec: TypeSpec, obj: Obj) -> None:
    for attr in spec.attrs.values():
        if attr.required and attr.stored and obj.get(attr.name) in (None, ""):
            raise WriteError(f"Validation error: {spec.element}.{attr.display} should not be null")


def _schedule_dates(before: Obj | None, obj: Obj, actor: Actor) -> None:
    """InProgressDate from In-Progress on, AcceptedDate from Accepted on, in the workspace's
    own order of ScheduleState values (a value after Accepted counts as accepted)."""
    if "ScheduleState" not in obj:
        return
    order = actor.settings.schedule_states
    state = obj.get("ScheduleState")
    rank = order.index(state) if state in order else -1
    if before is not None and before.get("ScheduleState") == state:
        return
    now = actor.now
    if rank >= order.index("In-Progress") and not obj.get("InProgressDate"):
        obj["InProgressDate"] = now
    if rank < order.index("In-Progress"):
        obj["InProgressDate"] = None
    accepted = rank >= order.index("Accepted")
    obj["AcceptedDate"] = (obj.get("AcceptedDate") or now) if accepted else None


def _roll_up(tx: Tx, story_oid: Any, actor: Actor) -> None:
    """Set a story's ScheduleState from its tasks' states. [UNSURE] The docs give the rule
    without exceptions, so it applies to Accepted stories too; a story whose last task is
    deleted keeps its state."""
    story = tx.get(story_oid) if isinstance(story_oid, int) else None
    if story is None or "ScheduleState" not in story:
        return
    tasks = set(tx.store.referrers("WorkProduct", story_oid))
    tasks |= {oid for oid, o in tx.pending.items() if o and o.get("WorkProduct") == story_oid}
    states = []
    for oid in sorted(tasks):
        task = tx.get(oid)
        if task is not None and task["_type"] == "Task" and task.get("WorkProduct") == story_oid:
            states.append(str(task.get("State") or "Defined"))
    wanted = rolled_up(states)
    if wanted is None or story.get("ScheduleState") == wanted:
        return
    edited = tx.edit(story_oid)
    assert edited is not None
    edited["ScheduleState"] = wanted
    _schedule_dates(story, edited, actor)
    if story_oid not in tx.pending:  # one change of the story per write
        touch(edited, actor.now)
    tx.put(edited)


def _finish(tx: Tx, spec: TypeSpec, obj: Obj, before: Obj | None, actor: Actor) -> Obj:
    inverse = obj.pop("_inverse", [])
    obj.pop("_new", None)
    _schedule_dates(before, obj, actor)
    if spec.path == "Task" and obj.get("Project") is None:
        story = tx.get(obj["WorkProduct"]) if isinstance(obj.get("WorkProduct"), int) else None
        obj["Project"] = story.get("Project") if story else actor.project
    project = tx.get(obj["Project"]) if isinstance(obj.get("Project"), int) else None
    if project is not None and "Workspace" in spec.attrs:
        obj["Workspace"] = project.get("Workspace")
    _check_required(spec, obj)
    tx.put(obj)
    for attr, members in inverse:
        _set_inverse(tx, obj, attr, members, actor)
    if spec.path == "Task":
        # [UNSURE] A story's task rollups change with its tasks, so its LastUpdateDate moves.
        products = {obj.get("WorkProduct"), (before or {}).get("WorkProduct")}
        for story in products:
            _touch_oid(tx, story, actor.now, version=actor.settings.task_touch == "version")
        moved = before is None or any(before.get(k) != obj.get(k) for k in ("State", "WorkProduct"))
        if actor.settings.task_rollup and moved:
            for story in products:
                _roll_up(tx, story, actor)
    return obj


def create(tx: Tx, spec: TypeSpec, fields: dict[str, Any], *, wrapper: str, actor: Actor) -> Obj:
    if spec.abstract or not spec.creatable:
        raise WriteError(f"Cannot create an object of type {spec.element}")
    oid = tx.next_oid()
    obj: Obj = {
        "_type": spec.path,
        "_new": True,
        "ObjectID": oid,
        "ObjectUUID": str(uuid.uuid4()),
        "CreationDate": actor.now,
        "LastUpdateDate": actor.now,
        "VersionId": 1,
        "Subscription": _subscription(tx),
        **DEFAULTS.get(spec.path, {}),
    }
    if "Workspace" in spec.attrs:
        obj["Workspace"] = actor.workspace
    if "Project" in spec.attrs:
        obj["Project"] = None if spec.path == "Task" else actor.project
    if spec.path == "ConversationPost":
        obj["User"] = actor.user
    apply_fields(tx, spec, obj, fields, wrapper=wrapper, actor=actor)
    if spec.prefix:
        obj["FormattedID"] = f"{spec.prefix}{tx.next_counter(spec.prefix)}"
    if "DragAndDropRank" in spec.attrs:
        obj["DragAndDropRank"] = f"{oid:015d}"
    if spec.path == "ConversationPost":
        artifact = obj.get("Artifact")
        posts = tx.store.referrers("Artifact", artifact) if isinstance(artifact, int) else set()
        # [UNSURE] whether PostNumber starts at 0 or 1.
        obj["PostNumber"] = len(posts) + 1
    if spec.path == "AttributeDefinition":
        _custom_field(tx, obj)
    return _finish(tx, spec, obj, None, actor)


def update(
    tx: Tx,
    schema: Schema,
    spec: TypeSpec,
    oid: int,
    fields: dict[str, Any],
    *,
    wrapper: str,
    actor: Actor,
) -> Obj:
    before = tx.get(oid)
    if before is None or not is_a(before["_type"], spec.path):
        # The text Broadcom KB 199512 shows for an update Rally could not carry out.
        raise WriteError(f"Could not read: Could not read {spec.element} {oid} to update.")
    obj = tx.edit(oid)
    assert obj is not None
    real = schema[obj["_type"]]  # the URL may name an abstract type (/artifact/<oid>)
    apply_fields(tx, real, obj, fields, wrapper=wrapper, actor=actor)
    touch(obj, actor.now)
    return _finish(tx, real, obj, before, actor)


def delete(tx: Tx, spec: TypeSpec, oid: int, actor: Actor) -> None:
    obj = tx.get(oid)
    if obj is None or not is_a(obj["_type"], spec.path):
        raise WriteError("Object to delete cannot be null")
    if obj["_type"] in UNDELETABLE:
        raise WriteError(f"Cannot delete an object of type {spec.element}")
    tx.delete(oid)
    if spec.prefix or is_a(obj["_type"], "Artifact"):
        _recycle(tx, obj, actor)
    # Tasks and discussion posts cannot outlive their artifact [UNSURE: Rally moves them to
    # the Recycle Bin with it].
    for field_name, child_type in (("WorkProduct", "Task"), ("Artifact", "ConversationPost")):
        for child in tx.store.referrers(field_name, oid):
            child_obj = tx.get(child)
            if child_obj is not None and child_obj["_type"] == child_type:
                tx.delete(child)
    if obj["_type"] == "Task":
        version = actor.settings.task_touch == "version"
        _touch_oid(tx, obj.get("WorkProduct"), actor.now, version=version)
        if actor.settings.task_rollup:
            _roll_up(tx, obj.get("WorkProduct"), actor)
    # the stories on either side of its dependencies lose a Successor or a Predecessor
    for other in {*(obj.get("Predecessors") or []), *tx.store.referrers("Predecessors", oid)}:
        _touch_oid(tx, other, actor.now)


def _recycle(tx: Tx, obj: Obj, actor: Actor) -> None:
    """A deleted artifact goes to the Recycle Bin (research §10.6; pyral
    test/test_recyclebin.py queries ``RecycleBinEntry`` by ``Name`` and fetches ``ID``): an
    entry naming it. The object itself answers "Cannot find object to read" from now on."""
    entry_oid = tx.next_oid()
    tx.put(
        {
            "_type": "RecycleBinEntry",
            "ObjectID": entry_oid,
            "ObjectUUID": str(uuid.uuid4()),
            "CreationDate": actor.now,
            "LastUpdateDate": actor.now,
            "VersionId": 1,
            "Subscription": _subscription(tx),
            "Workspace": obj.get("Workspace"),
            "ID": obj.get("FormattedID") or str(obj["ObjectID"]),
            "Name": obj.get("Name") or "",
            "Type": obj["_type"],
            "DeletionDate": actor.now,
            "DeletedBy": actor.user,
            "DeletedObjectID": obj["ObjectID"],
        }
    )


def change_collection(
    tx: Tx, schema: Schema, owner: Obj, attr: Attr, items: list[Any], *, add: bool, actor: Actor
) -> list[int]:
    """``.../<Collection>/add`` and ``/remove``: returns the ObjectIDs of the items named."""
    if attr.readonly:
        raise WriteError(f"Cannot modify the read-only collection {attr.name}")
    spec = schema[owner["_type"]]
    targets = _ref_list(tx, spec, attr, items, owner.get("Workspace"))
    obj = tx.edit(int(owner["ObjectID"]))
    assert obj is not None
    current: list[int] = list(value_of(tx.store, obj, attr))
    wanted = (
        [*current, *(t for t in targets if t not in current)]
        if add
        else [c for c in current if c not in targets]
    )
    if attr.inverse is not None:
        obj["_inverse"] = [(attr, wanted)]
    else:
        obj[attr.name] = wanted
        if attr.name == "Predecessors" and actor.settings.links_stamp_both:
            for other in targets:
                _touch_oid(tx, other, actor.now)
    touch(obj, actor.now)
    _finish(tx, spec, obj, owner, actor)
    return targets


def _custom_field(tx: Tx, obj: Obj) -> None:
    """``POST /attributedefinition/create``: a new ``c_`` field (research §4, KB 75112)."""
    label = str(obj.get("Name") or "").strip()
    kind = str(obj.get("AttributeType") or obj.get("RealAttributeType") or "").upper()
    kind = {"DECIMAL": "QUANTITY", "WEB_LINK": "STRING"}.get(kind, kind)
    if not label:
        raise WriteError("Validation error: AttributeDefinition.Name should not be null")
    if kind not in CUSTOM_TYPES:
        raise WriteError(
            f'Validation error: AttributeDefinition.Attribute Type "{kind}" is not a valid '
            "custom field type"
        )
    element = element_name_for(label)
    td = obj.get("TypeDefinition")
    for other_oid in tx.store.referrers("TypeDefinition", td) if isinstance(td, int) else ():
        other = tx.get(other_oid)
        if other and other.get("ElementName") == element:
            raise WriteError(f"Validation error: AttributeDefinition.Name must be unique: {label}")
    obj.update(attribute_definition_fields(label, element, kind, custom=True))


def attribute_definition_fields(
    label: str,
    element: str,
    kind: str,
    *,
    custom: bool,
    readonly: bool = False,
    required: bool = False,
    constrained: bool = False,
    max_length: int = -1,
) -> dict[str, Any]:
    if max_length < 0 and kind == "STRING":
        max_length = 256
    if max_length < 0 and kind == "TEXT":
        max_length = 32768
    return {
        "Name": label,
        "ElementName": element,
        "AttributeType": kind,
        "RealAttributeType": "DECIMAL" if kind == "QUANTITY" else kind,
        "SchemaType": SCHEMA_TYPES.get(kind, kind.lower()),
        "Custom": custom,
        "Required": required,
        "ReadOnly": readonly,
        "Filterable": True,
        "Hidden": False,
        "Sortable": kind not in ("TEXT", "COLLECTION"),
        "Constrained": constrained,
        "MaxLength": max_length,
        "MaxFractionalDigits": 3 if kind == "QUANTITY" else -1,
    }
