"""``pantheon batch``: check the locks of several stories and take the free, unblocked ones at
once.

1. The stories: each one named (read from Rally, a few at a time), or the first ``count`` of
   an epic's stories in checkout's order (``checkout --epic``: the critical path first, then
   Rally's rank), from a dependency graph that answers for the epic (``run_graph``).
2. Those that cannot be taken are reported with the reason (``rules.obstacle``): done, in
   review, locked by someone else, blocked by a predecessor; an unknown story is
   ``not_found``.
3. The others go through checkout's race-safe protocol (``features/locks``) all at once, one
   thread each (the client caps how many requests are in flight): a batch costs about one
   protocol wait D, not one per story. Each won story moves to In Progress with you as Owner
   and its branch named in Rally, as ``pantheon checkout --no-branch`` does; no branch is
   switched to (``pantheon checkout US-123`` does that and renews the lock).
4. With ``rally_auto_sync`` the cache is refreshed once for the epics taken from.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pantheon_git.app import App
from pantheon_git.core.keys import EpicRef, StoryKey
from pantheon_git.errors import PantheonError, StoryNotFound, UsageError
from pantheon_git.features.batch.model import BatchItem, BatchResult, Outcome
from pantheon_git.features.batch.rules import obstacle
from pantheon_git.features.checkout import choice
from pantheon_git.features.checkout import run_choosing as choosing
from pantheon_git.features.checkout.report import CheckoutReport
from pantheon_git.features.checkout.run import (
    Checkout,
    CheckoutRequest,
    lease_hours,
    map_settings,
)
from pantheon_git.features.locks.rules import Outcome as LockOutcome
from pantheon_git.features.locks.run import RallyTooSlow, lock_client, locking
from pantheon_git.features.locks.run_cache import keep_out_of_git
from pantheon_git.rally.epics import find_epic
from pantheon_git.rally.mapping import story_fetch
from pantheon_git.rally.records import StoryRecord

MAX_STORIES = 100
"""The most stories one batch takes (a batch is a handful; a lock is a promise to work)."""


@dataclass(frozen=True)
class BatchRequest:
    stories: Sequence[str] = ()
    """Story keys (US-123, us123); or ``epics`` with ``count``."""
    epics: Sequence[str] = ()
    count: int | None = None
    lock_hours: float | None = None


def run_batch(app: App, request: BatchRequest) -> BatchResult:
    keys, refs, count = _checked(request)
    hours = lease_hours(app, request.lock_hours)
    me = app.user()
    with lock_client(app) as client:
        ops = locking(app, client)
        session = Checkout(
            app, client, ops, map_settings(app, client), me, hours, CheckoutRequest(branch=False),
            batch=True,
        )  # fmt: skip
        if refs:
            ids, targets, unavailable = _from_epics(session, refs, count)
            wanted = count
        else:
            targets, unavailable = _from_list(session, keys), list[BatchItem]()
            ids, wanted = [], len(keys)
        free = [record for record, item in targets if item is None and record is not None]
        taken: dict[StoryKey, BatchItem] = {}
        seconds = None
        if free:
            session.rally_user()  # once, and before any lock: Rally must know who you are
            keep_out_of_git(app)
            started = time.monotonic()
            workers = max(1, min(len(free), client.max_concurrency))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="batch") as pool:
                for item in pool.map(lambda record: _take(session, record), free):
                    taken[item.story] = item
            seconds = time.monotonic() - started
        items = tuple(item if item is not None else taken[_key(record)] for record, item in targets)
        done_epics = sorted({i.epic for i in items if i.held and i.epic})
        session.sync(ids or done_epics)
    return BatchResult(items, wanted, tuple(ids), tuple(unavailable), seconds)


def _key(record: StoryRecord | None) -> StoryKey:
    assert record is not None  # a story Rally does not have comes with its item
    return choosing.candidate(record).key


def _checked(request: BatchRequest) -> tuple[list[StoryKey], list[EpicRef], int]:
    if bool(request.stories) == bool(request.epics):
        raise UsageError(
            "give either stories or --epic with --count",
            hint="`pantheon batch US-121 US-122`, or `pantheon batch --epic 17 --count 3`.",
        )
    if request.stories:
        if request.count is not None:
            raise UsageError("--count goes with --epic (a list of stories takes each of them)")
        keys = list(dict.fromkeys(StoryKey.parse(s) for s in request.stories))
        if len(keys) > MAX_STORIES:
            raise UsageError(f"a batch takes at most {MAX_STORIES} stories, not {len(keys)}")
        return keys, [], len(keys)
    if request.count is None or not 1 <= request.count <= MAX_STORIES:
        raise UsageError(
            f"--epic needs --count N (1 to {MAX_STORIES}): how many stories to take",
            hint="For example: pantheon batch --epic 17 --count 3",
        )
    return [], [EpicRef.parse(e) for e in request.epics], request.count


Target = tuple[StoryRecord | None, BatchItem | None]
"""A story of the batch as Rally has it (``None``: not in Rally), and why it cannot be taken
(``None``: the lock protocol decides)."""


def _from_list(session: Checkout, keys: list[StoryKey]) -> list[Target]:
    """The named stories as Rally has them, each with its obstacle."""
    fetch = story_fetch(session.settings.names)

    def read(key: StoryKey) -> StoryRecord | None:
        try:
            return session.client.find_story(key, decode=session.settings.decoder, fetch=fetch)
        except StoryNotFound:
            return None

    workers = max(1, min(len(keys), session.client.max_concurrency))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="batch-read") as pool:
        found = list(pool.map(read, keys))
    now = session.app.now()
    choices: dict[str | None, choice.Choice] = {}
    out: list[Target] = []
    for key, record in zip(keys, found, strict=True):
        if record is None:
            out.append((None, BatchItem(key, Outcome.NOT_FOUND, message=f"{key} is not in Rally")))
            continue
        epic, _ = choosing.epic_of(record)
        if epic not in choices:
            choices[epic] = session.choose(session.listing(epic), [epic] if epic else [])
        out.append((record, obstacle(choosing.candidate(record), choices[epic], session.me, now)))
    return out


def _from_epics(
    session: Checkout, refs: list[EpicRef], count: int
) -> tuple[list[str], list[Target], list[BatchItem]]:
    """The first ``count`` stories checkout would pick from the epics, and the epics' other
    open stories nobody can take now (with why)."""
    epic_type = session.app.config.epic_type
    ids = [find_epic(session.client, epic_type, ref).formatted_id or "" for ref in refs]
    session.sync(ids)  # before listing: the graph's texts, and the listing, are Rally's
    listing = [r for e in ids for r in session.listing(e)]
    picked = session.choose(listing, ids)
    by_key = {choosing.candidate(r).key: r for r in listing}
    chosen = [by_key[c.key] for c in picked.order[:count]]
    keys = {choosing.candidate(r).key for r in chosen}
    now = session.app.now()
    unavailable = []
    for record in listing:
        story = choosing.candidate(record)
        if story.key in keys or choice.is_done(story.state):
            continue
        item = obstacle(story, picked, session.me, now)
        if item is not None:
            unavailable.append(item)
    return ids, [(r, None) for r in chosen], unavailable


def _take(session: Checkout, record: StoryRecord) -> BatchItem:
    """One story through checkout's protocol (in its own thread)."""
    story = choosing.candidate(record)
    try:
        result = session.take(record)
    except RallyTooSlow as exc:
        return BatchItem(story.key, Outcome.TOO_SLOW, story.title, story.epic, message=exc.message)
    except PantheonError as exc:
        return BatchItem(story.key, Outcome.FAILED, story.title, story.epic, message=exc.message)
    if isinstance(result, CheckoutReport):
        outcome = Outcome.RENEWED if result.outcome is LockOutcome.RENEWED else Outcome.TAKEN
        return BatchItem(
            story.key, outcome, story.title, story.epic, result.lock.holder,
            result.lock.expires, branch=result.branch,
        )  # fmt: skip
    lock = result.lock
    kinds = {"in_review": Outcome.IN_REVIEW, LockOutcome.LOST: Outcome.LOST}
    return BatchItem(
        story.key,
        kinds.get(result.outcome, Outcome.LOCKED),
        story.title,
        story.epic,
        holder=lock.holder if lock else None,
        expires=lock.expires if lock else None,
        owner=result.owner,
        message=result.reason,
    )
