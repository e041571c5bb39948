"""Attribute values as clients see them: stored values, inverse collections and rollups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pantheon_git.rally.emulator.schema import Attr, is_a
from pantheon_git.rally.emulator.store import Obj, Store


def value_of(store: Store, obj: Obj, attr: Attr) -> Any:
    """The value of ``attr`` on ``obj``: an ObjectID for OBJECT, a list of them for COLLECTION.

    Refs to objects that no longer exist read as null (or drop out of collections).
    """
    if attr.inverse is not None:
        return related(store, obj, attr)
    if attr.computed:
        return COMPUTED[attr.name](store, obj)
    value = obj.get(attr.name)
    if attr.type == "OBJECT":
        return value if isinstance(value, int) and value in store.objects else None
    if attr.type == "COLLECTION":
        return [v for v in value or () if v in store.objects]
    return value


def related(store: Store, obj: Obj, attr: Attr) -> list[int]:
    assert attr.inverse is not None
    assert attr.target is not None
    found = store.referrers(attr.inverse, int(obj["ObjectID"]))
    return sorted(
        oid
        for oid in found
        if oid in store.objects and is_a(store.objects[oid]["_type"], attr.target)
    )


def _children(store: Store, obj: Obj, field: str) -> list[Obj]:
    found = store.referrers(field, int(obj["ObjectID"]))
    return [store.objects[oid] for oid in sorted(found) if oid in store.objects]


def _tasks(store: Store, obj: Obj) -> list[Obj]:
    return [t for t in _children(store, obj, "WorkProduct") if t["_type"] == "Task"]


def _stories(store: Store, obj: Obj) -> list[Obj]:
    kids = _children(store, obj, "PortfolioItem")
    return [s for s in kids if s["_type"] == "HierarchicalRequirement"]


def _total(items: list[Obj], field: str) -> float:
    return float(sum(float(t.get(field) or 0) for t in items))


def _feature(store: Store, obj: Obj) -> int | None:
    pi = obj.get("PortfolioItem")
    target = store.objects.get(pi) if isinstance(pi, int) else None
    return pi if target and target["_type"] == "PortfolioItem/Feature" else None


def _percent_by_count(store: Store, obj: Obj) -> float:
    stories = _stories(store, obj)
    done = [s for s in stories if s.get("ScheduleState") == "Accepted"]
    return len(done) / len(stories) if stories else 0.0


def _percent_by_estimate(store: Store, obj: Obj) -> float:
    stories = _stories(store, obj)
    total = _total(stories, "PlanEstimate")
    done = _total([s for s in stories if s.get("ScheduleState") == "Accepted"], "PlanEstimate")
    return done / total if total else 0.0


def _direct_children(store: Store, obj: Obj) -> int:
    if obj["_type"] == "HierarchicalRequirement":
        kids = _children(store, obj, "Parent")
        return len([k for k in kids if k["_type"] == "HierarchicalRequirement"])
    return len(_stories(store, obj))


COMPUTED: dict[str, Callable[[Store, Obj], Any]] = {
    "TaskEstimateTotal": lambda s, o: _total(_tasks(s, o), "Estimate"),
    "TaskRemainingTotal": lambda s, o: _total(_tasks(s, o), "ToDo"),
    "TaskActualTotal": lambda s, o: _total(_tasks(s, o), "Actuals"),
    "DirectChildrenCount": _direct_children,
    "HasParent": lambda s, o: value_of_parent(s, o) is not None,
    "Feature": _feature,
    "PercentDoneByStoryCount": _percent_by_count,
    "PercentDoneByStoryPlanEstimate": _percent_by_estimate,
    "LeafStoryCount": lambda s, o: len(_stories(s, o)),
}


def value_of_parent(store: Store, obj: Obj) -> int | None:
    parent = obj.get("Parent")
    return parent if isinstance(parent, int) and parent in store.objects else None
