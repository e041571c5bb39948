"""`pantheon deps` end to end on a cache in a temporary folder, and the use case with real
story branches in a git repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pantheon_git.app import App
from pantheon_git.cli import main
from pantheon_git.config import Config
from pantheon_git.core.keys import EpicRef
from pantheon_git.features.deps.run import run_analysis, story_branch_files
from tests.support import cachefiles
from tests.support.deps import demo_stories, story, write_cache
from tests.support.gitrepo import GitRepo


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the demo backlog cached, as the current directory."""
    write_cache(tmp_path, demo_stories())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["deps", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_report_for_one_epic_saves_both_files(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--epic", "17")
    assert code == 0, err
    assert out.startswith("Dependency Analysis Complete\n")
    assert "Epic 17: User Authentication (10 stories)" in out
    assert "  US-126 (Add OAuth integration) ← INDEPENDENT" in out
    assert "Saved to: .bmad/rally-cache/epic-17-dependencies.json" in out
    cache = project / ".bmad" / "rally-cache"
    per_epic = json.loads((cache / "epic-17-dependencies.json").read_text())
    assert json.loads((cache / "dependencies.json").read_text()) == per_epic
    assert per_epic["independent"] == ["US-126", "US-127", "US-128", "US-129"]


def test_all_epics_by_default_with_cross_epic_edges(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys)
    assert code == 0
    assert "Epic 18: API Integration (8 stories)" in out
    assert "    └─▶ US-203 (Sync partner accounts)" in out
    assert "Conflicts (must not run at the same time, order free):" in out
    assert "Saved to: .bmad/rally-cache/dependencies.json" in out
    assert not (project / ".bmad" / "rally-cache" / "epic-18-dependencies.json").exists()


def test_one_epic_after_another_keeps_the_project_wide_graph(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = project / ".bmad" / "rally-cache"
    assert run(capsys, "--epic", "17")[0] == 0
    code, out, err = run(capsys, "--epic", "18")
    assert code == 0, err
    assert "Saved to: .bmad/rally-cache/epic-18-dependencies.json" in out
    merged = json.loads((cache / "dependencies.json").read_text())
    only_18 = json.loads((cache / "epic-18-dependencies.json").read_text())
    assert merged["epics"] == ["F17", "F18"]
    assert only_18["epics"] == ["F18"]
    assert len(merged["stories"]) == 18
    (part,) = merged["scope"]
    assert (part["epics"], part["whole_project"], part["stories"]) == (["F17", "F18"], False, 18)
    # the same graph as analysing both together, edges between the epics included
    assert run(capsys, "--epic", "17", "--epic", "18")[0] == 0
    together = json.loads((cache / "dependencies.json").read_text())
    edges = {(e["from"], e["to"]) for e in together["edges"]}
    assert {(e["from"], e["to"]) for e in merged["edges"]} == edges
    assert any(a.startswith("US-12") and b.startswith("US-20") for a, b in edges)
    # a project-wide graph stays project-wide
    assert run(capsys)[0] == 0
    assert run(capsys, "--epic", "17")[0] == 0
    whole = json.loads((cache / "dependencies.json").read_text())
    assert whole["scope"][0]["whole_project"] is True
    assert len(whole["stories"]) == 18


def test_json_is_exactly_one_document(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "--epic", "F18", "--epic", "E17")
    assert code == 0
    doc = json.loads(out)  # fails on anything but one document
    assert {e["to"] for e in doc["edges"] if e["from"] == "US-120"} >= {"US-121", "US-203"}
    assert doc["conflicts"][0]["files"] == ["src/integrations/client.py"]
    by_key = {s["key"]: s for s in doc["stories"]}
    assert by_key["US-200"]["files"] == ["src/integrations/client.py"]
    assert by_key["US-126"]["tasks"] == 10
    code, out2, _ = run(capsys, "--format", "json", "--epic", "F18", "--epic", "17")
    assert code == 0
    assert json.loads(out2)["edges"] == doc["edges"]


def test_mermaid_to_an_output_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "mermaid", "--epic", "17", "--output", "graph.mmd")
    assert code == 0
    assert out.strip() == "Wrote the mermaid dependency graph to graph.mmd"
    text = (project / "graph.mmd").read_text()
    assert text.startswith("graph TD\n    US120[")
    assert "    US122 --> US125" in text


def test_output_file_with_json_keeps_stdout_one_document(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--json", "-o", "deps.json")
    assert code == 0
    assert json.loads(out)["output"] == "deps.json"
    assert json.loads((project / "deps.json").read_text())["waves"][0] == ["US-120", "US-200"]


def test_verbose_report_shows_evidence(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-v", "--epic", "17")
    assert code == 0
    assert "api, high: US-124 calls POST /api/auth/login" in out


def test_missing_cache_says_to_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys)
    assert code == 2
    assert out == ""
    assert "no Rally cache" in err
    assert "pantheon sync" in err
    code, out, err = run(capsys, "--json")
    assert code == 2
    assert json.loads(out)["error"]["exit_code"] == 2


def test_bad_input_exit_codes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--epic", "not an epic")
    assert code == 2
    assert "not an epic" in err
    code, _, err = run(capsys, "--epic", "99")
    assert code == 2
    # worded as status and plan word it: the epics the cache has, not `sync --epic 99`
    assert "error: no epic 99 in the cache; epics there: F17, F18\n" in err
    assert "Run `pantheon sync` if it is new in Rally." in err
    code, _, err = run(capsys, "--format", "svg")
    assert code == 2
    (project / "blocker").write_text("a file, not a folder")
    code, _, err = run(capsys, "-o", "blocker/out.txt")
    assert code == 2
    assert "cannot write blocker/out.txt" in err


def test_corrupt_cache_is_exit_3(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".bmad" / "rally-cache" / "stories" / "epic-17" / "US-120.json").write_text("{")
    code, _, err = run(capsys)
    assert code == 3
    assert err.startswith("error: .bmad/rally-cache/stories/epic-17/US-120.json is not JSON")
    assert err.endswith("run `pantheon sync --force` to rebuild it\n")


def test_help_names_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deps", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--epic", "--format", "--output", "--json", "--verbose", "--config"):
        assert option in out
    assert main(["--help"]) == 0
    assert "deps" in capsys.readouterr().out


# --- the use case ---------------------------------------------------------------------------


def test_run_analysis_for_the_planner(tmp_path: Path) -> None:
    write_cache(tmp_path, demo_stories())
    said: list[str] = []
    app = App(config=Config(), root=tmp_path, progress=said.append)
    graph = run_analysis(app, [EpicRef.parse("17")])
    assert said == ["Reading story branches and analysing 10 stories..."]
    doc = graph.document
    assert list(doc["waves"]) == [
        ["US-120"],
        ["US-121", "US-122", "US-123"],
        ["US-124", "US-125"],
    ]
    assert doc["generated_at"].endswith("Z")
    assert doc["epics"] == ["F17"]
    (part,) = graph.scope
    assert (part.epics, part.whole_project, part.stories) == (("F17",), False, 10)
    assert part.synced_at == cachefiles.SYNCED
    saved = json.loads(
        (tmp_path / ".bmad" / "rally-cache" / "epic-17-dependencies.json").read_text()
    )
    assert saved == doc


def test_story_branches_that_change_the_same_file_conflict(git_repo: GitRepo) -> None:
    stories = [
        story("US-1", "Alpha", epic="F1"),
        story("US-2", "Beta", epic="F1"),
        story("US-3", "Gamma", epic="F1"),
    ]
    write_cache(git_repo.path, stories)
    git_repo.commit({"src/shared.py": "x = 1\n", "src/ü name.py": "u\n"}, "base")
    git_repo.git("push", "-q", "origin", "main")
    for key, files in [
        ("US-1", {"src/shared.py": "x = 2\n"}),
        ("US-2", {"src/shared.py": "x = 3\n", "src/ü name.py": "v\n"}),
    ]:
        git_repo.git("checkout", "-q", "-b", f"story/{key}-work", "main")
        git_repo.commit(files, f"{key}: work")
    git_repo.git("push", "-q", "origin", "story/US-2-work")
    git_repo.git("checkout", "-q", "main")
    git_repo.git("branch", "-q", "-D", "story/US-2-work")  # only on the remote now
    git_repo.git("checkout", "-q", "-b", "story/US-9-unknown")  # not an analysed story
    git_repo.commit({"src/shared.py": "x = 9\n"}, "US-9")
    app = App(config=Config(), root=git_repo.path)
    changed = story_branch_files(app, {s.key for s in stories})
    assert {str(k): v for k, v in changed.items()} == {
        "US-1": {"src/shared.py"},
        "US-2": {"src/shared.py", "src/ü name.py"},
    }
    doc = run_analysis(app, []).document
    (conflict,) = doc["conflicts"]
    assert (conflict["a"], conflict["b"], conflict["kind"]) == ("US-1", "US-2", "file")
    assert "both have branches changing" in conflict["evidence"]


def test_outside_a_git_repository_there_are_no_branch_files(tmp_path: Path) -> None:
    app = App(config=Config(), root=tmp_path)
    assert story_branch_files(app, set()) == {}


def test_a_repository_without_a_default_branch_still_analyses_the_texts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", "-b", "feature", str(tmp_path)], check=True)
    write_cache(tmp_path, demo_stories(["F17"]))
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "--json")
    assert code == 0
    assert json.loads(out)["waves"][0] == ["US-120"]
    assert "story branches not read" in err


def test_without_inferred_edges_rallys_order_only_and_the_texts_suggest(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a team that has read its backlog (deps --link) plans on Rally's predecessors alone;
    # what the texts suggest is still listed, and file conflicts still keep stories apart
    code, out, _ = run(capsys, "--json")
    full = json.loads(out)
    code, out, _ = run(capsys, "--review", "--json")
    proposed = json.loads(out)["proposed"]
    assert full["edges"]
    assert proposed
    monkeypatch.setenv("PANTHEON_DEPS_INFERRED", "false")
    code, out, err = run(capsys, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert {e["kind"] for e in doc["edges"]} <= {"explicit"}
    assert doc["conflicts"] == full["conflicts"]
    assert doc["waves"] != full["waves"]
    hinted = {(h["from"], h["to"], h["confidence"]) for h in doc["hints"]}
    assert {(e["from"], e["to"], e["confidence"]) for e in full["edges"]} <= hinted
    code, out, _ = run(capsys, "--review", "--json")
    assert json.loads(out)["proposed"] == proposed
    code, out, _ = run(capsys)
    assert "deps_inferred is off: the graph holds Rally's predecessors only" in out
