from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.cache import stories
from pantheon_git.cache.store import Cache, ensure_gitignored
from pantheon_git.core.keys import EpicRef, StoryKey
from pantheon_git.core.story import Story
from pantheon_git.errors import CacheCorrupt, CheckFailed
from pantheon_git.fsio import atomic_write_json
from tests.support.cachefiles import raw


def put(cache: Cache, story: Story) -> None:
    stories.put(cache, story, {})


def test_stories_round_trip_and_filter_by_epic(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    a = Story(StoryKey("US", 120), "Create user model", epic="F17")
    b = Story(StoryKey("US", 200), "API client", epic="F18")
    c = Story(StoryKey("US", 9), "Loose story")
    for story in (b, c, a):
        put(cache, story)
    assert (tmp_path / ".bmad/rally-cache/stories/epic-17/US-120.json").is_file()
    assert (tmp_path / ".bmad/rally-cache/stories/no-epic/US-9.json").is_file()
    assert stories.load(cache) == [c, a, b]
    assert stories.load(cache, [EpicRef.parse("17")]) == [a]
    assert stories.load(cache, [EpicRef.parse("E17"), EpicRef.parse("F18")]) == [a, b]
    assert stories.find_story(cache, StoryKey("US", 200)) == b
    assert stories.find_story(cache, StoryKey("US", 201)) is None


def test_corrupt_story_file_names_the_file_and_the_fix(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    put(cache, Story(StoryKey("US", 1), "ok", epic="F1"))
    bad = cache.dir / "stories/epic-1/US-2.json"
    bad.write_text('{"schema": 1, "bmad": {"key": "US-2", "title": ')
    with pytest.raises(CacheCorrupt) as info:
        stories.load(cache)
    assert info.value.exit_code == 3
    assert info.value.message.startswith(".bmad/rally-cache/stories/epic-1/US-2.json is not JSON")
    assert info.value.message.endswith("run `pantheon sync --force` to rebuild it")


def test_story_file_without_a_story(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    cache.write_json("stories/epic-1/US-3.json", {"schema": 1, "rally": {}, "tasks": []})
    with pytest.raises(CacheCorrupt, match=r"\(bmad: missing\)"):
        stories.load(cache)


def _hold_lock(root: str, ready: Any, release: Any) -> None:
    with Cache(Path(root)).exclusive():
        ready.set()
        release.wait(60)


def test_exclusive_lock_across_processes(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    proc.start()
    try:
        assert ready.wait(30)
        with (
            pytest.raises(CheckFailed, match="another pantheon sync"),
            Cache(tmp_path).exclusive(wait=0.3),
        ):
            pass
    finally:
        release.set()
        proc.join(30)
    with Cache(tmp_path).exclusive(wait=0.3):
        pass


def test_atomic_write_keeps_the_old_file_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "x.json"
    atomic_write_json(target, {"v": 1})

    def fail(src: str, dst: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk gone"):
        atomic_write_json(target, {"v": 2})
    assert '"v": 1' in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_ensure_gitignored(tmp_path: Path) -> None:
    assert ensure_gitignored(tmp_path) is True
    assert (tmp_path / ".gitignore").read_text() == ".bmad/\n"
    assert ensure_gitignored(tmp_path) is False
    (tmp_path / ".gitignore").write_text("node_modules")
    assert ensure_gitignored(tmp_path) is True
    assert (tmp_path / ".gitignore").read_text() == "node_modules\n.bmad/\n"
    os.remove(tmp_path / ".gitignore")


def test_put_story_moves_between_epics_and_remove(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    story = Story(StoryKey("US", 7), "Moved", epic="F17")
    stories.put(cache, story, {"FormattedID": "US7"})
    moved = story.with_(epic="F18")
    path = stories.put(cache, moved, {"FormattedID": "US7"}, [{"FormattedID": "TA1"}])
    assert [p.relative_to(cache.dir).as_posix() for p in stories.paths(cache)] == [
        "stories/epic-18/US-7.json"
    ]
    entry = stories.read(cache, path)
    assert (entry.story, entry.rally, entry.tasks) == (
        moved,
        {"FormattedID": "US7"},
        ({"FormattedID": "TA1"},),
    )
    assert stories.remove(cache, StoryKey("US", 7)) is True
    assert stories.load(cache) == []
    assert stories.remove(cache, StoryKey("US", 7)) is False


# --- whole-cache swaps ----------------------------------------------------------------------


def _files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _generation(cache: Cache, n: int) -> None:
    with cache.exclusive(), cache.staging() as stage:
        stage.carry_over(lambda rel: rel != "stories/epic-1/US-1.json")
        stage.write_json("stories/epic-1/US-1.json", {"bmad": {"key": "US-1", "n": n}})
        stage.write_json("epics.json", {"n": n}, compact=True)
        stage.commit({"schema": 2, "n": n})


def test_a_staged_generation_replaces_the_cache_at_once(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    _generation(cache, 1)
    cache.write_json("dependencies.json", {"kept": True})  # written by another command
    first = (cache.dir / "dependencies.json").stat().st_ino
    _generation(cache, 2)
    assert raw(cache, "meta.json") == {"schema": 2, "n": 2}
    assert raw(cache, "stories/epic-1/US-1.json")["bmad"]["n"] == 2
    assert raw(cache, "epics.json") == {"n": 2}
    assert raw(cache, "dependencies.json") == {"kept": True}
    assert (cache.dir / "dependencies.json").stat().st_ino == first  # linked, not copied
    assert sorted(p.name for p in (tmp_path / ".bmad").iterdir()) == [
        "rally-cache",
        "rally-cache.lock",
    ]


def test_a_failed_generation_leaves_the_cache_as_it_was(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    _generation(cache, 1)
    before = _files(cache.dir)

    def build_then_fail() -> None:
        with cache.exclusive(), cache.staging() as stage:
            stage.carry_over(lambda rel: True)
            stage.write_json("stories/epic-1/US-1.json", {"bmad": {"key": "US-1", "n": 9}})
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        build_then_fail()
    assert _files(cache.dir) == before
    assert not (tmp_path / ".bmad/rally-cache.next").exists()


def test_a_swap_cut_between_its_renames_is_finished_by_the_next_writer(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    _generation(cache, 1)
    old = _files(cache.dir)
    _generation(cache, 2)
    new = _files(cache.dir)
    live = tmp_path / ".bmad/rally-cache"
    # the state a kill after "live -> prev" leaves, with the next generation complete ...
    os.rename(live, tmp_path / ".bmad/rally-cache.next")
    (tmp_path / ".bmad/rally-cache.prev").mkdir()
    for rel, text in old.items():
        (tmp_path / ".bmad/rally-cache.prev" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / ".bmad/rally-cache.prev" / rel).write_text(text)
    assert raw(Cache(tmp_path), "meta.json") == {"schema": 2, "n": 1}  # readers: previous
    with cache.exclusive():
        assert cache.recovered is not None
        assert "finished" in cache.recovered
    assert _files(live) == new
    assert sorted(p.name for p in (tmp_path / ".bmad").iterdir()) == [
        "rally-cache",
        "rally-cache.lock",
    ]


def test_an_uncommitted_generation_is_rolled_back(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    _generation(cache, 1)
    old = _files(cache.dir)
    live = tmp_path / ".bmad/rally-cache"
    os.rename(live, tmp_path / ".bmad/rally-cache.prev")
    nxt = tmp_path / ".bmad/rally-cache.next"
    (nxt / "stories").mkdir(parents=True)  # half built: no meta.json
    with cache.exclusive():
        assert cache.recovered is not None
        assert "restored" in cache.recovered
    assert _files(live) == old
    assert not nxt.exists()
    with cache.exclusive():
        assert cache.recovered is None
