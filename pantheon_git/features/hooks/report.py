"""The report of ``pantheon hooks install`` / ``uninstall`` (seed style)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RULE = "━" * 47
WHAT = {
    "pre-commit": "the branch's story must be locked by you",
    "commit-msg": "puts the story key in the message",
    "pre-push": "fresh lock check, lease renewal, overlaps",
    "post-checkout": "says who holds a story branch you switch to",
}


def render_hooks(doc: Mapping[str, Any]) -> str:
    if doc["action"] == "install":
        return _installed(doc)
    return _uninstalled(doc)


def _installed(doc: Mapping[str, Any]) -> str:
    where = doc["hooks_dir"]
    if doc["framework"] == "pre-commit":
        how = f"pre-commit ({doc['config_file']} {doc['config_change']}; shims in {where})"
    else:
        how = f"plain git hooks in {where}"
    lines = ["Git Hooks Installed", RULE, f"Framework:    {how}", "Hooks:"]
    changed = set(doc["written"])
    for stage, what in WHAT.items():
        state = "" if stage in changed else "  (already there)"
        lines.append(f"  {stage:<14} {what}{state}")
    for name in doc["kept_aside"]:
        lines.append(f"Kept aside:   {name} (your earlier hook)")
    for name in doc["removed"]:
        lines.append(f"Replaced:     {name} (pantheon's plain hook; pre-commit runs it now)")
    if doc.get("commit_graph"):
        graph = doc["commit_graph"]
        tip = "" if graph.startswith("not written") else "; keep it fresh: git maintenance start"
        lines.append(f"Commit-graph: {graph}{tip}")
    for note in doc["notes"]:
        lines.append(f"Note:         {note}")
    lines.append(f"Undo:         {doc['undo']}")
    return "\n".join(lines)


def _uninstalled(doc: Mapping[str, Any]) -> str:
    lines = ["Git Hooks Removed", RULE, f"Framework:    {doc['framework']}"]
    lines.append(f"Removed:      {', '.join(doc['removed']) or 'nothing of pantheon'}")
    if doc["restored"]:
        lines.append(f"Restored:     {', '.join(doc['restored'])} (your earlier hooks)")
    if doc.get("config_file"):
        lines.append(f"Config:       {doc['config_file']}: {doc['config_change']}")
    for note in doc["notes"]:
        lines.append(f"Note:         {note}")
    return "\n".join(lines)
