"""``pantheon plan`` end to end: cache in, report / JSON out, files saved, errors and codes."""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.features.plan import Plan
from pantheon_git.main import main
from tests.support.cachefiles import raw
from tests.support.planning import EPIC17_EDGES, PlanCache, epic17_stories

DEPS_BUILT = importlib.util.find_spec("pantheon_git.features.deps.run") is not None


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert isinstance(doc, dict)
    return doc


def lanes(doc: dict[str, Any]) -> list[list[str]]:
    return [[s["key"] for s in lane["stories"]] for lane in doc["lanes"]]


def test_seed_epic_17_report_and_files(
    plan_cache: PlanCache, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_cache.epic17()
    code, out, err = run(capsys, "plan", "--epic", "17", "--developers", "12")
    assert code == 0, err
    assert out.startswith("Workstream Plan Generated\n")
    assert "Epic 17: User Authentication\n12 developers, 10 stories, 3 waves" in out
    assert "Lane 0: CRITICAL PATH (assign to senior dev)" in out
    assert "Lanes 7-11: IDLE (no remaining stories)" in out
    assert "Saved to: .bmad/rally-cache/workstreams.json, " in out
    saved = raw(plan_cache.cache, "workstreams.json")
    assert saved == raw(plan_cache.cache, "epic-17-workstreams.json")
    assert lanes(saved)[:3] == [["US-120", "US-121", "US-124"], ["US-122", "US-125"], ["US-123"]]
    assert sorted(k for lane in lanes(saved) for k in lane) == [f"US-{n}" for n in range(120, 130)]


def test_json_document_shape(plan_cache: PlanCache, capsys: pytest.CaptureFixture[str]) -> None:
    plan_cache.epic17()
    doc = run_json(capsys, "plan", "--epic", "F17", "-d", "12")
    assert doc["developers"] == 12
    assert len(doc["lanes"]) == 12
    lane0 = doc["lanes"][0]
    assert (lane0["lane"], lane0["developer"]) == (0, None)
    assert lane0["stories"][0] == {
        "key": "US-120",
        "start": 0.0,
        "end": 5.0,
        "wave": 1,
        "hours": 5.0,
        "title": "Create user model",
        "tier": "standard",
        "tasks": 4,
    }
    assert doc["makespan"] == doc["lower_bound"] == 15.0
    assert doc["sequential"] == 53.0
    assert doc["speedup"] == 3.53
    assert doc["cross_lane_dependencies"] == 2
    assert isinstance(doc["balance_sigma_pct"], float)
    assert doc["critical_path"] == ["US-120", "US-121", "US-124"]
    # the whole-cache file is written too (and is the same document)
    assert raw(plan_cache.cache, "workstreams.json") == doc


def test_named_developers_pins_and_the_critical_path_person(
    plan_cache: PlanCache, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_cache.epic17()
    doc = run_json(capsys, "plan", "-d", "john,jane,bob", "--lane", "2=john")
    assert [lane["developer"] for lane in doc["lanes"]] == ["bob", "jane", "john"]
    config = plan_cache.root / "_bmad" / "pantheon" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("pantheon:\n  critical_path_assignment: senior@example.com\n")
    doc = run_json(capsys, "plan", "-d", "4", "--lane", "3=fe@example.com")
    assert [lane["developer"] for lane in doc["lanes"]] == [
        "senior@example.com",
        None,
        None,
        "fe@example.com",
    ]
    text = run(capsys, "plan", "-d", "4")[1]
    assert "Lane 0: CRITICAL PATH (senior@example.com)" in text


def test_the_seeds_forms_epic_lists_and_lane_words(
    plan_cache: PlanCache, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_cache.epic17()
    doc = run_json(capsys, "plan", "--epic", "17,18", "-d", "4", "lane_0=john.doe@example.com",
                   "lane_3=security@example.com")  # fmt: skip
    assert doc["epics"] == ["17", "18"]
    people = [lane["developer"] for lane in doc["lanes"]]
    assert people == ["john.doe@example.com", None, None, "security@example.com"]
    assert (
        run_json(capsys, "plan", "-d", "4", "--lane", "lane_0=jane@x")["lanes"][0]["developer"]
        == "jane@x"
    )


def test_without_workstream_analysis_only_rallys_links_order_the_plan(
    plan_cache: PlanCache, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_cache.epic17()
    with_analysis = run_json(capsys, "plan", "-d", "12")
    monkeypatch.setenv("PANTHEON_WORKSTREAM_ANALYSIS", "false")
    code, out, err = run(capsys, "plan", "-d", "12", "--json")
    assert code == 0, err
    assert "workstream_analysis is off" in err
    starts = {s["key"]: s["start"] for lane in json.loads(out)["lanes"] for s in lane["stories"]}
    assert set(starts.values()) == {0}  # nothing waits: the demo stories have no Rally links
    placed = {s["key"]: s for lane in with_analysis["lanes"] for s in lane["stories"]}
    assert placed["US-121"]["start"] >= placed["US-120"]["end"]


def test_developers_default_to_the_config(
    plan_cache: PlanCache, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_cache.epic17()
    config = plan_cache.root / "_bmad" / "pantheon" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("pantheon:\n  max_parallel_developers: 3\n")
    assert run_json(capsys, "plan")["developers"] == 3


def test_conflicts_done_stories_and_outside_dependencies(
    plan_cache: PlanCache, capsys: pytest.CaptureFixture[str]
) -> None:
    stories = epic17_stories(**{"US-120": {"state": "Completed"}})
    plan_cache.write_stories(stories)
    edges = [(f"US-{a}", f"US-{b}") for a, b in EPIC17_EDGES] + [("US-300", "US-129")]
    plan_cache.write_dependencies(
        [str(s.key) for s in stories], edges, conflicts=[("US-127", "US-128")]
    )
    code, out, err = run(capsys, "plan", "-d", "12", "--json")
    assert code == 0, err
    doc = json.loads(out)
    placed = {s["key"]: s for lane in doc["lanes"] for s in lane["stories"]}
    assert "US-120" not in placed  # done: not planned, and its dependents may start at once
    assert placed["US-121"]["start"] == placed["US-122"]["start"] == 0
    a, b = placed["US-127"], placed["US-128"]
    assert a["end"] <= b["start"] or b["end"] <= a["start"]
    assert "US-129 depends on US-300, which is not in this plan" in err


def test_missing_dependencies_file(
    plan_cache: PlanCache, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_cache.write_stories(epic17_stories())
    code, _, err = run(capsys, "plan", "-d", "3")
    if DEPS_BUILT:  # the analysis runs first and saves its file
        assert code == 0, err
        assert raw(plan_cache.cache, "dependencies.json") is not None
    else:
        assert code == 2
        assert "dependencies.json is missing" in err
        assert "Run `pantheon deps` first." in err


def test_stale_dependencies_file_is_not_trusted(
    plan_cache: PlanCache, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_cache.write_stories(epic17_stories())
    plan_cache.write_dependencies(["US-120"])
    code, _, err = run(capsys, "plan", "-d", "3")
    if DEPS_BUILT:
        assert code == 0, err
    else:
        assert code == 2
        assert "does not cover every story" in err


def test_corrupt_dependencies_file_exits_3(
    plan_cache: PlanCache, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_cache.epic17()
    doc = raw(plan_cache.cache, "dependencies.json")
    doc["edges"] = [{"from": 120}]
    plan_cache.cache.write_json("dependencies.json", doc)
    code, _, err = run(capsys, "plan")
    assert code == 3
    assert err == (
        "error: .bmad/rally-cache/dependencies.json is not in the shape this version writes "
        "(edges[0].from: expected a story key, found 120): run `pantheon deps` to rebuild it\n"
    )


def test_dependency_cycle_in_the_cache_is_named(
    plan_cache: PlanCache, capsys: pytest.CaptureFixture[str]
) -> None:
    stories = epic17_stories()
    plan_cache.write_stories(stories)
    edges = [("US-120", "US-121"), ("US-121", "US-124"), ("US-124", "US-120")]
    plan_cache.write_dependencies([str(s.key) for s in stories], edges)
    code, _, err = run(capsys, "plan")
    assert code == 2
    assert "dependency cycle: US-120 -> US-121 -> US-124 -> US-120" in err


def test_no_cache_or_no_stories(plan_cache: PlanCache, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "plan")
    assert code == 2
    assert "Run `pantheon sync` first" in err
    plan_cache.epic17()
    code, _, err = run(capsys, "plan", "--epic", "18")
    assert code == 2
    # not `pantheon sync --epic 18`, which fails for an epic Rally does not have either
    assert "error: no epic 18 in the cache; epics there: F17\n" in err
    assert "Run `pantheon sync` if it is new in Rally." in err


def test_bad_arguments_exit_2(plan_cache: PlanCache, capsys: pytest.CaptureFixture[str]) -> None:
    plan_cache.epic17()
    for argv, message in [
        (["-d", "12", "--lane", "12=a@x"], "only 12 lanes"),
        (["-d", "0"], "at least 1"),
        (["--epic", "seventeen"], "not an epic"),
        (["-d", "a,b", "--lane", "0=c"], "c is not one of --developers a,b"),
        (["-d", "12x"], "'12x' is neither a number of developers nor a name"),
        (["-d", "4", "john@x"], "pins look like lane_0=EMAIL"),
    ]:
        code, _, err = run(capsys, "plan", *argv)
        assert code == 2, argv
        assert message in err


def test_same_cache_same_plan(plan_cache: PlanCache, capsys: pytest.CaptureFixture[str]) -> None:
    plan_cache.epic17()
    first, second = run_json(capsys, "plan", "-d", "3"), run_json(capsys, "plan", "-d", "3")
    assert first.pop("computed_at") <= second.pop("computed_at")
    assert first == second


def test_a_plan_failing_its_check_is_an_internal_error(
    plan_cache: PlanCache, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pantheon_git.features.plan.run as usecase

    real = usecase.make_plan

    def broken(*args: Any, **kwargs: Any) -> Plan:
        plan = real(*args, **kwargs)
        lane = plan.lanes[0]
        moved = replace(lane.entries[1], start=0.0, end=5.0)  # US-121 before US-120 ends
        return replace(
            plan, lanes=(replace(lane, entries=(lane.entries[0], moved)), *plan.lanes[1:])
        )

    monkeypatch.setattr(usecase, "make_plan", broken)
    plan_cache.epic17()
    code, _, err = run(capsys, "plan")
    assert code == 70
    assert "the plan failed its check: " in err
    assert raw(plan_cache.cache, "workstreams.json") is None  # nothing shown, nothing saved


# --- --from-json -----------------------------------------------------------------------------


def write(path: Path, doc: Any) -> Path:
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def test_from_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    source = write(
        tmp_path / "in.json",
        {
            "stories": [
                {"key": "T0", "hours": 2},
                {"key": "T1", "hours": 3.5, "depends_on": ["T0"], "conflicts_with": ["T2"]},
                {"key": "T2", "hours": 1.5, "title": "Docs", "tasks": 2, "tier": "micro"},
            ]
        },
    )
    doc = run_json(capsys, "plan", "--from-json", str(source), "-d", "2")
    placed = {s["key"]: s for lane in doc["lanes"] for s in lane["stories"]}
    assert placed["T1"]["start"] >= placed["T0"]["end"]
    assert (
        placed["T1"]["start"] >= placed["T2"]["end"] or placed["T2"]["start"] >= placed["T1"]["end"]
    )
    assert doc["makespan"] == 5.5
    assert doc["source"] == str(source)
    code, out, _ = run(capsys, "plan", "--from-json", str(source), "-d", "2")
    assert code == 0
    assert f"Stories from {source}" in out
    assert "    - T2: Docs (2 tasks, micro, 1.5h)" in out
    assert not (tmp_path / ".bmad").exists()  # a stand-alone file is not saved into a cache


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON (line 1, column 2"),
        ([], 'expected an object with a "stories" list'),
        ({"stories": [{"hours": 1}]}, 'story 1: "key" must be a non-empty string'),
        ({"stories": [{"key": "A", "hours": -2}]}, '"hours" must be a finite number >= 0'),
        ({"stories": [{"key": "A", "hours": "3"}]}, '"hours" must be a number, got text'),
        ({"stories": [{"key": "A", "hours": 1, "depends_on": "B"}]}, '"depends_on" must be a list'),
        (
            {"stories": [{"key": "A", "hours": 1, "depends_on": ["B"]}]},
            "story A depends on B, which is not in the plan",
        ),
        (
            {"stories": [{"key": "A", "hours": 1, "conflicts_with": ["Q"]}]},
            "story A conflicts with Q, which is not in the plan",
        ),
        (
            {
                "stories": [
                    {"key": "A", "hours": 1, "depends_on": ["B"]},
                    {"key": "B", "hours": 1, "depends_on": ["A"]},
                ]
            },
            "dependency cycle: A -> B -> A",
        ),
        ({"stories": [{"key": "A", "hours": 1}, {"key": "A", "hours": 2}]}, "listed twice"),
    ],
)
def test_from_json_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, message: str
) -> None:
    source = write(tmp_path / "bad.json", content)
    code, out, err = run(capsys, "plan", "--from-json", str(source))
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert str(source) in err.splitlines()[0]
    assert message in err
    assert "Traceback" not in err


def test_from_json_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "plan", "--from-json", str(tmp_path / "nope.json"))
    assert code == 2
    assert "story file not found" in err


def test_help_describes_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", "--help")
    assert code == 0
    for option in ("--epic", "--developers", "--lane", "--from-json", "--json"):
        assert option in out


def test_a_lane_never_goes_back_a_wave_independent_stories_say_any_wave(
    plan_cache: PlanCache, capsys: pytest.CaptureFixture[str]
) -> None:
    """With few developers a lane mixes a dependency chain with stories that depend on
    nothing: those are headed "Any Wave", not "Wave 1" again after "Wave 3"."""
    plan_cache.epic17()
    code, out, err = run(capsys, "plan", "--epic", "17", "--developers", "2")
    assert code == 0, err
    lanes_text = out.split("Summary:")[0].split("\nLane ")[1:]
    assert len(lanes_text) == 2
    for lane in lanes_text:
        waves = [int(w) for w in re.findall(r"^  Wave (\d+)", lane, re.MULTILINE)]
        assert waves == sorted(waves), lane
        header = None
        for line in lane.splitlines():
            if line.startswith("  ") and line.strip().endswith(":"):
                header = line.strip()
            story = re.match(r"    - US-(\d+):", line)
            if story and int(story.group(1)) in (126, 127, 128, 129):
                assert header == "Any Wave:", lane


def test_deps_inferred_off_after_a_saved_graph_plans_by_rallys_order(
    plan_cache: PlanCache, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a team reads its backlog, then turns the texts' edges off: the graph saved before (with
    # them) must not go on ordering the plan
    plan_cache.epic17()
    with_analysis = run_json(capsys, "plan", "-d", "12")
    placed = {s["key"]: s for lane in with_analysis["lanes"] for s in lane["stories"]}
    assert placed["US-121"]["start"] >= placed["US-120"]["end"]
    monkeypatch.setenv("PANTHEON_DEPS_INFERRED", "false")
    doc = run_json(capsys, "plan", "-d", "12")
    starts = {s["key"]: s["start"] for lane in doc["lanes"] for s in lane["stories"]}
    assert starts["US-121"] == 0  # the demo stories have no Rally links: nothing waits
    graph = json.loads(
        (plan_cache.root / ".bmad" / "rally-cache" / "dependencies.json").read_text()
    )
    assert {e["kind"] for e in graph["edges"]} <= {"explicit"}
    assert [part["inferred"] for part in graph["scope"]] == [False]
    monkeypatch.setenv("PANTHEON_DEPS_INFERRED", "true")  # and back: analysed again
    run_json(capsys, "plan", "-d", "12")
    graph = json.loads(
        (plan_cache.root / ".bmad" / "rally-cache" / "dependencies.json").read_text()
    )
    assert [part["inferred"] for part in graph["scope"]] == [True]
