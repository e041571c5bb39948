"""The emulated WSAPI type model: built-in types, their attributes, and the custom fields.

Attribute types follow Rally's ``AttributeType`` values (research/rally-wsapi.md §4): STRING,
TEXT, INTEGER, QUANTITY, DATE, BOOLEAN, STATE/RATING (drop-downs, ordered), OBJECT (a ref) and
COLLECTION. A COLLECTION is either *stored* (a list of ObjectIDs kept on the object, such as
``Predecessors``) or an *inverse* of a ref held by the other side (``Tasks`` is every Task whose
``WorkProduct`` points here), named by ``inverse``.

The runtime schema of a type is this static table plus the custom AttributeDefinitions found in
the store (so fields created through ``POST /attributedefinition/create`` appear at once).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

REF_TYPES = frozenset({"OBJECT", "COLLECTION"})
CUSTOM_TYPES = frozenset({"STRING", "TEXT", "INTEGER", "QUANTITY", "DATE", "BOOLEAN"})


@dataclass(frozen=True)
class Attr:
    name: str  # ElementName
    type: str  # AttributeType
    target: str | None = None  # type path an OBJECT/COLLECTION points to
    inverse: str | None = None  # for inverse collections: the field on `target` pointing back
    readonly: bool = False
    required: bool = False
    allowed: tuple[str, ...] = ()  # drop-down values, in order
    custom: bool = False
    label: str = ""  # Rally's Name (display name): used in validation messages
    computed: bool = False  # derived when read (rollups), never stored
    max_length: int = -1

    @property
    def display(self) -> str:
        return self.label or _split_camel(self.name)

    @property
    def stored(self) -> bool:
        return not self.computed and self.inverse is None

    @property
    def is_ref(self) -> bool:
        return self.type in REF_TYPES


@dataclass(frozen=True)
class TypeSpec:
    path: str  # TypePath: "HierarchicalRequirement", "PortfolioItem/Feature"
    element: str  # ElementName: "HierarchicalRequirement", "Feature"
    label: str  # Name: "Hierarchical Requirement"
    prefix: str = ""  # IDPrefix for FormattedID
    parent: str | None = None  # parent type path (TypeDefinition.Parent)
    abstract: bool = False
    creatable: bool = True
    scoped: str = "workspace"  # "project" | "workspace" | "none": how queries are scoped
    attrs: Mapping[str, Attr] = field(default_factory=dict)
    concrete: tuple[str, ...] = ()  # for abstract types: the concrete type paths they cover

    def attr(self, name: str) -> Attr | None:
        return self.attrs.get(name)


def _split_camel(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name.removeprefix("c_"))


def element_name_for(label: str) -> str:
    """Rally derives a custom field's ElementName from its Name: ``Locked By`` -> ``c_LockedBy``."""
    return "c_" + re.sub(r"[^A-Za-z0-9_]", "", label)


SCHEDULE_STATES = ("Defined", "In-Progress", "Completed", "Accepted")
TASK_STATES = ("Defined", "In-Progress", "Completed")
DEFECT_STATES = ("Submitted", "Open", "Fixed", "Closed")
ITERATION_STATES = ("Planning", "Committed", "Accepted")
RELEASE_STATES = ("Planning", "Active", "Accepted")
OPEN_CLOSED = ("Open", "Closed")

# Custom fields the seed document defines on HierarchicalRequirement, plus c_AcceptanceCriteria
# (research §4: common in real workspaces). label -> AttributeType.
DEFAULT_CUSTOM_FIELDS: dict[str, str] = {
    "Locked By": "STRING",
    "Locked At": "DATE",
    "Lock Expiry": "DATE",
    "Lock Token": "STRING",
    "Branch": "STRING",
    "Coverage": "QUANTITY",
    "Commit SHA": "STRING",
    "Pantheon Status": "STRING",
    "Acceptance Criteria": "TEXT",
}


def _a(name: str, type_: str, **kw: object) -> Attr:
    return Attr(name, type_, **kw)  # type: ignore[arg-type]


def _ro(name: str, type_: str, **kw: object) -> Attr:
    return Attr(name, type_, readonly=True, **kw)  # type: ignore[arg-type]


# Every persistable object.
BASE = [
    _ro("ObjectID", "INTEGER"),
    _ro("ObjectUUID", "STRING"),
    _ro("CreationDate", "DATE"),
    _ro("LastUpdateDate", "DATE"),
    _ro("VersionId", "STRING"),
    _ro("Subscription", "OBJECT", target="Subscription"),
]
IN_WORKSPACE = [_ro("Workspace", "OBJECT", target="Workspace")]
ARTIFACT = [
    _ro("FormattedID", "STRING"),
    _a("Name", "STRING", required=True, max_length=256),
    _a("Description", "TEXT"),
    _a("Notes", "TEXT"),
    _a("Owner", "OBJECT", target="User"),
    _a("Project", "OBJECT", target="Project"),
    _a("Ready", "BOOLEAN"),
    _a("Expedite", "BOOLEAN"),
    _ro("DragAndDropRank", "STRING"),
    _a("Tags", "COLLECTION", target="Tag"),
    _ro("Discussion", "COLLECTION", target="ConversationPost", inverse="Artifact"),
    _ro("Changesets", "COLLECTION", target="Changeset", inverse="Artifacts"),
]
SCHEDULABLE = [
    _a("ScheduleState", "STATE", allowed=SCHEDULE_STATES),
    _a("Iteration", "OBJECT", target="Iteration"),
    _a("Release", "OBJECT", target="Release"),
    _a("PlanEstimate", "QUANTITY"),
    _a("Blocked", "BOOLEAN"),
    _a("BlockedReason", "STRING", max_length=256),
    _ro("AcceptedDate", "DATE"),
    _ro("InProgressDate", "DATE"),
    _ro("TaskEstimateTotal", "QUANTITY", computed=True),
    _ro("TaskRemainingTotal", "QUANTITY", computed=True),
    _ro("TaskActualTotal", "QUANTITY", computed=True),
    _ro("Tasks", "COLLECTION", target="Task", inverse="WorkProduct"),
]
STORY = [
    _a("Parent", "OBJECT", target="HierarchicalRequirement"),
    _a("Children", "COLLECTION", target="HierarchicalRequirement", inverse="Parent"),
    _ro("DirectChildrenCount", "INTEGER", computed=True),
    _ro("HasParent", "BOOLEAN", computed=True),
    _a("PortfolioItem", "OBJECT", target="PortfolioItem", label="Portfolio Item"),
    # Rally derives Feature from PortfolioItem; it is not written directly (cat-model).
    _ro("Feature", "OBJECT", target="PortfolioItem/Feature", computed=True),
    _a("Predecessors", "COLLECTION", target="HierarchicalRequirement"),
    _a("Successors", "COLLECTION", target="HierarchicalRequirement", inverse="Predecessors"),
    _ro("Defects", "COLLECTION", target="Defect", inverse="Requirement"),
]
PORTFOLIO = [
    _a("PlannedStartDate", "DATE"),
    _a("PlannedEndDate", "DATE"),
    _a("ActualStartDate", "DATE"),
    _a("ActualEndDate", "DATE"),
    _a("Release", "OBJECT", target="Release"),
    _ro("PercentDoneByStoryCount", "QUANTITY", computed=True),
    _ro("PercentDoneByStoryPlanEstimate", "QUANTITY", computed=True),
    _ro("LeafStoryCount", "INTEGER", computed=True),
    _ro("DirectChildrenCount", "INTEGER", computed=True),
]
TIMEBOX = [  # what an Iteration and a Release have besides their dates and states
    _a("Name", "STRING", required=True, max_length=256),
    _a("Project", "OBJECT", target="Project"),
    _a("PlannedVelocity", "QUANTITY"),
    _a("Theme", "TEXT"),
    _a("Notes", "TEXT"),
]


def _spec(path: str, label: str, attrs: Iterable[Attr], **kw: object) -> TypeSpec:
    element = path.rsplit("/", 1)[-1]
    table = {a.name: a for a in [*BASE, *attrs]}
    return TypeSpec(path, element, label, attrs=table, **kw)  # type: ignore[arg-type]


BUILTIN_TYPES: tuple[TypeSpec, ...] = (
    _spec(
        "Subscription",
        "Subscription",
        [
            _a("Name", "STRING"),
            _ro("SubscriptionID", "INTEGER"),
            _ro("Workspaces", "COLLECTION", target="Workspace", inverse="Subscription"),
        ],
        scoped="none",
        creatable=False,
    ),
    _spec(
        "Workspace",
        "Workspace",
        [
            _a("Name", "STRING", required=True),
            _a("Description", "TEXT"),
            _a("State", "STATE", allowed=OPEN_CLOSED),
            _ro("Projects", "COLLECTION", target="Project", inverse="Workspace"),
        ],
        scoped="none",
    ),
    _spec(
        "Project",
        "Project",
        [
            *IN_WORKSPACE,
            _a("Name", "STRING", required=True),
            _a("Description", "TEXT"),
            _a("State", "STATE", allowed=OPEN_CLOSED),
            _a("Owner", "OBJECT", target="User"),
            _a("Parent", "OBJECT", target="Project"),
            _ro("Children", "COLLECTION", target="Project", inverse="Parent"),
        ],
    ),
    _spec(
        "User",
        "User",
        [
            _a("UserName", "STRING", required=True),
            _a("EmailAddress", "STRING", required=True),
            _a("DisplayName", "STRING"),
            _a("FirstName", "STRING"),
            _a("LastName", "STRING"),
            _a("Disabled", "BOOLEAN"),
            _a("SubscriptionAdmin", "BOOLEAN"),
            _ro("UserProfile", "OBJECT", target="UserProfile"),
        ],
        scoped="none",
    ),
    _spec(
        "UserProfile",
        "UserProfile",
        [
            _a("DefaultWorkspace", "OBJECT", target="Workspace"),
            _a("DefaultProject", "OBJECT", target="Project"),
            _a("TimeZone", "STRING"),
            _a("EmailNotificationEnabled", "BOOLEAN"),
        ],
        scoped="none",
    ),
    _spec(
        "TypeDefinition",
        "TypeDefinition",
        [
            *IN_WORKSPACE,
            _ro("Name", "STRING"),
            _ro("ElementName", "STRING"),
            _ro("DisplayName", "STRING"),
            _ro("TypePath", "STRING"),
            _ro("IDPrefix", "STRING"),
            _ro("Abstract", "BOOLEAN"),
            _ro("Parent", "OBJECT", target="TypeDefinition"),
            _ro("Creatable", "BOOLEAN"),
            _ro("Queryable", "BOOLEAN"),
            _ro("ReadOnly", "BOOLEAN"),
            _ro("Deletable", "BOOLEAN"),
            _ro("Restorable", "BOOLEAN"),
            _ro("Ordinal", "INTEGER"),
            _ro("RevisionHistory", "OBJECT", target="RevisionHistory"),
            _ro("Attributes", "COLLECTION", target="AttributeDefinition", inverse="TypeDefinition"),
        ],
        creatable=False,
    ),
    _spec(
        "AttributeDefinition",
        "AttributeDefinition",
        [
            *IN_WORKSPACE,
            _a("Name", "STRING", required=True),
            _ro("ElementName", "STRING"),
            _a("AttributeType", "STRING"),
            _a("RealAttributeType", "STRING"),
            _ro("SchemaType", "STRING"),
            _ro("Custom", "BOOLEAN"),
            _a("Required", "BOOLEAN"),
            _ro("ReadOnly", "BOOLEAN"),
            _ro("Filterable", "BOOLEAN"),
            _a("Hidden", "BOOLEAN"),
            _ro("Sortable", "BOOLEAN"),
            _ro("Constrained", "BOOLEAN"),
            _ro("AllowedValueType", "OBJECT", target="TypeDefinition"),
            _ro(
                "AllowedValues",
                "COLLECTION",
                target="AllowedAttributeValue",
                inverse="AttributeDefinition",
            ),
            _ro("MaxLength", "INTEGER"),
            _ro("MaxFractionalDigits", "INTEGER"),
            _a("Note", "TEXT"),
            _a("TypeDefinition", "OBJECT", target="TypeDefinition", required=True),
        ],
    ),
    _spec(
        "AllowedAttributeValue",
        "AllowedAttributeValue",
        [
            _a("StringValue", "STRING", required=True),
            _a("ValueIndex", "INTEGER"),
            _a("AttributeDefinition", "OBJECT", target="AttributeDefinition", required=True),
        ],
        scoped="none",
    ),
    _spec(
        "Artifact",
        "Artifact",
        [*IN_WORKSPACE, *ARTIFACT, _a("ScheduleState", "STATE", allowed=SCHEDULE_STATES)],
        abstract=True,
        creatable=False,
        scoped="project",
        concrete=("HierarchicalRequirement", "Defect", "Task", "PortfolioItem/Feature"),
    ),
    _spec(
        "HierarchicalRequirement",
        "Hierarchical Requirement",
        [*IN_WORKSPACE, *ARTIFACT, *SCHEDULABLE, *STORY],
        prefix="US",
        parent="Requirement",
        scoped="project",
    ),
    _spec(
        "Requirement",
        "Requirement",
        [*IN_WORKSPACE, *ARTIFACT, *SCHEDULABLE],
        parent="SchedulableArtifact",
        abstract=True,
        creatable=False,
        scoped="project",
        concrete=("HierarchicalRequirement",),
    ),
    _spec(
        "Defect",
        "Defect",
        [
            *IN_WORKSPACE,
            *ARTIFACT,
            *SCHEDULABLE,
            _a("State", "STATE", allowed=DEFECT_STATES),
            _a("Requirement", "OBJECT", target="HierarchicalRequirement"),
            _a("Severity", "STRING"),
            _a("Priority", "STRING"),
        ],
        prefix="DE",
        parent="SchedulableArtifact",
        scoped="project",
    ),
    _spec(
        "PortfolioItem",
        "Portfolio Item",
        [*IN_WORKSPACE, *ARTIFACT, *PORTFOLIO],
        parent="Artifact",
        abstract=True,
        creatable=False,
        scoped="project",
        concrete=("PortfolioItem/Feature",),
    ),
    _spec(
        "PortfolioItem/Feature",
        "Feature",
        [
            *IN_WORKSPACE,
            *ARTIFACT,
            *PORTFOLIO,
            _ro(
                "UserStories",
                "COLLECTION",
                target="HierarchicalRequirement",
                inverse="PortfolioItem",
            ),
        ],
        prefix="F",
        parent="PortfolioItem",
        scoped="project",
    ),
    _spec(
        "Task",
        "Task",
        [
            *IN_WORKSPACE,
            *ARTIFACT,
            _a("WorkProduct", "OBJECT", target="Artifact", required=True),
            _a("State", "STATE", allowed=TASK_STATES),
            _a("Estimate", "QUANTITY"),
            _a("ToDo", "QUANTITY"),
            _a("Actuals", "QUANTITY"),
            _a("TaskIndex", "INTEGER"),
            _a("Iteration", "OBJECT", target="Iteration"),
            _a("Release", "OBJECT", target="Release"),
            _a("Blocked", "BOOLEAN"),
        ],
        prefix="TA",
        parent="Artifact",
        scoped="project",
    ),
    _spec(
        "Iteration",
        "Iteration",
        [
            *IN_WORKSPACE,
            *TIMEBOX,
            _a("StartDate", "DATE", required=True),
            _a("EndDate", "DATE", required=True),
            _a("State", "STATE", allowed=ITERATION_STATES),
        ],
        scoped="project",
    ),
    _spec(
        "Release",
        "Release",
        [
            *IN_WORKSPACE,
            *TIMEBOX,
            _a("ReleaseStartDate", "DATE", required=True),
            _a("ReleaseDate", "DATE", required=True),
            _a("State", "STATE", allowed=RELEASE_STATES),
        ],
        scoped="project",
    ),
    _spec(
        "ConversationPost",
        "Conversation Post",
        [
            *IN_WORKSPACE,
            _a("Artifact", "OBJECT", target="Artifact", required=True),
            _a("Text", "TEXT", required=True),
            _ro("User", "OBJECT", target="User"),
            _ro("PostNumber", "INTEGER"),
        ],
    ),
    _spec(
        "RecycleBinEntry",
        "Recycle Bin Entry",
        [
            *IN_WORKSPACE,
            _ro("ID", "STRING"),
            _ro("Name", "STRING"),
            _ro("Type", "STRING"),
            _ro("DeletionDate", "DATE"),
            _ro("DeletedBy", "OBJECT", target="User"),
            _ro("DeletedObjectID", "INTEGER"),
        ],
        creatable=False,
    ),
    _spec(
        "Tag",
        "Tag",
        [*IN_WORKSPACE, _a("Name", "STRING", required=True), _a("Archived", "BOOLEAN")],
    ),
    _spec(
        "SCMRepository",
        "SCM Repository",
        [
            *IN_WORKSPACE,
            _a("Name", "STRING", required=True),
            _a("SCMType", "STRING"),
            _a("Description", "TEXT"),
            _a("Uri", "STRING"),
            _a("Projects", "COLLECTION", target="Project"),
            _ro("Changesets", "COLLECTION", target="Changeset", inverse="SCMRepository"),
        ],
    ),
    _spec(
        "Changeset",
        "Changeset",
        [
            *IN_WORKSPACE,
            _a("SCMRepository", "OBJECT", target="SCMRepository", required=True),
            _a("Revision", "STRING"),
            _a("CommitTimestamp", "DATE"),
            _a("Message", "TEXT"),
            _a("Author", "OBJECT", target="User"),
            _a("Branch", "STRING"),
            _a("Name", "STRING"),
            _a("Uri", "STRING"),
            _a("Artifacts", "COLLECTION", target="Artifact"),
            _ro("Changes", "COLLECTION", target="Change", inverse="Changeset"),
            _ro("Builds", "COLLECTION", target="Build", inverse="Changesets"),
        ],
    ),
    _spec(
        "Change",
        "Change",
        [
            *IN_WORKSPACE,
            _a("Changeset", "OBJECT", target="Changeset", required=True),
            _a("PathAndFilename", "STRING", required=True),
            _a("Action", "STRING"),
            _a("Uri", "STRING"),
            _a("Base", "STRING"),
            _a("Extension", "STRING"),
        ],
    ),
    _spec(
        "BuildDefinition",
        "Build Definition",
        [
            *IN_WORKSPACE,
            _a("Name", "STRING", required=True),
            _a("Project", "OBJECT", target="Project", required=True),
            _a("Description", "TEXT"),
            _a("Uri", "STRING"),
            _a("LastStatus", "STRING"),
            _ro("Builds", "COLLECTION", target="Build", inverse="BuildDefinition"),
        ],
        scoped="project",
    ),
    _spec(
        "Build",
        "Build",
        [
            *IN_WORKSPACE,
            _a("BuildDefinition", "OBJECT", target="BuildDefinition", required=True),
            _a("Number", "STRING", required=True),
            _a("Status", "STRING", required=True),
            _a("Start", "DATE"),
            _a("Duration", "QUANTITY"),
            _a("Message", "TEXT"),
            _a("Uri", "STRING"),
            _a("Changesets", "COLLECTION", target="Changeset"),
        ],
    ),
)

BUILTIN: dict[str, TypeSpec] = {t.path: t for t in BUILTIN_TYPES}
# Abstract parents that are named by TypeDefinition.Parent but not served as their own types.
EXTRA_ABSTRACT = ("SchedulableArtifact",)


def is_a(type_path: str, target: str) -> bool:
    """``PortfolioItem/Feature`` is a ``PortfolioItem`` and an ``Artifact``; a type is itself."""
    if type_path == target:
        return True
    spec = BUILTIN.get(target)
    return bool(spec and spec.abstract and type_path in spec.concrete)


def custom_attr(
    label: str, element: str, type_: str, allowed: tuple[str, ...] = (), max_length: int = -1
) -> Attr:
    kind = "STRING" if type_ == "WEB_LINK" else type_
    return Attr(element, kind, custom=True, label=label, allowed=allowed, max_length=max_length)


@dataclass(frozen=True)
class Override:
    """What a workspace's own AttributeDefinition says about a built-in attribute."""

    allowed: tuple[str, ...] | None = None
    max_length: int | None = None

    def apply(self, attr: Attr) -> Attr:
        changes: dict[str, object] = {}
        if self.allowed is not None and attr.allowed and self.allowed != attr.allowed:
            changes["allowed"] = self.allowed
        if self.max_length is not None and self.max_length != attr.max_length:
            changes["max_length"] = self.max_length
        return replace(attr, **changes) if changes else attr  # type: ignore[arg-type]


class Schema:
    """The type table for one request: built-in types plus the store's custom fields, with
    built-in attributes as the workspace's AttributeDefinitions say (drop-down values such as
    ScheduleState's, MaxLength)."""

    def __init__(
        self,
        custom: Mapping[str, list[Attr]],
        overrides: Mapping[tuple[str, str], Override] | None = None,
    ) -> None:
        self.types: dict[str, TypeSpec] = {}
        changed = overrides or {}
        for builtin in BUILTIN_TYPES:
            spec = builtin
            if changed:
                spec = replace(
                    builtin,
                    attrs={
                        name: (o.apply(a) if (o := changed.get((builtin.path, name))) else a)
                        for name, a in builtin.attrs.items()
                    },
                )
            extra = custom.get(spec.path, [])
            if spec.path == "HierarchicalRequirement":
                extra = extra + custom.get("Requirement", [])
            if spec.abstract and spec.concrete:
                # an abstract type sees the custom fields every concrete type shares
                shared = [custom.get(c, []) for c in spec.concrete]
                names = (
                    set.intersection(*({a.name for a in s} for s in shared)) if shared else set()
                )
                extra = [a for a in shared[0] if a.name in names] if shared else []
            attrs = dict(spec.attrs)
            attrs.update({a.name: a for a in extra})
            self.types[spec.path] = replace(spec, attrs=attrs)
        self._by_lower = {k.lower(): k for k in self.types}
        for spec in self.types.values():
            self._by_lower.setdefault(spec.element.lower(), spec.path)

    def resolve(self, name: str) -> TypeSpec | None:
        """A type named as in URLs and bodies: case-insensitive, by TypePath or ElementName."""
        path = self._by_lower.get(name.lower())
        return self.types[path] if path else None

    def __getitem__(self, path: str) -> TypeSpec:
        return self.types[path]

    def concrete(self, spec: TypeSpec) -> tuple[str, ...]:
        return spec.concrete if spec.abstract else (spec.path,)
