"""``pantheon status``: the board per epic and the drift between Rally and git, from the cache
and the clone alone (no network: it works offline and says how old the data is)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pantheon_git.app import App
from pantheon_git.cache import epics as cached_epics
from pantheon_git.cache import meta as cache_meta
from pantheon_git.cache.index import known_epics, load_index, unknown_epic
from pantheon_git.core.keys import EpicRef
from pantheon_git.core.story import Story
from pantheon_git.errors import GitError, PantheonError
from pantheon_git.features.locks.rules import same_person
from pantheon_git.features.status import board, drift
from pantheon_git.features.status.report import Status
from pantheon_git.git.branches import story_branches


@dataclass(frozen=True)
class StatusOptions:
    epics: tuple[str, ...] = ()
    mine: bool = False


def run(app: App, options: StatusOptions) -> Status:
    refs = [EpicRef.parse(e) for e in options.epics]
    cache = app.cache
    meta = cache_meta.require(cache)
    now = app.now()
    entries = load_index(cache).values()
    stories = [entry.as_story() for entry in entries]
    epics = cached_epics.read(cache)
    titles = epics.titles() if epics else {}
    known = known_epics(cache, entries)
    chosen = _choose(refs, known)
    if chosen:
        stories = [s for s in stories if s.epic in chosen]
    me = app.user() if options.mine else None
    if me is not None:
        stories = [s for s in stories if _mine(s, me)]
    always: Sequence[str] = chosen or ([] if me else list(titles))
    groups = board.group_by_epic(stories, titles, always=always)
    found, note = _drift(app, stories, now, everything=not chosen and me is None)
    return Status(
        groups=groups,
        drift=found,
        now=now,
        synced=meta.last_sync,
        workspace=meta.workspace,
        project=meta.project,
        git_note=note,
        mine=me,
    )


def _choose(refs: Sequence[EpicRef], known: Sequence[str]) -> list[str]:
    chosen: list[str] = []
    missing = unknown_epic(refs, list(known))
    if missing:
        raise missing
    for ref in refs:
        chosen += [m for m in known if ref.matches(m) and m not in chosen]
    return chosen


def _mine(story: Story, me: str) -> bool:
    holder = story.lock.holder if story.lock else None
    return same_person(holder, me) or same_person(story.owner, me)


def _drift(
    app: App, stories: list[Story], now: datetime, *, everything: bool
) -> tuple[list[drift.Drift], str | None]:
    """Drift, or why it could not be checked. Branches of stories outside the selection are
    reported only when the whole board is shown."""
    try:
        branches = story_branches(app.root, app.config.branch_pattern)
    except GitError:
        return [], f"{app.root} is not a git repository: drift not checked."
    try:
        me: str | None = app.user()
    except PantheonError:
        me = None  # no identity: the step stays general
    return drift.find(stories, branches, now, unknown_branches=everything, me=me), None
