"""Objects as JSON the way WSAPI v2.0 writes them: absolute refs, shells, collection summaries.

A collection attribute comes back as ``{_ref, _type, Count}``, never inline. Fetching it as
``Tasks:summary[FormattedID;State]`` (Broadcom KB 131935, "Collection Summaries") adds the
members' values of those fields, with their counts, under a ``Summary`` of the *item*, keyed by
the collection's name; the collection itself stays the plain ``{_ref, _type, Count}``::

    {"Tasks": {"_ref": ".../Tasks", "_type": "Task", "Count": 2},
     "Summary": {"Tasks": {"Count": 2, "FormattedID": {"TA1": 1, "TA2": 1},
                           "State": {"Defined": 1, "Completed": 1}}}}

Evidence (research §10.1): an Android client parsing raw WSAPI v2.0 replies from rally1
(PaitoAnderson/SkrumazAndroid, ``data/RallyDev/GetItems.java``:
``getJSONObject("Summary").getJSONObject("Tasks").getInt("Count")``), and Rally App SDK apps
reading ``record.get('Summary').Tasks.State.Completed`` and skipping the key
``'-- No Entry --'`` among ``Summary.Tasks.Estimate``: empty values are counted under it.
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
NO_ENTRY = "-- No Entry --"


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
        summary = self._summaries(obj, spec, fetch)
        if summary:
            out["Summary"] = summary
        out["_type"] = obj["_type"]
        return out

    def _summaries(self, obj: Obj, spec: TypeSpec, fetch: Fetch) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, by in fetch.summaries:
            attr = spec.attr(name)
            if attr is None or attr.type != "COLLECTION" or not by:
                continue
            members = value_of(self.store, obj, attr)
            out[name] = {"Count": len(members), **self._summary(members, by)}
        return out

    def _value(self, obj: Obj, attr: Attr, fetch: Fetch, *, nested: bool) -> Any:
        value = value_of(self.store, obj, attr)
        if attr.type == "OBJECT":
            target = self.store.objects.get(value) if isinstance(value, int) else None
            if target is None:
                return None
            return self.shell(target, Fetch() if nested else fetch)
        if attr.type == "COLLECTION":
            return {
                **API,
                "_ref": self.collection_ref(obj, attr.name),
                "_type": attr.target,
                "Count": len(value),
            }
        if attr.name == "VersionId" and value is not None:
            return str(value)
        return value

    def _summary(self, members: list[int], by: tuple[str, ...]) -> dict[str, dict[str, int]]:
        """Counts of each value of each ``by`` field among the members. A ref counts by the
        name it shows (``_refObjectName``) [UNSURE], an empty value as ``-- No Entry --``; a
        field the members do not have is left out."""
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
            return ref_name(self.spec(target), target) if target is not None else NO_ENTRY
        if value is None or value == "":
            return NO_ENTRY
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
