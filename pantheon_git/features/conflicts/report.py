"""Text reports for ``pantheon conflicts``, from the same documents ``--json`` prints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pantheon_git.core.wording import first_of

RULE = "━" * 47
MAX_FILES = 10
GRID_MAX = 15


def render_branch(doc: Mapping[str, Any]) -> str:
    overlaps = doc["overlaps"]
    mb = (doc.get("merge_base") or "none")[:10]
    lines = [
        f"Conflict Check: {doc['branch']}",
        RULE,
        f"Story:   {doc['story']}",
        f"Base:    {doc['base']} (merge base {mb})",
        f"Changes: {_n(len(doc['files']), 'file')} · checked against "
        f"{_n(doc['stories_checked'], 'other story', 'other stories')}",
        "",
    ]
    own = (doc.get("drift") or {}).get(doc["story"])
    if own and own["status"] == "conflict":
        lines.append(
            f"⚠️  {doc['story']} itself does not merge cleanly onto {doc['base']}: "
            f"{_conflicts(own)}; merge or rebase {doc['base']} first"
        )
        lines.append("")
    if not overlaps:
        lines.append("✅ No other story branch changes the same files")
    else:
        lines.append(f"⚠️  Overlaps with {_n(len(overlaps), 'story', 'stories')}")
        for item in overlaps:
            lines += _overlap_lines(item)
    if doc.get("precise") and overlaps:
        lines += ["", f"Trial merges (story against story, both on {doc['base']}):"]
        for item in overlaps:
            lines.append(f"  {_trial_line(item['story'], item.get('trial_merge'))}")
    lines += _notes(doc)
    lines += ["", _next_step(doc)]
    return "\n".join(lines)


def _overlap_lines(item: Mapping[str, Any]) -> list[str]:
    where = item["branch"] or "no branch yet"
    # the holders come from the Rally cache: a lock taken since the last sync is not in it
    holder = f"held by {item['holder']}" if item.get("holder") else "no lock in the cache"
    out = [f"  {item['story']}  {where}  ({holder})"]
    paths = [(p, "") for p in item["files"]] + [(p, "  (declared)") for p in item["declared_files"]]
    for path, mark in paths[:MAX_FILES]:
        out.append(f"      {path}{mark}")
    if len(paths) > MAX_FILES:
        out.append(f"      … and {len(paths) - MAX_FILES} more (--json lists all)")
    return out


def _trial_line(story: str, outcome: Mapping[str, Any] | None) -> str:
    label = f"{story}: " if story else ""
    if outcome is None:
        return f"·  {label}only declared files overlap; nothing to merge"
    if outcome["status"] == "clean":
        return f"✅ {label}merges cleanly"
    if outcome["status"] == "conflict":
        return f"❌ {label}conflicts in {_conflicts(outcome)}"
    return f"⏭  {label}not judged: {outcome.get('reason') or outcome['status']}"


def _conflicts(outcome: Mapping[str, Any]) -> str:
    return first_of([f"{c['path']} ({c['kind']})" for c in outcome["conflicts"]], MAX_FILES)


def _next_step(doc: Mapping[str, Any]) -> str:
    overlaps = doc["overlaps"]
    if not overlaps:
        return "Next: push when ready."
    holders = sorted({o["holder"] for o in overlaps if o.get("holder")})
    talk = f"talk to {', '.join(holders)} before pushing" if holders else "coordinate first"
    if len(holders) < len(overlaps):
        talk += " (`pantheon sync` updates who holds them)"
    if not doc.get("precise"):
        return f"Next: {talk}; `pantheon conflicts --precise` shows which really conflict."
    return f"Next: {talk}."


def _notes(doc: Mapping[str, Any]) -> list[str]:
    notes = doc.get("notes") or []
    return ["", *(f"note: {n}" for n in notes)] if notes else []


# --- the matrix ----------------------------------------------------------------------------


def render_matrix(doc: Mapping[str, Any]) -> str:
    pairs = doc["pairs"]
    lines = [
        "Story Overlap Matrix",
        RULE,
        f"Base: {doc['base']} · {_n(len(doc['stories']), 'story branch', 'story branches')} · "
        f"{_n(len(pairs), 'overlapping pair')}",
        "",
    ]
    if not pairs:
        lines.append("✅ No two story branches change the same files")
        return "\n".join(lines + _notes(doc))
    involved = sorted({p[s] for p in pairs for s in ("a", "b")}, key=_story_order)
    if len(involved) <= GRID_MAX:
        lines += [*_grid(involved, pairs), ""]
    for pair in pairs:
        paths = pair["files"] + [f"{p} (declared)" for p in pair["declared_files"]]
        shown = ", ".join(paths[:3]) + (f" +{len(paths) - 3}" if len(paths) > 3 else "")
        held = [f"{k}: {h}" for k, h in (pair.get("holders") or {}).items() if h]
        who = f"  [{'; '.join(held)}]" if held else ""
        lines.append(f"  {pair['a']:<9} × {pair['b']:<9} {_n(len(paths), 'file'):>9}  {shown}{who}")
        if doc.get("precise"):
            lines.append(f"      {_trial_line('', pair.get('trial_merge'))}")
    drift = doc.get("drift") or {}
    stale = sorted((k for k, v in drift.items() if v["status"] == "conflict"), key=_story_order)
    if stale:
        lines += ["", f"Not merging cleanly onto {doc['base']}: {', '.join(stale)}"]
    lines += _notes(doc)
    lines += ["", "Next: `pantheon conflicts BRANCH` for one story's files and holders."]
    return "\n".join(lines)


def _grid(keys: Sequence[str], pairs: Sequence[Mapping[str, Any]]) -> list[str]:
    counts = {}
    for pair in pairs:
        n = len(pair["files"]) + len(pair["declared_files"])
        counts[(pair["a"], pair["b"])] = counts[(pair["b"], pair["a"])] = n
    width = max(len(k) for k in keys) + 1
    header = " " * (width + 2) + "".join(f"{k[-6:]:>7}" for k in keys)
    rows = [header]
    for a in keys:
        cells = "".join(f"{counts.get((a, b), '·') if a != b else '—':>7}" for b in keys)
        rows.append(f"  {a:<{width}}{cells}")
    return rows


def _story_order(key: str) -> tuple[str, int]:
    prefix, _, number = key.partition("-")
    return (prefix, int(number) if number.isdigit() else 0)


# --- the pre-push hook ---------------------------------------------------------------------


def render_prepush(doc: Mapping[str, Any]) -> list[str]:
    """A few lines for the hook's stderr."""
    if not doc["checked"]:
        return [f"pantheon: {doc['skipped']}"] if doc.get("skipped") else []
    report = doc["report"]
    overlaps = report["overlaps"]
    lines = []
    if overlaps:
        lines.append(
            f"pantheon: {report['story']} overlaps {_n(len(overlaps), 'story', 'stories')}:"
        )
        for item in overlaps:
            who = f" ({item['holder']})" if item.get("holder") else ""
            paths = item["files"] + [f"{p} (declared)" for p in item["declared_files"]]
            shown = ", ".join(paths[:5]) + (f" +{len(paths) - 5}" if len(paths) > 5 else "")
            line = f"  {item['story']}{who} {item['branch'] or '(no branch)'}: {shown}"
            trial = item.get("trial_merge")
            if report.get("precise"):
                line += f" [{_trial_line('', trial)}]"
            lines.append(line)
    if doc["decision"]["block"]:
        lines.append(f"pantheon: push blocked: {doc['decision']['reason']}")
        more = "" if report.get("precise") else " --precise"
        lines.append(f"  Run `pantheon conflicts{more}` for details.")
    return lines


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"
