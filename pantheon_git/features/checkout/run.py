"""``pantheon checkout``: lock a story in Rally, start its branch, write its story file.

Order of work, so that a refusal or an outage changes nothing here:

1. read Rally (the story, or the epic's stories to choose from); offline: exit 5, nothing
   written anywhere;
2. someone else holds it, or it is in Code Review (its owner makes the review fixes): refuse
   with alternatives (exit 1);
3. check git can switch to the story branch without touching uncommitted work (exit 4);
4. take the lock (``features/locks/run.py``); lost or refused: exit 1; too slow: exit 5;
   then find the acting user among Rally's users (for Owner): Rally has no such user, the
   lock is given back (exit 3);
5. only now: state -> In Progress (forward only), ``Owner`` -> you and ``c_Branch`` in
   Rally, the branch, the story file, the cache.

Checking out a story you already hold renews the lock and switches to its branch.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from pantheon_git.cache import dependencies as cached_graph
from pantheon_git.core import fields as lockfields
from pantheon_git.core import states
from pantheon_git.core.fields import FieldNames
from pantheon_git.core.keys import EpicRef, StoryKey, branch_story_key, story_branch
from pantheon_git.core.story import Lock, Story
from pantheon_git.core.timefmt import format_time
from pantheon_git.errors import (
    CacheCorrupt,
    CheckFailed,
    ConfigError,
    PantheonError,
    RallyError,
    StoryNotFound,
    UsageError,
)
from pantheon_git.features.checkout import choice
from pantheon_git.features.checkout import run_choosing as choosing
from pantheon_git.features.checkout.report import CheckoutReport, Refusal
from pantheon_git.features.checkout.run_graph import current_graph
from pantheon_git.features.checkout.run_storyfile import write_story_file
from pantheon_git.features.locks import rules as locks
from pantheon_git.features.locks.rules import Outcome
from pantheon_git.features.locks.run import (
    Attempt,
    Locking,
    lock_client,
    locking,
    record_event,
    too_slow,
)
from pantheon_git.features.locks.run_cache import keep_out_of_git, record_lock
from pantheon_git.features.sync.run import refresh
from pantheon_git.git import storybranch
from pantheon_git.rally import records
from pantheon_git.rally.epics import find_epic
from pantheon_git.rally.mapping import MapSettings, state_to_rally, story_fetch, story_from_rally
from pantheon_git.rally.records import StoryRecord, UserRecord
from pantheon_git.rally.users import active_user

if TYPE_CHECKING:
    from pantheon_git.app import App
    from pantheon_git.rally.client import RallyClient

EPIC_TRIES = 3
"""With ``--epic``: stories tried in turn when others win the race for the first ones."""
TASK_FETCH = ("FormattedID", "Name", "State", "Description", "TaskIndex")


@dataclass(frozen=True)
class CheckoutRequest:
    story: str | None = None
    epic: str | Sequence[str] | None = None
    """One epic or several (the next story of any of them)."""
    lock_hours: float | None = None
    branch: bool = True


def map_settings(app: App, client: RallyClient) -> MapSettings:
    """How records are read here: the config's fields and states, the workspace's
    ScheduleState order (read from Rally once per client)."""
    config = app.config
    return MapSettings(
        names=FieldNames.from_config(config.fields),
        state_map=config.state_map,
        default_lock_hours=config.rally_lock_hours,
        rally_url=config.rally_url,
        schedule_order=client.schedule_states,
    )


def lease_hours(app: App, asked: float | None) -> float:
    """The lease a new lock gets: ``--lock-hours``, else ``rally_lock_hours``."""
    hours = app.config.rally_lock_hours if asked is None else asked
    if hours <= 0:
        raise UsageError(f"--lock-hours must be more than 0, not {hours:g}")
    return hours


def checkout(app: App, request: CheckoutRequest) -> CheckoutReport | Refusal:
    if bool(request.story) == bool(request.epic):
        raise UsageError(
            "give either a story or --epic",
            hint="`pantheon checkout US-123`, or `pantheon checkout --epic 17` for the next one.",
        )
    key = StoryKey.parse(request.story) if request.story else None
    wanted = [request.epic] if isinstance(request.epic, str) else list(request.epic or ())
    epics = [EpicRef.parse(e) for e in wanted]
    hours = lease_hours(app, request.lock_hours)
    me = app.user()
    with lock_client(app) as client:
        settings = map_settings(app, client)
        run = Checkout(app, client, locking(app, client), settings, me, hours, request)
        if key is not None:
            return run.story(key)
        return run.next_of(epics)


@dataclass
class Checkout:
    """One ``pantheon checkout`` against one Rally client; ``pantheon batch`` takes several
    stories with one (``batch``: no alternatives, no story file, no cache refresh per story:
    the batch refreshes once)."""

    app: App
    client: RallyClient
    ops: Locking
    settings: MapSettings
    me: str
    hours: float
    request: CheckoutRequest
    batch: bool = False
    _listings: dict[str | None, list[StoryRecord]] = field(default_factory=dict)
    _user: UserRecord | None = None
    _synced: set[str] = field(default_factory=set)
    """Epics whose cache this checkout refreshed (``rally_auto_sync``)."""

    # --- choosing ---------------------------------------------------------------------------

    def story(self, key: StoryKey) -> CheckoutReport | Refusal:
        fetch = story_fetch(self.settings.names)
        try:
            record = self.client.find_story(key, decode=self.settings.decoder, fetch=fetch)
        except StoryNotFound as exc:
            raise self.not_a_story(key, exc) from None
        return self.take(record)

    def not_a_story(self, key: StoryKey, missing: StoryNotFound) -> PantheonError:
        """Rally has no such story; when the key names an epic, say how to take its next
        story instead."""
        ref = EpicRef(key.number, key.prefix)
        try:
            epic = find_epic(self.client, self.app.config.epic_type, ref)
        except UsageError:
            return missing
        if epic.formatted_id != key.formatted_id:
            return missing
        return UsageError(
            f"{key.formatted_id} is an epic ({epic.name}), not a story",
            hint=f"Take its next available story: `pantheon checkout --epic {key.formatted_id}`.",
        )

    def next_of(self, refs: Sequence[EpicRef]) -> CheckoutReport | Refusal:
        epics = [find_epic(self.client, self.app.config.epic_type, ref) for ref in refs]
        epic_id = ",".join(e.formatted_id or "" for e in epics)
        epic_name = epics[0].name if len(epics) == 1 else None
        ids = [e.formatted_id or "" for e in epics]
        self.sync(ids)  # before listing: the graph's texts, and the listing, are Rally's
        listing = [r for e in ids for r in self.listing(e)]
        picked = self.choose(listing, ids)
        by_key = {choosing.candidate(r).key: r for r in listing}
        last: Refusal | None = None
        for candidate in picked.order[:EPIC_TRIES]:
            full = self.client.get(
                by_key[candidate.key],
                decode=self.settings.decoder,
                fetch=story_fetch(self.settings.names),
            )
            result = self.take(full)
            if isinstance(result, CheckoutReport):
                return result
            last = result
        if last is not None:
            return last
        return Refusal(
            None,
            "",
            "none_free",
            epic=epic_id,
            epic_title=epic_name or None,
            reason=_none_free(listing, picked),
        )

    def listing(self, epic: str | None) -> list[StoryRecord]:
        if epic not in self._listings:
            self._listings[epic] = choosing.epic_stories(self.client, epic, self.settings)
        return self._listings[epic]

    def choose(self, listing: list[StoryRecord], epics: Sequence[str]) -> choice.Choice:
        """The order to take ``listing``'s stories in; ``epics``: whose stories they are (the
        dependency graph must answer for them; none: a project-wide listing, judged with the
        saved graph as it is)."""
        now = self.app.now()
        candidates = [choosing.candidate(r) for r in listing]
        graph: cached_graph.Graph | None
        if epics:
            open_keys = [c.key for c in candidates if not choice.is_done(c.state)]
            graph = current_graph(self.app, epics, open_keys, synced=self._synced)
        else:
            graph = cached_graph.read(self.app.cache)
        context = choosing.dependencies(
            self.client,
            graph=graph,
            listing=listing,
            settings=self.settings,
            me=self.me,
            now=now,
        )
        return choice.choose(candidates, self.me, now, context.deps, context.known)

    def refusal(
        self,
        record: StoryRecord,
        outcome: Literal[Outcome.REFUSED, Outcome.LOST, "in_review"],
        held: Lock | None,
    ) -> Refusal:
        target = choosing.candidate(record)
        if held is not None:
            # The lock Rally showed just now goes to the cache as well, so this clone's hooks
            # name its holder instead of trusting an older cached entry without it.
            record_lock(self.app, target.key, lockfields.to_fields(held, self.ops.names), held)
        epic, epic_title = choosing.epic_of(record)
        if self.batch:  # the batch reports the story; it offers no alternatives
            return Refusal(target.key, target.title, outcome, held, epic, epic_title)
        try:
            picked = self.choose(self.listing(epic), [epic] if epic else [])
        except (ConfigError, CacheCorrupt) as exc:
            # The refusal stands; only the alternatives need the dependency graph.
            reason = f"No alternatives: {exc.message}. {exc.hint or ''}".strip()
            return Refusal(target.key, target.title, outcome, held, epic, epic_title,
                           reason=reason, owner=target.owner, state=target.state)  # fmt: skip
        return Refusal(
            target.key,
            target.title,
            outcome,
            held,
            epic,
            epic_title,
            tuple(choice.alternatives(target, picked)),
            owner=target.owner,
            state=target.state,
        )

    # --- taking one story ---------------------------------------------------------------------

    def take(self, record: StoryRecord) -> CheckoutReport | Refusal:
        target = choosing.candidate(record)
        key, now = target.key, self.app.now()
        if choice.is_done(target.state):
            raise CheckFailed(
                f"{key} is already {target.state} in Rally: nothing to check out",
                hint="Take another story: `pantheon checkout --epic <epic>`.",
            )
        if choice.in_review(target.state):
            if locks.same_person(target.owner, self.me):
                branch = (record.branch or "").strip() or "its branch"
                raise CheckFailed(
                    f"{key} is in {target.state} and yours: review fixes need no lock, "
                    f"commit and push them on {branch}",
                    hint=f"`git switch {branch}`" if record.branch else None,
                )
            self.event(key, "in_review", owner=target.owner)
            return self.refusal(record, "in_review", None)
        held = target.lock
        theirs = locks.status(held, self.me, now) is locks.LockStatus.THEIRS
        if theirs and not self.ops.fresh(held, now):  # a fresh lock may still lose its race
            self.event(key, Outcome.REFUSED, holder=held.holder if held else None)
            return self.refusal(record, Outcome.REFUSED, held)
        keep_out_of_git(self.app)  # before looking for uncommitted work: the cache is not work
        branch = self.branch_name(record, target)
        plan = self.plan(branch)
        if self.app.progress:
            wait = self.ops.timing.settle
            self.app.progress(f"Locking {key} in Rally (confirming takes {wait:g}s)...")
        attempt = self.ops.acquire(record.ref, self.me, self.hours)
        held_now = attempt.outcome in (Outcome.WON, Outcome.RENEWED) and attempt.lock is not None
        self.event(
            key,
            attempt.outcome,
            holder=attempt.lock.holder if attempt.lock else None,
            elapsed=round(attempt.elapsed, 3) if attempt.elapsed is not None else None,
            expires=format_time(attempt.lock.expires) if held_now and attempt.lock else None,
        )
        if attempt.outcome is Outcome.TOO_SLOW:
            raise too_slow(key, attempt, self.ops.timing)
        if attempt.outcome in (Outcome.REFUSED, Outcome.LOST):
            refusal = self.refusal(record, attempt.outcome, attempt.lock)
            if attempt.note:
                refusal = replace(refusal, reason=attempt.note)
            return refusal
        self.owner_or_give_back(record, attempt)
        try:
            return self.finish(record, attempt, branch, plan)
        except PantheonError as exc:
            exc.hint = (
                f"{exc.hint + ' ' if exc.hint else ''}You hold the lock on {key}; run "
                f"`pantheon checkout {key}` again to finish (it keeps your lock)."
            )
            raise
        except Exception:
            # A bug after the lock was won: give the lock back rather than leave a story
            # locked by a checkout that never finished (the error itself is reported as is).
            with contextlib.suppress(PantheonError):
                self.ops.release(record.ref, self.me)
            raise

    def owner_or_give_back(self, record: StoryRecord, attempt: Attempt) -> None:
        """The story is about to become yours in Rally (Owner): a user Rally does not know
        stops the checkout, and a lock just won for them is given back. Asked after the
        lock, so that the protocol's reads are not delayed by it."""
        try:
            self.rally_user()
        except ConfigError as exc:
            if attempt.outcome is Outcome.WON:
                try:
                    self.ops.release(record.ref, self.me)
                except RallyError:
                    exc.hint = f"{exc.hint} Then run `pantheon release {record.formatted_id}`."
            raise

    def rally_user(self) -> UserRecord:
        """The acting user as a Rally user (for ``Owner``), asked once, before the lock."""
        if self._user is None:
            found = active_user(self.client, self.me)
            if found is None:
                raise ConfigError(
                    f"{self.me} is not an active Rally user, so the story cannot be assigned "
                    "to you (Rally's Owner)",
                    hint="Map your git email to your Rally email in the config "
                    f"(`identities: {{{self.me}: <your Rally email>}}`) or export "
                    "PANTHEON_USER=<your Rally email>; `pantheon doctor` checks it.",
                )
            self._user = found
        return self._user

    def branch_name(self, record: StoryRecord, target: choice.Candidate) -> str:
        """The branch Rally names for the story (``c_Branch``: it survives title edits), if it
        is a valid story branch of this story; else one made from the title."""
        config = self.app.config
        named = (record.branch or "").strip()
        ours = named and branch_story_key(named, config.branch_pattern) == target.key
        if ours and storybranch.valid_branch_name(named, cwd=self.app.root):
            return named
        return story_branch(target.key, target.title, config.branch_template)

    def plan(self, branch: str) -> storybranch.BranchPlan | None:
        if not self.request.branch:
            return None
        root = self.app.require_toplevel()
        plan = storybranch.plan_switch(
            root, branch, configured_default=self.app.config.default_branch
        )
        if plan.warning:
            self.app.warn(plan.warning)
        return plan

    def finish(
        self,
        record: StoryRecord,
        attempt: Attempt,
        branch: str,
        plan: storybranch.BranchPlan | None,
    ) -> CheckoutReport:
        assert attempt.lock is not None
        won = attempt.outcome
        assert won is Outcome.WON or won is Outcome.RENEWED
        names = self.settings.names
        before = record.state
        fields: dict[str, Any] = {names.branch: branch}
        user = self.rally_user()
        if not locks.same_person(record.owner, self.me):
            fields["Owner"] = user.ref
        target = states.advance(before, states.IN_PROGRESS)
        if target is not None:
            fields.update(
                state_to_rally(target, self.settings, schedule_state=record.schedule_state)
            )
        decode = self.settings.decoder
        updated = self.client.update(record, fields, decode=decode, fetch=story_fetch(names))
        tasks = self.client.collection(
            record, "Tasks", decode=records.task, fetch=TASK_FETCH, order=("TaskIndex",)
        )
        lock = Lock(
            attempt.lock.holder,
            attempt.lock.locked_at,
            attempt.lock.expires,
            branch,
            attempt.lock.token,
        )
        story = story_from_rally(updated, tasks=tasks, mapping=self.settings).with_(lock=lock)
        action: Literal["created", "switched", "skipped"] = "skipped"
        if plan is not None:
            action = storybranch.switch(plan)
        story_file, file_action = self.story_file(story) if not self.batch else (None, None)
        record_lock(self.app, story.key, {}, lock, story=story, raw=updated.raw)
        if not self.batch:
            self.sync([story.epic] if story.epic else [])
        return CheckoutReport(
            story=story.key,
            title=story.title,
            lock=lock,
            outcome=won,
            epic=story.epic,
            epic_title=story.epic_title,
            previous_state=before,
            state=story.state,
            branch=branch,
            branch_action=action,
            base=plan.base if plan and action == "created" else None,
            story_file=story_file,
            story_file_action=file_action,
            carried=plan.carried if plan else (),
            replaced=attempt.replaced,
            lock_seconds=attempt.elapsed,
        )

    def story_file(self, story: Story) -> tuple[str | None, Literal["written", "kept"] | None]:
        try:
            return write_story_file(self.app.root, self.app.config.story_dir, story)
        except OSError as exc:
            raise ConfigError(
                f"cannot write the story file in {self.app.config.story_dir}: {exc.strerror}",
                hint="Check the story_dir setting and the folder's permissions.",
            ) from None

    def sync(self, epics: Sequence[str]) -> None:
        """``rally_auto_sync``: refresh the cache of these epics (once per checkout)."""
        todo = [e for e in epics if e and e not in self._synced]
        if todo and refresh(self.app, todo) is not None:
            self._synced.update(todo)

    def event(self, key: StoryKey, outcome: str, **details: Any) -> None:
        record_event(self.app, "checkout", key, self.me, outcome, **details)


def _none_free(listing: list[StoryRecord], picked: choice.Choice) -> str:
    stories = [choosing.candidate(r) for r in listing]
    waiting = [f"{k} waits for {', '.join(map(str, v))}" for k, v in sorted(picked.blocked.items())]
    if waiting:
        shown = "; ".join(waiting[:5])
        return f"Every free story waits for another: {shown}."
    open_ = [s for s in stories if not choice.is_done(s.state)]
    if not open_:
        return "Every story of the epic is done."
    return f"All {len(open_)} open stories are taken or started. See them: pantheon status"
