"""Pure modules (core/, bmad/, and every module of a feature folder but ``run.py`` and
``run_*.py``) import no adapter library and read no clock or environment."""

from __future__ import annotations

import ast
from pathlib import Path

import pantheon_git

PACKAGE = Path(pantheon_git.__file__).parent
FORBIDDEN_MODULES = {"httpx", "pygit2", "click", "subprocess", "requests", "socket", "sqlite3"}
FORBIDDEN_PACKAGES = (
    "pantheon_git.app",
    "pantheon_git.cache",
    "pantheon_git.cli",
    "pantheon_git.git",
    "pantheon_git.rally",
)
FORBIDDEN_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("date", "today"),
    ("time", "time"),
    ("os", "getenv"),
}


def is_io_module(path: Path) -> bool:
    return path.stem == "run" or path.stem.startswith("run_")


def domain_files() -> list[Path]:
    pure = [*(PACKAGE / "core").rglob("*.py"), *(PACKAGE / "bmad").rglob("*.py")]
    pure += [p for p in (PACKAGE / "features").rglob("*.py") if not is_io_module(p)]
    return sorted(pure)


def imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_exists() -> None:
    assert len(domain_files()) >= 3


def test_domain_imports_no_adapter_library() -> None:
    offenders = []
    for path in domain_files():
        tree = ast.parse(path.read_text())
        for name in imported_modules(tree):
            root = name.split(".")[0]
            io_feature = name.startswith("pantheon_git.features.") and is_io_module(
                Path(name.replace(".", "/"))
            )
            forbidden = root in FORBIDDEN_MODULES or name.startswith(FORBIDDEN_PACKAGES)
            # The typed Rally boundary will move FieldNames out of rally/; until then:
            allowed = (path.name, name) == ("rules.py", "pantheon_git.rally.mapping")
            if (forbidden or io_feature or name == "os") and not allowed:
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def test_domain_reads_no_clock() -> None:
    offenders = []
    for path in domain_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and (node.func.value.id, node.func.attr) in FORBIDDEN_CALLS
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_checker_catches_a_violation(tmp_path: Path) -> None:
    tree = ast.parse("import httpx\nfrom pantheon_git.git import command\n")
    assert {"httpx", "pantheon_git.git"} <= imported_modules(tree)
