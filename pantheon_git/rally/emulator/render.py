"""Objects as JSON the way WSAPI v2.0 writes them: absolute refs, shells, collection summaries."""

from __future__ import annotations

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


@dataclass(frozen=True)
class Fetch:
    """``fetch=true`` (everything), ``fetch=false`` / absent (shells), or a field list."""

    everything: bool = False
    fields: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, raw: str | None, *, default_everything: bool) -> Fetch:
        if raw is None:
            return cls(everything=default_everything)
        text = raw.strip().strip("\"'").strip()
        if text.lower() == "true":
            return cls(everything=True)
        if text.lower() in ("false", ""):
            return cls()
        names = (part.strip().strip("\"'").split(":", 1)[0].strip() for part in text.split(","))
        return cls(fields=frozenset(n for n in names if n))

    def wants(self, name: str) -> bool:
        return self.everything or name in self.fields


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
            return {
                **API,
                "_ref": self.collection_ref(obj, attr.name),
                "_type": attr.target,
                "Count": len(value),
            }
        if attr.name == "VersionId" and value is not None:
            return str(value)
        return value
