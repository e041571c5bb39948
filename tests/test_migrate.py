"""``pantheon migrate`` against the Rally emulator running as a real HTTP server."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.bmad import ParsedStory, parse_story, to_story
from pantheon_git.bmad.criteria import criteria_from_markdown
from pantheon_git.bmad.rally_form import tasks_from_rally
from pantheon_git.cache.journal import migration_lock
from pantheon_git.cli import main
from pantheon_git.config import load_config
from pantheon_git.core.richtext import html_to_markdown, markdown_to_html
from pantheon_git.core.story import Task
from pantheon_git.errors import CheckFailed
from pantheon_git.rally import records
from pantheon_git.rally.client import RallyClient
from pantheon_git.rally.query import eq, where
from pantheon_git.rally.records import STORY
from tests.support.gitrepo import GitRepo
from tests.support.sync import CLI

FIXTURES = Path(__file__).parent / "fixtures" / "bmad"
REAL = {
    "1.1.story.md": "v4/security-design-assistant/1.1.story.md",
    "4.3.2.story.md": "v4/security-design-assistant/4.3.2.story.md",
    "ferrocodex-1.1.story.md": "v4/ferrocodex/1.1.story.md",
}
DEPENDENT = """# Story 9.2: Login form

## Status
Approved

## Story
As a user, I want a login form, so that I can sign in.

This depends on Story 9.1.

## Acceptance Criteria
1. The form has email and password

## Tasks / Subtasks
- [ ] Build the form (AC: 1)
  - [x] Email field
"""
FOUNDATION = """# Story 9.1: User model

Status: in-progress

## Story
As a developer, I want a user model, so that login has something to check.

## Acceptance Criteria
1. Users have an email

## Tasks / Subtasks
- [x] Create the table (AC: 1)
"""
NOT_A_STORY = "# Course Correction Request\n\nNot a story.\n"
MALFORMED = "# Story 3.3:   \n\n## Story\nx\n"


@pytest.fixture
def rally(rally_in_env: Any) -> Any:
    return rally_in_env


@pytest.fixture
def repo(git_repo: GitRepo, rally: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    stories = git_repo.path / "docs" / "stories"
    stories.mkdir(parents=True)
    for name, source in REAL.items():
        shutil.copyfile(FIXTURES / source, stories / name)
    (stories / "9.1.story.md").write_text(FOUNDATION)
    (stories / "9.2.story.md").write_text(DEPENDENT)
    (stories / "4.3.1-course-correction-request.md").write_text(NOT_A_STORY)
    monkeypatch.chdir(git_repo.path)
    return git_repo.path


@pytest.fixture
def client(rally: Any) -> Iterator[RallyClient]:
    config = load_config(environ=rally.env())
    with RallyClient.from_config(config) as rally_client:
        yield rally_client


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted((root / "docs").rglob("*"))
        if p.is_file()
    }


def story_count(client: RallyClient) -> int:
    return len(client.wire.query(STORY, fetch=("ObjectID",)))


def plain(tasks: tuple[Task, ...]) -> list[tuple[object, ...]]:
    return [(t.name, t.done, t.ac_refs, plain(t.children)) for t in tasks]


def parsed_file(path: Path) -> ParsedStory:
    parsed = parse_story(path.read_text(encoding="utf-8"), path.name)
    assert isinstance(parsed, ParsedStory)
    return parsed


def test_migrate_creates_links_and_reads_back(repo: Path, cli: CLI, client: RallyClient) -> None:
    before_files = snapshot(repo)
    before_count = story_count(client)
    code, out, err = cli("migrate", "--epic", "17", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["epic"] == "F17"
    assert [s["action"] for s in doc["stories"]] == ["created"] * 5
    assert doc["skipped"] == [
        {
            "path": "docs/stories/4.3.1-course-correction-request.md",
            "reason": "line 1: `# Course Correction Request` is not a story title",
        }
    ]
    assert story_count(client) == before_count + 5
    for story in doc["stories"]:
        path = repo / story["path"]
        parsed = parsed_file(path)
        # The Rally line was written under the title; the rest of the file is unchanged.
        assert parsed.rally is not None
        assert str(parsed.rally.key) == story["key"]
        lines = path.read_bytes().split(b"\n")
        original = before_files[story["path"]].split(b"\n")
        assert lines == [
            original[0],
            b"",
            f"Rally: {parsed.rally.key.formatted_id} {story['url']}".encode(),
            *original[1:],
        ]
        # What Rally holds reads back as the same title, criteria and tasks.
        item = client.wire.find_story(parsed.rally.key, fetch=True)
        assert item["Name"] == parsed.title
        epic = client.wire.query(
            "PortfolioItem/Feature", eq("FormattedID", "F17"), fetch=("ObjectID",)
        )
        assert item["PortfolioItem"]["_ref"].endswith(f"/{epic[0]['ObjectID']}")
        back = criteria_from_markdown(html_to_markdown(item["c_AcceptanceCriteria"]))
        assert [markdown_to_html(c) for c in back] == [
            markdown_to_html(c.text) for c in parsed.criteria
        ]
        tasks = client.collection(
            item["_ref"], "Tasks", decode=records.task, fetch=True, order=("TaskIndex",)
        )
        assert plain(tasks_from_rally(tasks)) == plain(to_story(parsed).tasks)
    # Status through migrate_status_map; dependencies as Predecessors.
    by_path = {s["path"]: s for s in doc["stories"]}
    assert by_path["docs/stories/9.1.story.md"]["schedule_state"] == "In-Progress"
    assert by_path["docs/stories/1.1.story.md"]["schedule_state"] == "Completed"
    assert by_path["docs/stories/9.2.story.md"]["predecessors"] == [
        by_path["docs/stories/9.1.story.md"]["key"]
    ]
    dependent = client.wire.find_story(
        by_path["docs/stories/9.2.story.md"]["key"], fetch=("ObjectID",)
    )
    predecessors = client.wire.collection(dependent["_ref"], "Predecessors", fetch=("FormattedID",))
    assert [f"US-{p['FormattedID'][2:]}" for p in predecessors] == [
        by_path["docs/stories/9.1.story.md"]["key"]
    ]
    # The originals were archived before anything changed.
    archive = repo / ".bmad" / "archive" / doc["run"] / "docs" / "stories"
    assert (archive / "1.1.story.md").read_bytes() == before_files["docs/stories/1.1.story.md"]


def test_report_and_rerun_creates_nothing(repo: Path, cli: CLI, client: RallyClient) -> None:
    code, out, _ = cli("migrate", "--epic", "F17")
    assert code == 0
    assert out.startswith(
        "Rally Migration Complete\n"
        + "━" * 47
        + "\nMigrated 5 stories to Rally Epic F17: User Authentication"
    )
    assert "Skipped (not stories):" in out
    assert "Next Steps:" in out
    count = story_count(client)
    files = snapshot(repo)
    code, out, _ = cli("migrate", "--epic", "F17", "--json")
    assert code == 0
    doc = json.loads(out)
    assert {s["action"] for s in doc["stories"]} == {"unchanged"}
    assert sum(s["tasks_created"] for s in doc["stories"]) == 0
    assert story_count(client) == count
    assert snapshot(repo) == files
    # a run that changed nothing leaves no journal and no copies: `rollback` without a run
    # still undoes the first one, which created the stories
    assert (doc["run"], doc["backup"]) == (None, None)
    code, out, _ = cli("migrate", "--epic", "F17")
    assert code == 0
    assert out.endswith("pantheon sync --epic F17` to pull back from Rally\n")
    assert "Nothing changed" in out
    assert "rollback" not in out
    assert len(list((repo / ".bmad" / "migrations").glob("*.json"))) == 1
    assert len(list((repo / ".bmad" / "archive").iterdir())) == 1
    assert cli("migrate", "rollback")[0] == 0
    assert story_count(client) == count - 5


def test_a_rerun_that_changed_nothing_leaves_no_folder_in_an_archive_outside_bmad(
    repo: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANTHEON_MIGRATE_BACKUP", "archive/")
    assert cli("migrate", "--epic", "F17")[0] == 0
    [first] = (repo / "archive").iterdir()
    code, out, _ = cli("migrate", "--epic", "F17", "--json")
    assert code == 0
    assert json.loads(out)["run"] is None
    assert list((repo / "archive").iterdir()) == [first]


def test_a_run_that_migrates_no_story_does_not_say_rally_has_them(
    repo: Path, cli: CLI, client: RallyClient
) -> None:
    path = repo / "docs" / "stories" / "5.1.story.md"
    path.write_text("# Story 5.1: " + "x" * 300 + "\n\n## Story\nAs a x, I want y, so that z.\n")
    count = story_count(client)
    code, out, _ = cli("migrate", "docs/stories/5.1.story.md", "--epic", "F17")
    assert code == 2
    assert "Migrated 0 stories to Rally Epic F17" in out
    assert "❌ docs/stories/5.1.story.md: line 1: the title is 300 characters" in out
    assert "Rally already has these stories" not in out
    assert "pantheon checkout" not in out
    assert out.endswith("Nothing changed: no story was migrated.\n")
    assert story_count(client) == count
    assert not list((repo / ".bmad" / "migrations").glob("*.json"))


def test_rerun_updates_what_changed(repo: Path, cli: CLI, client: RallyClient) -> None:
    assert cli("migrate", "--epic", "F17")[0] == 0
    path = repo / "docs" / "stories" / "9.2.story.md"
    text = path.read_text().replace("# Story 9.2: Login form", "# Story 9.2: Login form v2")
    path.write_text(
        text.replace("- [ ] Build the form", "- [x] Build the form") + "- [ ] Style it\n"
    )
    count = story_count(client)
    code, out, _ = cli("migrate", "docs/stories/9.2.story.md", "--epic", "F17", "--json")
    assert code == 0
    [story] = json.loads(out)["stories"]
    assert (story["action"], story["tasks_created"], story["tasks_updated"]) == ("updated", 1, 1)
    assert story_count(client) == count
    item = client.wire.find_story(story["key"], fetch=True)
    assert item["Name"] == "Login form v2"
    tasks = tasks_from_rally(
        client.collection(
            item["_ref"], "Tasks", decode=records.task, fetch=True, order=("TaskIndex",)
        )
    )
    assert [(t.name, t.done) for t in tasks] == [("Build the form", True), ("Style it", False)]


def test_dry_run_touches_nothing(repo: Path, cli: CLI, client: RallyClient) -> None:
    files = snapshot(repo)
    count = story_count(client)
    code, out, _ = cli("migrate", "--epic", "17", "--dry-run")
    assert code == 0
    assert out.splitlines()[2] == "Would migrate 5 stories to Rally Epic F17: User Authentication"
    assert "new story: Project Setup and Basic API" in out
    assert snapshot(repo) == files
    assert story_count(client) == count
    assert not (repo / ".bmad").exists()


def test_bad_files_are_reported_and_the_run_goes_on(
    repo: Path, cli: CLI, client: RallyClient
) -> None:
    stories = repo / "docs" / "stories"
    (stories / "3.3.story.md").write_text(MALFORMED)
    (stories / "binary.md").write_bytes(b"# Story 5.5: x\n\x00\x01")
    (stories / "latin1.md").write_bytes("# Story 5.6: caf\xe9\n".encode("latin-1"))
    (stories / "huge.md").write_bytes(b"# Story 5.7: big\n" + b"x" * (1024 * 1024 + 1))
    code, out, err = cli("migrate", "--epic", "F17", "--json")
    assert code == 2, err
    doc = json.loads(out)
    assert len([s for s in doc["stories"] if s["action"] == "created"]) == 5
    messages = {e["path"]: e["message"] for e in doc["errors"]}
    assert (
        messages["docs/stories/3.3.story.md"]
        == "docs/stories/3.3.story.md:1: story 3.3 has no title after its id"
    )
    assert "binary file, not markdown" in messages["docs/stories/binary.md"]
    assert "not valid UTF-8 (byte 0xe9 at line 1)" in messages["docs/stories/latin1.md"]
    assert "may be at most 1.0 MiB" in messages["docs/stories/huge.md"]
    assert "Traceback" not in err


def test_hostile_markdown_reaches_rally_escaped(repo: Path, cli: CLI, client: RallyClient) -> None:
    hostile = repo / "docs" / "stories" / "6.6.story.md"
    hostile.write_text(
        "# Story 6.6: <script>alert('t')</script> title\n\n## Story\n"
        "As a <b>user</b>, I want <img src=x onerror=alert(1)>, "
        "so that [x](javascript:alert(1)).\n\n"
        "## Acceptance Criteria\n1. <iframe src=evil></iframe> shown as text\n\n"
        "## Tasks\n- [ ] <script>task</script>\n"
    )
    code, out, _ = cli("migrate", str(hostile), "--epic", "F17", "--json")
    assert code == 0
    [story] = json.loads(out)["stories"]
    item = client.wire.find_story(story["key"], fetch=True)
    assert item["Name"] == "<script>alert('t')</script> title"
    for field in ("Description", "c_AcceptanceCriteria"):
        assert "<script" not in item[field]
        assert "<img" not in item[field]
        assert "<iframe" not in item[field]
        assert "javascript:" not in item[field] or "href" not in item[field]
    assert "&lt;img src=x onerror=alert(1)&gt;" in item["Description"]
    assert "&lt;iframe src=evil&gt;&lt;/iframe&gt;" in item["c_AcceptanceCriteria"]


def test_without_the_criteria_field_they_go_into_the_description(
    rally_thread_factory: Callable[..., Any],
    git_repo: GitRepo,
    cli: CLI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = rally_thread_factory(custom_fields={})
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    (git_repo.path / "docs" / "stories").mkdir(parents=True)
    (git_repo.path / "docs" / "stories" / "9.1.story.md").write_text(FOUNDATION)
    monkeypatch.chdir(git_repo.path)
    code, out, err = cli("migrate", "--epic", "F17", "--json")
    assert code == 0, err
    [story] = json.loads(out)["stories"]
    config = load_config(cwd=git_repo.path)
    with RallyClient.from_config(config) as rally_client:
        item = rally_client.wire.find_story(story["key"], fetch=("Description",))
    assert "<h3>Acceptance Criteria</h3>" in item["Description"]
    assert "Users have an email" in item["Description"]


def test_rollback_restores_files_and_deletes_what_was_created(
    repo: Path, cli: CLI, client: RallyClient
) -> None:
    files = snapshot(repo)
    count = story_count(client)
    code, out, _ = cli("migrate", "list")
    assert code == 0
    assert "`pantheon migrate --epic 17 --dry-run`" in out  # not E17: the number fits any prefix
    code, out, _ = cli("migrate", "--epic", "F17", "--json")
    assert code == 0
    run_id = json.loads(out)["run"]
    code, out, _ = cli("migrate", "list", "--json")
    [listed] = json.loads(out)["runs"]
    assert (listed["run"], listed["status"], listed["created"]) == (run_id, "complete", 5)
    code, out, err = cli("migrate", "rollback", run_id)
    assert code == 0, err
    assert out.startswith("Rally Migration Rolled Back")
    assert story_count(client) == count
    after = snapshot(repo)
    assert {k: v for k, v in after.items() if k in files} == files
    assert (
        client.wire.query(
            "Task", where("Notes", "contains", f"pantheon-migrate:{run_id}"), fetch=("ObjectID",)
        )
        == []
    )
    code, out, _ = cli("migrate", "rollback", run_id)
    assert code == 0
    assert "already rolled back" in out


def unfinished_run(repo: Path, run: str, *, pending: Sequence[dict[str, str]] = ()) -> None:
    """A migration journal left "running" by a process that died."""
    journal = repo / ".bmad" / "migrations"
    journal.mkdir(parents=True)
    doc = {
        "schema": 1,
        "run": run,
        "status": "running",
        "started": "2026-01-01T00:00:00.000Z",
        "files": {},
        "created": [],
        "pending": list(pending),
        "updated": [],
        "linked": [],
    }
    (journal / f"{run}.json").write_text(json.dumps(doc))


def test_an_unfinished_run_blocks_the_next_one(repo: Path, cli: CLI) -> None:
    unfinished_run(repo, "20260101T000000Z-dead")
    code, _, err = cli("migrate", "--epic", "F17")
    assert code == 1
    assert "did not finish" in err
    assert "pantheon migrate rollback 20260101T000000Z-dead" in err


def test_epic_not_found(repo: Path, cli: CLI) -> None:
    code, _, err = cli("migrate", "--epic", "99")
    assert code == 2
    assert "epic 99 not found" in err
    # each FormattedID tried is named once (the workspace's own prefix is F as well)
    assert "no PortfolioItem/Feature F99 or E99 in Rally" in err


def test_help() -> None:
    assert main(["migrate", "--help"]) == 0
    assert main(["migrate", "rollback", "--help"]) == 0


def _journal_created(root: Path) -> list[dict[str, Any]]:
    for path in (root / ".bmad" / "migrations").glob("*.json"):
        try:
            return list(json.loads(path.read_text())["created"])
        except (ValueError, KeyError):
            return []  # caught mid-replace: try again
    return []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("what", "after"),
    [("HierarchicalRequirement", 1), ("Task", 12), ("HierarchicalRequirement", 4)],
)
def test_rollback_after_the_process_is_killed_mid_run(  # noqa: PLR0917
    rally_process_factory: Callable[..., Any],
    git_repo: GitRepo,
    cli: CLI,
    monkeypatch: pytest.MonkeyPatch,
    what: str,
    after: int,
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    server = rally_process_factory(latency_ms=15)
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    stories = git_repo.path / "docs" / "stories"
    stories.mkdir(parents=True)
    for name, source in REAL.items():
        shutil.copyfile(FIXTURES / source, stories / name)
    (stories / "9.1.story.md").write_text(FOUNDATION)
    (stories / "9.2.story.md").write_text(DEPENDENT)
    monkeypatch.chdir(git_repo.path)
    files = snapshot(git_repo.path)
    config = load_config(cwd=git_repo.path)
    with RallyClient.from_config(config) as rally_client:
        count = story_count(rally_client)
        tasks = len(rally_client.wire.query("Task", fetch=("ObjectID",)))
    import pantheon_git

    # The same package as this test run imports, whatever is installed in the environment.
    monkeypatch.setenv("PYTHONPATH", str(Path(pantheon_git.__file__).parents[1]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "pantheon_git", "migrate", "--epic", "F17"],
        cwd=git_repo.path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if sum(1 for c in _journal_created(git_repo.path) if c["type"] == what) >= after:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait()
    assert proc.stderr is not None
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    proc.stderr.close()
    code, out, err = cli("migrate", "rollback")
    assert code == 0, err
    assert {k: v for k, v in snapshot(git_repo.path).items() if k in files} == files
    with RallyClient.from_config(config) as rally_client:
        assert story_count(rally_client) == count
        assert len(rally_client.wire.query("Task", fetch=("ObjectID",))) == tasks
    # A new run can start again, and completes.
    code, out, err = cli("migrate", "--epic", "F17", "--json")
    assert code == 0, err
    assert len(json.loads(out)["stories"]) == 5


def test_rollback_finds_a_create_whose_reply_never_came(
    repo: Path, cli: CLI, client: RallyClient
) -> None:
    count = story_count(client)
    marker = "pantheon-migrate:20260101T000000Z-lost:1"
    client.wire.create(STORY, {"Name": "orphan", "Notes": f"<p>{marker}</p>"}, fetch=("ObjectID",))
    pending = [{"type": STORY, "marker": marker, "file": "docs/stories/1.1.story.md"}]
    unfinished_run(repo, "20260101T000000Z-lost", pending=pending)
    code, out, err = cli("migrate", "rollback", "--json")
    assert code == 0, err
    assert len(json.loads(out)["deleted"]) == 1
    assert story_count(client) == count


def test_a_linked_story_moved_to_another_epic_or_further_along_is_reported_so_in_the_preview(
    repo: Path, cli: CLI, client: RallyClient
) -> None:
    """Running a migration again with another --epic moves linked stories there, and Rally's
    state never goes back: the dry run shows both, as the run then does."""
    code, out, _ = cli("migrate", "docs/stories/9.1.story.md", "--epic", "F17", "--json")
    assert code == 0
    [story] = json.loads(out)["stories"]
    item = client.wire.find_story(story["key"], fetch=("ObjectID",))
    client.wire.update(item["_ref"], {"ScheduleState": "Completed"}, fetch=("ObjectID",))
    moved = "moves from epic F17 (User Authentication) to F18 (API Integration)"
    for extra in ("--dry-run", None):
        args = ["migrate", "docs/stories/9.1.story.md", "--epic", "F18", "--json"]
        code, out, err = cli(*args, *([extra] if extra else []))
        assert code == 0, err
        [seen] = json.loads(out)["stories"]
        assert seen["schedule_state"] == "Completed", extra  # not the file's In-Progress
        assert moved in seen["warnings"], extra
    code, out, _ = cli("migrate", "docs/stories/9.1.story.md", "--epic", "F18", "--json")
    [again] = json.loads(out)["stories"]
    assert moved not in again["warnings"]  # it is there now


def test_rollback_names_the_linked_stories_it_restores_by_their_ids(
    repo: Path, cli: CLI, client: RallyClient
) -> None:
    code, out, _ = cli("migrate", "docs/stories/9.1.story.md", "--epic", "F17", "--json")
    assert code == 0
    [story] = json.loads(out)["stories"]
    code, out, _ = cli("migrate", "docs/stories/9.1.story.md", "--epic", "F18", "--json")
    assert code == 0
    run_id = json.loads(out)["run"]
    code, out, err = cli("migrate", "rollback", run_id)
    assert code == 0, err
    formatted = story["key"].replace("-", "")
    assert f"↩  Restored in Rally: {formatted} (PortfolioItem" in out
    assert "hierarchicalrequirement/" not in out
    item = client.wire.find_story(story["key"], fetch=("PortfolioItem", "FormattedID"))
    assert item["PortfolioItem"]["FormattedID"] == "F17"


def test_a_file_rollback_left_behind_is_restored_by_the_command_it_names(
    repo: Path, cli: CLI, client: RallyClient
) -> None:
    path = repo / "docs" / "stories" / "9.1.story.md"
    original = path.read_bytes()
    code, out, _ = cli("migrate", "docs/stories/9.1.story.md", "--epic", "F17", "--json")
    assert code == 0
    run_id = json.loads(out)["run"]
    path.write_text(path.read_text() + "\nedited after the migration\n")
    code, out, _ = cli("migrate", "rollback")
    assert code == 2  # Rally undone, the edited file left as it is
    assert "⚠ docs/stories/9.1.story.md: changed since the migration" in out
    step = f"pantheon migrate rollback {run_id} --force"
    assert f"Run `{step}` to overwrite them." in out
    code, out, _ = cli("migrate", "rollback")  # without --force: named again, not "nothing"
    assert code == 2
    assert "already rolled back in Rally" in out
    assert step in out
    code, out, err = cli(*step.split()[1:])
    assert code == 0, err
    assert "docs/stories/9.1.story.md" in out
    assert path.read_bytes() == original
    code, out, _ = cli("migrate", "rollback", "--force")
    assert code == 2  # nothing left to roll back
    code, out, _ = cli("migrate", "rollback", run_id)
    assert (code, out.strip()) == (0, f"Migration {run_id} was already rolled back: nothing to do.")


def test_one_migration_at_a_time_in_a_repository(tmp_path: Path) -> None:
    # a second migrate or rollback while one runs stops at once (exit 1), and the lock goes
    # with the run that held it
    with (
        migration_lock(tmp_path),
        pytest.raises(CheckFailed) as caught,
        migration_lock(tmp_path),
    ):
        pass
    assert caught.value.message == "another `pantheon migrate` is running in this repository"
    assert caught.value.exit_code == 1
    with migration_lock(tmp_path):
        pass
