"""Custom field definitions: what a type's attributes are, and whether the ``c_`` fields a
workspace needs exist with a usable type.

Custom fields vary by workspace (research §4): never assume one exists; read the
TypeDefinition's ``Attributes`` and check. They are created with ``POST
/attributedefinition/create`` (KB 75112), need an admin key, and cannot be deleted or retyped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pantheon_git.core.states import SCHEDULE_STATES, ScheduleOrder
from pantheon_git.rally.query import eq
from pantheon_git.rally.replies import as_sent

if TYPE_CHECKING:
    from pantheon_git.rally.client import RallyClient

ATTRIBUTE_FETCH = (
    "ObjectID",
    "ElementName",
    "Name",
    "AttributeType",
    "RealAttributeType",
    "Custom",
    "Required",
    "ReadOnly",
    "Hidden",
    "MaxLength",
)


@dataclass(frozen=True)
class AttributeDef:
    element_name: str
    """What queries and bodies use: ``c_LockedBy``, ``ScheduleState``."""
    name: str
    """The label shown in Rally; may contain spaces."""
    attribute_type: str
    custom: bool = False
    required: bool = False
    read_only: bool = False
    hidden: bool = False
    max_length: int | None = None
    ref: str | None = None

    @classmethod
    def from_rally(cls, obj: Mapping[str, Any]) -> AttributeDef:
        kind = obj.get("AttributeType") or obj.get("RealAttributeType") or ""
        length = obj.get("MaxLength")
        return cls(
            element_name=str(obj.get("ElementName") or ""),
            name=str(obj.get("Name") or obj.get("ElementName") or ""),
            attribute_type=str(kind).upper(),
            custom=bool(obj.get("Custom")),
            required=bool(obj.get("Required")),
            read_only=bool(obj.get("ReadOnly")),
            hidden=bool(obj.get("Hidden")),
            max_length=length if isinstance(length, int) and not isinstance(length, bool) else None,
            ref=obj.get("_ref") if isinstance(obj.get("_ref"), str) else None,
        )


@dataclass(frozen=True)
class FieldProblem:
    element_name: str
    problem: str
    """``missing``, ``wrong type`` or ``read-only``."""
    expected: tuple[str, ...]
    actual: str | None = None

    def describe(self) -> str:
        want = " or ".join(self.expected)
        if self.problem == "missing":
            return f"{self.element_name} is missing (want {want})"
        if self.problem == "read-only":
            return f"{self.element_name} is read-only"
        return f"{self.element_name} is {self.actual}, want {want}"


def check_fields(
    attributes: Iterable[AttributeDef], expected: Mapping[str, Iterable[str]]
) -> list[FieldProblem]:
    """Problems with the wanted fields (element name -> acceptable AttributeTypes)."""
    by_name = {a.element_name: a for a in attributes}
    problems: list[FieldProblem] = []
    for element, kinds in expected.items():
        wanted = tuple(k.upper() for k in kinds)
        attr = by_name.get(element)
        if attr is None:
            problems.append(FieldProblem(element, "missing", wanted))
        elif wanted and attr.attribute_type not in wanted:
            problems.append(FieldProblem(element, "wrong type", wanted, attr.attribute_type))
        elif attr.read_only:
            problems.append(FieldProblem(element, "read-only", wanted, attr.attribute_type))
    return problems


def display_name(element_name: str) -> str:
    """``c_LockedBy`` -> ``LockedBy``: the Name to create so that Rally makes ``c_LockedBy``."""
    return element_name[2:] if element_name.startswith("c_") else element_name


def schedule_states(
    client: RallyClient, type_path: str = "HierarchicalRequirement"
) -> ScheduleOrder:
    """The workspace's ScheduleState values in their order: the AllowedValues of the type's
    ScheduleState attribute (research §10.7: a workspace may add one before Defined and one
    after Accepted). Three requests; ``RallyClient.schedule_states`` keeps the answer."""
    typedef = client.type_definition(type_path)
    found = client.collection(
        typedef,
        "Attributes",
        decode=as_sent,
        where=eq("ElementName", "ScheduleState"),
        fetch=("ElementName", "AllowedValues"),
    )
    if not found:
        return SCHEDULE_STATES
    values = client.collection(
        found[0], "AllowedValues", decode=as_sent, fetch=("StringValue", "ValueIndex")
    )
    if all(isinstance(v.get("ValueIndex"), int) for v in values):
        values = sorted(values, key=lambda v: int(v["ValueIndex"]))
    names = tuple(str(v["StringValue"]) for v in values if v.get("StringValue"))
    return names if "Defined" in names else SCHEDULE_STATES


def criteria_field(client: RallyClient, name: str) -> str | None:
    """The acceptance criteria field when the workspace has it (as a text field)."""
    for attribute in client.attributes("HierarchicalRequirement"):
        if attribute.element_name == name and not attribute.read_only:
            return name
    return None
