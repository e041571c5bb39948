"""The demo backlog (the seed's Epic 17 "User Authentication" and Epic 18 "API Integration")."""

from __future__ import annotations

from importlib import resources
from typing import Any


def load_backlog() -> dict[str, Any]:
    """The demo backlog as plain data (see ``backlog.yaml`` for the format)."""
    import yaml

    text = resources.files(__package__).joinpath("backlog.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data
