"""The settings a hook needs, without parsing YAML on every commit.

``config.load_config`` is the one loader (file, environment, defaults, checks); it imports
PyYAML and builds the frozen ``Config`` (~40 ms together). The hooks keep the few settings they
read in ``<git dir>/pantheon/hook-settings.json``, keyed by the config file's path, size and
modification time, the ``PANTHEON_*`` environment (as a checksum: values are not stored) and
the package version. Any change to one of them reloads through ``load_config``; deleting the
file is always safe.
"""

from __future__ import annotations

import json
import os
import zlib

from pantheon_git import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from pantheon_git.git.gitdir import Repo

FORMAT = 1
CONFIG_PARTS = ("_bmad", "pantheon", "config.yaml")
FILE_NAME = "hook-settings.json"
KEYS = frozenset(
    {
        "rally_enabled",
        "branch_pattern",
        "protected_branches",
        "require_story_branch",
        "offline",
        "commit_msg",
        "conflicts",
        "lock_check_ttl",
        "hook_timeout",
        "hook_budget",
        "identities",
        "user",
    }
)


def config_path(cwd: str, environ: Mapping[str, str]) -> str | None:
    """The file ``load_config`` reads: ``PANTHEON_CONFIG``, else the nearest
    ``_bmad/pantheon/config.yaml`` at or above ``cwd``."""
    if environ.get("PANTHEON_CONFIG"):
        return os.path.abspath(environ["PANTHEON_CONFIG"])
    folder = os.path.abspath(cwd)
    while True:
        candidate = os.path.join(folder, *CONFIG_PARTS)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def cache_key(path: str | None, environ: Mapping[str, str]) -> list[Any]:
    stamp: list[Any] = [path, None, None]
    if path is not None:
        try:
            info = os.stat(path)
            stamp = [path, info.st_size, info.st_mtime_ns]
        except OSError:
            pass
    pantheon_env = sorted((k, v) for k, v in environ.items() if k.startswith("PANTHEON_"))
    checksum = zlib.crc32(json.dumps(pantheon_env).encode("utf-8", "surrogateescape"))
    return [FORMAT, __version__, stamp, checksum]


def load(repo: Repo, cwd: str, environ: Mapping[str, str]) -> dict[str, Any]:
    """The hook settings, from the cache file when its key still matches."""
    path = config_path(cwd, environ)
    key = cache_key(path, environ)
    cache_file = os.path.join(repo.git_dir, "pantheon", FILE_NAME)
    try:
        with open(cache_file, encoding="utf-8") as handle:
            doc = json.load(handle)
        settings = doc.get("settings") if isinstance(doc, dict) else None
        if isinstance(settings, dict) and doc.get("key") == key and settings.keys() >= KEYS:
            return settings
    except (OSError, ValueError):
        pass
    settings = _from_config(cwd, environ)
    _store(cache_file, {"key": key, "settings": settings})
    return settings


def _from_config(cwd: str, environ: Mapping[str, str]) -> dict[str, Any]:
    # lazy: the YAML config is parsed only when the cached settings are stale
    from pathlib import Path

    from pantheon_git.config import load_config

    config = load_config(cwd=Path(cwd), environ=environ)
    settings: dict[str, Any] = {}
    for name in KEYS:
        value = getattr(config, name)
        if isinstance(value, tuple):
            value = list(value)
        elif hasattr(value, "items"):
            value = dict(value)
        settings[name] = value
    return settings


def _store(path: str, doc: dict[str, Any]) -> None:
    """Best effort: a read-only git dir only costs the next hook a YAML parse."""
    temp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temp, "w", encoding="utf-8") as handle:
            json.dump(doc, handle)
        os.replace(temp, path)
    except OSError:
        # lazy: only when writing the settings cache failed
        import contextlib

        with contextlib.suppress(OSError):
            os.unlink(temp)
