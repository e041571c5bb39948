"""`pantheon deps --dismiss-file` / `--undismiss-file`: a file the analysis counts as a conflict
that no story changes (a state file the application writes at run time, a script stories only
run), judged no conflict for the whole team and kept under `files:` in
`_bmad/pantheon/dismissed-deps.yaml`.

End to end on the demo backlog synced from the Rally emulator (a real HTTP server) in a real git
repository, with two independent stories rewritten in Rally to name the same runtime file: the
conflict keeps them apart in `plan` until the file is dismissed. Rally is not written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.core.keys import StoryKey
from pantheon_git.errors import ConfigError
from pantheon_git.features.deps import analyse
from pantheon_git.features.deps.dismissals import Dismissal, FileDismissal, read, render
from pantheon_git.rally.client import RallyClient
from tests.support.deps import demo_stories, story, utc_today
from tests.support.gitrepo import GitRepo
from tests.support.sync import CLI, story_ref
from tests.test_deps_dismiss import a_usage_error

FILE = Path("_bmad") / "pantheon" / "dismissed-deps.yaml"
GRAPH = Path(".bmad") / "rally-cache" / "dependencies.json"
STATE = "data/app_state.json"
PAIR = ("US-127", "US-129")  # independent stories: with 12 developers both start at once


def json_of(cli: CLI, *args: str) -> dict[str, Any]:
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert isinstance(doc, dict)
    return doc


def conflicts(doc: dict[str, Any], name: str = "conflicts") -> dict[tuple[str, str], list[str]]:
    return {(c["a"], c["b"]): c["files"] for c in doc[name]}


def window(plan: dict[str, Any], key: str) -> tuple[float, float]:
    (found,) = [s for lane in plan["lanes"] for s in lane["stories"] if s["key"] == key]
    return found["start"], found["end"]


def overlap(plan: dict[str, Any], a: str, b: str) -> bool:
    (start_a, end_a), (start_b, end_b) = window(plan, a), window(plan, b)
    return start_a < end_b and start_b < end_a


def describe(client: RallyClient, key: str, text: str) -> None:
    client.wire.update(story_ref(client, key.replace("-", "")), {"Description": text})


@pytest.fixture
def runtime_file(sync_repo: GitRepo, cli: CLI, rally_client: RallyClient) -> GitRepo:
    """US-127 and US-129 both name the state file the application writes at run time; US-204
    and US-207 both name a script they only run and a module both change."""
    describe(rally_client, "US-127", f"Add MFA support. The app saves the MFA setting to {STATE}.")
    describe(rally_client, "US-129", f"Add email verification. The app saves it to {STATE}.")
    for key in ("US-204", "US-207"):
        describe(
            rally_client,
            key,
            "Update src/reports/usage.py, then check it with tools/profile_performance.py.",
        )
    assert cli("sync")[0] == 0
    return sync_repo


def test_a_dismissed_file_stops_keeping_stories_apart_and_comes_back_when_taken_back(
    runtime_file: GitRepo, cli: CLI
) -> None:
    assert conflicts(json_of(cli, "deps"))[PAIR] == [STATE]
    plan = json_of(cli, "plan")  # uses the graph `deps` saved
    assert not overlap(plan, *PAIR)

    code, out, err = cli("deps", "--dismiss-file", f"./{STATE}", "--why", "written at run time")
    assert code == 0, err
    assert out.splitlines() == [
        "Dismissed: 1 file (_bmad/pantheon/dismissed-deps.yaml).",
        f"  - {STATE} (dismissed) [1 conflict: US-127 ↔ US-129]",
        "Stories that share only dismissed files no longer conflict in `pantheon deps`, "
        "`plan` and `checkout --epic` (the push and CI checks of real diffs still compare "
        "them).",
        "Next: commit _bmad/pantheon/dismissed-deps.yaml so the whole team's analysis has them.",
    ]
    text = (runtime_file.path / FILE).read_text()
    assert text.endswith(
        "dismissed:\nfiles:\n"
        f'  - {{path: "{STATE}", by: "alice@example.com", date: {utc_today()}, '
        'why: "written at run time"}\n'
    )

    # the report lists what it left out; the pair is in no list a plan is made from
    doc = json_of(cli, "deps")
    assert PAIR not in conflicts(doc)
    assert conflicts(doc, "dismissed_conflicts") == {PAIR: [STATE]}
    assert doc["dismissed_conflicts"][0]["still_conflicts"] is False
    rows = {row["key"]: row for row in doc["stories"]}
    assert rows["US-127"]["conflicts_with"] == []
    _, out, _ = cli("deps")
    assert (
        "Not conflicts (files the team dismissed; `pantheon deps --undismiss-file PATH` takes "
        "one back):\n  - US-127 (Add MFA support) ↔ US-129 (Add email verification): "
        f"{STATE}\n"
    ) in out
    _, out, _ = cli("deps", "--review")
    assert (
        f"Not conflicts: 1 pair sharing only files the team dismissed ({STATE}); "
        "`pantheon deps --undismiss-file PATH` takes one back."
    ) in out
    review = json_of(cli, "deps", "--review")
    assert review["dismissed_files"] == [
        {
            "path": STATE,
            "by": "alice@example.com",
            "date": utc_today(),
            "why": "written at run time",
            "conflicts": [{"a": "US-127", "b": "US-129", "still_conflicts": False}],
        }
    ]

    # a graph saved before the dismissal, as a teammate who pulls the file has: plan analyses
    # again rather than keep the stories apart
    assert cli("deps", "--undismiss-file", STATE)[0] == 0
    assert cli("deps")[0] == 0
    assert cli("deps", "--dismiss-file", STATE)[0] == 0
    assert json.loads((runtime_file.path / GRAPH).read_text())["scope"][0]["dismissed_files"] == []
    code, out, err = cli("plan", "--json")
    assert code == 0, err
    assert "was made before the dismissed files changed" in err
    assert overlap(json.loads(out), *PAIR)
    saved = json.loads((runtime_file.path / GRAPH).read_text())
    assert saved["scope"][0]["dismissed_files"] == [STATE]
    code, _, err = cli("plan", "--json")
    assert "running the dependency analysis" not in err  # current now: used as it is

    code, out, err = cli("deps", "--undismiss-file", STATE, "--json")
    assert code == 0, err
    back = json.loads(out)
    assert back["pairs"] == []
    assert back["files"] == [
        {
            "path": STATE,
            "status": "undismissed",
            "conflicts": [["US-127", "US-129"]],
            "by": "alice@example.com",
            "date": utc_today(),
        }
    ]
    assert conflicts(json_of(cli, "deps"))[PAIR] == [STATE]
    assert not overlap(json_of(cli, "plan"), *PAIR)
    assert STATE not in (runtime_file.path / FILE).read_text()


def test_a_conflict_on_two_files_keeps_the_other_one(runtime_file: GitRepo, cli: CLI) -> None:
    pair = ("US-204", "US-207")
    assert conflicts(json_of(cli, "deps"))[pair] == [
        "src/reports/usage.py",
        "tools/profile_performance.py",
    ]
    assert cli("deps", "--dismiss-file", "tools/profile_performance.py")[0] == 0
    doc = json_of(cli, "deps")
    assert conflicts(doc)[pair] == ["src/reports/usage.py"]
    (left,) = doc["dismissed_conflicts"]
    assert (left["a"], left["b"], left["files"], left["still_conflicts"]) == (
        *pair,
        ["tools/profile_performance.py"],
        True,
    )
    _, out, _ = cli("deps")
    assert "tools/profile_performance.py (still a conflict on another file)" in out
    _, out, _ = cli("deps", "--review")
    assert "Not conflicts" not in out  # no pair is free of a conflict
    assert not overlap(json_of(cli, "plan"), *pair)


def test_dismissing_files_is_idempotent_and_records_a_file_no_conflict_names(
    runtime_file: GitRepo, cli: CLI
) -> None:
    doc = json_of(cli, "deps", "--dismiss-file", "scripts/seed.sh", STATE, STATE)
    assert [(f["path"], f["status"], f["conflicts"]) for f in doc["files"]] == [
        ("scripts/seed.sh", "dismissed", []),
        (STATE, "dismissed", [["US-127", "US-129"]]),
    ]
    assert (doc["dry_run"], doc["undo"], doc["written"], doc["pairs"]) == (False, False, True, [])
    before = (runtime_file.path / FILE).read_text()
    lines = [line for line in before.splitlines() if line.startswith("  - ")]
    assert [line.split('"')[1] for line in lines] == [STATE, "scripts/seed.sh"]  # sorted

    code, out, err = cli("deps", "--dismiss-file", STATE, "--why", "changed my mind")
    assert code == 0, err
    assert out.splitlines()[:2] == [
        "Dismissed: 0 files (_bmad/pantheon/dismissed-deps.yaml).",
        f"  = {STATE} (already dismissed) [1 conflict: US-127 ↔ US-129]",
    ]
    assert "Next: commit" not in out
    assert (runtime_file.path / FILE).read_text() == before  # the first judgement stays
    code, out, _ = cli("deps", "--undismiss-file", "scripts/seed.sh", "other.py")
    assert out.splitlines()[:3] == [
        "Taken back: 1 file (_bmad/pantheon/dismissed-deps.yaml).",
        "  + scripts/seed.sh (undismissed) [no conflict names it now: kept out if two stories "
        "come to share it]",
        "  = other.py (not dismissed)",
    ]

    # pairs and files in one run, and both kinds in the file
    doc = json_of(cli, "deps", "--dismiss", "US-121:US-124", "--dismiss-file", "scripts/seed.sh")
    assert [p["status"] for p in doc["pairs"]] == ["dismissed"]
    assert [f["status"] for f in doc["files"]] == ["dismissed"]
    judged = read((runtime_file.path / FILE).read_text(), "f")
    assert [f.path for f in judged.files] == [STATE, "scripts/seed.sh"]
    assert [(str(d.source), str(d.target)) for d in judged.pairs] == [("US-121", "US-124")]


def test_a_dry_run_checks_the_paths_and_writes_nothing(runtime_file: GitRepo, cli: CLI) -> None:
    code, out, err = cli("deps", "--dismiss-file", STATE, "--dry-run")
    assert code == 0, err
    assert out.splitlines()[0] == (
        "Dry run: nothing written. 1 file would be dismissed (_bmad/pantheon/dismissed-deps.yaml):"
    )
    assert out.splitlines()[-1] == "Next: run it again without --dry-run to record them."
    assert not (runtime_file.path / FILE.parent).exists()
    assert PAIR in conflicts(json_of(cli, "deps"))
    assert cli("deps", "--dismiss-file", STATE)[0] == 0
    before = (runtime_file.path / FILE).read_text()
    doc = json_of(cli, "deps", "--undismiss-file", STATE, "--dry-run")
    assert [f["status"] for f in doc["files"]] == ["would undismiss"]
    assert doc["written"] is False
    assert (runtime_file.path / FILE).read_text() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dismiss-file", "/etc/app_state.json"], "'/etc/app_state.json' is not a file path"),
        (["--dismiss-file", "https://x.io/a.json"], "is not a file path the analysis reads"),
        (["--dismiss-file", "src/auth/"], "--dismiss-file: 'src/auth/' is not a file path"),
        (["--undismiss-file", "dist/app.js"], "--undismiss-file: 'dist/app.js' is not a file"),
        (["--dismiss-file", STATE, "--undismiss-file", STATE], "do not go together"),
        (["--undismiss-file", STATE, "--why", "x"], "--why goes with --dismiss or --dismiss-file"),
        (["--dismiss-file", STATE, "--review"], "do not go with"),
        (["--dismiss", "US-121:US-124", "--dismiss-file", STATE, "x.py"], "name each after"),
    ],
)
def test_bad_dismiss_file_arguments_are_one_line_usage_errors_and_write_nothing(
    sync_repo: GitRepo, cli: CLI, args: list[str], message: str
) -> None:
    a_usage_error(*cli("deps", *args), message)
    assert not (sync_repo.path / FILE).exists()


def test_a_malformed_file_entry_stops_the_analysis_with_its_line(
    sync_repo: GitRepo, cli: CLI
) -> None:
    assert cli("sync")[0] == 0
    path = sync_repo.path / FILE
    path.parent.mkdir(parents=True)
    broken = 'dismissed:\nfiles:\n  - {path: "/etc/passwd"}\n'
    path.write_text(broken)
    for args in (["deps"], ["deps", "--dismiss-file", STATE], ["plan"]):
        code, out, err = cli(*args)
        assert code == 3, (args, out, err)
        assert err.splitlines()[-2] == (
            "error: _bmad/pantheon/dismissed-deps.yaml:3: path: expected a file path "
            "(data/state.json), got '/etc/passwd'"
        )
        assert path.read_text() == broken


# --- the pure side ---------------------------------------------------------------------------


def test_the_analysis_leaves_out_conflicts_on_dismissed_files_named_or_changed_on_branches() -> (
    None
):
    key = StoryKey.parse
    stories: list[Any] = [
        story("US-1", "Unlock", f"Save the unlock flag to {STATE} and src/lock.py."),
        story("US-2", "Theme", f"Save the theme to {STATE}."),
        story("US-3", "Lock screen", "Change src/lock.py."),
        story("US-4", "Sounds", "Add sounds."),
        story("US-5", "Music", "Add music."),
    ]
    branches = {key("US-4"): {STATE}, key("US-5"): {STATE}}
    whole = analyse(stories, branches)
    shared = {(str(c.a), str(c.b)): c.paths for c in whole.conflicts}
    assert shared[("US-1", "US-2")] == (STATE,)
    assert shared[("US-4", "US-5")] == (STATE,)
    a = analyse(stories, branches, dismissed_files={STATE})
    assert {(str(c.a), str(c.b)): c.paths for c in a.conflicts} == {
        ("US-1", "US-3"): ("src/lock.py",)
    }
    left = {(str(c.a), str(c.b)) for c in a.dismissed_conflicts}
    assert {("US-1", "US-2"), ("US-4", "US-5")} <= left
    assert a.stories[key("US-2")].conflicts == ()
    assert a.stories[key("US-1")].conflicts == (key("US-3"),)
    # a bare name stands for the one longer path ending in it, as the analysis reads it
    bare = [*stories, story("US-6", "Reset", "Clear app_state.json on reset.")]
    read_as = analyse(bare, dismissed_files={"app_state.json"})
    assert not any(STATE in c.paths for c in read_as.conflicts)
    assert analyse(demo_stories(), dismissed_files=set()) == analyse(demo_stories())


def test_the_file_keeps_files_beside_pairs_and_reads_what_a_union_merge_leaves() -> None:
    key = StoryKey.parse
    text = (
        "dismissed:\n"
        '  - {path: "tools/run.py", by: "bob@example.com"}\n'  # under the other heading
        "files:\n"
        '  - {pair: "US-1:US-2"}\n'
        f'  - {{path: "{STATE}", date: 2026-03-02, why: "run time"}}\n'
        '  - {path: "tools/run.py", by: "alice@example.com"}\n'
    )
    judged = read(text, "f")
    assert judged.pairs == (Dismissal(key("US-1"), key("US-2")),)
    assert judged.files == (
        FileDismissal("tools/run.py", "bob@example.com"),
        FileDismissal(STATE, "", "2026-03-02", "run time"),
    )
    out = render(judged.pairs, judged.files)
    assert out.splitlines()[-4:] == [
        '  - {pair: "US-1:US-2"}',
        "files:",
        f'  - {{path: "{STATE}", date: 2026-03-02, why: "run time"}}',
        '  - {path: "tools/run.py", by: "bob@example.com"}',
    ]
    assert read(out, "f").files == tuple(sorted(judged.files, key=lambda f: f.path))
    assert "files:" not in render(judged.pairs).splitlines()  # older files stay as they were
    assert read("dismissed:\n", "f").files == ()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('files:\n  - {path: "a.py", reason: x}\n', "f:2: unknown field 'reason'"),
        ("files:\n  - {path: src/auth/}\n", "f:2: path: expected a file path"),
        ('files:\n  - {path: "./a.py"}\n', "f:2: path: expected a file path"),
        ("files:\n  - {path: 12}\n", "f:2: path: expected a file path"),
        ('files:\n  - {pair: "US-1:US-2", path: "a.py"}\n', "f:2: unknown field 'path'"),
    ],
)
def test_a_malformed_file_entry_names_its_line(text: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read(text, "f")
    assert caught.value.message.startswith(problem)
