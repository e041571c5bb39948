"""Put the pieces together: stories in, a checked-ready ``Plan`` out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pantheon_git.features.plan import graph
from pantheon_git.features.plan.lanes import (
    assign_lanes,
    balance_sigma_pct,
    cross_lane_dependencies,
    lane_loads,
)
from pantheon_git.features.plan.model import Entry, PlanStory, Problem, build_problem
from pantheon_git.features.plan.search import DEFAULT_BUDGET, DEFAULT_SEED, solve


@dataclass(frozen=True)
class Lane:
    index: int
    developer: str | None
    entries: tuple[Entry, ...]
    hours: float

    @property
    def idle(self) -> bool:
        return not self.entries


@dataclass(frozen=True)
class Plan:
    stories: tuple[PlanStory, ...]
    developers: int
    lanes: tuple[Lane, ...]
    makespan: float
    lower_bound: float
    sequential: float
    baseline_makespan: float
    critical_path: tuple[str, ...]
    critical_path_hours: float
    waves: tuple[tuple[str, ...], ...]
    balance_sigma_pct: float
    cross_lane_dependencies: int
    proved_optimal: bool
    method: str

    @property
    def entries(self) -> list[Entry]:
        return [e for lane in self.lanes for e in lane.entries]

    @property
    def speedup(self) -> float:
        return round(self.sequential / self.makespan, 2) if self.makespan else 1.0

    @property
    def efficiency(self) -> float:
        return round(self.lower_bound / self.makespan, 4) if self.makespan else 1.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (``workstreams.json``, ``--json``)."""
        stories = {s.key: s for s in self.stories}
        return {
            "developers": self.developers,
            "lanes": [
                {
                    "lane": lane.index,
                    "developer": lane.developer,
                    "critical_path": lane.index == 0,
                    "hours": lane.hours,
                    "stories": [
                        {
                            "key": e.key,
                            "start": e.start,
                            "end": e.end,
                            "wave": e.wave,
                            "hours": stories[e.key].hours,
                            "title": stories[e.key].title,
                            "tier": stories[e.key].tier,
                            "tasks": stories[e.key].tasks,
                        }
                        for e in lane.entries
                    ],
                }
                for lane in self.lanes
            ],
            "makespan": self.makespan,
            "lower_bound": self.lower_bound,
            "efficiency": self.efficiency,
            "sequential": self.sequential,
            "speedup": self.speedup,
            "balance_sigma_pct": self.balance_sigma_pct,
            "cross_lane_dependencies": self.cross_lane_dependencies,
            "critical_path": list(self.critical_path),
            "critical_path_hours": self.critical_path_hours,
            "waves": [list(w) for w in self.waves],
            "idle_lanes": [lane.index for lane in self.lanes if lane.idle],
            "algorithm": {
                "method": self.method,
                "proved_optimal": self.proved_optimal,
                "cp_misf_makespan": self.baseline_makespan,
            },
        }


def make_plan(
    stories: Sequence[PlanStory],
    lanes: int,
    *,
    developers: Sequence[str | None] | None = None,
    budget: int = DEFAULT_BUDGET,
    seed: int = DEFAULT_SEED,
) -> Plan:
    """Plan ``stories`` on ``lanes`` lanes. Raises ``UsageError`` for invalid input."""
    problem = build_problem(stories)
    return plan_problem(problem, lanes, developers=developers, budget=budget, seed=seed)


def plan_problem(
    problem: Problem,
    lanes: int,
    *,
    developers: Sequence[str | None] | None = None,
    budget: int = DEFAULT_BUDGET,
    seed: int = DEFAULT_SEED,
) -> Plan:
    solution = solve(problem, lanes, budget=budget, seed=seed)
    path = graph.critical_path(problem)
    lane_of = assign_lanes(problem, solution.start, lanes, path)
    wave = graph.waves(problem)
    hours = problem.hours
    people = list(developers) if developers is not None else [None] * lanes
    members: list[list[Entry]] = [[] for _ in range(lanes)]
    for j in sorted(range(problem.n), key=lambda j: (solution.start[j], problem.rank[j])):
        start = solution.start[j]
        members[lane_of[j]].append(
            Entry(
                key=problem.keys[j],
                lane=lane_of[j],
                start=hours(start),
                end=hours(start + problem.dur[j]),
                wave=wave[j],
            )
        )
    loads = lane_loads(problem, lane_of, lanes)
    by_wave: dict[int, list[int]] = {}
    for j in sorted(range(problem.n), key=lambda j: problem.rank[j]):
        by_wave.setdefault(wave[j], []).append(j)
    return Plan(
        stories=problem.stories,
        developers=lanes,
        lanes=tuple(Lane(k, people[k], tuple(members[k]), hours(loads[k])) for k in range(lanes)),
        makespan=hours(solution.makespan),
        lower_bound=hours(solution.lower_bound),
        sequential=hours(sum(problem.dur)),
        baseline_makespan=hours(solution.baseline),
        critical_path=tuple(problem.keys[j] for j in path),
        critical_path_hours=hours(sum(problem.dur[j] for j in path)),
        waves=tuple(tuple(problem.keys[j] for j in by_wave[w]) for w in sorted(by_wave)),
        balance_sigma_pct=balance_sigma_pct(loads),
        cross_lane_dependencies=cross_lane_dependencies(
            graph.transitive_reduction(problem), lane_of
        ),
        proved_optimal=solution.proved_optimal,
        method=solution.method,
    )
