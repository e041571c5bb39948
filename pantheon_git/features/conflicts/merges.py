"""Trial merges, as data: outcomes and which story pairs can be judged.

Merging two story tips also merges the default branch's commits between their two bases, so a
story that conflicts with main "conflicts" with every partner based on a newer main (measured:
245 of 250 conflicting tip-against-tip pairs were that). The precise check therefore merges
each story onto the default branch first (its own drift), then merges the pairs of those
results with the default branch as their base: story against story, main's drift removed.
A pair whose story cannot be put onto main cleanly cannot be judged that way and is reported
as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.merges import SKIPPED, TrialOutcome


@dataclass(frozen=True)
class Trials:
    """Results of a precise check: each story onto main, then story pairs."""

    drift: Mapping[StoryKey, TrialOutcome]
    pairs: Mapping[tuple[StoryKey, StoryKey], TrialOutcome]

    def pair(self, a: StoryKey, b: StoryKey) -> TrialOutcome | None:
        return self.pairs.get((min(a, b), max(a, b)))

    def to_dict(self) -> dict[str, object]:
        return {
            "drift": {str(k): v.to_dict() for k, v in sorted(self.drift.items())},
            "pairs": [
                {"a": str(a), "b": str(b), **outcome.to_dict()}
                for (a, b), outcome in sorted(self.pairs.items())
            ],
        }


def normalize_pair(a: StoryKey, b: StoryKey) -> tuple[StoryKey, StoryKey]:
    return (a, b) if a <= b else (b, a)


def plan_pair_merges(
    pairs: Iterable[tuple[StoryKey, StoryKey]],
    drift: Mapping[StoryKey, TrialOutcome],
    base_name: str,
) -> tuple[list[tuple[StoryKey, StoryKey]], dict[tuple[StoryKey, StoryKey], TrialOutcome]]:
    """Split pairs into those to merge and those skipped because a side conflicts with main."""
    to_merge: list[tuple[StoryKey, StoryKey]] = []
    skipped: dict[tuple[StoryKey, StoryKey], TrialOutcome] = {}
    for a, b in sorted({normalize_pair(a, b) for a, b in pairs}):
        blocked = [k for k in (a, b) if not drift.get(k, TrialOutcome(SKIPPED)).clean]
        if blocked:
            names = " and ".join(str(k) for k in blocked)
            verb = "do" if len(blocked) > 1 else "does"
            reason = f"{names} {verb} not merge cleanly onto {base_name}; update it first"
            skipped[(a, b)] = TrialOutcome(SKIPPED, reason=reason)
        else:
            to_merge.append((a, b))
    return to_merge, skipped
