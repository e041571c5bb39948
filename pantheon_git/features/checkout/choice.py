"""Which story to take: the next one of an epic, and alternatives to a story someone holds.

Pure: stories, dependencies and the time come in, an ordered choice comes out.

- **Available**: not started (Defined), or started and given back (In Progress with its lock
  released or expired), and not locked by anyone (an expired lock is no lock). A story in Code
  Review or later is nobody's to take: its owner makes the review fixes.
- **Blocked**: some predecessor (an edge ``A -> B`` means B cannot start before A is done) is
  not Completed or Accepted. A predecessor whose state is unknown (not in Rally any more)
  blocks nothing.
- **Order**: stories that share a file or fixture with work in progress come last (they must
  not run at the same time); then stories on the critical path (the heaviest chain of
  remaining work through the dependency edges, estimates as weights, 1 without one, done
  stories weigh nothing; a story with no edges is on no chain); then Rally's rank; then the
  key.
- **Alternatives** to a story: available, unblocked stories, those of similar complexity
  first, then in the order above. Complexity is the planner's tier (``plan/effort.py``: micro,
  standard, complex from the task count and the title): the same tier is "similar", a
  higher one "higher"; within a label, the closest in size (plan estimates when both have
  one, else task counts) comes first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pantheon_git.core import states
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock
from pantheon_git.features.locks import rules as locks
from pantheon_git.features.plan.effort import TIERS, tier_for

ALTERNATIVES = 3


@dataclass(frozen=True)
class Candidate:
    """What choosing needs to know about a story (a light form of ``Story``)."""

    key: StoryKey
    title: str = ""
    state: str = states.DEFINED
    lock: Lock | None = None
    epic: str | None = None
    task_count: int = 0
    estimate: float | None = None
    rank: str | None = None
    owner: str | None = None
    """Rally's Owner: the developer who took it (and who makes its review fixes)."""

    @property
    def tier(self) -> str:
        """The planner's complexity tier (micro, standard, complex)."""
        return tier_for(self.task_count, self.title)


Edge = tuple[StoryKey, StoryKey]


@dataclass(frozen=True)
class Dependencies:
    """Ordering edges (``before -> after``) and "not at the same time" pairs."""

    edges: frozenset[Edge] = frozenset()
    conflicts: frozenset[frozenset[StoryKey]] = frozenset()
    from_analysis: bool = False
    """True when the edges come from ``pantheon deps``'s graph: only then is there a critical
    path."""

    def predecessors(self, key: StoryKey) -> set[StoryKey]:
        return {a for a, b in self.edges if b == key and a != key}

    def partners(self, key: StoryKey) -> set[StoryKey]:
        return {k for pair in self.conflicts if key in pair for k in pair if k != key}

    def nodes(self) -> set[StoryKey]:
        return {k for edge in self.edges for k in edge}

    def with_edges(self, more: Iterable[Edge]) -> Dependencies:
        return Dependencies(self.edges | frozenset(more), self.conflicts, self.from_analysis)


def is_done(state: str) -> bool:
    return states.rank(state) >= states.rank(states.COMPLETED)


def in_review(state: str) -> bool:
    """Code Review: past In Progress, not done yet."""
    return states.rank(states.CODE_REVIEW) <= states.rank(state) < states.rank(states.COMPLETED)


def is_available(story: Candidate, me: str, now: datetime) -> bool:
    """Free to take: not locked (or the lock expired), not yet in review (see the module
    docstring). A story ``me`` holds is not offered: it is already theirs."""
    status = locks.status(story.lock, me, now)
    free = status in (locks.LockStatus.FREE, locks.LockStatus.EXPIRED)
    return free and states.rank(story.state) <= states.rank(states.IN_PROGRESS)


def blockers(
    key: StoryKey, deps: Dependencies, known: Mapping[StoryKey, str]
) -> tuple[StoryKey, ...]:
    """Predecessors that are not done yet (``known``: workflow state by key)."""
    return tuple(sorted(p for p in deps.predecessors(key) if p in known and not is_done(known[p])))


def busy_partners(
    key: StoryKey, deps: Dependencies, known: Mapping[StoryKey, str]
) -> tuple[StoryKey, ...]:
    """Stories in progress that must not run at the same time as ``key``."""
    started = states.rank(states.IN_PROGRESS)
    done = states.rank(states.COMPLETED)
    return tuple(
        sorted(
            p for p in deps.partners(key) if p in known and started <= states.rank(known[p]) < done
        )
    )


def critical_path(stories: Sequence[Candidate], deps: Dependencies) -> frozenset[StoryKey]:
    """Stories on a heaviest chain of remaining work; empty without analysed dependencies.

    Stories caught in a cycle (``pantheon deps`` reports those) are left out of the chain.
    """
    if not deps.from_analysis or not deps.edges:
        return frozenset()
    weight: dict[StoryKey, float] = dict.fromkeys(deps.nodes(), 1.0)
    for story in stories:
        size = story.estimate if story.estimate is not None and story.estimate > 0 else 1.0
        weight[story.key] = 0.0 if is_done(story.state) else size
    edges = {(a, b) for a, b in deps.edges if a != b}
    order = _topological(weight, edges)
    placed = set(order)
    edges = {(a, b) for a, b in edges if a in placed and b in placed}
    if not edges:
        return frozenset()
    preds: dict[StoryKey, list[StoryKey]] = {k: [] for k in order}
    succs: dict[StoryKey, list[StoryKey]] = {k: [] for k in order}
    for a, b in edges:
        preds[b].append(a)
        succs[a].append(b)
    down: dict[StoryKey, float] = {}
    for k in order:
        down[k] = weight[k] + max((down[p] for p in preds[k]), default=0.0)
    up: dict[StoryKey, float] = {}
    for k in reversed(order):
        up[k] = weight[k] + max((up[s] for s in succs[k]), default=0.0)
    linked = {k for edge in edges for k in edge}
    through = {k: down[k] + up[k] - weight[k] for k in order if k in linked}
    best = max(through.values())
    if best <= 0:
        return frozenset()
    return frozenset(k for k, total in through.items() if math.isclose(total, best, rel_tol=1e-9))


def _topological(nodes: Mapping[StoryKey, float], edges: set[Edge]) -> list[StoryKey]:
    """Kahn's order of the nodes; nodes on or behind a cycle are left out."""
    indegree = dict.fromkeys(nodes, 0)
    for a, b in edges:
        indegree.setdefault(a, 0)
        indegree[b] = indegree.get(b, 0) + 1
    ready = sorted(k for k, d in indegree.items() if d == 0)
    out: list[StoryKey] = []
    succs: dict[StoryKey, list[StoryKey]] = {}
    for a, b in sorted(edges):
        succs.setdefault(a, []).append(b)
    while ready:
        k = ready.pop(0)
        out.append(k)
        for s in succs.get(k, ()):
            indegree[s] -= 1
            if indegree[s] == 0:
                ready.append(s)
        ready.sort()
    return out


@dataclass(frozen=True)
class Choice:
    """The available, unblocked stories in the order to take them, and why others are not."""

    order: tuple[Candidate, ...]
    critical: frozenset[StoryKey] = frozenset()
    blocked: Mapping[StoryKey, tuple[StoryKey, ...]] = field(default_factory=dict)
    """Available stories waiting for predecessors -> those predecessors."""

    @property
    def next(self) -> Candidate | None:
        return self.order[0] if self.order else None


def choose(
    stories: Sequence[Candidate],
    me: str,
    now: datetime,
    deps: Dependencies = Dependencies(),
    known: Mapping[StoryKey, str] | None = None,
) -> Choice:
    """Order the stories one may take now (see the module docstring)."""
    states_by_key = {s.key: s.state for s in stories}
    states_by_key.update(known or {})
    critical = critical_path(stories, deps)
    pool: list[Candidate] = []
    blocked: dict[StoryKey, tuple[StoryKey, ...]] = {}
    for story in stories:
        if not is_available(story, me, now):
            continue
        waiting = blockers(story.key, deps, states_by_key)
        if waiting:
            blocked[story.key] = waiting
        else:
            pool.append(story)

    def priority(story: Candidate) -> tuple[bool, bool, bool, str, StoryKey]:
        busy = bool(busy_partners(story.key, deps, states_by_key))
        return (busy, story.key not in critical, story.rank is None, story.rank or "", story.key)

    return Choice(tuple(sorted(pool, key=priority)), critical, blocked)


# --- complexity and alternatives -------------------------------------------------------------


def _measures(a: Candidate, b: Candidate) -> tuple[float, float]:
    if a.estimate is not None and b.estimate is not None:
        return max(a.estimate, 0.0), max(b.estimate, 0.0)
    return float(max(a.task_count, 0)), float(max(b.task_count, 0))


def complexity_ratio(target: Candidate, other: Candidate) -> float:
    """How much bigger ``other`` is than ``target`` (1.0: the same), after adding 1 to both
    so that 0 and 1 task compare sanely."""
    a, b = _measures(target, other)
    return (b + 1.0) / (a + 1.0)


def compare(target: Candidate, other: Candidate) -> str:
    """``similar``, ``higher`` or ``lower`` complexity than ``target``: their planner tiers."""
    difference = TIERS.index(other.tier) - TIERS.index(target.tier)
    if difference > 0:
        return "higher"
    if difference < 0:
        return "lower"
    return "similar"


@dataclass(frozen=True)
class Alternative:
    story: Candidate
    complexity: str
    """similar | higher | lower, compared with the story asked for."""


def alternatives(
    target: Candidate,
    choice: Choice,
    limit: int = ALTERNATIVES,
) -> list[Alternative]:
    """Up to ``limit`` stories to take instead of ``target``: similar complexity first."""
    pool = [s for s in choice.order if s.key != target.key]
    position = {s.key: i for i, s in enumerate(pool)}

    def closeness(story: Candidate) -> tuple[bool, float, int]:
        similar = compare(target, story) == "similar"
        distance = abs(math.log(complexity_ratio(target, story)))
        return (not similar, round(distance, 9), position[story.key])

    ranked = sorted(pool, key=closeness)[: max(0, limit)]
    return [Alternative(s, compare(target, s)) for s in ranked]
