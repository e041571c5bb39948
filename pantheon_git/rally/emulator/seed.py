"""Initial data: subscription, workspace, project, users, the type definitions, and backlogs.

Everything here writes straight to the store in one transaction (no HTTP), which is how tests
get 10,000 stories in about a second. Seeded FormattedIDs are kept as given (US120, F17) and
the counters continue after the highest one.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pantheon_git.core.fields import token_text
from pantheon_git.core.keys import StoryKey, story_branch
from pantheon_git.core.story import Lock
from pantheon_git.rally.emulator.schema import (
    BUILTIN_TYPES,
    DEFAULT_CUSTOM_FIELDS,
    EXTRA_ABSTRACT,
    SCHEDULE_STATES,
    element_name_for,
)
from pantheon_git.rally.emulator.store import Obj, Tx
from pantheon_git.rally.emulator.values import rally_time
from pantheon_git.rally.emulator.workspace import WorkspaceSettings, keep_precision
from pantheon_git.rally.emulator.writes import attribute_definition_fields

_FID = re.compile(r"^([A-Z]+)(\d+)$")
_DISPLAY = {"HierarchicalRequirement": "User Story"}


@dataclass(frozen=True)
class Place:
    """Where seeded objects go."""

    subscription: int
    workspace: int
    project: int


def new(tx: Tx, type_path: str, now: str, oid: int | None = None, **fields: Any) -> Obj:
    obj: Obj = {
        "_type": type_path,
        "ObjectID": oid if oid is not None else tx.next_oid(),
        "ObjectUUID": str(uuid.uuid4()),
        "CreationDate": now,
        "LastUpdateDate": now,
        "VersionId": 1,
        **fields,
    }
    tx.put(obj)
    return obj


def _find(tx: Tx, type_path: str, **match: Any) -> Obj | None:
    """An object of this type with these field values, committed or pending in ``tx``."""
    pending = [o for o in tx.pending.values() if o is not None and o["_type"] == type_path]
    for obj in [*tx.store.by_type.get(type_path, {}).values(), *pending]:
        if all(obj.get(k) == v for k, v in match.items()):
            return obj
    return None


def bootstrap(
    tx: Tx,
    *,
    workspace: str,
    project: str,
    now: str,
    custom_fields: Mapping[str, str] | None = None,
) -> Place:
    """Make sure the subscription, workspace, project and type definitions exist."""
    sub = _find(tx, "Subscription")
    if sub is None:
        oid = tx.next_oid()
        sub = new(
            tx,
            "Subscription",
            now,
            oid=oid,
            Subscription=oid,
            Name="Emulator Subscription",
            SubscriptionID=100,
        )
    sub_oid = int(sub["ObjectID"])
    ws = _find(tx, "Workspace", Name=workspace) or new(
        tx, "Workspace", now, Name=workspace, State="Open", Subscription=sub_oid, Description=""
    )
    ws_oid = int(ws["ObjectID"])
    proj = _find(tx, "Project", Name=project, Workspace=ws_oid) or new(
        tx,
        "Project",
        now,
        Name=project,
        State="Open",
        Workspace=ws_oid,
        Subscription=sub_oid,
        Parent=None,
    )
    if _find(tx, "TypeDefinition", Workspace=ws_oid) is None:
        fields = DEFAULT_CUSTOM_FIELDS if custom_fields is None else custom_fields
        _type_definitions(tx, now, sub_oid, ws_oid, fields)
    return Place(sub_oid, ws_oid, int(proj["ObjectID"]))


def _type_definitions(
    tx: Tx, now: str, sub: int, ws: int, custom_fields: Mapping[str, str]
) -> None:
    typedefs: dict[str, Obj] = {}
    for path in (*EXTRA_ABSTRACT, *(spec.path for spec in BUILTIN_TYPES)):
        spec = next((s for s in BUILTIN_TYPES if s.path == path), None)
        typedefs[path] = new(
            tx,
            "TypeDefinition",
            now,
            Subscription=sub,
            Workspace=ws,
            Name=spec.label if spec else "Schedulable Artifact",
            ElementName=spec.element if spec else path,
            DisplayName=_DISPLAY.get(path, spec.label if spec else "Schedulable Artifact"),
            TypePath=path,
            IDPrefix=spec.prefix if spec else "",
            Abstract=spec.abstract if spec else True,
            Parent=None,
            Creatable=bool(spec and spec.creatable and not spec.abstract),
            Queryable=True,
            ReadOnly=False,
            Deletable=bool(spec and spec.creatable and not spec.abstract),
            Restorable=bool(spec and spec.prefix),
            Ordinal=0 if path == "PortfolioItem/Feature" else -1,
            RevisionHistory=None,
        )
    parents = {"SchedulableArtifact": "Artifact"}
    for spec in BUILTIN_TYPES:
        parent = spec.parent or parents.get(spec.path)
        if parent in typedefs:
            typedefs[spec.path]["Parent"] = typedefs[parent]["ObjectID"]
        for attr in spec.attrs.values():
            ad = new(
                tx,
                "AttributeDefinition",
                now,
                Subscription=sub,
                Workspace=ws,
                TypeDefinition=typedefs[spec.path]["ObjectID"],
                AllowedValueType=None,
                Note="",
                **attribute_definition_fields(
                    attr.display,
                    attr.name,
                    attr.type,
                    custom=False,
                    readonly=attr.readonly,
                    required=attr.required,
                    constrained=bool(attr.allowed),
                    max_length=attr.max_length,
                ),
            )
            for index, value in enumerate(attr.allowed):
                new(
                    tx,
                    "AllowedAttributeValue",
                    now,
                    Subscription=sub,
                    StringValue=value,
                    ValueIndex=index,
                    AttributeDefinition=ad["ObjectID"],
                )
    story = typedefs["HierarchicalRequirement"]["ObjectID"]
    for label, kind in custom_fields.items():
        new(
            tx,
            "AttributeDefinition",
            now,
            Subscription=sub,
            Workspace=ws,
            TypeDefinition=story,
            AllowedValueType=None,
            Note="",
            **attribute_definition_fields(label, element_name_for(label), kind, custom=True),
        )


def apply_settings(tx: Tx, place: Place, settings: WorkspaceSettings, now: str) -> None:
    """Write the workspace settings that Rally keeps in its schema: the ScheduleState values
    (every type's ScheduleState AttributeDefinition, in order) and the MaxLength of the fields
    named in ``settings.max_length``."""
    states = settings.schedule_states
    for ad in list(tx.store.by_type.get("AttributeDefinition", {}).values()):
        td = tx.get(ad.get("TypeDefinition") or -1)
        if td is None or td.get("Workspace") != place.workspace:
            continue
        element = ad.get("ElementName")
        if element == "ScheduleState":
            _set_allowed(tx, ad, states, now, place)
        length = settings.max_length.get(str(element))
        if length is not None and ad.get("MaxLength") != length:
            changed = tx.edit(int(ad["ObjectID"]))
            assert changed is not None
            changed["MaxLength"] = length
            tx.put(changed)


def _set_allowed(tx: Tx, ad: Obj, values: tuple[str, ...], now: str, place: Place) -> None:
    oid = int(ad["ObjectID"])
    current = sorted(
        (tx.get(o) for o in tx.store.referrers("AttributeDefinition", oid)),
        key=lambda v: (v or {}).get("ValueIndex", 0),
    )
    held = tuple(str(v["StringValue"]) for v in current if v is not None)
    if held == values:
        return
    for value in current:
        if value is not None:
            tx.delete(int(value["ObjectID"]))
    for index, value_text in enumerate(values):
        new(
            tx,
            "AllowedAttributeValue",
            now,
            Subscription=place.subscription,
            StringValue=value_text,
            ValueIndex=index,
            AttributeDefinition=oid,
        )


def ensure_user(tx: Tx, place: Place, email: str, display: str, now: str) -> int:
    """A User (UserName = email) with a UserProfile defaulting to the seeded place."""
    found = _find(tx, "User", UserName=email)
    if found is not None:
        return int(found["ObjectID"])
    profile = new(
        tx,
        "UserProfile",
        now,
        Subscription=place.subscription,
        DefaultWorkspace=place.workspace,
        DefaultProject=place.project,
        TimeZone="UTC",
        EmailNotificationEnabled=False,
    )
    first, _, last = display.partition(" ")
    user = new(
        tx,
        "User",
        now,
        Subscription=place.subscription,
        UserName=email,
        EmailAddress=email,
        DisplayName=display,
        FirstName=first,
        LastName=last,
        Disabled=False,
        SubscriptionAdmin=True,
        UserProfile=profile["ObjectID"],
    )
    return int(user["ObjectID"])


def new_artifact(tx: Tx, type_path: str, place: Place, now: str, fid: str, **fields: Any) -> Obj:
    match = _FID.match(fid)
    if not match:
        raise ValueError(f"not a FormattedID: {fid!r}")
    prefix, number = match.group(1), int(match.group(2))
    if fid in tx.store.fids or fid in tx.fids:
        raise ValueError(f"{fid} already exists")
    tx.raise_counter(prefix, number)
    oid = tx.next_oid()
    return new(
        tx,
        type_path,
        now,
        oid=oid,
        Subscription=place.subscription,
        Workspace=place.workspace,
        Project=place.project,
        FormattedID=fid,
        DragAndDropRank=f"{oid:015d}",
        **fields,
    )


def seed_demo(
    tx: Tx, place: Place, moment: datetime, backlog: Mapping[str, Any], precision: str = "ms"
) -> dict[str, int]:
    """Load ``pantheon_git/rally/emulator/backlog.yaml`` (its header describes the format).
    A locked story holds its lock as pantheon writes one, the dates kept to ``precision``."""

    now = rally_time(moment)
    users = {
        u["email"]: ensure_user(tx, place, u["email"], u.get("display_name", u["email"]), now)
        for u in backlog.get("users", [])
    }
    counts = {"epics": 0, "stories": 0, "tasks": 0}
    for epic in backlog.get("epics", []):
        feature = new_artifact(
            tx,
            "PortfolioItem/Feature",
            place,
            now,
            epic["formatted_id"],
            Name=epic["name"],
            Description=epic.get("description", ""),
        )
        counts["epics"] += 1
        for story in epic.get("stories", []):
            state = story.get("state", "Defined")
            fields: dict[str, Any] = {
                "Name": story["name"],
                "Description": story.get("description", ""),
                "PlanEstimate": float(story["plan_estimate"]) if "plan_estimate" in story else None,
                "ScheduleState": state,
                "PortfolioItem": feature["ObjectID"],
                "Ready": False,
                "Blocked": False,
            }
            rank = SCHEDULE_STATES.index(state) if state in SCHEDULE_STATES else 0
            if rank >= 1:
                fields["InProgressDate"] = now
            if story.get("acceptance_criteria"):
                fields["c_AcceptanceCriteria"] = story["acceptance_criteria"]
            if story.get("locked_by"):
                email = story["locked_by"]
                key = StoryKey.parse(story["formatted_id"])
                lock = Lock(email, moment, moment + timedelta(hours=24), None, f"seed{key.number}")
                fields.update(
                    c_LockedBy=email,
                    c_LockedAt=keep_precision(rally_time(lock.locked_at), precision),
                    c_LockExpiry=keep_precision(rally_time(lock.expires), precision),
                    c_LockToken=token_text(lock),
                    c_Branch=story_branch(key, story["name"]),
                    Owner=users.get(email),
                )
            obj = new_artifact(
                tx, "HierarchicalRequirement", place, now, story["formatted_id"], **fields
            )
            counts["stories"] += 1
            for index, name in enumerate(story.get("tasks", [])):
                _task(
                    tx,
                    place,
                    now,
                    obj,
                    name=name,
                    index=index,
                    done=state in ("Completed", "Accepted"),
                )
                counts["tasks"] += 1
    return counts


def _task(tx: Tx, place: Place, now: str, story: Obj, *, name: str, index: int, done: bool) -> Obj:
    number = tx.next_counter("TA")
    oid = tx.next_oid()
    return new(
        tx,
        "Task",
        now,
        oid=oid,
        Subscription=place.subscription,
        Workspace=place.workspace,
        Project=story.get("Project", place.project),
        FormattedID=f"TA{number}",
        DragAndDropRank=f"{oid:015d}",
        Name=name,
        WorkProduct=story["ObjectID"],
        State="Completed" if done else "Defined",
        TaskIndex=index,
        Estimate=2.0,
        ToDo=0.0 if done else 2.0,
        Actuals=2.0 if done else 0.0,
        Blocked=False,
        Ready=False,
    )


def seed_bulk(
    tx: Tx,
    place: Place,
    moment: datetime,
    *,
    stories: int,
    epics: int = 0,
    tasks_per_story: int = 0,
    predecessors: int = 0,
    seed: int = 0,
    owners: Iterable[int] = (),
    age_days: float = 0.0,
) -> dict[str, Any]:
    """Many stories fast: ``epics`` Features, stories spread over them, tasks, and up to
    ``predecessors`` dependencies per story on earlier stories (so the graph stays acyclic).
    ``age_days`` spreads the stories' (and their tasks') creation and last-update times evenly
    over that many days before now, oldest first, as in a backlog that has been worked on for
    a while; 0 stamps everything now. Deterministic for a given ``seed``."""
    rng = random.Random(seed)  # noqa: S311 - test data, reproducible by seed
    now = rally_time(moment)
    step = timedelta(days=age_days) / stories if stories and age_days > 0 else timedelta(0)
    owner_list = list(owners)
    features: list[int] = []
    for _ in range(epics):
        number = tx.next_counter("F")
        features.append(
            int(
                new_artifact(
                    tx, "PortfolioItem/Feature", place, now, f"F{number}", Name=f"Epic {number}"
                )["ObjectID"]
            )
        )
    made: list[int] = []
    fids: list[str] = []
    for index in range(stories):
        number = tx.next_counter("US")
        stamp = rally_time(moment - step * (stories - 1 - index)) if step else now
        count = min(predecessors, len(made))
        preds = rng.sample(made[-200:], min(count, len(made[-200:]))) if count else []
        state = rng.choice(SCHEDULE_STATES)
        obj = new_artifact(
            tx,
            "HierarchicalRequirement",
            place,
            stamp,
            f"US{number}",
            Name=f"Story {number}",
            Description=f"<p>Generated story {index + 1} of {stories}.</p>",
            ScheduleState=state,
            PlanEstimate=float(rng.choice((1, 2, 3, 5, 8))),
            PortfolioItem=features[index % len(features)] if features else None,
            Predecessors=preds,
            Owner=rng.choice(owner_list) if owner_list else None,
            Ready=False,
            Blocked=False,
        )
        made.append(int(obj["ObjectID"]))
        fids.append(str(obj["FormattedID"]))
        for task_index in range(tasks_per_story):
            _task(
                tx,
                place,
                stamp,
                obj,
                name=f"Task {task_index + 1} of US{number}",
                index=task_index,
                done=state == "Accepted",
            )
    return {
        "epics": len(features),
        "stories": len(made),
        "tasks": len(made) * tasks_per_story,
        "first": fids[0] if fids else None,
        "last": fids[-1] if fids else None,
    }
