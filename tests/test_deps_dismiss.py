"""`pantheon deps --dismiss` / `--undismiss`: one inferred dependency the team judged wrong,
kept in `_bmad/pantheon/dismissed-deps.yaml` beside the config and committed with the code.

End to end on the demo backlog synced from the Rally emulator (a real HTTP server) in a real git
repository: the analysis, `--review`, `plan` (from a graph saved before the dismissal) and
`checkout --epic` all leave the pair out. Rally is not written: it has no field for "not a
predecessor" (its dependency collections are Predecessors and Successors, rally-wsapi.md §10).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.core.keys import StoryKey
from pantheon_git.errors import ConfigError
from pantheon_git.features.deps import analyse
from pantheon_git.features.deps.dismissals import Dismissal, parse, render
from pantheon_git.rally.client import RallyClient
from tests.support.deps import demo_stories, story, utc_today
from tests.support.gitrepo import GitRepo
from tests.support.sync import CLI
from tests.test_deps_accept import predecessors

FILE = Path("_bmad") / "pantheon" / "dismissed-deps.yaml"
GRAPH = Path(".bmad") / "rally-cache" / "dependencies.json"
PAIR = ("US-121", "US-124")  # api, high: the login form calls the login endpoint


def json_of(cli: CLI, *args: str) -> dict[str, Any]:
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert isinstance(doc, dict)
    return doc


def edges(doc: dict[str, Any], name: str = "edges") -> set[tuple[str, str]]:
    return {(e["from"], e["to"]) for e in doc[name]}


def starts(plan: dict[str, Any]) -> dict[str, float]:
    return {s["key"]: s["start"] for lane in plan["lanes"] for s in lane["stories"]}


def ends(plan: dict[str, Any]) -> dict[str, float]:
    return {s["key"]: s["end"] for lane in plan["lanes"] for s in lane["stories"]}


def test_a_dismissed_edge_leaves_deps_review_and_plan_and_comes_back_when_taken_back(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient
) -> None:
    assert cli("sync")[0] == 0
    assert PAIR in edges(json_of(cli, "deps"))
    plan = json_of(cli, "plan")  # uses the graph `deps` saved
    assert starts(plan)["US-124"] >= ends(plan)["US-121"]

    code, out, err = cli("deps", "--dismiss", "US-121:US-124", "--why", "the form calls a mock")
    assert code == 0, err
    assert out.splitlines()[:2] == [
        "Dismissed: 1 pair (_bmad/pantheon/dismissed-deps.yaml).",
        "  - US-121 before US-124 (dismissed) [api, high]",
    ]
    assert "Next: commit _bmad/pantheon/dismissed-deps.yaml" in out
    text = (sync_repo.path / FILE).read_text()
    assert text.startswith("# Inferred dependencies this team dismissed as wrong")
    assert "commit this file" in text
    assert text.endswith(
        "dismissed:\n"
        '  - {pair: "US-121:US-124", by: "alice@example.com", date: '
        f'{utc_today()}, why: "the form calls a mock"}}\n'
    )
    assert predecessors(rally_client, "US124") == set()  # Rally is not touched

    # the report says what it left out; the edge is in no list an order is made from
    doc = json_of(cli, "deps")
    assert PAIR not in edges(doc) | edges(doc, "hints")
    assert edges(doc, "dismissed") == {PAIR}
    code, out, _ = cli("deps")
    assert "Left out (1 pair the team dismissed as wrong; `pantheon deps --undismiss" in out
    assert "  - US-121 (Add login endpoint) → US-124: US-124 calls POST /api/auth/login" in out
    code, out, _ = cli("deps", "--review")
    assert "US-121:US-124" not in out.split("Left out")[0]
    assert "Left out: 1 pair the team dismissed as wrong (US-121:US-124)" in out
    review = json_of(cli, "deps", "--review")
    assert PAIR not in edges(review, "proposed")
    (left,) = review["dismissed"]
    assert {k: left[k] for k in ("from", "to", "kind", "confidence", "by", "why")} == {
        "from": "US-121",
        "to": "US-124",
        "kind": "api",
        "confidence": "high",
        "by": "alice@example.com",
        "why": "the form calls a mock",
    }

    # `deps` saved the graph again above: make one from before the dismissal, as a teammate
    # who pulls the file has
    assert cli("deps", "--undismiss", "US-121:US-124")[0] == 0
    assert cli("deps")[0] == 0
    assert cli("deps", "--dismiss", "US-121:US-124")[0] == 0
    assert json.loads((sync_repo.path / GRAPH).read_text())["scope"][0]["dismissed"] == []
    code, out, err = cli("plan", "--json")
    assert code == 0, err
    assert "was made before the dismissed dependencies changed" in err
    assert starts(json.loads(out))["US-124"] == 0  # nothing else holds the login form back
    saved = json.loads((sync_repo.path / GRAPH).read_text())
    assert saved["scope"][0]["dismissed"] == ["US-121:US-124"]
    code, _, err = cli("plan", "--json")
    assert "running the dependency analysis" not in err  # current now: used as it is

    code, out, err = cli("deps", "--undismiss", "US-121:US-124", "--json")
    assert code == 0, err
    assert json.loads(out)["pairs"] == [
        {
            "from": "US-121",
            "to": "US-124",
            "status": "undismissed",
            "inferred": True,
            "kind": "api",
            "confidence": "high",
            "by": "alice@example.com",
            "date": utc_today(),
        }
    ]
    assert PAIR in edges(json_of(cli, "deps"))
    assert PAIR in edges(json_of(cli, "deps", "--review"), "proposed")
    plan = json_of(cli, "plan")
    assert starts(plan)["US-124"] >= ends(plan)["US-121"]
    assert "US-121:US-124" not in (sync_repo.path / FILE).read_text()


def test_dismissing_is_idempotent_and_records_a_pair_not_inferred_now(
    sync_repo: GitRepo, cli: CLI
) -> None:
    assert cli("sync")[0] == 0
    doc = json_of(cli, "deps", "--dismiss", "US-126:US-127", "US-121:US-124")
    assert [(p["from"], p["to"], p["status"], p["inferred"]) for p in doc["pairs"]] == [
        ("US-126", "US-127", "dismissed", False),
        ("US-121", "US-124", "dismissed", True),
    ]
    assert "kind" not in doc["pairs"][0]
    assert (doc["dry_run"], doc["undo"], doc["written"]) == (False, False, True)
    assert doc["file"] == "_bmad/pantheon/dismissed-deps.yaml"
    before = (sync_repo.path / FILE).read_text()
    lines = [line for line in before.splitlines() if line.startswith("  - ")]
    assert [line.split('"')[1] for line in lines] == ["US-121:US-124", "US-126:US-127"]  # sorted

    code, out, err = cli("deps", "--dismiss", "US-121:US-124", "--why", "changed my mind")
    assert code == 0, err
    assert "Dismissed: 0 pairs" in out
    assert "  = US-121 before US-124 (already dismissed) [api, high]" in out
    assert "Next: commit" not in out
    assert (sync_repo.path / FILE).read_text() == before  # the first judgement stays

    code, out, _ = cli("deps", "--dismiss", "US-127:US-128")
    assert (
        "  - US-127 before US-128 (dismissed) [not inferred now: kept out if the texts come "
        "to suggest it]"
    ) in out
    doc = json_of(cli, "deps", "--undismiss", "US-127:US-128", "US-127:US-128", "US-129:US-128")
    assert [p["status"] for p in doc["pairs"]] == ["undismissed", "not dismissed"]
    doc = json_of(cli, "deps", "--undismiss", "US-129:US-128")
    assert doc["written"] is False


def test_a_dry_run_checks_and_writes_nothing(sync_repo: GitRepo, cli: CLI) -> None:
    assert cli("sync")[0] == 0
    code, out, err = cli("deps", "--dismiss", "US-121:US-124", "--dry-run")
    assert code == 0, err
    assert out.splitlines() == [
        "Dry run: nothing written. 1 pair would be dismissed (_bmad/pantheon/dismissed-deps.yaml):",
        "  - US-121 before US-124 (would dismiss) [api, high]",
        "The analysis leaves them out: `pantheon deps`, `plan` and `checkout --epic` no longer "
        "make the later story wait for them.",
        "Next: run it again without --dry-run to record them.",
    ]
    assert not (sync_repo.path / FILE.parent).exists()
    assert PAIR in edges(json_of(cli, "deps"))
    assert cli("deps", "--dismiss", "US-121:US-124")[0] == 0
    before = (sync_repo.path / FILE).read_text()
    doc = json_of(cli, "deps", "--undismiss", "US-121:US-124", "--dry-run")
    assert [p["status"] for p in doc["pairs"]] == ["would undismiss"]
    assert doc["written"] is False
    assert (sync_repo.path / FILE).read_text() == before


def test_a_rally_predecessor_is_refused_with_the_next_step(
    sync_repo: GitRepo, cli: CLI, rally_client: RallyClient
) -> None:
    assert cli("sync")[0] == 0
    assert cli("deps", "--accept", "US-121:US-124")[0] == 0
    assert predecessors(rally_client, "US124") == {"US121"}
    code, out, err = cli("deps", "--dismiss", "US-122:US-125", "US-121:US-124")
    assert code == 2, out
    first, hint = err.splitlines()
    assert first == (
        "error: US-121:US-124 is a Rally predecessor (US-121 is among US-124's Predecessors), "
        "not an inferred dependency: it cannot be dismissed"
    )
    assert "remove US-121 from US-124's Predecessors in Rally" in hint
    assert "`pantheon deps` shows it as Rally's" in hint
    assert not (sync_repo.path / FILE).exists()  # the other pair is not written either


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dismiss", "US-121"], "'US-121' is not a pair of stories"),
        (["--dismiss", "US-121:US-121"], "links US-121 to itself"),
        (["--dismiss", "US-999:US-124"], "US-999 is not among the analysed stories"),
        (["--undismiss", "US-999:US-124"], "US-999 is not among the analysed stories"),
        (["--epic", "17", "--dismiss", "US-120:US-203"], "US-203 is not among the analysed"),
        (["--dismiss", "US-121:US-124", "US-1x"], "'US-1x' is not a pair of stories"),
        (["--why", "no"], "--why goes with --dismiss"),
        (["--undismiss", "US-121:US-124", "--why", "no"], "--why goes with --dismiss"),
        (["--dismiss", "US-121:US-124", "--undismiss", "US-1:US-2"], "do not go together"),
        (["--dismiss", "US-121:US-124", "--accept", "US-122:US-125"], "do not go with"),
        (["--dismiss", "US-121:US-124", "--review"], "do not go with"),
        (["--undismiss", "US-121:US-124", "--link", "US-1:US-2"], "do not go with"),
        (["--dismiss", "US-121:US-124", "--format", "mermaid"], "or --dismiss"),
        (["US-121:US-124"], "Pairs go after --accept, --link, --dismiss or --undismiss"),
    ],
)
def test_bad_dismiss_arguments_are_one_line_usage_errors_and_write_nothing(
    sync_repo: GitRepo, cli: CLI, args: list[str], message: str
) -> None:
    assert cli("sync")[0] == 0
    a_usage_error(*cli("deps", *args), message)
    assert not (sync_repo.path / FILE).exists()


def a_usage_error(code: int, out: str, err: str, message: str) -> None:
    """One line of error (and one of hint), exit 2, no traceback."""
    assert code == 2, (out, err)
    assert err.startswith("error: ")
    assert message in err
    assert len(err.splitlines()) <= 2  # the error and its hint
    assert "Traceback" not in err


def test_a_malformed_file_stops_every_reader_and_is_not_overwritten(
    sync_repo: GitRepo, cli: CLI
) -> None:
    assert cli("sync")[0] == 0
    path = sync_repo.path / FILE
    path.parent.mkdir(parents=True)
    broken = '# ours\ndismissed:\n  - {pair: "US-121:US-124"}\n  - {pair: "US-121 before US-124"}\n'
    path.write_text(broken)
    for args in (["deps"], ["deps", "--dismiss", "US-122:US-125"], ["plan"], ["deps", "--review"]):
        code, out, err = cli(*args)
        assert code == 3, (args, out, err)
        first, hint = err.splitlines()[-2:]
        assert first == (
            "error: _bmad/pantheon/dismissed-deps.yaml:4: pair: expected BEFORE:AFTER "
            "(US-1:US-2), got 'US-121 before US-124'"
        )
        assert hint.startswith("Fix that line")
        assert path.read_text() == broken
    path.write_text("dismissed:\n  pair: US-121:US-124\n")
    code, _, err = cli("deps")
    assert code == 3
    assert "dismissed-deps.yaml:2: expected one entry per line, starting with `- `" in err


def test_the_file_sits_beside_the_config_in_use(
    sync_repo: GitRepo, cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("sync")[0] == 0
    elsewhere = tmp_path / "team-config"
    elsewhere.mkdir()
    (elsewhere / "config.yaml").write_text("pantheon:\n  deps_inferred: true\n")
    monkeypatch.setenv("PANTHEON_CONFIG", str(elsewhere / "config.yaml"))
    doc = json_of(cli, "deps", "--dismiss", "US-121:US-124")
    assert doc["file"] == str(elsewhere / "dismissed-deps.yaml")
    assert (elsewhere / "dismissed-deps.yaml").is_file()
    assert not (sync_repo.path / FILE).exists()
    assert PAIR not in edges(json_of(cli, "deps"))
    monkeypatch.delenv("PANTHEON_CONFIG")
    assert PAIR in edges(json_of(cli, "deps"))


def test_two_developers_dismissals_merge_without_a_conflict(
    sync_repo: GitRepo, cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Alice and Bob each dismiss a pair in their clone; the lines land at the same place
    assert cli("sync")[0] == 0
    assert cli("deps", "--dismiss", "US-122:US-125")[0] == 0
    sync_repo.git("add", "_bmad")
    sync_repo.git("commit", "-q", "-m", "dismiss US-122:US-125")
    sync_repo.git("push", "-q", "origin", "main")
    bob = sync_repo.clone(tmp_path / "bob")
    bob.git("config", "user.email", "bob@example.com")
    assert cli("deps", "--dismiss", "US-121:US-124")[0] == 0
    sync_repo.git("commit", "-q", "-am", "dismiss US-121:US-124")
    sync_repo.git("push", "-q", "origin", "main")

    monkeypatch.chdir(bob.path)
    assert cli("sync")[0] == 0
    assert cli("deps", "--dismiss", "US-120:US-203", "--why", "partners have their own")[0] == 0
    bob.git("commit", "-q", "-am", "dismiss US-120:US-203")
    bob.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")  # a merge
    assert "<<<<<<<" not in (bob.path / FILE).read_text()
    doc = json_of(cli, "deps")
    assert edges(doc, "dismissed") == {PAIR, ("US-122", "US-125"), ("US-120", "US-203")}
    by = {e.pair: e.by for e in parse((bob.path / FILE).read_text(), "f")}
    assert by[(StoryKey.parse("US-120"), StoryKey.parse("US-203"))] == "bob@example.com"
    assert by[(StoryKey.parse("US-121"), StoryKey.parse("US-124"))] == "alice@example.com"


def test_dismissals_run_at_the_same_moment_each_keep_the_others(
    sync_repo: GitRepo, cli: CLI
) -> None:
    # six developers' agents dismiss six pairs at once, each its own `pantheon` process; every
    # one reads the file when it starts, so without the lock the last writer wins
    assert cli("sync")[0] == 0
    pairs = ["US-120:US-121", "US-121:US-124", "US-122:US-125", "US-123:US-126", "US-127:US-128"]
    declared = "US-128:US-129"
    commands = [["deps", "--dismiss", p, "--why", "the same moment"] for p in pairs]
    commands.append(["deps", "--conflict", declared, "--why", "both change the fixtures"])
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "pantheon_git", *args],
            cwd=sync_repo.path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in commands
    ]
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, (out, err)
    entries = parse((sync_repo.path / FILE).read_text(), "f")
    assert sorted(f"{e.pair[0]}:{e.pair[1]}" for e in entries) == sorted(pairs)
    doc = json_of(cli, "deps")
    assert {PAIR, ("US-122", "US-125")} <= edges(doc, "dismissed")  # the inferred ones
    assert [(c["a"], c["b"]) for c in doc["conflicts"] if c["declared"]] == [("US-128", "US-129")]


def test_checkout_of_an_epic_no_longer_waits_on_a_dismissed_edge(
    sync_repo: GitRepo, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("sync")[0] == 0
    assert cli("deps", "--epic", "17")[0] == 0
    monkeypatch.setenv("PANTHEON_RALLY_AUTO_SYNC", "false")  # the saved graph stays current
    doc = json_of(cli, "deps", "--dismiss", "US-120:US-121", "US-120:US-122", "US-120:US-123")
    assert [p["status"] for p in doc["pairs"]] == ["dismissed"] * 3
    # US-120 is the only story free of the texts' edges before: now US-121 is free too
    code, out, err = cli("checkout", "--epic", "17", "--no-branch", "--json")
    assert code == 0, err
    assert json.loads(out)["story"] == "US-121"
    saved = json.loads((sync_repo.path / GRAPH).read_text())
    assert saved["scope"][0]["dismissed"] == ["US-120:US-121", "US-120:US-122", "US-120:US-123"]


def test_with_deps_inferred_off_a_dismissed_pair_is_no_hint_either(
    sync_repo: GitRepo, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("sync")[0] == 0
    monkeypatch.setenv("PANTHEON_DEPS_INFERRED", "false")
    assert PAIR in edges(json_of(cli, "deps"), "hints")
    assert cli("deps", "--dismiss", "US-121:US-124")[0] == 0
    doc = json_of(cli, "deps")
    assert PAIR not in edges(doc, "hints")
    assert edges(doc, "dismissed") == {PAIR}
    review = json_of(cli, "deps", "--review")
    assert PAIR not in edges(review, "proposed")
    assert edges(review, "dismissed") == {PAIR}


# --- the pure side ---------------------------------------------------------------------------


def test_the_analysis_leaves_out_dismissed_inferred_pairs_but_never_rallys() -> None:
    stories: list[Any] = [
        story("US-1", "Users API", "Implement POST /api/users."),
        story("US-2", "Signup form", "The form submits to POST /api/users.", predecessors=["US-1"]),
        story("US-3", "Admin list", "The admin page calls POST /api/users."),
    ]
    key = StoryKey.parse
    whole = analyse(stories)
    assert {(str(e.source), str(e.target)) for e in whole.edges} == {
        ("US-1", "US-2"),
        ("US-1", "US-3"),
    }
    dismissed = {(key("US-1"), key("US-2")), (key("US-1"), key("US-3"))}
    a = analyse(stories, dismissed=dismissed)
    assert [(str(e.source), str(e.target), e.kind) for e in a.edges] == [
        ("US-1", "US-2", "explicit")
    ]
    assert [(str(e.source), str(e.target)) for e in a.dismissed] == [("US-1", "US-3")]
    assert a.stories[key("US-3")].predecessors == ()
    off = analyse(stories, inferred=False, dismissed=dismissed)
    assert off.hints == ()
    assert [(str(e.source), str(e.target)) for e in off.dismissed] == [("US-1", "US-3")]
    assert analyse(demo_stories(), dismissed=set()) == analyse(demo_stories())


def test_the_file_reads_what_a_union_merge_leaves_and_writes_it_back_tidy() -> None:
    key = StoryKey.parse
    text = (
        "# ours\n"
        "dismissed:\n"
        '  - {pair: "US-7:US-9", by: "bob@example.com", date: 2026-03-02, why: "b"}\n'
        '  - {pair: "US-10:US-11"}\n'
        '  - {pair: "US-7:US-9", by: "alice@example.com", date: 2026-03-01, why: "a"}\n'
    )
    entries = parse(text, "f")
    assert entries == [
        Dismissal(key("US-7"), key("US-9"), "bob@example.com", "2026-03-02", "b"),
        Dismissal(key("US-10"), key("US-11")),
    ]
    out = render(entries)
    assert out.splitlines()[-2:] == [
        '  - {pair: "US-7:US-9", by: "bob@example.com", date: 2026-03-02, why: "b"}',
        '  - {pair: "US-10:US-11"}',
    ]
    assert parse(out, "f") == entries
    assert parse(render([]), "f") == []
    assert parse("dismissed: []\n", "f") == []
    assert parse("", "f") == []


def test_a_why_stays_on_its_line_whatever_it_holds() -> None:
    key = StoryKey.parse
    why = 'two\nlines\u2028and "quotes": {braces}, # not a comment \x07'
    (entry,) = parse(render([Dismissal(key("US-1"), key("US-2"), "a@b.c", "2026-01-01", why)]), "f")
    assert entry.why == 'two lines and "quotes": {braces}, # not a comment'
    text = render([Dismissal(key("US-1"), key("US-2"), why=why)])
    assert len([line for line in text.split("\n") if line.startswith("  - ")]) == 1


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('- {pair: "US-1:US-2"}\n', "f:1: expected `dismissed:` before the entries"),
        ("dismissed:\n  - {pair: US-1}\n", "f:2: pair: expected BEFORE:AFTER"),
        ("dismissed:\n  - {pair: US-1:US-1}\n", "f:2: pair: expected BEFORE:AFTER"),
        ("dismissed:\n\n  - {pair: US-1:US-2, reason: x}\n", "f:3: unknown field 'reason'"),
        ("dismissed:\n  - {pair: US-1:US-2, why: [a]}\n", "f:2: why: expected text"),
        ("dismissed:\n  - {pair: US-1:US-2\n", "f:2: not an entry"),
        ("dismissed:\n  - just words\n", "f:2: not an entry"),
    ],
)
def test_a_malformed_entry_names_its_line(text: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(text, "f")
    assert caught.value.message.startswith(problem)
