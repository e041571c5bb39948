"""The package keeps its import contracts (``tests/support/architecture.py`` states them), and the
checker catches each kind of violation in a small package made for the purpose."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import pytest

import pantheon_git
from tests.support.architecture import Package, all_violations, is_pure

PACKAGE = Path(pantheon_git.__file__).parent


@functools.cache
def violations() -> dict[str, Sequence[str]]:
    return all_violations(PACKAGE)


@pytest.mark.parametrize(
    "rule",
    ["layers", "features", "purity", "cycles", "lazy imports", "cache documents", "raw rally"],
)
def test_the_package_keeps_its_import_contracts(rule: str) -> None:
    assert violations()[rule] == []


def test_every_module_is_in_a_layer_and_every_feature_has_a_pure_part() -> None:
    pkg = Package.scan(PACKAGE)
    features = {m.split(".")[2] for m in pkg.modules if m.startswith("pantheon_git.features.")}
    assert {"locks", "checkout", "sync", "hooks", "ci", "deps", "plan"} <= features
    for feature in features:
        prefix = f"pantheon_git.features.{feature}."
        assert any(is_pure(pkg, m) for m in pkg.modules if m.startswith(prefix)), feature


def build(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for rel, text in {**SKELETON, **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


SKELETON = {
    "__init__.py": "",
    "errors.py": "",
    "core/__init__.py": "",
    "core/keys.py": "",
    "rally/__init__.py": "",
    "rally/client.py": "",
    "cache/store.py": "",
    "git/__init__.py": "",
    "git/command.py": "",
    "cache/__init__.py": "",
    "cache/dependencies.py": 'NAME = "dependencies.json"\n',
    "features/__init__.py": "",
    "features/locks/__init__.py": 'SHARED = ("rules",)\n',
    "features/locks/rules.py": "",
    "features/locks/run.py": "",
    "features/checkout/__init__.py": "",
    "features/checkout/run.py": "from pkg.features.locks import rules\n",
}


def test_a_clean_package_passes(tmp_path: Path) -> None:
    assert all(not found for found in all_violations(build(tmp_path, {})).values())


@pytest.mark.parametrize(
    ("rule", "files", "expected"),
    [
        ("layers", {"git/command.py": "from pkg.features.locks import run\n"}, "adapters layer"),
        ("layers", {"rally/client.py": "from pkg.git import command\n"}, "sibling"),
        (
            "features",
            {"features/checkout/run.py": "from pkg.features.locks import run\n"},
            "does not declare in SHARED",
        ),
        ("purity", {"features/locks/rules.py": "import httpx\n"}, "pure module"),
        ("purity", {"core/keys.py": "import subprocess\n"}, "pure module"),
        ("purity", {"features/locks/rules.py": "from pkg.features.locks import run\n"}, "pure"),
        (
            "purity",
            {"features/locks/rules.py": "import datetime\nx = datetime.datetime.now()\n"},
            "calls datetime.now()",
        ),
        (
            "cycles",
            {
                "git/command.py": "def f():\n    # lazy: a reason\n    from pkg.git import other\n",
                "git/other.py": "from pkg.git import command\n",
            },
            "pkg.git.",
        ),
        (
            "lazy imports",
            {"features/locks/run.py": "def f():\n    from pkg.core import keys\n"},
            "without a reason",
        ),
        (
            "cache documents",
            {"features/locks/run.py": 'PATH = ".bmad/rally-cache/assignments.json"\n'},
            "names the cache document assignments.json outside cache/",
        ),
        (
            "cache documents",
            {"features/checkout/run.py": 'def f(n):\n    return f"epic-{n}-dependencies.json"\n'},
            "features/checkout/run.py:2: names the cache document dependencies.json",
        ),
        ("raw rally", {"features/locks/run.py": "def f(item):\n    return item['_ref']\n"}, "_ref"),
        (
            "raw rally",
            {"features/checkout/run.py": "def f(raw):\n    return raw.get('ScheduleState')\n"},
            "reads the raw Rally field 'ScheduleState'",
        ),
        ("raw rally", {"cache/store.py": "def f(raw):\n    return raw['c_LockedBy']\n"}, "c_"),
    ],
)
def test_the_checker_reports_a_violation(
    tmp_path: Path, rule: str, files: dict[str, str], expected: str
) -> None:
    found = all_violations(build(tmp_path, files))
    assert any(expected in line for line in found[rule]), found
    assert all(not v for k, v in found.items() if k != rule), found


def test_cache_documents_may_be_named_in_docstrings_and_help_text(tmp_path: Path) -> None:
    files = {
        "features/locks/run.py": (
            '"""Reads ``assignments.json``."""\n'
            'HELP = "Saves .bmad/rally-cache/dependencies.json. See docs/cache.md."\n'
        ),
    }
    assert all_violations(build(tmp_path, files))["cache documents"] == []


def test_rally_may_read_raw_items_and_others_may_write_bodies(tmp_path: Path) -> None:
    files = {
        "rally/records.py": "def f(raw):\n    return raw['_ref'], raw.get('FormattedID')\n",
        "rally/emulator/store.py": "def f(obj):\n    return obj['ObjectID']\n",
        "features/checkout/run.py": (
            "def f(record, fields):\n"
            "    fields['ScheduleState'] = 'Defined'\n"  # a write body, not a read
            "    return record.ref, fields, {'Name': 'x'}, record.get('name')\n"
        ),
    }
    assert all_violations(build(tmp_path, files))["raw rally"] == []


def test_a_lazy_import_with_a_reason_and_a_type_only_import_pass(tmp_path: Path) -> None:
    files = {
        "features/locks/run.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from pkg.features.checkout import run\n"
            "def f():\n    # lazy: only on the slow path\n    from pkg.core import keys\n"
            "    from pkg.rally import client\n"
        ),
    }
    found = all_violations(build(tmp_path, files))
    assert found["lazy imports"] == []
    assert found["cycles"] == []
