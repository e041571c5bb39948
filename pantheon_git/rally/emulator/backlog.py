"""The demo backlog the emulator can be seeded with (``--seed demo``): the seed document's Epic 17
"User Authentication" and Epic 18 "API Integration" (``backlog.yaml`` describes the format)."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any


def load_backlog() -> dict[str, Any]:
    """The demo backlog as plain data."""
    import yaml  # only when seeding: the emulator's other paths never parse YAML

    text = resources.files(__package__).joinpath("backlog.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


@functools.cache
def demo_backlog() -> dict[str, Any]:
    """The demo backlog, parsed once per process (seeding only reads it)."""
    return load_backlog()
