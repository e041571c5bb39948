"""``GET /slm/schema/v2.0/workspace/<oid>``: every TypeDefinition with its attributes inline.

pyral reads this at connect time (research §8): each type needs ``ElementName``, ``TypePath``,
``IDPrefix``..., each attribute ``ElementName``, ``AttributeType``, ``Custom``..., and
drop-downs their ``AllowedValues`` as an inline list of ``StringValue``s.
"""

from __future__ import annotations

from typing import Any

from pantheon_git.rally.emulator.render import Fetch, View
from pantheon_git.rally.emulator.store import Obj

EVERYTHING = Fetch(everything=True)


def _children(view: View, field: str, oid: int, type_path: str) -> list[Obj]:
    store = view.store
    found = (store.objects[o] for o in store.referrers(field, oid))
    return [o for o in found if o["_type"] == type_path]


def attribute_doc(view: View, ad: Obj) -> dict[str, Any]:
    doc = view.render(ad, EVERYTHING)
    values = _children(view, "AttributeDefinition", ad["ObjectID"], "AllowedAttributeValue")
    values.sort(key=lambda v: v.get("ValueIndex", 0))
    doc["AllowedValues"] = [{**view.shell(v), "StringValue": v["StringValue"]} for v in values]
    return doc


def workspace_schema(view: View, workspace: int) -> list[dict[str, Any]]:
    """The TypeDefinitions of one workspace, in ObjectID order, with inline attributes."""
    typedefs = [
        td
        for td in view.store.by_type.get("TypeDefinition", {}).values()
        if td.get("Workspace") == workspace
    ]
    results = []
    for td in sorted(typedefs, key=lambda o: o["ObjectID"]):
        doc = view.render(td, EVERYTHING)
        attrs = _children(view, "TypeDefinition", td["ObjectID"], "AttributeDefinition")
        doc["Attributes"] = [
            attribute_doc(view, ad) for ad in sorted(attrs, key=lambda o: o["ObjectID"])
        ]
        results.append(doc)
    return results
