"""``pantheon conflicts`` and the pre-push conflict check: overlaps between story branches.

Imported by the pre-push hook: git CLI only, no click, httpx, networkx or pygit2 (a test holds
this module to it). Commands outside the hook let the scan use pygit2 for merge bases when
many branches need one (``git/mergebases.py``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pantheon_git.cache import assignments as cached_assignments
from pantheon_git.cache import dependencies as cached_graph
from pantheon_git.cache import stories as story_files
from pantheon_git.core.keys import StoryKey, branch_story_key
from pantheon_git.core.wording import printable_all
from pantheon_git.errors import PantheonError, UsageError
from pantheon_git.features.conflicts.merges import Trials
from pantheon_git.features.conflicts.overlap import (
    Overlap,
    PairOverlap,
    StoryFiles,
    overlap_matrix,
    overlaps_with,
)
from pantheon_git.features.conflicts.policy import Decision, decide, policy_mode
from pantheon_git.features.conflicts.run_trial import trial_merges
from pantheon_git.features.locks import claims as claims_mod
from pantheon_git.git import command as git
from pantheon_git.git.mergebases import IN_PROCESS_FROM
from pantheon_git.git.refs import HEADS, REMOTES, short_name
from pantheon_git.git.scan import BranchChanges, Scanner, is_object_id

if TYPE_CHECKING:
    from pantheon_git.app import App

NULL_SHA = "0" * 40


@dataclass(frozen=True)
class Context:
    """What the Rally cache says about other stories: holders and declared files."""

    holders: Mapping[StoryKey, str] = field(default_factory=dict)
    declared: Mapping[StoryKey, frozenset[str]] = field(default_factory=dict)


def load_context(app: App, now: datetime) -> Context:
    """Holders from ``assignments.json`` (else the cached stories' locks) and the files that
    locked stories declare in the dependency graph. A document this version did not write
    stops the check (exit 3; the pre-push hook reports it and lets the push go on)."""
    cache = app.cache
    claims: dict[StoryKey, claims_mod.Claim] = {}
    held = cached_assignments.read(cache)
    if held is not None:
        claims = {
            key: claims_mod.Claim(key, a.holder, a.expires, a.branch)
            for key, a in held.locks.items()
        }
    elif cache.dir.is_dir():
        for story in story_files.load(cache):
            if story.lock:
                lock = story.lock
                claims[story.key] = claims_mod.Claim(
                    story.key, lock.holder, lock.expires, lock.branch
                )
    declared: dict[StoryKey, frozenset[str]] = {}
    graph = cached_graph.read(cache)
    if graph is not None:
        active = {k for k, c in claims.items() if c.active(now)}
        for row in graph.stories:
            paths = frozenset(f.strip().lstrip("/") for f in row.files) - {""}
            if row.key in active and paths:
                declared[row.key] = paths
    return Context(claims_mod.holders(claims, now), declared)


# --- one branch ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BranchReport:
    branch: str
    key: StoryKey
    tip: str
    base: str
    base_tip: str
    merge_base: str | None
    files: tuple[str, ...]
    stories_checked: int
    overlaps: list[Overlap]
    trials: Trials | None
    notes: tuple[str, ...]
    stats: dict[str, object]

    def to_dict(self) -> dict[str, Any]:
        return {
            "branch": self.branch,
            "story": str(self.key),
            "tip": self.tip,
            "base": self.base,
            "base_tip": self.base_tip,
            "merge_base": self.merge_base,
            "files": printable_all(self.files),
            "stories_checked": self.stories_checked,
            "overlaps": [{**o.to_dict(), **self._trial_of(o.story)} for o in self.overlaps],
            "precise": self.trials is not None,
            "drift": self._drift(),
            "notes": list(self.notes),
            "stats": self.stats,
        }

    def _trial_of(self, other: StoryKey) -> dict[str, Any]:
        if self.trials is None:
            return {}
        outcome = self.trials.pair(self.key, other)
        return {"trial_merge": outcome.to_dict() if outcome else None}

    def _drift(self) -> dict[str, Any] | None:
        if self.trials is None:
            return None
        return {str(k): v.to_dict() for k, v in sorted(self.trials.drift.items())}


def check_branch(
    app: App,
    branch: str | None = None,
    *,
    commit: str | None = None,
    precise: bool | None = None,
    deadline: float | None = None,
    hook: bool = False,
) -> BranchReport:
    """Overlaps of one story branch with every other story (branches and declared files).

    ``branch``: a branch name, a full ref, or a story key; default the current branch.
    ``commit``: check this commit as the branch's content (what pre-push is about to push).
    ``hook``: run by a git hook, whose start-up must not grow (git alone, no pygit2).
    """
    started = time.perf_counter()
    scanner = _scanner(app, deadline, hook=hook)
    ref, key = _resolve_target(app, scanner, branch, commit=commit)
    tip = commit or scanner.table.refs[ref]
    if not is_object_id(tip):
        raise UsageError(f"not a full commit id: {tip!r}")
    scan = scanner.scan([tip])
    merge_base, changed = scan.commits[tip]
    context = load_context(app, app.now())
    target = StoryFiles(key, changed, frozenset(), short_name(ref))
    # Only stories sharing a path can overlap: the rest are counted, not built.
    others = _story_files(scan.stories, context, exclude=key, touching=changed)
    checked = len(scan.stories) - (key in scan.stories)
    checked += len([k for k in context.declared if k != key and k not in scan.stories])
    overlaps = overlaps_with(target, others, context.holders)
    trials = None
    if _precise(app, precise):
        pairs = [(key, o.story) for o in overlaps if o.files]
        tips = {key: tip, **{o.story: scan.stories[o.story].tip for o in overlaps if o.files}}
        trials = _trials(scanner, tips, pairs)
    scanner.save(also_live=[tip])
    notes = list(scanner.notes)
    if merge_base is None:
        notes.append(f"{short_name(ref)} shares no history with {scan.base.short}")
    stats = scanner.stats.to_dict()
    stats["seconds"] = round(time.perf_counter() - started, 4)
    return BranchReport(
        branch=short_name(ref),
        key=key,
        tip=tip,
        base=scan.base.short,
        base_tip=scan.base.tip,
        merge_base=merge_base,
        files=tuple(sorted(changed)),
        stories_checked=checked,
        overlaps=overlaps,
        trials=trials,
        notes=tuple(notes),
        stats=stats,
    )


# --- all branches --------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixReport:
    base: str
    base_tip: str
    stories: list[dict[str, Any]]
    pairs: list[PairOverlap]
    holders: Mapping[StoryKey, str]
    trials: Trials | None
    notes: tuple[str, ...]
    stats: dict[str, object]

    def to_dict(self) -> dict[str, Any]:
        def pair_doc(p: PairOverlap) -> dict[str, Any]:
            doc = p.to_dict()
            doc["holders"] = {str(k): self.holders.get(k) for k in p.pair}
            if self.trials is not None:
                outcome = self.trials.pair(p.a, p.b)
                doc["trial_merge"] = outcome.to_dict() if outcome else None
            return doc

        return {
            "base": self.base,
            "base_tip": self.base_tip,
            "stories": self.stories,
            "pairs": [pair_doc(p) for p in self.pairs],
            "precise": self.trials is not None,
            "drift": (
                {str(k): v.to_dict() for k, v in sorted(self.trials.drift.items())}
                if self.trials
                else None
            ),
            "notes": list(self.notes),
            "stats": self.stats,
        }


def check_all(
    app: App, *, precise: bool | None = None, deadline: float | None = None
) -> MatrixReport:
    """The overlap matrix of every story branch (plus files locked stories declare)."""
    started = time.perf_counter()
    scanner = _scanner(app, deadline)
    scan = scanner.scan()
    context = load_context(app, app.now())
    files = _story_files(scan.stories, context)
    pairs = overlap_matrix(files)
    trials = None
    if _precise(app, precise):
        merge_pairs = [p.pair for p in pairs if p.files]
        tips = {k: scan.stories[k].tip for pair in merge_pairs for k in pair}
        trials = _trials(scanner, tips, merge_pairs)
    scanner.save()
    stories = [
        {
            "story": str(key),
            "branch": change.short,
            "tip": change.tip,
            "merge_base": change.merge_base,
            "files": len(change.files),
            "holder": context.holders.get(key),
            "other_refs": list(change.twins),
        }
        for key, change in sorted(scan.stories.items())
    ]
    stats = scanner.stats.to_dict()
    stats["seconds"] = round(time.perf_counter() - started, 4)
    return MatrixReport(
        base=scan.base.short,
        base_tip=scan.base.tip,
        stories=stories,
        pairs=pairs,
        holders=context.holders,
        trials=trials,
        notes=tuple(scanner.notes),
        stats=stats,
    )


# --- the pre-push hook ---------------------------------------------------------------------


@dataclass(frozen=True)
class PrepushResult:
    """What the pre-push hook needs: the report, the policy's decision, and why."""

    checked: bool
    decision: Decision
    policy: str
    report: BranchReport | None = None
    skipped: str | None = None

    @property
    def exit_code(self) -> int:
        return self.decision.exit_code

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "skipped": self.skipped,
            "policy": self.policy,
            "decision": self.decision.to_dict(),
            "report": self.report.to_dict() if self.report else None,
        }


def prepush_check(
    app: App,
    *,
    local_ref: str,
    local_sha: str,
    remote_ref: str | None = None,
    budget: float | None = None,
) -> PrepushResult:
    """The conflict check for one pushed ref (one line of git's pre-push stdin).

    Never blocks on its own trouble: a deletion, a non-story branch, a missing default branch
    or an exhausted time budget give ``checked=False`` and a reason. Blocks (exit code 1) only
    when ``conflicts: block`` says so.
    """
    policy = app.config.conflicts
    if local_sha == NULL_SHA or local_ref == "(delete)":
        return _skip(policy, "branch deletion")
    # `git push origin HEAD:story/US-7-x` names the story only on the remote side.
    name = local_ref
    key = branch_story_key(local_ref, app.config.branch_pattern)
    if key is None and remote_ref:
        name, key = remote_ref, branch_story_key(remote_ref, app.config.branch_pattern)
    if key is None:
        return _skip(policy, f"{short_name(local_ref)} is not a story branch")
    if budget is not None and budget < MIN_BUDGET:
        return _skip(policy, "conflict check not run: the hook's time budget was used up")
    deadline = time.monotonic() + budget if budget is not None else None
    try:
        report = check_branch(app, name, commit=local_sha, deadline=deadline, hook=True)
    except PantheonError as exc:
        return _skip(policy, f"conflict check not run: {exc.message}")
    return PrepushResult(True, decide(policy, key, report.overlaps, report.trials), policy, report)


MIN_BUDGET = 0.1
"""Seconds below which the overlap check is not started (git alone needs more)."""


def _skip(policy: str, reason: str) -> PrepushResult:
    return PrepushResult(False, Decision(False, reason), policy, None, reason)


# --- helpers -------------------------------------------------------------------------------


def _scanner(app: App, deadline: float | None, *, hook: bool = False) -> Scanner:
    return Scanner(
        app.require_toplevel(),  # outside a work tree: the one-line error, not git's
        pattern=app.config.branch_pattern,
        default_branch=app.config.default_branch,
        deadline=deadline,
        progress=app.progress,
        in_process_from=None if hook else IN_PROCESS_FROM,
    )


def _precise(app: App, flag: bool | None) -> bool:
    if flag:
        return True
    _, implied = policy_mode(app.config.conflicts)
    return implied or app.config.conflicts_precise


def _trials(
    scanner: Scanner, tips: Mapping[StoryKey, str], pairs: list[tuple[StoryKey, StoryKey]]
) -> Trials:

    return trial_merges(scanner, tips, pairs)


def _story_files(
    stories: Mapping[StoryKey, BranchChanges],
    context: Context,
    *,
    exclude: StoryKey | None = None,
    touching: frozenset[str] | None = None,
) -> list[StoryFiles]:
    """Every story's files; with ``touching``, only stories that share one of those paths."""
    out = []
    none: frozenset[str] = frozenset()
    for key, change in stories.items():
        declared = context.declared.get(key, none)
        if key == exclude or (
            touching is not None
            and change.files.isdisjoint(touching)
            and declared.isdisjoint(touching)
        ):
            continue
        out.append(StoryFiles(key, change.files, declared, change.short))
    for key, declared in context.declared.items():
        wanted = touching is None or not declared.isdisjoint(touching)
        if key != exclude and key not in stories and wanted:
            out.append(StoryFiles(key, none, declared, None))
    return out


def _resolve_target(
    app: App, scanner: Scanner, branch: str | None, *, commit: str | None = None
) -> tuple[str, StoryKey]:
    pattern = app.config.branch_pattern
    if branch is None:
        branch = git.current_branch(app.root)
        if branch is None:
            raise UsageError(
                "HEAD is detached: there is no current branch to check",
                hint="Name one: `pantheon conflicts story/US-123-...`, or use "
                "`pantheon conflicts --all`.",
            )
    refs = scanner.table.refs
    ref = _find_ref(refs, branch)
    if ref is None and commit is not None and branch_story_key(branch, pattern):
        ref = branch  # pushing a commit under a story branch name that is not a local ref
    if ref is None:
        key = StoryKey.try_parse(branch)
        by_key = {k: r for r, k in scanner.story_refs()} if key else {}
        if key is not None and key in by_key:
            return scanner.scan().stories[key].ref, key
        raise UsageError(
            f"no branch named {branch!r}",
            hint="Give a local or remote-tracking story branch (`git branch -a` lists them), "
            "or a story key such as US-123.",
        )
    key = branch_story_key(ref, pattern)
    if key is None:
        raise UsageError(
            f"{short_name(ref)} is not a story branch (expected a name like "
            f"story/US-123-short-title; pattern: {pattern})",
            hint="Check out a story branch (`pantheon checkout US-123`), name one, or run "
            "`pantheon conflicts --all`.",
        )
    return ref, key


def _find_ref(refs: Mapping[str, str], name: str) -> str | None:
    for candidate in (name, f"{HEADS}{name}", f"{REMOTES}{name}"):
        if candidate in refs:
            return candidate
    return None
