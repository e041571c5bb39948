"""``pantheon migrate`` where Rally rolls task states up to the story (research §10.2) and
where it does not, at every custom DATE precision: each story ends in the state its file says
(never behind where Rally had it), and ``migrate rollback`` puts every state back."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.core.keys import StoryKey
from pantheon_git.rally.emulator.workspace import WorkspaceSettings
from tests.support.gitrepo import GitRepo
from tests.support.locks import client_for
from tests.support.rally import WORKSPACES
from tests.support.sync import CLI

FILES = {
    # Defined, but one task is done: a rollup would make it In-Progress
    "7.1.story.md": ("Approved", ["[x] Schema", "[ ] Endpoint"], "Defined"),
    # In progress, nothing done: a rollup would make it Defined
    "7.2.story.md": ("InProgress", ["[ ] Parse", "[ ] Render"], "In-Progress"),
    # Done with every task done: the rollup agrees
    "7.3.story.md": ("Done", ["[x] All of it"], "Completed"),
    # no tasks: nothing rolls up
    "7.4.story.md": ("Review", [], "In-Progress"),
}


def story_text(number: str, status: str, tasks: list[str]) -> str:
    lines = [f"# Story {number}: Story {number}", "", f"Status: {status}", "", "## Story", ""]
    lines += [f"As a user, I want {number}, so that it works.", "", "## Tasks / Subtasks", ""]
    lines += [f"- {t}" for t in tasks]
    return "\n".join(lines) + "\n"


@pytest.fixture(params=WORKSPACES, ids=lambda s: f"{s.date_precision}-rollup-{s.task_rollup}")
def workspace(
    request: pytest.FixtureRequest,
    rally_thread_factory: Callable[..., Any],
    git_repo: GitRepo,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Any, Path]:
    settings: WorkspaceSettings = request.param
    server = rally_thread_factory(settings=settings)
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    stories = git_repo.path / "docs" / "stories"
    stories.mkdir(parents=True)
    for name, (status, tasks, _) in FILES.items():
        (stories / name).write_text(story_text(name[:3], status, tasks))
    monkeypatch.chdir(git_repo.path)
    return server, git_repo.path


def states_of(server: Any, keys: list[str]) -> dict[str, str]:
    with client_for(server) as client:
        found = {
            k: client.wire.find_story(StoryKey.parse(k), fetch=("ScheduleState",)) for k in keys
        }
    return {k: str(item["ScheduleState"]) for k, item in found.items()}


def test_each_story_ends_in_its_files_state(workspace: tuple[Any, Path], cli: CLI) -> None:
    server, _root = workspace
    code, out, err = cli("migrate", "docs/stories", "--epic", "F17", "--json")
    assert code == 0, err
    doc = json.loads(out)
    made = {s["path"].rsplit("/", 1)[-1]: s["key"] for s in doc["stories"]}
    got = states_of(server, list(made.values()))
    assert {name: got[key] for name, key in made.items()} == {
        name: wanted for name, (_, _, wanted) in FILES.items()
    }
    again = json.loads(cli("migrate", "docs/stories", "--epic", "F17", "--json")[1])
    assert {s["action"] for s in again["stories"]} == {"unchanged"}  # nothing left to do
    code, out, err = cli("migrate", "rollback", doc["run"], "--json")
    assert code == 0, err
    with client_for(server) as client:
        found = client.wire.query("HierarchicalRequirement", fetch=("FormattedID",))
    left = {f["FormattedID"] for f in found}
    assert not left & {StoryKey.parse(k).formatted_id for k in made.values()}


def test_an_existing_story_keeps_a_later_state_and_rollback_restores_it(
    workspace: tuple[Any, Path], cli: CLI
) -> None:
    """US206 is Completed in Rally; its file says in progress and has a task Rally lacks: the
    new task would roll the story back to In-Progress, migrate keeps it Completed, and a
    rollback deletes the task and leaves the story Completed."""
    server, root = workspace
    with client_for(server) as client:
        us206 = client.wire.find_story(StoryKey.parse("US-206"), fetch=("ScheduleState",))
        assert us206["ScheduleState"] == "Completed"
        tasks = client.wire.collection(us206["_ref"], "Tasks", fetch=("Name", "State"))
    named = [f"- [x] {t['Name']}" for t in tasks]
    text = story_text("7.9", "InProgress", [*[n[2:] for n in named], "[ ] One more thing"])
    text = text.replace("Status: InProgress", "Status: InProgress\n\nRally: US206")
    (root / "docs" / "stories" / "7.9.story.md").write_text(text)
    code, out, err = cli("migrate", "docs/stories/7.9.story.md", "--epic", "F18", "--json")
    assert code == 0, err
    assert states_of(server, ["US-206"]) == {"US-206": "Completed"}
    run = json.loads(out)["run"]
    assert cli("migrate", "rollback", run)[0] == 0
    assert states_of(server, ["US-206"]) == {"US-206": "Completed"}
    with client_for(server) as client:
        left = client.wire.collection(us206["_ref"], "Tasks", fetch=("Name",))
    assert [t["Name"] for t in left] == [t["Name"] for t in tasks]


def test_rollback_writes_the_story_state_after_its_tasks(
    workspace: tuple[Any, Path], cli: CLI
) -> None:
    """US125 is Defined though its only task is Completed (set by hand after the task). A run
    moves it forward and adds a task; rollback deletes the task (a rollup would then make the
    story Completed) and must still leave the story Defined, as it was."""
    server, root = workspace
    with client_for(server) as client:
        story = client.wire.find_story(StoryKey.parse("US-125"), fetch=("ScheduleState",))
        task = client.wire.create("Task", {"Name": "Old work", "WorkProduct": story["_ref"]})
        client.wire.update(task["_ref"], {"State": "Completed"})
        client.wire.update(story["_ref"], {"ScheduleState": "Defined"})
    text = story_text("7.8", "InProgress", ["[x] Old work", "[ ] New work"])
    text = text.replace("Status: InProgress", "Status: InProgress\n\nRally: US125")
    (root / "docs" / "stories" / "7.8.story.md").write_text(text)
    code, out, err = cli("migrate", "docs/stories/7.8.story.md", "--epic", "F17", "--json")
    assert code == 0, err
    assert states_of(server, ["US-125"]) == {"US-125": "In-Progress"}
    assert cli("migrate", "rollback", json.loads(out)["run"])[0] == 0
    assert states_of(server, ["US-125"]) == {"US-125": "Defined"}
