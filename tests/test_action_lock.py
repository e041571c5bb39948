"""requirements/action.txt, the GitHub Action's pinned install, stays in step with
pyproject.toml (checked offline; `.ci/lock-action` regenerates it from PyPI).

- every dependency and build requirement of pyproject.toml is pinned there, at a version its
  specifier allows;
- everything pinned is needed: a direct requirement still in pyproject.toml, or required by
  another pinned package (pip-compile's `# via` lines);
- every pin has sha256 hashes (`pip install --require-hashes` refuses a pin without), and the
  file names no index or other source of its own.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "action.txt"
PYPROJECT = "pantheon-git (pyproject.toml)"
BUILD = "pantheon-git (pyproject.toml::build-system.requires)"
FIX = "run .ci/lock-action (it needs PyPI) and commit requirements/action.txt"


@dataclass
class Pin:
    name: str
    version: str
    hashes: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)


def pins(text: str) -> dict[str, Pin]:
    found: dict[str, Pin] = {}
    current: Pin | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            current = None  # a blank line ends a pin's block
            continue
        pin = re.match(r"^([A-Za-z0-9._-]+)==([^\s\\]+)", line)
        if pin:
            current = Pin(canonicalize_name(pin.group(1)), pin.group(2))
            found[current.name] = current
        elif current is not None and line.startswith("--hash=sha256:"):
            current.hashes.append(line.split(":", 1)[1].rstrip(" \\"))
        elif current is not None and line.startswith("#") and line.strip("# ") not in ("via", ""):
            current.via.append(line.lstrip("# ").removeprefix("via ").strip())
    return found


def requirements() -> tuple[list[Requirement], list[Requirement]]:
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = [Requirement(r) for r in doc["project"]["dependencies"]]
    build = [Requirement(r) for r in doc["build-system"]["requires"]]
    return runtime, build


@pytest.fixture(scope="module")
def lock() -> dict[str, Pin]:
    return pins(LOCK.read_text(encoding="utf-8"))


def test_every_requirement_is_pinned_within_its_range(lock: dict[str, Pin]) -> None:
    runtime, build = requirements()
    for req in [*runtime, *build]:
        pin = lock.get(canonicalize_name(req.name))
        assert pin is not None, f"{req} is not in requirements/action.txt: {FIX}"
        assert req.specifier.contains(pin.version, prereleases=True), (
            f"{req.name}=={pin.version} is outside {req}: {FIX}"
        )


def test_everything_pinned_is_still_needed(lock: dict[str, Pin]) -> None:
    runtime, build = requirements()
    direct = {canonicalize_name(r.name) for r in runtime}
    builders = {canonicalize_name(r.name) for r in build}
    for pin in lock.values():
        assert pin.via, f"{pin.name} says nothing about why it is pinned"
        for reason in pin.via:
            if reason == PYPROJECT:
                assert pin.name in direct, f"{pin.name} left pyproject.toml: {FIX}"
            elif reason == BUILD:
                assert pin.name in builders, f"{pin.name} left build-system.requires: {FIX}"
            else:
                assert canonicalize_name(reason) in lock, f"{pin.name} via {reason}: {FIX}"


def test_every_pin_is_hashed_and_the_file_names_no_source(lock: dict[str, Pin]) -> None:
    assert len(lock) >= 10
    for pin in lock.values():
        assert pin.hashes, f"{pin.name} has no hash"
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in pin.hashes), pin.name
    for raw in LOCK.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):  # a pin or its hash: no index, link or path
            assert re.match(
                r"^([A-Za-z0-9._-]+==\S+ \\|--hash=sha256:[0-9a-f]{64}( \\)?)$", line
            ), line


def test_the_checker_sees_a_dependency_missing_from_the_lock() -> None:
    """The check is live: a lock without httpx is caught."""
    text = LOCK.read_text(encoding="utf-8")
    without = re.sub(r"(?ms)^httpx==.*?(?=^\S)", "", text)
    assert "httpx==" not in without
    assert "httpx" not in pins(without)
    assert "httpx" in pins(text)
