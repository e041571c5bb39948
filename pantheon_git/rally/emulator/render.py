"""Objects as JSON the way WSAPI v2.0 writes them: absolute refs, shells, collection summaries.

A collection attribute comes back as ``{_ref, _type, Count}``, never inline. Fetching it as
``Predecessors:summary[FormattedID;ScheduleState]`` (Broadcom KB 131935, "Collection
Summaries") adds the members' values of those fields with their counts::

    {"_ref": ".../Predecessors", "_type": "HierarchicalRequirement", "Count": 2,
     "Summary": {"FormattedID": {"US120": 1, "US121": 1}, "ScheduleState": {"Defined": 2}}}

[UNSURE: the KB confirms the fetch syntax; the reply shape is from memory of the WSAPI docs.]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pantheon_git.rally.emulator.derived import value_of
from pantheon_git.rally.emulator.schema import Attr, Schema, TypeSpec
from pantheon_git.rally.emulator.store import Obj, Store
from pantheon_git.rally.emulator.values import WSAPI, created_at

API = {"_rallyAPIMajor": "2", "_rallyAPIMinor": "0"}
# Keys a full object carries besides its attributes (research §2, the real-object fixture).
_META_ATTRS = ("CreationDate", "ObjectID", "ObjectUUID", "VersionId")


_SUMMARY = re.compile(r"^summary\[([^\]]*)\]$", re.IGNORECASE)


@dataclass(frozen=True)
class Fetch:
    """``fetch=true`` (everything), ``fetch=false`` / absent (shells), or a field list, where
    a collection may be asked for as ``Name:summary[Field;Field]``."""

    everything: bool = False
    fields: frozenset[str] = frozenset()
    summaries: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(collection, fields to summarise by) for each ``Coll:summary[...]`` term."""

    @classmethod
    def parse(cls, raw: str | None, *, default_everything: bool) -> Fetch:
        if raw is None:
            return cls(everything=default_everything)
        text = raw.strip().strip("\"'").strip()
        if text.lower() == "true":
            return cls(everything=True)
        if text.lower() in ("false", ""):
            return cls()
        names: list[str] = []
        summaries: list[tuple[str, tuple[str, ...]]] = []
        for part in text.split(","):
            name, _, option = part.strip().strip("\"'").partition(":")
            name = name.strip()
            if not name:
                continue
            names.append(name)
            match = _SUMMARY.match(option.strip())
            if match:
                by = tuple(f.strip() for f in match.group(1).split(";") if f.strip())
                summaries.append((name, by))
        return cls(fields=frozenset(names), summaries=tuple(summaries))

    def summary_of(self, name: str) -> tuple[str, ...] | None:
        for collection, by in self.summaries:
            if collection == name:
                return by
        return None


def ref_name(spec: TypeSpec, obj: Obj) -> str:
    for key in ("Name", "DisplayName", "UserName", "StringValue", "PathAndFilename", "Number"):
        value = obj.get(key)
        if value not in (None, ""):
            return str(value)
    if spec.path == "Changeset":
        return str(obj.get("Revision") or "")
    return spec.label


@dataclass
class View:
    """Renders objects for one request: refs are built from the URL the client used."""

    store: Store
    schema: Schema
    base: str  # scheme://host:port as the client addressed us
    now: datetime

    def spec(self, obj: Obj) -> TypeSpec:
        return self.schema[obj["_type"]]

    def ref(self, obj: Obj) -> str:
        return f"{self.base}{WSAPI}{obj['_type'].lower()}/{obj['ObjectID']}"

    def collection_ref(self, obj: Obj, name: str) -> str:
        return f"{self.base}{WSAPI}{obj['_type']}/{obj['ObjectID']}/{name}"

    def _head(self, obj: Obj) -> dict[str, Any]:
        return {
            **API,
            "_ref": self.ref(obj),
            "_refObjectUUID": obj.get("ObjectUUID"),
            "_objectVersion": str(obj.get("VersionId", 1)),
            "_refObjectName": ref_name(self.spec(obj), obj),
        }

    def shell(self, obj: Obj, fetch: Fetch = Fetch()) -> dict[str, Any]:
        """A reference: ``_ref``, ``_refObjectName``, ``_type``..., plus fetched scalar fields."""
        out = self._head(obj)
        if fetch.fields:
            spec = self.spec(obj)
            for name in sorted(fetch.fields):
                attr = spec.attr(name)
                if attr is not None:
                    out[name] = self._value(obj, attr, Fetch(), nested=True)
        out["_type"] = obj["_type"]
        return out

    def render(self, obj: Obj, fetch: Fetch) -> dict[str, Any]:
        """The object with the fields ``fetch`` asks for (all of them for ``fetch=true``)."""
        if not fetch.everything and not fetch.fields:
            return self.shell(obj)
        spec = self.spec(obj)
        out = self._head(obj)
        if fetch.everything:
            for key in _META_ATTRS:
                out[key] = self._value(obj, spec.attrs[key], fetch, nested=False)
            out["_CreatedAt"] = created_at(str(obj.get("CreationDate", "")), self.now)
        for name, attr in spec.attrs.items():
            if (fetch.everything and name not in _META_ATTRS) or name in fetch.fields:
                out[name] = self._value(obj, attr, fetch, nested=False)
        out["_type"] = obj["_type"]
        return out

    def _value(self, obj: Obj, attr: Attr, fetch: Fetch, *, nested: bool) -> Any:
        value = value_of(self.store, obj, attr)
        if attr.type == "OBJECT":
            target = self.store.objects.get(value) if isinstance(value, int) else None
            if target is None:
                return None
            return self.shell(target, Fetch() if nested else fetch)
        if attr.type == "COLLECTION":
            doc: dict[str, Any] = {
                **API,
                "_ref": self.collection_ref(obj, attr.name),
                "_type": attr.target,
                "Count": len(value),
            }
            by = None if nested else fetch.summary_of(attr.name)
            if by:
                doc["Summary"] = self._summary(value, by)
            return doc
        if attr.name == "VersionId" and value is not None:
            return str(value)
        return value

    def _summary(self, members: list[int], by: tuple[str, ...]) -> dict[str, dict[str, int]]:
        """Counts of each value of each ``by`` field among the members. A ref counts by the
        name it shows (``_refObjectName``), an empty value as ``"null"`` [UNSURE]; a field the
        members do not have is left out."""
        out: dict[str, dict[str, int]] = {}
        for field_name in by:
            counts: dict[str, int] = {}
            known = False
            for oid in members:
                member = self.store.objects.get(oid)
                if member is None:
                    continue
                attr = self.spec(member).attr(field_name)
                if attr is None or attr.type == "COLLECTION":
                    continue
                known = True
                key = self._summary_key(member, attr)
                counts[key] = counts.get(key, 0) + 1
            if known or not members:
                out[field_name] = counts
        return out

    def _summary_key(self, member: Obj, attr: Attr) -> str:
        value = value_of(self.store, member, attr)
        if attr.type == "OBJECT":
            target = self.store.objects.get(value) if isinstance(value, int) else None
            return ref_name(self.spec(target), target) if target is not None else "null"
        if value is None or value == "":
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
