"""Which workspace and project every request runs in, resolved once from names or ObjectIDs.

Rally runs a query without ``workspace=`` in the user's default workspace, which gives
surprising empty results (KB 47750), so the client always sends it. The workspace is found among
the subscription's workspaces (as pyral does); the project among the workspace's projects.
A value of only digits is an ObjectID.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pantheon_git.errors import ConfigError, RallyNotFound, ScopeNotFound, UsageError
from pantheon_git.rally.query import Query, eq
from pantheon_git.rally.refs import ref_oid, ref_path

ListItems = Callable[[str, Query | None, Sequence[str]], list[dict[str, Any]]]
"""(collection path, filter, fetch) -> every item."""
GetObject = Callable[[str, Sequence[str]], dict[str, Any]]
"""(object path, fetch) -> the object."""

_SHOWN = 20


@dataclass(frozen=True)
class Scope:
    workspace_oid: int
    workspace_name: str
    project_oid: int | None = None
    project_name: str | None = None

    @property
    def workspace_ref(self) -> str:
        return f"/workspace/{self.workspace_oid}"

    @property
    def project_ref(self) -> str | None:
        return None if self.project_oid is None else f"/project/{self.project_oid}"

    def params(
        self, *, whole_workspace: bool = False, up: bool = False, down: bool = True
    ) -> dict[str, str]:
        """``workspace``, ``project`` (``null``: the whole workspace) and the scope flags."""
        out = {"workspace": self.workspace_ref}
        if whole_workspace or self.project_oid is None:
            out["project"] = "null"
        else:
            out["project"] = f"/project/{self.project_oid}"
            out["projectScopeUp"] = "true" if up else "false"
            out["projectScopeDown"] = "true" if down else "false"
        return out

    def describe(self) -> str:
        where = f"workspace {self.workspace_name!r}"
        return f"{where}, project {self.project_name!r}" if self.project_name else where


def _names(items: Sequence[dict[str, Any]]) -> str:
    names = sorted({str(i.get("Name")) for i in items if i.get("Name")})
    shown = ", ".join(names[:_SHOWN])
    if len(names) > _SHOWN:
        shown += f" (and {len(names) - _SHOWN} more)"
    return shown or "none"


def _pick(items: Sequence[dict[str, Any]], name: str, what: str, setting: str) -> dict[str, Any]:
    matches = [i for i in items if i.get("Name") == name]
    if len(matches) > 1:
        oids = ", ".join(str(i.get("ObjectID")) for i in matches)
        raise ConfigError(
            f"more than one Rally {what} is named {name!r} (ObjectIDs {oids})",
            hint=f"Set {setting} to the ObjectID of the one you mean.",
        )
    if not matches:
        raise ScopeNotFound(
            f"Rally {what} {name!r} not found; {what}s you can see: {_names(items)}",
            hint=f"Set {setting} to one of them (name or ObjectID).",
        )
    return matches[0]


def _query_safe(name: str) -> Query | None:
    """A Name filter, or ``None`` when the name holds characters a query cannot carry."""
    try:
        return eq("Name", name)
    except UsageError:
        return None


def resolve(
    workspace: str | None,
    project: str | None,
    *,
    subscription: Callable[[], dict[str, Any]],
    list_items: ListItems,
    get_object: GetObject,
) -> Scope:
    ws = _workspace(workspace, subscription, list_items, get_object)
    ws_oid, ws_name = int(ws["ObjectID"]), str(ws.get("Name", ws["ObjectID"]))
    if not project or not project.strip():
        return Scope(ws_oid, ws_name)
    proj = _project(project.strip(), ws_oid, ws_name, list_items, get_object)
    return Scope(ws_oid, ws_name, int(proj["ObjectID"]), str(proj.get("Name", proj["ObjectID"])))


_FETCH = ("ObjectID", "Name", "State")


def _workspace(
    wanted: str | None,
    subscription: Callable[[], dict[str, Any]],
    list_items: ListItems,
    get_object: GetObject,
) -> dict[str, Any]:
    wanted = (wanted or "").strip() or None
    if wanted is not None and wanted.isdigit():
        try:
            return get_object(f"/workspace/{wanted}", (*_FETCH, "Projects"))
        except RallyNotFound:
            pass  # fall through: list the workspaces that do exist
    sub = subscription()
    workspaces = list_items(ref_path(sub) + "/Workspaces", None, _FETCH)
    if wanted is None:
        open_ones = [w for w in workspaces if w.get("State", "Open") == "Open"]
        if len(open_ones) == 1:
            return open_ones[0]
        raise ConfigError(
            f"RALLY_WORKSPACE is not set and you can see {len(open_ones)} workspaces: "
            f"{_names(open_ones)}",
            hint="Set RALLY_WORKSPACE (or rally_workspace in the config) to one of them.",
        )
    if wanted.isdigit():
        raise ScopeNotFound(
            f"Rally workspace {wanted} not found; workspaces you can see: {_names(workspaces)}",
            hint="Set RALLY_WORKSPACE to one of them (name or ObjectID).",
        )
    return _pick(workspaces, wanted, "workspace", "RALLY_WORKSPACE")


def _project(
    wanted: str, ws_oid: int, ws_name: str, list_items: ListItems, get_object: GetObject
) -> dict[str, Any]:
    projects_path = f"/workspace/{ws_oid}/Projects"
    if wanted.isdigit():
        try:
            found = get_object(f"/project/{wanted}", (*_FETCH, "Workspace"))
        except RallyNotFound:
            found = None
        if found is not None:
            owner = found.get("Workspace")
            if owner and ref_oid(owner) != ws_oid:
                raise ConfigError(
                    f"Rally project {wanted} belongs to another workspace than {ws_name!r}",
                    hint="Set RALLY_PROJECT to a project of that workspace, or change "
                    "RALLY_WORKSPACE.",
                )
            return found
        everything = list_items(projects_path, None, _FETCH)
        raise ScopeNotFound(
            f"Rally project {wanted} not found in workspace {ws_name!r}; projects: "
            f"{_names(everything)}",
            hint="Set RALLY_PROJECT to one of them (name or ObjectID).",
        )
    name_filter = _query_safe(wanted)
    if name_filter is not None:
        found_list = list_items(projects_path, name_filter, _FETCH)
        if len(found_list) == 1 and found_list[0].get("Name") == wanted:
            return found_list[0]
        if len(found_list) > 1:
            return _pick(found_list, wanted, "project", "RALLY_PROJECT")
    return _pick(list_items(projects_path, None, _FETCH), wanted, "project", "RALLY_PROJECT")
