"""The short text a tool returns beside its document: what happened, and the next call.

Pure: a command's ``--json`` document (and its exit code) in, a few lines out. Clients that
show the model only the text (some do for errors) still get the decision-making facts: who
holds a refused story and which free stories to take instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Doc = Mapping[str, Any]
SHOWN = 8
"""Stories named per list before "+N more"."""


def summarize(tool: str, doc: Doc, exit_code: int = 0) -> str:
    writer = WRITERS.get(tool)
    return writer(doc) if writer else f"{tool}: done (exit {exit_code})."


def error_text(message: str, hint: str | None, tools: Sequence[str]) -> str:
    """A failed call in two lines: what is wrong, and the next step as the agent takes it."""
    lines = [f"error: {message}"]
    if hint:
        lines.append(as_tool_calls(hint, tools))
    return "\n".join(lines)


def as_tool_calls(hint: str, tools: Sequence[str]) -> str:
    """A hint names commands (`pantheon sync`); say which tool does the same here."""
    named = [t for t in dict.fromkeys(re.findall(r"`pantheon ([a-z]+)", hint)) if t in tools]
    if not named:
        return hint
    which = ", ".join(f"`{t}`" for t in named)
    return f"{hint} (As MCP tools: {which}.)"


def keys(items: Sequence[Any], limit: int = SHOWN) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    more = len(items) - limit
    return f"{shown}, +{more} more" if more > 0 else shown


def _count(n: int, noun: str) -> str:
    """``1 story``, ``2 stories``, ``3 files``."""
    if n == 1:
        return f"{n} {noun}"
    plural = noun[:-1] + "ies" if noun.endswith("y") and noun[-2:] != "ay" else noun + "s"
    return f"{n} {plural}"


# --- per tool ------------------------------------------------------------------------------


def sync(doc: Doc) -> str:
    changes = doc.get("changes", {})
    removed = changes.get("removed", [])
    where = " / ".join(str(x) for x in (doc.get("workspace"), doc.get("project")) if x)
    lines = [
        f"Synced ({doc.get('kind')}, {doc.get('selection')}) from {where or 'Rally'}: "
        f"{len(changes.get('new', []))} new, {len(changes.get('updated', []))} updated, "
        f"{len(removed)} removed, {changes.get('unchanged', 0)} unchanged."
    ]
    for epic in doc.get("epics", []):
        busy = epic.get("in_progress", [])
        held = [f"{s['key']} ({s['locked_by']})" for s in busy if s.get("locked_by")]
        line = (
            f"{_epic(epic)}: {len(epic.get('ready', []))} ready, {len(busy)} in progress, "
            f"{len(epic.get('completed', []))} completed."
        )
        if epic.get("ready"):
            line += f" Ready: {keys(epic['ready'])}."
        if held:
            line += f" Locked: {keys(held, 4)}."
        lines.append(line)
    lines += [f"Note: {n}" for n in doc.get("notes", [])]
    lines.append("Next: deps (waves), or checkout with an epic for the next free story.")
    return "\n".join(lines)


def status(doc: Doc) -> str:
    age = doc.get("age_seconds")
    head = "Cache never synced: call sync." if age is None else f"Cache synced {_age(age)} ago"
    if age is not None:
        head += ", stale: call sync before choosing work." if doc.get("stale") else "."
    if doc.get("mine"):
        head += f" Stories of {doc['mine']}."
    lines = [head]
    for epic in doc.get("epics", []):
        parts = []
        for column in ("ready", "locked", "in_progress", "review", "done"):
            stories = epic.get(column, [])
            if stories:
                names = [_holder(s) if column == "locked" else s["key"] for s in stories]
                parts.append(f"{column.replace('_', ' ')} {keys(names, 6)}")
        lines.append(f"{_epic(epic)}: " + ("; ".join(parts) or "no stories") + ".")
    for drift in doc.get("drift", []):
        lines.append(f"Drift: {drift.get('message')} (next: {drift.get('next')})")
    return "\n".join(lines)


def checkout(doc: Doc) -> str:
    if doc.get("locked"):
        story = f"{doc.get('story')} ({doc.get('title')})"
        if doc.get("outcome") == "renewed":
            head = f"Already yours: the lock on {story} is renewed until {doc.get('expires')}."
        else:
            head = f"Locked {story} until {doc.get('expires')}."
        lines = [head, f"State: {doc.get('previous_state')} → {doc.get('state')}."]
        if doc.get("branch_action") in ("created", "switched"):
            lines.append(f"Branch {doc.get('branch')} {doc.get('branch_action')}.")
        if doc.get("story_file"):
            lines.append(f"Story file: {doc.get('story_file')}.")
        lines.append(
            "Next: implement it on the story branch and commit (the hooks check the lock); "
            "then call complete (with coverage)."
        )
        return "\n".join(lines)
    return _refusal(doc)


def _refusal(doc: Doc) -> str:
    outcome = doc.get("outcome")
    story = doc.get("story")
    if outcome == "none_free":
        head = f"Nothing free to check out in epic {doc.get('epic')}: {doc.get('reason') or ''}"
    elif outcome == "lost":
        head = (
            f"Not locked: another checkout won the race for {story} ({doc.get('title')}); "
            f"{doc.get('locked_by')} holds it until {doc.get('expires')}."
        )
    else:
        head = (
            f"Not locked: {story} ({doc.get('title')}) is held by {doc.get('locked_by')} "
            f"until {doc.get('expires')}."
        )
    lines = [head.strip()]
    alternatives = doc.get("alternatives", [])
    if alternatives:
        lines.append("Free stories of similar size:")
        lines += [
            f"  {a['story']} - {a['title']} ({a.get('complexity')}, "
            f"{_count(a.get('tasks') or 0, 'task')})"
            for a in alternatives
        ]
        lines.append(f"Next: call checkout with story={alternatives[0]['story']}.")
    else:
        lines.append("Next: call status for the board, or checkout with an epic.")
    return "\n".join(lines)


_LEASE = {
    "released": "Released {story}: anyone may take it now.",
    "renewed": "Lock on {story} renewed until {expires}.",
    "retaken": "Your lock on {story} had expired; taken again until {expires}.",
    "not_locked": "{story} is not locked: nothing of yours to {verb}.",
    "already_expired": "The lock on {story} has already expired: anyone may take it.",
    "theirs": "{story} is held by {locked_by} until {expires}, not by you.",
    "lost": "Your lock on {story} had expired and {locked_by} took it.",
}


def lease(verb: str) -> Callable[[Doc], str]:
    def write(doc: Doc) -> str:
        template = _LEASE.get(str(doc.get("action")), "{story}: {action}.")
        text = template.format(**{**doc, "verb": verb})
        if verb == "renew" and not doc.get("locked") and doc.get("action") != "theirs":
            text += f" To work on it, call checkout with story={doc.get('story')}."
        return text

    return write


def batch(doc: Doc) -> str:
    taken = doc.get("taken", [])
    stories = doc.get("stories", [])
    head = f"Took {len(taken)} of {doc.get('wanted')} stories"
    lines = [f"{head}: {keys(taken)}." if taken else f"{head}."]
    others = [s for s in stories if not s.get("held")]
    for story in others[:SHOWN]:
        lines.append(f"  {story.get('story')}: {_batch_reason(story)}")
    if len(others) > SHOWN:
        lines.append(f"  +{len(others) - SHOWN} more (see stories)")
    if taken:
        lines.append(f"Next: call checkout with story={taken[0]} to start on it.")
    elif doc.get("unavailable") or others:
        lines.append("Next: call status for the board, or batch with other stories.")
    return "\n".join(lines)


def _batch_reason(story: Doc) -> str:
    outcome = story.get("outcome")
    if outcome in ("locked", "lost"):
        until = f" until {story.get('expires')}" if story.get("expires") else ""
        race = " (won the race just now)" if outcome == "lost" else ""
        return f"held by {story.get('holder') or 'someone else'}{until}{race}"
    if outcome == "blocked":
        return f"waits for {', '.join(story.get('waits_for') or [])}"
    if outcome == "in_review":
        return f"in Code Review (owner {story.get('owner') or 'unknown'})"
    return str(story.get("message") or str(outcome).replace("_", " "))


def deps(doc: Doc) -> str:
    stories = doc.get("stories", [])
    waves = doc.get("waves", [])
    lines = [
        f"{_count(len(stories), 'story')}: {_count(len(doc.get('edges', [])), 'dependency')}, "
        f"{_count(len(doc.get('conflicts', [])), 'conflict')}, {_count(len(waves), 'wave')}, "
        f"{len(doc.get('independent', []))} independent."
    ]
    for index, wave in enumerate(waves[:4], 1):
        lines.append(f"Wave {index}{' (can start now)' if index == 1 else ''}: {keys(wave)}.")
    if doc.get("independent"):
        lines.append(f"Independent (any time): {keys(doc['independent'])}.")
    for cycle in doc.get("cycles", []):
        lines.append(f"Cycle (blocks its stories): {' → '.join(cycle.get('loop', []))}.")
    lines.append("Saved: the dependencies resource. Next: plan, or checkout a wave-1 story.")
    return "\n".join(lines)


def deps_review(doc: Doc) -> str:
    proposed = doc.get("proposed", [])
    dismissed = doc.get("dismissed", [])
    left_out = (
        f"Left out: {_count(len(dismissed), 'pair')} the team dismissed as wrong "
        "(deps_dismiss with undo takes one back)."
        if dismissed
        else ""
    )
    files = [str(f.get("path")) for f in doc.get("dismissed_files", [])]
    if files:
        left_out += (
            f"{' ' if dismissed else ''}Not conflicts: {keys(files)} (files the team dismissed)."
        )
    declared = [f"{c.get('a')}:{c.get('b')}" for c in doc.get("declared_conflicts", [])]
    if declared:
        left_out += (
            f"{' ' if left_out else ''}Declared conflicts: {keys(declared)} "
            "(deps_conflict with undo takes one back)."
        )
    implied = doc.get("implied", [])
    ordered = (
        f"Already ordered by Rally's predecessors, through a chain: "
        f"{_count(len(implied), 'inferred dependency')} (nothing to write)."
        if implied
        else ""
    )
    if not proposed:
        head = "Rally has every dependency the analysis found: nothing to accept."
        return "\n".join(line for line in (head, ordered, left_out) if line)
    lines = [f"{_count(len(proposed), 'inferred dependency')} Rally does not have:"]
    for edge in proposed[:SHOWN]:
        lines.append(
            f"{edge.get('from')}:{edge.get('to')} ({edge.get('confidence')}, "
            f"{edge.get('kind')}): {edge.get('evidence') or ''}".rstrip(": ")
        )
    if len(proposed) > SHOWN:
        lines.append(f"+{len(proposed) - SHOWN} more in the document.")
    if ordered:
        lines.append(ordered)
    if left_out:
        lines.append(left_out)
    lines.append(
        'Next: deps_accept {"pairs": [...]} with the ones the evidence shows; deps_dismiss '
        "the wrong ones."
    )
    return "\n".join(lines)


def deps_accept(doc: Doc, tool: str = "deps_accept") -> str:
    written = doc.get("predecessors", [])
    by_status: dict[str, list[str]] = {}
    for item in written:
        by_status.setdefault(str(item.get("status")), []).append(
            f"{item.get('from')}:{item.get('to')}"
        )
    implied = by_status.pop("implied by Rally", [])
    verb = "Dry run, nothing written" if doc.get("dry_run") else "Rally predecessors"
    parts = [f"{status} {', '.join(pairs)}" for status, pairs in by_status.items()]
    lines = [f"{verb}: {'; '.join(parts) if parts else 'none chosen'}."]
    if implied:
        lines.append(
            f"{len(implied)} already ordered by Rally's predecessors: not written "
            "(deps_review shows the chains)."
        )
    overrules = [f"{e.get('from')}:{e.get('to')}" for e in doc.get("overrules", [])]
    if overrules:
        lines.append(
            f"{'Would overrule' if doc.get('dry_run') else 'Overrules'} the inferred "
            f"{', '.join(overrules)} (Rally's order puts them the other way)."
        )
    if doc.get("cache_updated"):
        lines.append("The local cache has them: deps shows them as Rally's.")
    elif "failed" in by_status:
        lines.append(f"Fix the cause the document gives, then call {tool} again.")
    return "\n".join(lines)


def deps_link(doc: Doc) -> str:
    lines = [deps_accept(doc, "deps_link")]
    failed = any(w.get("status") == "failed" for w in doc.get("predecessors", []))
    if doc.get("dry_run") and not failed:
        lines.append("Next: the same deps_link call without dry_run writes them.")
    elif not failed:
        lines.append("Next: deps shows the waves with them.")
    return "\n".join(lines)


def deps_conflict(doc: Doc) -> str:
    by_status: dict[str, list[str]] = {}
    for item in doc.get("conflicts", []):
        file = f" ({item.get('file')})" if item.get("file") else ""
        by_status.setdefault(str(item.get("status")), []).append(
            f"{item.get('a')}:{item.get('b')}{file}"
        )
    head = "Dry run, nothing written" if doc.get("dry_run") else f"In {doc.get('file')}"
    parts = [f"{status} {', '.join(pairs)}" for status, pairs in by_status.items()]
    lines = [f"{head}: {'; '.join(parts) if parts else 'no pair'}."]
    found = [f"{c.get('a')}:{c.get('b')}" for c in doc.get("conflicts", []) if c.get("found")]
    if found and not doc.get("undo"):
        lines.append(f"The analysis finds these itself (it keeps its own): {', '.join(found)}.")
    if doc.get("dry_run"):
        lines.append("Next: the same deps_conflict call without dry_run records them.")
    elif doc.get("written"):
        lines.append(f"Next: commit {doc.get('file')}; plan keeps the stories apart.")
    return "\n".join(lines)


def deps_dismiss(doc: Doc) -> str:
    by_status: dict[str, list[str]] = {}
    for item in doc.get("pairs", []):
        by_status.setdefault(str(item.get("status")), []).append(
            f"{item.get('from')}:{item.get('to')}"
        )
    for item in doc.get("files", []):
        by_status.setdefault(str(item.get("status")), []).append(str(item.get("path")))
    head = "Dry run, nothing written" if doc.get("dry_run") else f"In {doc.get('file')}"
    parts = [f"{status} {', '.join(pairs)}" for status, pairs in by_status.items()]
    lines = [f"{head}: {'; '.join(parts) if parts else 'no pair'}."]
    unshared = [str(f.get("path")) for f in doc.get("files", []) if not f.get("conflicts")]
    if unshared and not doc.get("undo"):
        lines.append(
            f"No conflict names it now (kept out if two stories come to share it): "
            f"{', '.join(unshared)}."
        )
    new = [p for p in doc.get("pairs", []) if not p.get("inferred")]
    if new and not doc.get("undo"):
        lines.append(
            f"Not inferred now (kept out if the texts come to suggest it): "
            f"{', '.join(str(p.get('from')) + ':' + str(p.get('to')) for p in new)}."
        )
    if doc.get("dry_run"):
        lines.append("Next: the same deps_dismiss call without dry_run records them.")
    elif doc.get("written"):
        lines.append(f"Next: commit {doc.get('file')}; deps shows the waves without them.")
    return "\n".join(lines)


def plan(doc: Doc) -> str:
    lanes = doc.get("lanes", [])
    placed = sum(len(lane.get("stories", [])) for lane in lanes)
    lines = [
        f"{_count(len(lanes), 'lane')} for {_count(placed, 'story')}: "
        f"{doc.get('makespan')} h (lower bound {doc.get('lower_bound')} h, sequential "
        f"{doc.get('sequential')} h, speedup {doc.get('speedup')}x), lane balance σ "
        f"{doc.get('balance_sigma_pct')}%."
    ]
    for lane in lanes:
        if lane.get("stories"):
            who = f" ({lane['developer']})" if lane.get("developer") else ""
            path = " → ".join(s["key"] for s in lane["stories"][:SHOWN])
            more = len(lane["stories"]) - SHOWN
            tail = f" → +{more} more" if more > 0 else ""
            lead = "critical path" if lane.get("critical_path") else f"{lane.get('hours')} h"
            lines.append(f"Lane {lane.get('lane')}{who}, {lead}: {path}{tail}.")
    if doc.get("idle_lanes"):
        lines.append(f"Idle lanes: {keys(doc['idle_lanes'])}.")
    lines.append("Saved: the workstreams resource. Next: checkout the first story of a lane.")
    return "\n".join(lines)


def conflicts(doc: Doc) -> str:
    if "pairs" in doc:
        pairs = doc.get("pairs", [])
        lines = [f"{_count(len(pairs), 'overlapping pair')} of story branches."]
        lines += [f"{p['a']} & {p['b']}: {keys(p.get('files', []), 4)}" for p in pairs[:SHOWN]]
        return "\n".join(lines + [f"Note: {n}" for n in doc.get("notes", [])])
    overlaps = doc.get("overlaps", [])
    head = (
        f"{doc.get('branch')} ({doc.get('story')}) changes "
        f"{_count(len(doc.get('files', [])), 'file')}; "
    )
    if not overlaps:
        lines = [head + f"no overlap with the {doc.get('stories_checked')} other stories."]
    else:
        lines = [head + f"{_count(len(overlaps), 'story')} overlap:"]
        for o in overlaps[:SHOWN]:
            who = f" (held by {o['holder']})" if o.get("holder") else ""
            files = o.get("files") or o.get("declared_files") or []
            lines.append(f"  {o['story']}{who}: {keys(files, 4)}")
    return "\n".join(lines + [f"Note: {n}" for n in doc.get("notes", [])])


def complete(doc: Doc) -> str:
    verdict = doc.get("verdict")
    story = f"{doc.get('story')} ({doc.get('title')})"
    if verdict in ("locked-by-other", "not-locked", "not-found"):
        return f"Not completed: {doc.get('message')}"
    if verdict == "stale":
        return f"{story}: {doc.get('message')} Nothing written."
    parts = [f"commit {str(doc.get('sha'))[:7]}"]
    if doc.get("coverage") is not None:
        parts.append(f"coverage {doc['coverage']:.1f}%")
    if doc.get("lock_released"):
        parts.append(f"lock of {doc['lock_released']} released")
    if doc.get("note"):
        parts.append(f"discussion note {doc['note']}")
    if verdict == "unchanged":
        return f"{story} is already in {doc.get('after')}: Rally held all of this."
    return (
        f"{story}: {doc.get('before')} → {doc.get('after')}; "
        + ", ".join(parts)
        + ". Next: open the pull request; a merge completes it."
    )


def metrics(doc: Doc) -> str:
    lines = [
        f"{doc.get('on_target')} on target, {doc.get('missed')} missed, "
        f"{doc.get('unknown')} not known."
    ]
    for m in doc.get("metrics", []):
        unit = "" if m.get("unit") == "%" else " "
        value = "not known" if m.get("value") is None else f"{m['value']}{unit}{m.get('unit')}"
        lines.append(f"{m.get('name')}: {value} (target {m.get('target')}, {m.get('status')})")
    return "\n".join(lines)


def doctor(doc: Doc) -> str:
    checks = doc.get("checks", [])
    failed = [c for c in checks if not c.get("passed")]
    if not failed:
        return f"All {len(checks)} checks pass."
    lines = [f"{len(failed)} of {len(checks)} checks need attention:"]
    for c in failed:
        fix = f" Fix: {c['fix']}" if c.get("fix") else ""
        lines.append(f"  {c.get('title')}: {c.get('detail')}.{fix}")
    return "\n".join(lines)


def migrate(doc: Doc) -> str:
    stories = doc.get("stories", [])
    actions: dict[str, int] = {}
    for s in stories:
        actions[s.get("action", "")] = actions.get(s.get("action", ""), 0) + 1
    counts = ", ".join(f"{n} {a}" for a, n in sorted(actions.items())) or "no stories"
    lines = [f"{'Dry run' if doc.get('dry_run') else 'Migrated'} to {doc.get('epic')}: {counts}."]
    for s in stories:
        if s.get("action") == "failed":
            lines.append(f"  {s.get('path')}: {s.get('error')}")
    lines += [f"  {e['path']}: {e['message']}" for e in doc.get("errors", [])]
    if doc.get("skipped"):
        lines.append(f"Skipped {_count(len(doc['skipped']), 'file')} (not BMAD stories).")
    if doc.get("dry_run"):
        lines.append("Nothing was changed. Next: call migrate again with apply: true.")
    elif doc.get("run"):
        lines.append(f"Run {doc['run']}: undo with `pantheon migrate rollback {doc['run']}`.")
    return "\n".join(lines)


# --- helpers -------------------------------------------------------------------------------


def _epic(epic: Doc) -> str:
    return f"{epic.get('id') or 'No epic'} {epic.get('title') or ''}".strip()


def _holder(story: Doc) -> str:
    return f"{story['key']} ({story.get('locked_by')})"


def _age(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


WRITERS: Mapping[str, Callable[[Doc], str]] = {
    "sync": sync,
    "status": status,
    "checkout": checkout,
    "release": lease("release"),
    "renew": lease("renew"),
    "batch": batch,
    "deps": deps,
    "deps_review": deps_review,
    "deps_accept": deps_accept,
    "deps_link": deps_link,
    "deps_dismiss": deps_dismiss,
    "deps_conflict": deps_conflict,
    "plan": plan,
    "conflicts": conflicts,
    "complete": complete,
    "metrics": metrics,
    "doctor": doctor,
    "migrate": migrate,
}
