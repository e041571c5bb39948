"""The package's import contracts, checked from the source (``ast``): no import is executed.

- **Layers** point down: a module imports its own layer or lower ones. Siblings of an
  *independent* layer (``rally``, ``git``, ``cache``) do not import each other.
- **Features** (``features/<name>/``) reach another feature only through the modules it lists
  in its ``SHARED`` tuple (``features/<name>/__init__.py``).
- **Pure modules** (``core/``, ``bmad/``, and every module of a feature folder but ``run.py`` and
  ``run_*.py``) import no adapter library and no I/O layer, and read no clock or environment.
- **No cycles** between modules, counting imports inside functions (``TYPE_CHECKING`` imports
  are not run, so they do not count).
- **Lazy imports** (inside a function) say why in a comment on their line or the line above.
- **Cache documents** (``dependencies.json``...) are named only in ``cache/``: each has one
  module there that reads and writes it; a string literal naming one elsewhere (docstrings
  aside) is a second reader or writer in the making.
- **Raw Rally items stay in** ``rally/``: outside it, no subscript read and no ``.get()`` /
  ``.pop()`` / ``.setdefault()`` names a WSAPI field with a string literal (``x["_ref"]``,
  ``x.get("ScheduleState")``, ``x["c_LockedBy"]``). Use cases read records
  (``rally/records.py``). Writing a field into a body (``fields["ScheduleState"] = ...``) is
  not reading one. What this does not see: a field name held in a variable or a constant
  (the configured custom field names; the state map's keys, through
  ``core.states.SCHEDULE_STATE``), and a raw item passed along without being read.

Every rule reports ``path:line: message`` strings; an empty list means the package keeps them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx


@dataclass(frozen=True)
class Layer:
    name: str
    members: tuple[str, ...]
    """Module prefixes below the package (``""`` is the package's own ``__init__``)."""
    independent: bool = False


LAYERS = (
    Layer("entry", ("main", "__main__", "hook_entry", "cli", "demo")),
    Layer("features", ("features",)),
    Layer("app", ("app",)),
    Layer("adapters", ("rally", "git", "cache"), independent=True),
    Layer("formats", ("bmad", "config", "fsio", "forked"), independent=True),
    Layer("core", ("core",)),
    Layer("base", ("errors", "safetext", "")),
)

ADAPTER_LIBRARIES = frozenset(
    {"httpx", "pygit2", "click", "subprocess", "requests", "socket", "sqlite3", "os", "signal"}
)
IO_LAYERS = ("app", "cache", "cli", "git", "rally", "hook_entry", "main")
CLOCK_CALLS = frozenset(
    {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time"),
     ("time", "monotonic"), ("os", "getenv")}
)  # fmt: skip


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    lazy: bool
    type_only: bool
    reason: bool
    """A comment on the import's line or the line above."""


@dataclass
class Package:
    root: Path
    name: str
    modules: dict[str, Path] = field(default_factory=dict)
    _imports: list[Import] | None = None

    @classmethod
    def scan(cls, root: Path) -> Package:
        pkg = cls(root, root.name)
        for path in sorted(root.rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            pkg.modules[".".join([pkg.name, *parts])] = path
        return pkg

    def relative(self, module: str) -> str:
        return module[len(self.name) + 1 :] if module != self.name else ""

    def resolve(self, module: str, name: str | None = None) -> str | None:
        """The module an import loads: ``from a.b import c`` is ``a.b.c`` when that is a module."""
        if name is not None and f"{module}.{name}" in self.modules:
            return f"{module}.{name}"
        return module if module in self.modules else None

    def imports(self) -> list[Import]:
        if self._imports is None:
            self._imports = [
                imp
                for module, path in self.modules.items()
                for imp in _imports_of(self, module, path)
            ]
        return self._imports


def _imports_of(pkg: Package, module: str, path: Path) -> Iterator[Import]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    is_package = path.name == "__init__.py"

    def commented(node: ast.stmt) -> bool:
        above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
        return above.startswith("#") or any(
            "#" in lines[n - 1] for n in range(node.lineno, (node.end_lineno or node.lineno) + 1)
        )

    def visit(node: ast.AST, lazy: bool, type_only: bool) -> Iterator[Import]:
        block_reason = False  # a comment above a run of imports explains the whole run
        previous: ast.AST | None = None
        for child in ast.iter_child_nodes(node):
            child_lazy = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            child_types = type_only or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            )
            if isinstance(child, ast.Import | ast.ImportFrom):
                in_run = isinstance(previous, ast.Import | ast.ImportFrom)
                block_reason = commented(child) or (in_run and block_reason)
                for target in _targets(pkg, module, is_package, child):
                    yield Import(module, target, child.lineno, lazy, type_only, block_reason)
            previous = child
            yield from visit(child, child_lazy, child_types)

    yield from visit(ast.parse(text), False, False)


def _targets(pkg: Package, module: str, is_package: bool, node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    if not base.startswith(pkg.name):
        return [base]
    found = {pkg.resolve(base, alias.name) for alias in node.names}
    return sorted(t for t in found if t is not None) or [base]


def layer_of(pkg: Package, module: str) -> tuple[int, Layer, str] | None:
    rel = pkg.relative(module)
    best: tuple[int, Layer, str] | None = None
    for index, layer in enumerate(LAYERS):
        for member in layer.members:
            inside = rel == member or (member and rel.startswith(member + "."))
            if inside and (best is None or len(member) > len(best[2])):
                best = (index, layer, member)
    return best


def feature_of(pkg: Package, module: str) -> tuple[str, str] | None:
    """``("locks", "rules")`` for ``<pkg>.features.locks.rules``; ``__init__`` for the package."""
    parts = pkg.relative(module).split(".")
    if len(parts) < 2 or parts[0] != "features":
        return None
    return parts[1], ".".join(parts[2:]) or "__init__"


def shared_of(pkg: Package, feature: str) -> frozenset[str]:
    init = pkg.modules.get(f"{pkg.name}.features.{feature}")
    if init is None:
        return frozenset()
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "SHARED" for t in node.targets
        ):
            return frozenset(ast.literal_eval(node.value))
    return frozenset()


def is_pure(pkg: Package, module: str) -> bool:
    rel = pkg.relative(module)
    if rel == "core" or rel.startswith(("core.", "bmad")):
        return True
    found = feature_of(pkg, module)
    if found is None:
        return False
    leaf = found[1].rsplit(".", 1)[-1]
    return not (leaf == "run" or leaf.startswith("run_"))


def _where(pkg: Package, imp: Import) -> str:
    return f"{pkg.modules[imp.source].relative_to(pkg.root.parent)}:{imp.line}"


def layer_violations(pkg: Package) -> list[str]:
    out = []
    for imp in pkg.imports():
        if not imp.target.startswith(pkg.name) or imp.target not in pkg.modules:
            continue
        src, dst = layer_of(pkg, imp.source), layer_of(pkg, imp.target)
        if src is None or dst is None:
            out.append(f"{_where(pkg, imp)}: {imp.target} is in no layer")
            continue
        if dst[0] < src[0]:
            out.append(
                f"{_where(pkg, imp)}: {src[1].name} layer imports {imp.target} "
                f"({dst[1].name} layer, above it)"
            )
        elif dst[0] == src[0] and src[1].independent and dst[2] != src[2]:
            out.append(f"{_where(pkg, imp)}: {src[2]} imports its sibling {imp.target}")
    return out


def feature_violations(pkg: Package) -> list[str]:
    out = []
    for imp in pkg.imports():
        src, dst = feature_of(pkg, imp.source), feature_of(pkg, imp.target)
        if src is None or dst is None or src[0] == dst[0]:
            continue
        if dst[1] not in shared_of(pkg, dst[0]):
            out.append(
                f"{_where(pkg, imp)}: feature {src[0]} imports {imp.target}, which feature "
                f"{dst[0]} does not declare in SHARED"
            )
    return out


def purity_violations(pkg: Package) -> list[str]:
    out = []
    for imp in pkg.imports():
        if not is_pure(pkg, imp.source):
            continue
        root = imp.target.split(".")[0]
        rel = pkg.relative(imp.target) if imp.target.startswith(pkg.name) else None
        io_module = rel is not None and (
            rel.split(".")[0] in IO_LAYERS
            or (rel.startswith("features.") and not is_pure(pkg, imp.target))
        )
        if root in ADAPTER_LIBRARIES or io_module:
            out.append(f"{_where(pkg, imp)}: pure module {imp.source} imports {imp.target}")
    for module, path in pkg.modules.items():
        if not is_pure(pkg, module):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            called = ast.unparse(node.func).split(".")
            if tuple(called[-2:]) in CLOCK_CALLS:
                where = path.relative_to(pkg.root.parent)
                call = ".".join(called[-2:])
                out.append(f"{where}:{node.lineno}: pure module {module} calls {call}()")
    return out


def cycles(pkg: Package) -> list[str]:
    graph = nx.DiGraph()
    for imp in pkg.imports():
        if imp.type_only or imp.target not in pkg.modules or imp.target == imp.source:
            continue
        graph.add_edge(imp.source, imp.target)
    out = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            cycle = nx.find_cycle(graph.subgraph(component))
            out.append(" -> ".join([cycle[0][0], *(b for _, b in cycle)]))
    return sorted(out)


def unexplained_lazy_imports(pkg: Package) -> list[str]:
    seen: set[tuple[str, int]] = set()
    out = []
    for imp in pkg.imports():
        if imp.lazy and not imp.type_only and not imp.reason and (imp.source, imp.line) not in seen:
            seen.add((imp.source, imp.line))
            out.append(f"{_where(pkg, imp)}: lazy import of {imp.target} without a reason")
    return out


CACHE_DOCUMENTS = (
    "meta.json", "epics.json", "index.json", "assignments.json", "dependencies.json",
    "workstreams.json", "events.jsonl",
)  # fmt: skip
"""The files of ``.bmad/rally-cache/`` (story files are found by folder, not by name)."""


def cache_document_names(pkg: Package) -> list[str]:
    out = []
    for module, path in pkg.modules.items():
        rel = pkg.relative(module)
        if rel == "cache" or rel.startswith("cache."):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):  # f-string parts are constants too
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and node.value.endswith(CACHE_DOCUMENTS)
            ):
                name = next(d for d in CACHE_DOCUMENTS if node.value.endswith(d))
                out.append(
                    f"{path.relative_to(pkg.root.parent)}:{node.lineno}: names the cache "
                    f"document {name} outside cache/ (use its module in cache/)"
                )
    return out


WSAPI_FIELDS = frozenset(
    {"_ref", "_refObjectName", "_refObjectUUID", "_type", "_objectVersion", "ObjectID",
     "ObjectUUID", "FormattedID", "Name", "Description", "Notes", "ScheduleState", "State",
     "Owner", "EmailAddress", "UserName", "DisplayName", "Disabled", "PortfolioItem", "Feature",
     "Parent", "Predecessors", "Successors", "Tasks", "Children", "Summary", "Count",
     "Iteration", "Release", "Project", "Workspace", "Subscription", "WorkProduct", "TaskIndex",
     "Estimate", "ToDo", "PlanEstimate", "DragAndDropRank", "Blocked", "BlockedReason",
     "VersionId", "CreationDate", "LastUpdateDate", "InProgressDate", "AcceptedDate",
     "Discussion", "Text", "PostNumber", "Artifact", "Artifacts", "Revision", "SCMRepository",
     "Changeset", "TypePath", "ElementName", "IDPrefix", "AttributeType", "Attributes",
     "Errors", "Warnings", "Results", "TotalResultCount", "StartIndex", "QueryResult",
     "CreateResult", "OperationResult", "Object"}
)  # fmt: skip
"""WSAPI's names for the fields pantheon reads, and its envelopes' (custom fields are
``c_...``)."""
_CUSTOM_FIELD = re.compile(r"^c_[A-Z]")
_READS = ("get", "pop", "setdefault")


def rally_field(name: str) -> bool:
    return name in WSAPI_FIELDS or _CUSTOM_FIELD.match(name) is not None


def _field_read(node: ast.AST) -> str | None:
    """The string literal a subscript or a ``.get()`` reads, if any."""
    key: ast.expr | None = None
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        key = node.slice
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
        key = node.args[0] if node.func.attr in _READS else None
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value
    return None


def raw_rally_reads(pkg: Package) -> list[str]:
    out = []
    for module, path in pkg.modules.items():
        rel = pkg.relative(module)
        if rel == "rally" or rel.startswith("rally."):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = _field_read(node)
            if name is not None and rally_field(name):
                where = path.relative_to(pkg.root.parent)
                out.append(
                    f"{where}:{getattr(node, 'lineno', 0)}: {module} reads the raw Rally field "
                    f"{name!r}: read it from a record (rally/records.py)"
                )
    return out


def all_violations(root: Path) -> dict[str, Sequence[str]]:
    pkg = Package.scan(root)
    return {
        "layers": layer_violations(pkg),
        "features": feature_violations(pkg),
        "purity": purity_violations(pkg),
        "cycles": cycles(pkg),
        "lazy imports": unexplained_lazy_imports(pkg),
        "cache documents": cache_document_names(pkg),
        "raw rally": raw_rally_reads(pkg),
    }
