"""`pantheon deps --conflict` / `--unconflict`: two stories that change one file their texts
name only in words ("PostgreSQL in Docker Compose", "Redis in Docker Compose"), which no rule
reads, declared a conflict for the whole team and kept under `conflicts:` in
`_bmad/pantheon/dismissed-deps.yaml`.

End to end on the demo backlog synced from the Rally emulator (a real HTTP server) in a real git
repository, with two independent stories rewritten in Rally to set up services in one compose
file: `plan` runs them side by side until the conflict is declared. Rally is not written: it
has no field for "not at the same time" (its dependency collections are Predecessors and
Successors, rally-wsapi.md §10).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.core.keys import StoryKey
from pantheon_git.errors import ConfigError
from pantheon_git.features.deps import Declared, analyse
from pantheon_git.features.deps.dismissals import Declaration, Dismissal, read, render
from pantheon_git.rally.client import RallyClient
from tests.support.deps import demo_stories, story, utc_today
from tests.support.gitrepo import GitRepo
from tests.support.sync import CLI, story_ref
from tests.test_deps_dismiss import a_usage_error
from tests.test_deps_dismiss_files import conflicts, describe, json_of, overlap

FILE = Path("_bmad") / "pantheon" / "dismissed-deps.yaml"
GRAPH = Path(".bmad") / "rally-cache" / "dependencies.json"
COMPOSE = "docker-compose.yml"
PAIR = ("US-127", "US-129")  # independent stories: with 12 developers both start at once
NAMED = ("US-204", "US-207")  # both name src/reports/usage.py: the analysis has them


@pytest.fixture
def compose(sync_repo: GitRepo, cli: CLI, rally_client: RallyClient) -> GitRepo:
    """US-127 and US-129 each add a service to the one compose file, never named; US-204 and
    US-207 both name a module they change."""
    describe(rally_client, "US-127", "Add MFA support. Configure PostgreSQL in Docker Compose.")
    describe(rally_client, "US-129", "Add email verification. Add Redis to Docker Compose.")
    for key in NAMED:
        describe(rally_client, key, "Update src/reports/usage.py for the new columns.")
    assert cli("sync")[0] == 0
    return sync_repo


def declared_of(doc: dict[str, Any]) -> dict[tuple[str, str], bool]:
    return {(c["a"], c["b"]): c["declared"] for c in doc["conflicts"]}


def test_a_declared_conflict_keeps_two_stories_apart_in_plan_until_taken_back(
    compose: GitRepo, cli: CLI
) -> None:
    assert PAIR not in conflicts(json_of(cli, "deps"))
    assert overlap(json_of(cli, "plan"), *PAIR)  # the graph `deps` saved: side by side

    # in either order: written with the smaller key first
    code, out, err = cli(
        "deps", "--conflict", "US-129:US-127", "--file", f"./{COMPOSE}", "--why", "one compose"
    )
    assert code == 0, err
    assert out.splitlines() == [
        "Declared: 1 conflict (_bmad/pantheon/dismissed-deps.yaml).",
        f"  + US-127 ↔ US-129: {COMPOSE} (declared)",
        "`pantheon deps`, `plan` and `checkout --epic` no longer run them at the same time.",
        "Next: commit _bmad/pantheon/dismissed-deps.yaml so the whole team's analysis has them.",
    ]
    text = (compose.path / FILE).read_text()
    assert text.endswith(
        "dismissed:\nconflicts:\n"
        f'  - {{pair: "US-127:US-129", file: "{COMPOSE}", by: "alice@example.com", '
        f'date: {utc_today()}, why: "one compose"}}\n'
    )
    assert (compose.path / FILE.parent / ".gitattributes").read_text() == (
        "dismissed-deps.yaml merge=union\n"
    )

    # deps lists it as declared, in JSON, the text report and the diagram
    doc = json_of(cli, "deps")
    (found,) = [c for c in doc["conflicts"] if (c["a"], c["b"]) == PAIR]
    assert found == {
        "a": "US-127",
        "b": "US-129",
        "kind": "file",
        "evidence": f"US-127 and US-129 change the same file: {COMPOSE} "
        "(declared by alice@example.com: one compose)",
        "files": [COMPOSE],
        "fixtures": [],
        "declared": True,
    }
    rows = {row["key"]: row for row in doc["stories"]}
    assert rows["US-127"]["conflicts_with"] == ["US-129"]
    _, out, _ = cli("deps")
    assert (
        f"  - US-127 (Add MFA support) ↔ US-129 (Add email verification): file {COMPOSE} "
        "(declared by alice@example.com: one compose)\n"
    ) in out
    _, out, _ = cli("deps", "--format", "mermaid")
    assert "    US127 -. declared .- US129" in out.splitlines()
    _, out, _ = cli("deps", "--review")
    assert (
        "Declared conflicts: 1 pair the team keeps apart (US-127 ↔ US-129); "
        "`pantheon deps --unconflict A:B` takes one back."
    ) in out
    review = json_of(cli, "deps", "--review")
    assert review["declared_conflicts"] == [
        {
            "a": "US-127",
            "b": "US-129",
            "file": COMPOSE,
            "by": "alice@example.com",
            "date": utc_today(),
            "why": "one compose",
            "found": False,
        }
    ]

    # a graph saved before the declaration, as a teammate who pulls the file has: plan
    # analyses again rather than run the two side by side
    assert cli("deps", "--unconflict", "US-127:US-129")[0] == 0
    assert cli("deps")[0] == 0
    assert cli("deps", "--conflict", "US-127:US-129", "--file", COMPOSE)[0] == 0
    assert json.loads((compose.path / GRAPH).read_text())["scope"][0]["declared"] == []
    code, out, err = cli("plan", "--json")
    assert code == 0, err
    assert "was made before the declared conflicts changed" in err
    assert not overlap(json.loads(out), *PAIR)
    saved = json.loads((compose.path / GRAPH).read_text())
    assert saved["scope"][0]["declared"] == [f"US-127:US-129 {COMPOSE}"]
    code, _, err = cli("plan", "--json")
    assert "running the dependency analysis" not in err  # current now: used as it is

    code, out, err = cli("deps", "--unconflict", "US-129:US-127", "--json")
    assert code == 0, err
    assert json.loads(out)["conflicts"] == [
        {
            "a": "US-127",
            "b": "US-129",
            "file": COMPOSE,
            "status": "undeclared",
            "found": False,
            "found_files": [],
            "by": "alice@example.com",
            "date": utc_today(),
        }
    ]
    assert PAIR not in conflicts(json_of(cli, "deps"))
    assert overlap(json_of(cli, "plan"), *PAIR)
    assert "\nconflicts:\n" not in (compose.path / FILE).read_text()


def test_a_pair_the_analysis_has_keeps_its_own_conflict(compose: GitRepo, cli: CLI) -> None:
    assert conflicts(json_of(cli, "deps"))[NAMED] == ["src/reports/usage.py"]
    code, out, err = cli("deps", "--conflict", "US-207:US-204", "--why", "same module")
    assert code == 0, err
    assert out.splitlines()[1] == (
        "  + US-204 ↔ US-207 (declared) [the analysis finds this conflict too "
        "(src/reports/usage.py): it keeps its own]"
    )
    doc = json_of(cli, "deps")
    assert [(c["files"], c["declared"]) for c in doc["conflicts"] if (c["a"], c["b"]) == NAMED] == [
        (["src/reports/usage.py"], False)
    ]
    review = json_of(cli, "deps", "--review")
    assert [(c["a"], c["b"], c["file"], c["found"]) for c in review["declared_conflicts"]] == [
        (*NAMED, None, True)
    ]
    assert "file: null" in (compose.path / FILE).read_text()
    # a dismissed file takes the analysis's conflict away, not the team's own word
    assert cli("deps", "--dismiss-file", "src/reports/usage.py")[0] == 0
    assert declared_of(json_of(cli, "deps"))[NAMED] is True


def test_declaring_is_idempotent_and_a_dry_run_writes_nothing(compose: GitRepo, cli: CLI) -> None:
    code, out, err = cli("deps", "--conflict", "US-127:US-129", "--dry-run")
    assert code == 0, err
    assert out.splitlines() == [
        "Dry run: nothing written. 1 conflict would be declared "
        "(_bmad/pantheon/dismissed-deps.yaml):",
        "  + US-127 ↔ US-129 (would declare)",
        "`pantheon deps`, `plan` and `checkout --epic` no longer run them at the same time.",
        "Next: run it again without --dry-run to record them.",
    ]
    assert not (compose.path / FILE.parent).exists()

    doc = json_of(cli, "deps", "--conflict", "US-127:US-129", "US-129:US-127", "US-121:US-126")
    assert [(c["a"], c["b"], c["status"]) for c in doc["conflicts"]] == [
        ("US-127", "US-129", "declared"),
        ("US-121", "US-126", "declared"),
    ]
    assert (doc["dry_run"], doc["undo"], doc["written"]) == (False, False, True)
    before = (compose.path / FILE).read_text()
    lines = [line for line in before.splitlines() if line.startswith("  - ")]
    assert [line.split('"')[1] for line in lines] == ["US-121:US-126", "US-127:US-129"]  # sorted
    code, out, _ = cli("deps", "--conflict", "US-129:US-127", "--file", COMPOSE, "--why", "x")
    assert out.splitlines()[:2] == [
        "Declared: 0 conflicts (_bmad/pantheon/dismissed-deps.yaml).",
        "  = US-127 ↔ US-129 (already declared)",
    ]
    assert "Next: commit" not in out
    assert (compose.path / FILE).read_text() == before  # the first judgement stays
    doc = json_of(cli, "deps", "--unconflict", "US-127:US-129", "US-120:US-122", "--dry-run")
    assert [c["status"] for c in doc["conflicts"]] == ["would undeclare", "not declared"]
    assert (compose.path / FILE).read_text() == before

    # dismissals and declarations live side by side: one never drops the other
    assert cli("deps", "--dismiss", "US-121:US-124")[0] == 0
    judged = read((compose.path / FILE).read_text(), "f")
    assert [str(c.a) for c in judged.conflicts] == ["US-121", "US-127"]
    assert [str(d.source) for d in judged.pairs] == ["US-121"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--conflict", "US-127:US-127"], "'US-127:US-127' links US-127 to itself"),
        (["--conflict", "US-127:US-999"], "US-999 is not among the analysed stories"),
        (["--conflict", "US-127:login"], "'US-127:login' is not a pair of stories"),
        (["--conflict", "US-127"], "'US-127' is not a pair of stories"),
        (["--conflict", "US-127:US-129", "--file", "/etc/x.yml"], "--file: '/etc/x.yml' is not"),
        (["--conflict", "US-127:US-129", "--file", "deploy/"], "--file: 'deploy/' is not a file"),
        (["--file", COMPOSE], "--file goes with --conflict"),
        (["--unconflict", "US-127:US-129", "--file", COMPOSE], "--file goes with --conflict"),
        (["--unconflict", "US-127:US-129", "--why", "x"], "--why goes with --conflict"),
        (["--conflict", "US-127:US-129", "--unconflict", "US-1:US-2"], "do not go together"),
        (["--conflict", "US-127:US-129", "--dismiss", "US-121:US-124"], "do not go with"),
        (["--conflict", "US-127:US-129", "--review"], "do not go with"),
        (["--conflict", "US-127:US-129", "--format", "json"], "do not go with"),
    ],
)
def test_bad_conflict_arguments_are_one_line_usage_errors_and_write_nothing(
    compose: GitRepo, cli: CLI, args: list[str], message: str
) -> None:
    a_usage_error(*cli("deps", *args), message)
    assert not (compose.path / FILE).exists()


def test_a_malformed_conflict_entry_stops_the_analysis_with_its_line(
    sync_repo: GitRepo, cli: CLI
) -> None:
    assert cli("sync")[0] == 0
    path = sync_repo.path / FILE
    path.parent.mkdir(parents=True)
    broken = 'dismissed:\nconflicts:\n  - {pair: "US-127:US-129", file: "/etc/passwd"}\n'
    path.write_text(broken)
    for args in (["deps"], ["deps", "--conflict", "US-121:US-126"], ["plan"]):
        code, out, err = cli(*args)
        assert code == 3, (args, out, err)
        assert err.splitlines()[-2] == (
            "error: _bmad/pantheon/dismissed-deps.yaml:3: file: expected a file path "
            "(compose.yaml) or null, got '/etc/passwd'"
        )
        assert path.read_text() == broken


def test_two_developers_declarations_merge_without_a_conflict(
    compose: GitRepo, cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Alice and Bob each declare a conflict in their clone; the lines land at the same place
    assert cli("deps", "--conflict", "US-121:US-126")[0] == 0
    compose.git("add", "_bmad")
    compose.git("commit", "-q", "-m", "declare US-121:US-126")
    compose.git("push", "-q", "origin", "main")
    bob = compose.clone(tmp_path / "bob")
    bob.git("config", "user.email", "bob@example.com")
    assert cli("deps", "--conflict", "US-127:US-129", "--file", COMPOSE)[0] == 0
    compose.git("commit", "-q", "-am", "declare US-127:US-129")
    compose.git("push", "-q", "origin", "main")

    monkeypatch.chdir(bob.path)
    assert cli("sync")[0] == 0
    assert cli("deps", "--conflict", "US-127:US-129", "--why", "compose")[0] == 0
    assert cli("deps", "--dismiss", "US-121:US-124")[0] == 0
    bob.git("commit", "-q", "-am", "declare US-127:US-129, dismiss US-121:US-124")
    bob.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")  # a merge
    merged = (bob.path / FILE).read_text()
    assert "<<<<<<<" not in merged
    assert merged.count('pair: "US-127:US-129"') == 2  # both developers' lines
    doc = json_of(cli, "deps")
    assert declared_of(doc)[PAIR] is True
    assert declared_of(doc)[("US-121", "US-126")] is True
    # the next write tidies it: each pair once, the first line's judgement kept
    assert cli("deps", "--unconflict", "US-121:US-126")[0] == 0
    tidy = read((bob.path / FILE).read_text(), "f")
    assert [(str(c.a), c.file, c.by) for c in tidy.conflicts] == [
        ("US-127", None, "bob@example.com")
    ]
    assert (bob.path / FILE).read_text().count("US-127:US-129") == 1
    assert [str(d.source) for d in tidy.pairs] == ["US-121"]


# --- the pure side ---------------------------------------------------------------------------


def test_the_analysis_adds_declared_conflicts_it_does_not_find() -> None:
    key = StoryKey.parse
    stories: list[Any] = [
        story("US-1", "Postgres", "Configure PostgreSQL in Docker Compose."),
        story("US-2", "Redis", "Add Redis to Docker Compose."),
        story("US-3", "Report", "Change src/report.py."),
        story("US-4", "Report totals", "Change src/report.py."),
        story("US-5", "Other", "Add sounds."),
    ]
    plain = analyse(stories)
    assert {(str(c.a), str(c.b)) for c in plain.conflicts} == {("US-3", "US-4")}
    declared = [
        Declared(key("US-2"), key("US-1"), "docker-compose.yml", "declared by a@x.io: compose"),
        Declared(key("US-4"), key("US-3"), None, "declared"),  # the analysis has it
        Declared(key("US-1"), key("US-9"), None, "declared"),  # not analysed: left out
    ]
    a = analyse(stories, declared=declared)
    assert [(str(c.a), str(c.b), c.kind, c.paths, bool(c.declared)) for c in a.conflicts] == [
        ("US-1", "US-2", "file", ("docker-compose.yml",), True),
        ("US-3", "US-4", "file", ("src/report.py",), False),
    ]
    assert a.conflicts[0].evidence == (
        "US-1 and US-2 change the same file: docker-compose.yml (declared by a@x.io: compose)"
    )
    assert a.stories[key("US-1")].conflicts == (key("US-2"),)
    assert a.stories[key("US-5")].independent
    # a dismissed file does not remove a declared conflict: the team said both
    both = analyse(stories, dismissed_files={"src/report.py"}, declared=declared[1:2])
    assert [(str(c.a), str(c.b), c.paths) for c in both.conflicts] == [("US-3", "US-4", ())]
    assert both.conflicts[0].evidence == "US-3 and US-4 change the same file (declared)"
    assert analyse(demo_stories(), declared=()) == analyse(demo_stories())


def test_the_file_keeps_conflicts_beside_pairs_and_files_and_reads_a_union_merge() -> None:
    key = StoryKey.parse
    text = (
        "dismissed:\n"
        '  - {pair: "US-9:US-2", file: null, by: "bob@example.com"}\n'  # under another heading
        '  - {pair: "US-1:US-2"}\n'
        "conflicts:\n"
        '  - {pair: "US-2:US-9", file: "docker-compose.yml", by: "alice@example.com"}\n'
        '  - {pair: "US-3:US-4", file: null, why: "one module"}\n'
        '  - {pair: "US-3:US-4", file: null, why: "one module"}\n'  # a union merge's twin
    )
    judged = read(text, "f")
    assert judged.pairs == (Dismissal(key("US-1"), key("US-2")),)
    assert judged.conflicts == (
        Declaration(key("US-2"), key("US-9"), None, "bob@example.com"),  # the first wins
        Declaration(key("US-3"), key("US-4"), None, why="one module"),
    )
    out = render(judged.pairs, judged.files, judged.conflicts)
    assert out.splitlines()[-4:] == [
        '  - {pair: "US-1:US-2"}',
        "conflicts:",
        '  - {pair: "US-2:US-9", file: null, by: "bob@example.com"}',
        '  - {pair: "US-3:US-4", file: null, why: "one module"}',
    ]
    assert read(out, "f") == judged
    assert "conflicts:" not in render(judged.pairs).splitlines()  # older files stay as they were
    assert read("dismissed:\nfiles:\n", "f").conflicts == ()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('conflicts:\n  - {pair: "US-1:US-1", file: null}\n', "f:2: pair: expected two stories"),
        ('conflicts:\n  - {pair: "US-1", file: null}\n', "f:2: pair: expected two stories"),
        ("conflicts:\n  - {pair: US-1:US-2, file: src/}\n", "f:2: file: expected a file path"),
        ("conflicts:\n  - {pair: US-1:US-2, file: 12}\n", "f:2: file: expected a file path"),
        (
            'conflicts:\n  - {pair: "US-1:US-2", file: null, reason: x}\n',
            "f:2: unknown field 'reason'",
        ),
    ],
)
def test_a_malformed_conflict_entry_names_its_line(text: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read(text, "f")
    assert caught.value.message.startswith(problem)


def test_checkout_of_an_epic_keeps_clear_of_work_in_progress_declared_to_conflict(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # someone has started US-127; US-120 (first on the critical path) changes the same file
    rally_client.wire.update(story_ref(rally_client, "US127"), {"ScheduleState": "In-Progress"})
    assert cli("sync")[0] == 0
    assert cli("deps", "--epic", "17")[0] == 0
    monkeypatch.setenv("PANTHEON_RALLY_AUTO_SYNC", "false")  # the saved graph stays current
    doc = json_of(cli, "deps", "--conflict", "US-127:US-120", "--file", COMPOSE)
    assert [c["status"] for c in doc["conflicts"]] == ["declared"]
    # the graph saved before the declaration is analysed again, and US-120 waits its turn
    code, out, err = cli("checkout", "--epic", "17", "--no-branch", "--json")
    assert code == 0, err
    assert json.loads(out)["story"] != "US-120"
    saved = json.loads((sync_repo.path / GRAPH).read_text())
    assert saved["scope"][0]["declared"] == [f"US-120:US-127 {COMPOSE}"]
