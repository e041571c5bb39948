"""Every document of ``.bmad/rally-cache/``: what this version writes reads back the same, and
anything else (not JSON, no schema, an older or newer one, the wrong shape, not a file) is
exit 3 with one line naming the file and the command that rebuilds it: first through each
document's module, then through a command that reads it, in a real repository synced from the
emulator. ``docs/cache.md`` states each one's version and rebuild command."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.cache import assignments, dependencies, document, epics, workstreams
from pantheon_git.cache import index as cached_index
from pantheon_git.cache import meta as cache_meta
from pantheon_git.cache import stories as cached_stories
from pantheon_git.cache.store import Cache
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock, Story, Task
from pantheon_git.errors import CacheCorrupt
from tests.support import cachefiles
from tests.support.gitrepo import GitRepo
from tests.support.sync import CACHE, CLI

NOW = datetime(2026, 2, 2, 10, 30, tzinfo=UTC)
K = StoryKey.parse


def story(number: int, **fields: Any) -> Story:
    return Story(K(f"US-{number}"), f"Story {number}", **{"epic": "F17", **fields})


# --- what this version writes, it reads ------------------------------------------------------


def test_meta_round_trip(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    written = cachefiles.meta(watermarks={"all": "2026-02-02T08:00:00.000Z"}, project_oid=None)
    cache.write_json(cache_meta.KIND.name, written.to_dict())
    assert cache_meta.read(cache) == written
    assert cache_meta.last_sync(cache) == cachefiles.SYNCED


def test_epics_round_trip(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    written = epics.Epics(
        type="PortfolioItem/Feature",
        workspace="W",
        project="P",
        updated=NOW,
        epics=(
            epics.Epic("F17", 17, "stories/epic-17", "Login", 1717, "jane@x", 10, {"Name": "L"}),
            epics.Epic("F18", 18, "stories/epic-18", None, None, None, 0, {}),
        ),
        no_epic_stories=2,
    )
    epics.write(cache, written)
    assert epics.read(cache) == written
    assert written.titles() == {"F17": "Login", "F18": ""}


def test_story_file_round_trip(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    lock = Lock("jane@x", NOW, NOW + timedelta(hours=8), "story/US-1-a", "token")
    written = story(1, lock=lock, tasks=(Task("write it", estimate_hours=2.0),))
    tasks = [{"FormattedID": "TA1", "State": "Defined"}]
    path = cached_stories.put(cache, written, {"FormattedID": "US1"}, tasks)
    entry = cached_stories.read(cache, path)
    assert (entry.story, entry.rally, list(entry.tasks)) == (
        written,
        {"FormattedID": "US1"},
        tasks,
    )
    assert json.loads(path.read_text())["schema"] == cached_stories.KIND.schema


def test_index_round_trip(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    one, two = story(1, version_id="3"), story(2, epic=None)
    entries = []
    for each in (one, two):
        path = cached_stories.put(cache, each, {})
        rel = path.relative_to(cache.dir).as_posix()
        entries.append(cached_index.IndexEntry.of(each, rel, "fp", path.stat().st_size))
    cached_index.write(cache, entries)
    assert list(cached_index.load_index(cache).values()) == entries


def test_assignments_round_trip(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    held = Lock("jane@x", NOW, NOW + timedelta(hours=8), None, "secret-token")
    old = Lock("bob@x", NOW - timedelta(hours=30), NOW - timedelta(hours=6), "story/US-2-b")
    written = assignments.Assignments.of(
        [story(1, lock=held, branch="story/US-1-a"), story(2, lock=old), story(3)], NOW
    )
    assignments.write(cache, written)
    assert assignments.read(cache) == written
    assert [(str(k), a.branch, a.expired) for k, a in written.locks.items()] == [
        ("US-1", "story/US-1-a", False),
        ("US-2", "story/US-2-b", True),
    ]
    assert "secret-token" not in cache.path("assignments.json").read_text()
    moved = written.with_story(K("US-1"), story(1), NOW).with_story(K("US-4"), story(4), NOW)
    assert list(moved.locks) == [K("US-2")]


def test_dependencies_round_trip_with_their_scope(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    cachefiles.write_graph(
        cache,
        ["US-1", "US-2"],
        [("US-1", "US-2")],
        [("US-1", "US-2")],
        files={"US-2": ["src/a.py"]},
        titles={"US-1": "Model"},
    )
    graph = dependencies.read(cache)
    assert graph is not None
    (part,) = graph.scope
    assert part == dependencies.Part(("F17",), False, 2, cachefiles.SYNCED, cachefiles.SYNCED)
    assert graph.edges == (dependencies.Edge(K("US-1"), K("US-2"), "explicit"),)
    assert graph.conflicts == (dependencies.Conflict(K("US-1"), K("US-2"), "file"),)
    assert graph.stories[1].files == ("src/a.py",)
    assert graph.titles() == {K("US-1"): "Model"}
    assert graph.covers([K("US-2")])
    assert not graph.covers([K("US-3")])
    on_disk = json.loads(cache.path("dependencies.json").read_text())
    assert on_disk == dict(graph.document)
    assert (on_disk["schema"], on_disk["epics"]) == (2, ["F17"])
    assert on_disk["generated_at"] == "2026-02-02T09:00:00.000Z"


def test_a_graph_saved_before_the_settings_it_now_records_reads_with_their_defaults(
    tmp_path: Path,
) -> None:
    # a dependencies.json an earlier version wrote has no inferred, dismissed or dismissed_files
    cache = Cache(tmp_path)
    cachefiles.write_graph(cache, ["US-1", "US-2"], [("US-1", "US-2")], [])
    path = cache.path("dependencies.json")
    doc = json.loads(path.read_text())
    for name in ("inferred", "dismissed", "dismissed_files"):
        del doc["scope"][0][name]
    path.write_text(json.dumps(doc))
    graph = dependencies.read(cache)
    assert graph is not None
    (part,) = graph.scope
    assert (part.inferred, part.dismissed, part.dismissed_files) == (True, (), ())


def test_workstreams_round_trip(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    lane = {
        "lane": 0,
        "developer": None,
        "hours": 5.0,
        "stories": [{"key": "US-1", "start": 0.0, "end": 5.0, "hours": 5.0, "wave": 1}],
    }
    plan = {"lanes": [lane], "makespan": 5.0, "lower_bound": 5.0, "balance_sigma_pct": 0.0}
    written = workstreams.build({**plan, "epics": ["17"]}, computed_at=NOW)
    saved = workstreams.write(cache, written, epic=17)
    assert [p.name for p in saved] == ["workstreams.json", "epic-17-workstreams.json"]
    assert workstreams.read(cache) == written
    assert written.keys() == ["US-1"]
    assert json.loads(saved[1].read_text()) == dict(written.document)


# --- anything else is exit 3 with the command that rebuilds it -------------------------------


@dataclass(frozen=True)
class Case:
    rel: str
    """The file, relative to the cache folder."""
    rebuild: str
    write: Callable[[Cache], None]
    """Writes a good document (and whatever else its reader needs)."""
    read: Callable[[Cache], object]
    misshape: Callable[[dict[str, Any]], None]
    """Breaks a good document's shape, keeping its schema."""


def _schemas() -> dict[str, int]:
    return {
        "meta.json": cache_meta.KIND.schema,
        "epics.json": epics.KIND.schema,
        "stories/epic-17/US-1.json": cached_stories.KIND.schema,
        "index.json": cached_index.KIND.schema,
        "assignments.json": assignments.KIND.schema,
        "dependencies.json": dependencies.KIND.schema,
        "workstreams.json": workstreams.KIND.schema,
    }


def _good_cache(cache: Cache) -> None:
    lock = Lock("jane@x", NOW, NOW + timedelta(hours=8))
    stories = [story(1, lock=lock), story(2)]
    cachefiles.write_stories(cache, stories)
    entries = []
    for path in cached_stories.paths(cache):
        each = cached_stories.read(cache, path).story
        rel = path.relative_to(cache.dir).as_posix()
        entries.append(cached_index.IndexEntry.of(each, rel, "", path.stat().st_size))
    cached_index.write(cache, entries)
    epics.write(
        cache,
        epics.Epics("F", "W", "P", NOW, (epics.Epic("F17", 17, "d", "T", 1, None, 2, {}),), 0),
    )
    assignments.write(cache, assignments.Assignments.of(stories, NOW))
    cachefiles.write_graph(cache, ["US-1", "US-2"], [("US-1", "US-2")])
    plan = {"lanes": [], "makespan": 0.0, "lower_bound": 0.0, "balance_sigma_pct": 0.0}
    workstreams.write(cache, workstreams.build(plan, computed_at=NOW))


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(doc: dict[str, Any]) -> None:
        target: Any = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return apply


CASES = [
    Case("meta.json", "pantheon sync --force", _good_cache, cache_meta.read,
         _set(["last_sync"], 5)),
    Case("epics.json", "pantheon sync", _good_cache, epics.read, _set(["epics"], "F17")),
    Case("stories/epic-17/US-1.json", "pantheon sync --force", _good_cache,
         cached_stories.load, _set(["bmad"], "US-1")),
    Case("index.json", "pantheon sync --force", _good_cache, cached_index.load_index,
         _set(["stories"], [])),
    Case("assignments.json", "pantheon sync", _good_cache, assignments.read,
         _set(["locks", "US-1", "holder"], 3)),
    Case("dependencies.json", "pantheon deps", _good_cache, dependencies.read,
         _set(["edges", 0, "to"], "nobody")),
    Case("workstreams.json", "pantheon plan", _good_cache, workstreams.read,
         _set(["lanes"], [{"lane": "zero"}])),
]  # fmt: skip


def bad_versions(case: Case, good: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Each kind of bad file: (what to write, what the message says is wrong)."""
    schema = _schemas()[case.rel]
    unversioned = {k: v for k, v in good.items() if k != "schema"}
    misshapen = json.loads(json.dumps(good))
    case.misshape(misshapen)
    return {
        "not JSON": ('{"schema": ', "is not JSON (line 1: "),
        "not an object": ("[1, 2]", "is not a JSON object"),
        "no schema": (json.dumps(unversioned), "has no schema version (an older pantheon"),
        "older": (
            json.dumps({**good, "schema": schema - 1}),
            f"was written by an older pantheon (schema {schema - 1}; this one reads {schema})",
        ),
        "newer": (
            json.dumps({**good, "schema": schema + 1}),
            f"was written by a newer pantheon (schema {schema + 1}; this one reads {schema})",
        ),
        "odd schema": (json.dumps({**good, "schema": "1"}), "has an unknown schema version '1'"),
        "wrong shape": (json.dumps(misshapen), "is not in the shape this version writes ("),
    }


@pytest.mark.parametrize("case", CASES, ids=[c.rel for c in CASES])
def test_a_document_this_version_did_not_write_is_exit_3_with_its_rebuild(
    tmp_path: Path, case: Case
) -> None:
    cache = Cache(tmp_path)
    case.write(cache)
    case.read(cache)  # the good one reads
    path = cache.path(case.rel)
    good = json.loads(path.read_text())
    shown = f".bmad/rally-cache/{case.rel}"
    for kind, (text, problem) in bad_versions(case, good).items():
        path.write_text(text)
        with pytest.raises(CacheCorrupt) as info:
            case.read(cache)
        message = info.value.message
        assert info.value.exit_code == 3
        assert message.startswith(f"{shown} {problem}"), (kind, message)
        assert message.endswith(f": run `{case.rebuild}` to rebuild it"), (kind, message)
        assert "\n" not in message
    path.unlink()
    path.mkdir()
    with pytest.raises(CacheCorrupt, match=rf"^{shown} cannot be read \(.*\): run `"):
        case.read(cache)


def test_a_missing_document_is_none_not_an_error(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    for read in (cache_meta.read, epics.read, assignments.read, dependencies.read):
        assert read(cache) is None
    assert workstreams.read(cache) is None
    assert cached_index.load_index(cache) == {}
    assert cached_stories.load(cache) == []


def test_a_writer_cannot_save_what_its_reader_refuses() -> None:
    part = dependencies.Part((), True, 0, NOW, None)
    with pytest.raises(document.Bad, match="edges"):
        dependencies.build({"stories": [], "edges": [{"from": "US-1"}]}, [part])
    with pytest.raises(document.Bad, match="lower_bound"):
        workstreams.build({"lanes": [], "makespan": 1.0}, computed_at=NOW)


# --- through the commands, in a synced repository --------------------------------------------


def _full_cache(cli: CLI) -> None:
    """Every document, written by the commands that write them."""
    for args in (("sync",), ("deps", "--epic", "17"), ("plan", "--epic", "17", "-d", "3")):
        code, _, err = cli(*args, "--json")
        assert code == 0, (args, err)


COMMANDS = [
    ("meta.json", ("status",), "pantheon sync --force"),
    ("epics.json", ("status",), "pantheon sync"),
    ("index.json", ("status",), "pantheon sync --force"),
    ("index.json", ("sync",), "pantheon sync --force"),
    ("stories/epic-17/US-120.json", ("deps",), "pantheon sync --force"),
    ("stories/epic-17/US-120.json", ("status",), "pantheon sync --force"),
    ("assignments.json", ("conflicts", "--all"), "pantheon sync"),
    ("dependencies.json", ("plan", "--epic", "17"), "pantheon deps"),
    ("workstreams.json", ("metrics",), "pantheon plan"),
]


@pytest.mark.parametrize(
    ("rel", "command", "rebuild"), COMMANDS, ids=[f"{r}-{c[0]}" for r, c, _ in COMMANDS]
)
def test_a_command_reading_a_document_this_version_did_not_write_exits_3(
    sync_repo: GitRepo, cli: CLI, rel: str, command: tuple[str, ...], rebuild: str
) -> None:
    _full_cache(cli)
    path = sync_repo.path / CACHE / rel
    good = path.read_bytes()
    doc = json.loads(good)
    for bad in ({k: v for k, v in doc.items() if k != "schema"}, {**doc, "schema": 99}):
        path.write_text(json.dumps(bad))
        code, out, err = cli(*command)
        assert (code, out) == (3, ""), err
        assert err.startswith(f"error: {(CACHE / rel).as_posix()} ")
        assert err.endswith(f": run `{rebuild}` to rebuild it\n")
        assert err.count("\n") == 1
    path.write_bytes(good)
    code, _, err = cli(*command)
    assert code == 0, err


@pytest.mark.parametrize(
    ("rel", "rebuild"),
    [
        ("meta.json", ("sync", "--force")),
        ("epics.json", ("sync",)),
        ("assignments.json", ("sync",)),
        ("dependencies.json", ("deps", "--epic", "17")),
        ("workstreams.json", ("plan", "--epic", "17", "-d", "3")),
    ],
)
def test_the_named_command_rebuilds_the_document(
    sync_repo: GitRepo, cli: CLI, rel: str, rebuild: tuple[str, ...]
) -> None:
    _full_cache(cli)
    path = sync_repo.path / CACHE / rel
    path.write_text('{"schema": 0}')
    code, _, err = cli(*rebuild)
    assert code == 0, err
    assert json.loads(path.read_text())["schema"] == _schemas()[rel]


def test_a_whole_cache_of_an_older_version_is_rebuilt_by_sync_force(
    sync_repo: GitRepo, cli: CLI
) -> None:
    _full_cache(cli)
    folder = sync_repo.path / CACHE
    for path in folder.rglob("*.json"):  # as the version before schemas in every file
        doc = json.loads(path.read_text())
        doc.pop("schema", None)
        path.write_text(json.dumps(doc))
    code, _, err = cli("sync")
    assert code == 3
    assert err == (
        "error: .bmad/rally-cache/meta.json has no schema version (an older pantheon wrote "
        "it): run `pantheon sync --force` to rebuild it\n"
    )
    code, _, err = cli("sync", "--force", "--json")
    assert code == 0, err
    assert cachefiles.raw(Cache(sync_repo.path), "stories/epic-17/US-120.json")["schema"] == 1
    code, _, err = cli("status")
    assert code == 0, err


def test_docs_cache_page_states_each_documents_version_and_rebuild() -> None:
    text = (Path(__file__).parent.parent / "docs" / "cache.md").read_text(encoding="utf-8")
    rows = {
        m.group(1): (int(m.group(2)), m.group(3), m.group(4))
        for m in re.finditer(
            r"^\| `([^`]+)` \| (\d+) \| `cache/(\w+)\.py` \|.*\| `([^`]+)` \|$", text, re.M
        )
    }
    kinds = {
        "meta.json": (cache_meta.KIND, "meta"),
        "epics.json": (epics.KIND, "epics"),
        "stories/epic-17/US-123.json": (cached_stories.KIND, "stories"),
        "index.json": (cached_index.KIND, "index"),
        "assignments.json": (assignments.KIND, "assignments"),
        "dependencies.json": (dependencies.KIND, "dependencies"),
        "workstreams.json": (workstreams.KIND, "workstreams"),
    }
    assert rows == {
        name: (kind.schema, module, kind.rebuild) for name, (kind, module) in kinds.items()
    }
