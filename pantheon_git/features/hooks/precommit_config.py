"""The pantheon block of a ``.pre-commit-config.yaml``: written, appended, taken out again.

Pure text: the user's file is never re-serialised (that would lose their comments and
layout). Our block sits between two marker comments, so ``uninstall`` removes exactly it.
"""

from __future__ import annotations

import json
from typing import Any

STAGES = ("pre-commit", "commit-msg", "pre-push", "post-checkout")
HOOK_IDS = {
    "pre-commit": "pantheon-lock",
    "commit-msg": "pantheon-commit-msg",
    "pre-push": "pantheon-pre-push",
    "post-checkout": "pantheon-post-checkout",
}
BLOCK_START = "# >>> pantheon-git hooks (pantheon hooks install; pantheon hooks uninstall removes)"
BLOCK_END = "# <<< pantheon-git hooks"


def config_block(repo: str | None = None, rev: str | None = None) -> str:
    """Our part of ``.pre-commit-config.yaml``: a ``repos:`` item (two-space list indent)."""
    lines = [BLOCK_START]
    if repo:
        lines += [f"  - repo: {_yaml_str(repo)}", f"    rev: {_yaml_str(rev or 'HEAD')}"]
        lines += ["    hooks:"] + [f"      - id: {HOOK_IDS[s]}" for s in STAGES]
    else:
        lines += ["  - repo: local", "    hooks:"]
        for stage in STAGES:
            lines += [
                f"      - id: {HOOK_IDS[stage]}",
                f"        name: pantheon {stage}",
                f"        entry: pantheon hook {stage}",
                "        language: system",
                f"        stages: [{stage}]",
            ]
            if stage != "commit-msg":
                lines += ["        pass_filenames: false", "        always_run: true"]
            if stage in ("pre-push", "post-checkout"):  # their output is a notice: show it
                lines += ["        verbose: true"]
    lines.append(BLOCK_END)
    return "\n".join(lines) + "\n"


def _yaml_str(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML string


def new_config(block: str) -> str:
    return f"default_install_hook_types: [{', '.join(STAGES)}]\nrepos:\n{block}"


def add_block(text: str, block: str) -> str | None:
    """``text`` with ``block`` appended to its top-level ``repos:`` list, or ``None`` when
    that cannot be done by appending (``repos`` is not the last key, or is a flow list)."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.rstrip() == "repos:"]
    if len(starts) != 1:
        return None
    after = lines[starts[0] + 1 :]
    for line in after:
        if line and not line.startswith((" ", "#", "-")):
            return None  # another top-level key follows repos:
    items = [line for line in after if line.lstrip().startswith("- ")]
    delta = (len(items[0]) - len(items[0].lstrip()) if items else 2) - 2
    shifted = [
        (" " * delta + line if delta >= 0 else line[-delta:]) if line.startswith("  ") else line
        for line in block.splitlines()
    ]
    return text.rstrip("\n") + "\n" + "\n".join(shifted) + "\n"


def remove_block(text: str) -> str | None:
    """``text`` without our block, or ``None`` when it has none."""
    lines = text.splitlines(keepends=True)
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith(BLOCK_START))
        end = next(i for i, line in enumerate(lines) if i > start and line.startswith(BLOCK_END))
    except StopIteration:
        return None
    return "".join(lines[:start] + lines[end + 1 :])


def pinned_repo(text: str) -> bool:
    """Whether our block in ``text`` names a pantheon-git repository (``--repo``), not the
    local hooks."""
    inside = False
    for line in text.splitlines():
        if line.startswith(BLOCK_START):
            inside = True
        elif line.startswith(BLOCK_END):
            inside = False
        elif inside and line.strip().startswith("- repo:"):
            return line.split(":", 1)[1].strip() != "local"
    return False


def runs_pantheon(text: str, repos: list[Any]) -> bool:
    """Whether a pre-commit config already runs pantheon's hooks: our marked block, or a
    ``repos:`` item the team wrote by hand with the ids of ``.pre-commit-hooks.yaml``."""
    if remove_block(text) is not None:
        return True
    ids = set(HOOK_IDS.values())
    for item in repos:
        hooks = item.get("hooks") if isinstance(item, dict) else None
        for hook in hooks if isinstance(hooks, list) else ():
            if isinstance(hook, dict) and hook.get("id") in ids:
                return True
    return False
