"""Which workspace and projects a request covers (``workspace``, ``project``,
``projectScopeUp``/``projectScopeDown``), and the defaults from the user's profile."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pantheon_git.rally.emulator.schema import TypeSpec
from pantheon_git.rally.emulator.store import Obj, Store
from pantheon_git.rally.emulator.values import parse_ref

NOT_FOUND = "Cannot find object to read"


class Refused(Exception):
    """An application error: its text goes to ``Errors[]`` with HTTP 200."""


@dataclass(frozen=True)
class Scope:
    store: Store
    params: Mapping[str, str]
    user: int

    def profile(self) -> Obj:
        user = self.store.objects[self.user]
        return self.store.get(user.get("UserProfile") or -1) or {}

    def param_ref(self, name: str, type_path: str) -> int | None:
        """The object a parameter names, in any ref form; None for absent or ``null``."""
        raw = self.params.get(name)
        if raw is None or raw.strip().lower() in ("", "null"):
            return None
        ref = parse_ref(raw)
        obj = self.store.get(ref[1]) if ref else None
        if obj is None or obj["_type"] != type_path:
            raise Refused(NOT_FOUND)
        return int(obj["ObjectID"])

    def workspace(self) -> int | None:
        """The ``workspace`` parameter, else the user's default workspace."""
        return self.param_ref("workspace", "Workspace") or self.profile().get("DefaultWorkspace")

    def project(self) -> int | None:
        """The ``project`` parameter, else the user's default (if in this workspace), else the
        workspace's first project: where a new object goes."""
        chosen = self.param_ref("project", "Project")
        if chosen is not None:
            return chosen
        default = self.profile().get("DefaultProject")
        ws = self.workspace()
        project = self.store.get(default) if isinstance(default, int) else None
        if project is not None and project.get("Workspace") == ws:
            return int(project["ObjectID"])
        found = self.store.referrers("Workspace", ws) if isinstance(ws, int) else set()
        projects = sorted(o for o in found if self.store.objects[o]["_type"] == "Project")
        return projects[0] if projects else None

    def filter(self, spec: TypeSpec) -> Callable[[Obj], bool]:
        """Whether an object of ``spec`` is inside the request's workspace and projects."""
        if spec.scoped == "none":
            return lambda obj: True
        ws = self.workspace()
        projects = self.projects() if spec.scoped == "project" else None
        return lambda obj: (
            obj.get("Workspace") == ws and (projects is None or obj.get("Project") in projects)
        )

    def projects(self) -> set[int] | None:
        """The projects a query covers; None for the whole workspace.

        [UNSURE] With a workspace but no project parameter we search the whole workspace;
        with neither, the user's default project and below. Scope defaults: up false, down
        true (the Java toolkit's defaults, research §3).
        """
        if "project" in self.params:
            root = self.param_ref("project", "Project")
        elif "workspace" in self.params:
            return None
        else:
            root = self.project()
        if root is None:
            return None
        found = {root}
        if self.params.get("projectScopeDown", "true").lower() == "true":
            frontier = [root]
            while frontier:
                for kid in self.store.referrers("Parent", frontier.pop()):
                    if self.store.objects[kid]["_type"] == "Project" and kid not in found:
                        found.add(kid)
                        frontier.append(kid)
        if self.params.get("projectScopeUp", "false").lower() == "true":
            parent = self.store.objects[root].get("Parent")
            while isinstance(parent, int) and parent in self.store.objects and parent not in found:
                found.add(parent)
                parent = self.store.objects[parent].get("Parent")
        return found
