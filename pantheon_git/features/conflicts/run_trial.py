"""The precise conflict check: trial merges of each story onto the default branch, then of
the overlapping pairs (``git/mergetrial.py`` runs them; ``merges.py`` says which pairs can be
judged). Outcomes are cached by (tips, base tip).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.merges import CLEAN, MergeConflict, TrialOutcome, TrialStatus
from pantheon_git.features.conflicts.merges import Trials, normalize_pair, plan_pair_merges
from pantheon_git.git.mergetrial import PREFIX, merge_batch, scratch, trial_commits
from pantheon_git.git.scan import Scanner


def trial_merges(
    scanner: Scanner,
    tips: Mapping[StoryKey, str],
    pairs: Sequence[tuple[StoryKey, StoryKey]],
) -> Trials:
    """Drift of every story in ``pairs`` (and in ``tips``), then the pairs themselves."""
    base_tip = scanner.base.tip
    cache = scanner.trial_cache
    pairs = sorted({normalize_pair(a, b) for a, b in pairs})
    keys = sorted({k for pair in pairs for k in pair} | set(tips))
    drift: dict[StoryKey, TrialOutcome] = {}
    for key in keys:
        doc = cache.get("drift", f"{tips[key]} {base_tip}")
        outcome = _outcome_from(doc)
        if outcome is not None:
            drift[key] = outcome
    results: dict[tuple[StoryKey, StoryKey], TrialOutcome] = {}
    uncached_pairs = []
    for a, b in pairs:
        outcome = _outcome_from(cache.get("pairs", _pair_key(tips[a], tips[b], base_tip)))
        if outcome is not None:
            results[(a, b)] = outcome
        else:
            uncached_pairs.append((a, b))
    # Stories whose rebased tree a pair merge needs: both sides clean or not known yet.
    need_tree = {
        k
        for pair in uncached_pairs
        if all(k not in drift or drift[k].clean for k in pair)
        for k in pair
    }
    stage1 = [k for k in keys if k not in drift or k in need_tree]
    if not stage1:
        _, skipped = plan_pair_merges(uncached_pairs, drift, scanner.base.short)
        return Trials(drift, {**results, **skipped})
    with tempfile.TemporaryDirectory(prefix=PREFIX, dir=scratch()) as tmp:
        env = {
            "GIT_OBJECT_DIRECTORY": tmp,
            "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(scanner.git_dir / "objects"),
        }
        scanner.progress(f"trial merges: {_count(len(stage1), 'story')} onto {scanner.base.short}")
        trees: dict[StoryKey, str] = {}
        lines = [f"{base_tip} {tips[k]}" for k in stage1]
        for key, (tree, outcome) in zip(stage1, merge_batch(scanner, lines, env), strict=True):
            drift[key] = outcome
            cache.put("drift", f"{tips[key]} {base_tip}", outcome.to_dict())
            if outcome.clean:
                trees[key] = tree
        to_merge, skipped = plan_pair_merges(uncached_pairs, drift, scanner.base.short)
        results.update(skipped)
        if to_merge:
            scanner.progress(f"trial merges: {_count(len(to_merge), 'overlapping pair')}")
            involved = sorted({k for pair in to_merge for k in pair})
            commits = trial_commits(scanner, Path(tmp), [trees[k] for k in involved], env)
            by_key = dict(zip(involved, commits, strict=True))
            lines = [f"{by_key[a]} {by_key[b]}" for a, b in to_merge]
            for pair, (_, outcome) in zip(to_merge, merge_batch(scanner, lines, env), strict=True):
                results[pair] = outcome
                a, b = pair
                cache.put("pairs", _pair_key(tips[a], tips[b], base_tip), outcome.to_dict())
    return Trials(drift, results)


def _count(n: int, noun: str) -> str:
    if n == 1:
        return f"1 {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") else f"{n} {noun}s"


def _pair_key(tip_a: str, tip_b: str, base_tip: str) -> str:
    lo, hi = sorted((tip_a, tip_b))
    return f"{lo} {hi} {base_tip}"


def _outcome_from(doc: object) -> TrialOutcome | None:
    if not isinstance(doc, dict) or doc.get("status") not in (CLEAN, "conflict"):
        return None
    try:
        conflicts = tuple(MergeConflict(str(c["path"]), str(c["kind"])) for c in doc["conflicts"])
    except (KeyError, TypeError):
        return None
    return TrialOutcome(TrialStatus(doc["status"]), conflicts)
