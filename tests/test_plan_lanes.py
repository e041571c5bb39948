"""Lane assignment: critical path on lane 0, chains kept together, the seed's Epic 17."""

from __future__ import annotations

from pantheon_git.features.plan import PlanStory, check_plan, make_plan
from pantheon_git.features.plan.lanes import balance_sigma_pct
from pantheon_git.features.plan.report import ReportContext, render_plan
from tests.support.planning import EPIC17_EDGES, EPIC17_TASKS, EPIC17_TITLES

S = PlanStory


def epic17() -> list[PlanStory]:
    deps: dict[int, list[str]] = {}
    for a, b in EPIC17_EDGES:
        deps.setdefault(b, []).append(f"US-{a}")
    return [
        S(
            f"US-{k}",
            8.0 if EPIC17_TASKS[k] >= 9 else 5.0,
            tuple(deps.get(k, [])),
            title=title,
            tasks=EPIC17_TASKS[k],
            tier="complex" if EPIC17_TASKS[k] >= 9 else "standard",
        )
        for k, title in EPIC17_TITLES.items()
    ]


def lanes_of(plan_lanes: object) -> list[list[str]]:
    return [[e.key for e in lane.entries] for lane in plan_lanes]  # type: ignore[attr-defined]


def test_seed_epic_17_for_12_developers() -> None:
    plan = make_plan(epic17(), 12)
    assert check_plan(plan.stories, plan.entries, 12) == []
    assert lanes_of(plan.lanes) == [
        ["US-120", "US-121", "US-124"],  # Lane 0: CRITICAL PATH
        ["US-122", "US-125"],  # dependent chain kept on one lane
        ["US-123"],
        ["US-126"],  # independent lanes
        ["US-127"],
        ["US-128"],
        ["US-129"],
        [],
        [],
        [],
        [],
        [],
    ]
    assert plan.critical_path == ("US-120", "US-121", "US-124")
    assert (plan.makespan, plan.lower_bound, plan.sequential) == (15, 15, 53)
    assert plan.waves == (
        ("US-120", "US-126", "US-127", "US-128", "US-129"),
        ("US-121", "US-122", "US-123"),
        ("US-124", "US-125"),
    )
    assert plan.cross_lane_dependencies == 2  # US-120 -> US-122 and US-120 -> US-123


def test_few_developers_still_place_everything() -> None:
    plan = make_plan(epic17(), 2)
    assert check_plan(plan.stories, plan.entries, 2) == []
    assert sorted(e.key for e in plan.entries) == sorted(f"US-{k}" for k in EPIC17_TITLES)
    # 53 hours of 5s and one 8 cannot split 27 + 26: the best is 25 | 28.
    assert plan.makespan == 28
    assert plan.proved_optimal


def test_a_chain_stays_on_one_lane_when_it_costs_nothing() -> None:
    stories = [S("A", 2), S("B", 2, ("A",)), S("C", 2, ("B",)), S("X", 1), S("Y", 1, ("X",))]
    plan = make_plan(stories, 3)
    assert lanes_of(plan.lanes)[:2] == [["A", "B", "C"], ["X", "Y"]]
    assert plan.cross_lane_dependencies == 0


def test_lane_zero_holds_the_critical_path_even_when_listed_last() -> None:
    stories = [S("a", 1), S("b", 1), S("z1", 3), S("z2", 3, ("z1",))]
    plan = make_plan(stories, 3)
    assert lanes_of(plan.lanes)[0] == ["z1", "z2"]


def test_balance_sigma_over_busy_lanes() -> None:
    assert balance_sigma_pct([10, 10, 0, 0]) == 0.0
    assert balance_sigma_pct([15, 5]) == 50.0
    assert balance_sigma_pct([7]) == 0.0


def test_developers_label_lanes_in_the_json() -> None:
    plan = make_plan(epic17(), 3, developers=["sr@x", None, "fe@x"])
    doc = plan.to_dict()
    assert [lane["developer"] for lane in doc["lanes"]] == ["sr@x", None, "fe@x"]
    assert doc["lanes"][0]["critical_path"] is True
    assert {"developers", "makespan", "lower_bound", "sequential", "speedup"} <= doc.keys()
    assert {"balance_sigma_pct", "cross_lane_dependencies"} <= doc.keys()
    story = doc["lanes"][0]["stories"][0]
    assert {"key", "start", "end", "wave"} <= story.keys()


def test_report_reads_like_the_seed() -> None:
    plan = make_plan(epic17(), 12)
    text = render_plan(plan, ReportContext(heading="Epic 17: User Authentication"))
    assert "Lane 0: CRITICAL PATH (assign to senior dev)" in text
    assert "    - US-120: Create user model (4 tasks, standard, 5h)  0.0h → 5.0h" in text
    assert "  Wave 2 (after US-120):\n    - US-122: Add registration endpoint" in text
    assert "Lane 3: Add OAuth integration (INDEPENDENT)" in text
    assert "Lanes 7-11: IDLE (no remaining stories)" in text
    assert "Independent: 4 stories (Lanes 3-6)" in text
    assert "Total: 15.0 hours (vs 53.0 hours sequential)" in text
    assert "Speedup: 3.5x" in text
    assert "  Wave 2: 5.0h → 10.0h (3 stories, 3 developers in parallel)" in text
    assert "pantheon checkout US-120" in text
