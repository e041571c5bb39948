"""The seed's six success metrics, computed from plain facts (pure: no files, no clock).

Inputs are gathered by ``features/metrics/run.py``: the checkout log (``events.jsonl``), the stories
in the Rally cache, the plan (``workstreams.json``) and the story merges in git history.

===========================  ==================================================  ============
metric                       computed as                                          seed target
===========================  ==================================================  ============
story conflict rate          stories held by two developers at once /            < 1 %
                             stories checked out (the seed: "checked out by
                             multiple devs"; refusals are the lock working)
merge conflict rate          story merges with a conflicting trial merge /       < 10 %
                             story merges whose trial merge is known
coordination time            per sprint: lock protocol time + time from a        < 5 h/sprint
                             refused checkout to the same person's next win
lane balance                 the plan's σ of lane hours, % of the mean           σ < 15 %
lock expiry rate             locks that expired before a PR /                    < 5 %
                             locks that ended (expired, released, reviewed)
parallelization efficiency   the plan's lower bound / elapsed working hours      60-80 %
                             from the first lock to the last merge
===========================  ==================================================  ============
"""

from pantheon_git.core.merges import StoryMerge
from pantheon_git.features.metrics.inputs import (
    LockEvent,
    PlanFacts,
    StoryFacts,
    parse_events,
)
from pantheon_git.features.metrics.model import (
    MISS,
    NAMES,
    PASS,
    TARGETS,
    UNKNOWN,
    Metric,
    Target,
    pct,
)
from pantheon_git.features.metrics.progress import (
    LockLife,
    lock_expiry_rate,
    lock_lives,
    parallelization,
    work_hours,
)
from pantheon_git.features.metrics.team import (
    coordination_time,
    lane_balance,
    merge_conflict_rate,
    story_conflict_rate,
)

__all__ = [
    "MISS",
    "NAMES",
    "PASS",
    "TARGETS",
    "UNKNOWN",
    "LockEvent",
    "LockLife",
    "Metric",
    "PlanFacts",
    "StoryFacts",
    "StoryMerge",
    "Target",
    "coordination_time",
    "lane_balance",
    "lock_expiry_rate",
    "lock_lives",
    "merge_conflict_rate",
    "parallelization",
    "parse_events",
    "pct",
    "story_conflict_rate",
    "work_hours",
]

# The MCP server's `metrics` tool runs the same use case.
SHARED = ("run",)
