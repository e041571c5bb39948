"""The pre-push policy ``conflicts: warn|block`` (``precise`` = warn with trial merges).

- ``warn``: overlaps are reported, the push goes on.
- ``block`` without trial merges: any file both branches change blocks the push. Files another
  locked story only *declares* are reported but never block: a plan is not work in progress.
- ``block`` with trial merges (``--precise`` / ``conflicts_precise``): only a real textual
  conflict between the two stories blocks, or an overlap that could not be judged because one
  side does not merge cleanly onto the default branch. Overlaps that merge cleanly pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.merges import SKIPPED
from pantheon_git.core.policies import Conflicts
from pantheon_git.features.conflicts.merges import Trials
from pantheon_git.features.conflicts.overlap import Overlap


@dataclass(frozen=True)
class Decision:
    block: bool
    reason: str

    @property
    def exit_code(self) -> int:
        return 1 if self.block else 0

    def to_dict(self) -> dict[str, object]:
        return {"block": self.block, "reason": self.reason, "exit_code": self.exit_code}


def policy_mode(policy: Conflicts) -> tuple[Conflicts, bool]:
    """``policy`` -> (warn|block, precise implied). ``precise`` means warn with trial merges."""
    if policy == Conflicts.PRECISE:
        return Conflicts.WARN, True
    return policy, False


def decide(
    policy: Conflicts, key: StoryKey, overlaps: Sequence[Overlap], trials: Trials | None = None
) -> Decision:
    mode, _ = policy_mode(policy)
    if not overlaps:
        return Decision(False, f"{key} overlaps no other story")
    if mode == Conflicts.WARN:
        return Decision(False, f"{len(overlaps)} overlapping stor{_ies(overlaps)} (policy: warn)")
    branch_overlaps = [o.story for o in overlaps if o.files]
    if trials is None:
        if branch_overlaps:
            names = _names(branch_overlaps)
            return Decision(True, f"{key} changes files that {names} also change (policy: block)")
        return Decision(False, "only declared files overlap (policy: block)")
    outcomes = {other: trials.pair(key, other) for other in branch_overlaps}
    conflicting = [k for k, o in outcomes.items() if o is not None and o.conflicted]
    unjudged = [k for k, o in outcomes.items() if o is None or o.status == SKIPPED]
    if conflicting:
        reason = f"{key} conflicts with {_names(conflicting)} (policy: block, trial merge)"
    elif unjudged:
        reason = (
            f"{key} overlaps {_names(unjudged)} and the trial merge could not run (policy: block)"
        )
    else:
        return Decision(False, "overlapping stories merge cleanly (policy: block, trial merge)")
    return Decision(True, reason)


def _names(keys: Sequence[StoryKey]) -> str:
    return ", ".join(str(k) for k in keys)


def _ies(items: Sequence[object]) -> str:
    return "y" if len(items) == 1 else "ies"
