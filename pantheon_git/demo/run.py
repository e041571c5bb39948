"""``pantheon demo``: the seed's whole story, for real, in a sandbox.

A Rally emulator runs in this process on a free port, seeded with the demo backlog (the seed's
Epic 17 and a second epic). Two developers, alice and bob, each have a clone of a fresh
repository with a bare ``origin``. Every step runs the real command as a separate process
(``pantheon ...`` and ``git ...``, so git fires the installed hooks) and shows what it
printed:

sync, doctor -> deps (graph, waves, Mermaid) -> plan -> alice and bob check out the same story
at the same moment (one wins, the other is refused and offered alternatives) -> the winner's
commit passes the lock hook, the loser's commit on that branch is blocked -> the loser takes
an alternative whose branch overlaps the winner's, and the push reports it -> a pull request
opened (Code Review, the lock released) -> the winner's review fix is committed and pushed,
the story is nobody else's to check out, the synchronize event records the fix -> the merge,
fed to ``pantheon ci`` as GitHub would -> status and metrics.

The API key is handed to the processes in their environment only, as a real key must be.
Without ``keep`` everything (folders, processes, the emulator) is removed at the end, also
when the demo is interrupted.
"""

from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pantheon_git.cache import events as checkout_log
from pantheon_git.cache.store import Cache
from pantheon_git.core.timefmt import format_time
from pantheon_git.demo import script, webapp
from pantheon_git.demo.payloads import PullRequestFacts
from pantheon_git.demo.run_sandbox import Sandbox
from pantheon_git.demo.run_stage import (
    STORY,
    DemoFailed,
    DemoOutcome,
    Developer,
    Stage,
    story_title,
    time_now,
)
from pantheon_git.errors import UsageError
from pantheon_git.rally.emulator.server import start

EPIC = "17"
COVERAGE_RUN = (
    sys.executable,
    "-m",
    "coverage",
    "run",
    "--source=src",
    "tests/check_user_model.py",
)
LOCK_BOUND = 2.0
LOCK_SETTLE = 2.5


ALICE = Developer("alice", "alice@example.com", "Alice Example", "alice-gh")
BOB = Developer("bob", "bob@example.com", "Bob Example", "bob-gh")

DEMO_SETTINGS = f"""\
  # --- set by `pantheon demo` ---
  # The emulator answers within milliseconds, so the lock protocol's timings are short here:
  # T = {LOCK_BOUND:g} s, D = {LOCK_SETTLE:g} s (against real Rally the defaults are 3 s and 4 s).
  lock_write_bound: {LOCK_BOUND}
  lock_settle_delay: {LOCK_SETTLE}
  identities:
    {ALICE.login}: {ALICE.email}
    {BOB.login}: {BOB.email}
"""


@dataclass(frozen=True)
class DemoRequest:
    keep: Path | None = None
    developers: int = 12


def check_keep(path: Path) -> Path:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise UsageError(
            f"--keep {path}: the folder exists and is not empty",
            hint="Give a new or empty folder, e.g. --keep ./pantheon-tour",
        )
    return path


def run_demo(request: DemoRequest, show: Callable[[str], None]) -> DemoOutcome:
    if request.developers < 1:
        raise UsageError("--developers must be at least 1")
    keep = check_keep(request.keep) if request.keep else None
    began = time.monotonic()
    sandbox = Sandbox(keep)
    try:
        tour = Tour(sandbox, request, show)
        tour.run()
        tour.outcome.seconds = time.monotonic() - began
        tour.finish()
        return tour.outcome
    finally:
        sandbox.close()


class Tour(Stage):
    """The seed's story, step by step."""

    def __init__(self, sandbox: Sandbox, request: DemoRequest, show: Callable[[str], None]):
        super().__init__(sandbox, show, (ALICE, BOB))
        self.request = request

    # --- the story ---------------------------------------------------------------------------

    def run(self) -> None:

        data = self.sandbox.root / "rally.sqlite" if self.sandbox.keep else None
        self.show(self.opening(data))
        # A key of its own for this run: secrets are masked in every output, so a key that is
        # also a word ("demo") would mask that word wherever it appears, paths included.
        key = f"demo-{secrets.token_hex(16)}"
        self.rally = start(seed="demo", data=str(data) if data else None, api_key=key)
        try:
            self.sandbox.extra_env = {
                "RALLY_URL": self.rally.url,
                "RALLY_API_KEY": self.rally.api_key,
            }
            self.setup()
            self.sync_and_doctor()
            self.dependencies()
            self.plan()
            winner, loser = self.race()
            branch = self.winner_commits(winner)
            self.loser_blocked(loser, branch)
            self.alternative(loser)
            head = self.pull_request_opened(winner, branch)
            head = self.review_fix(winner, loser, branch, head)
            self.pull_request_merged(winner, branch, head)
            self.status()
            self.metrics()
        finally:
            self.rally.stop()

    def opening(self, data: Path | None) -> str:
        where = (
            f"Kept in {self.sandbox.root} (with the emulator's data in {data})"
            if data
            else f"Working in {self.sandbox.root} (removed at the end; --keep DIR keeps it)"
        )
        return "\n".join(
            [
                "pantheon demo: the whole Rally-driven workflow, on a Rally emulator in this",
                "process and a fresh git repository with two developers, alice and bob.",
                "Every command below is the real one, run as its own process; git runs the",
                "installed hooks. Nothing leaves this machine.",
                where,
                f"Lock timings for the emulator's zero latency: T = {LOCK_BOUND:g} s, "
                f"D = {LOCK_SETTLE:g} s (real Rally: 3 s, 4 s).",
            ]
        )

    def setup(self) -> None:
        self.begin(
            "Set up: a project on Rally, two developers' clones",
            "The team lead writes the config with `pantheon init` and pushes the project; "
            "alice and bob clone it and install the hooks.",
        )
        root = self.sandbox.root
        origin = root / "origin.git"
        self.quiet(root, "git", "init", "-q", "--bare", "-b", "main", str(origin))
        alice = self.clones["alice"]
        self.quiet(root, "git", "init", "-q", "-b", "main", str(alice))
        self.identify(alice, ALICE)
        self.sandbox.write(alice, webapp.INITIAL)
        assert self.rally is not None
        init = self.pantheon(
            "alice", "init", "--workspace", self.rally.workspace, "--project", self.rally.project
        )
        self.expect(init.code == 0, "pantheon init failed")
        config = alice / "_bmad" / "pantheon" / "config.yaml"
        config.write_text(config.read_text(encoding="utf-8") + DEMO_SETTINGS, encoding="utf-8")
        self.note(
            "The demo adds short lock timings and the GitHub logins of alice and bob "
            "(identities) to the config."
        )
        self.quiet(alice, "git", "add", "-A")
        self.quiet(alice, "git", "commit", "-q", "-m", "Start the webapp; pantheon config")
        self.quiet(alice, "git", "remote", "add", "origin", str(origin))
        self.quiet(alice, "git", "push", "-q", "-u", "origin", "main")
        self.quiet(alice, "git", "remote", "set-head", "origin", "main")
        bob = self.clones["bob"]
        self.quiet(root, "git", "clone", "-q", str(origin), str(bob))
        self.identify(bob, BOB)
        for who in ("alice", "bob"):
            ran = self.pantheon(who, "hooks", "install", brief=who == "bob")
            self.expect(ran.code == 0, f"{who}: pantheon hooks install failed")

    def sync_and_doctor(self) -> None:
        self.begin("Sync: pull the backlog from Rally", "Both developers pull the stories.")
        for who in ("alice", "bob"):
            ran = self.pantheon(who, "sync", brief=who == "bob")
            self.expect(ran.code == 0, f"{who}: pantheon sync failed")
        self.begin("Doctor: is everything ready?", "Config, key, Rally, fields, hooks, cache.")
        ran = self.pantheon("alice", "doctor")
        self.expect(ran.code == 0, "pantheon doctor found problems")

    def dependencies(self) -> None:
        self.begin(
            f"Dependencies: Epic {EPIC}'s graph, waves and Mermaid",
            "Which stories wait on which, which can start now.",
        )
        ran = self.pantheon("alice", "deps", "--epic", EPIC)
        self.expect(ran.code == 0 and "Wave 1" in ran.output, "pantheon deps failed")
        ran = self.pantheon("alice", "deps", "--epic", EPIC, "--format", "mermaid")
        self.expect(ran.code == 0 and "graph TD" in ran.output, "no Mermaid diagram")
        ran = self.pantheon("bob", "deps", "--epic", EPIC, brief=True)
        self.expect(ran.code == 0, "bob: pantheon deps failed")

    def plan(self) -> None:
        n = self.request.developers
        self.begin(f"Plan: lanes for {n} developers", "The critical path gets lane 0.")
        ran = self.pantheon("alice", "plan", "--epic", EPIC, "--developers", str(n))
        self.expect(ran.code == 0, "pantheon plan failed")

    def race(self) -> tuple[Developer, Developer]:
        self.begin(
            f"Checkout: alice and bob take {STORY} at the same moment",
            "Both start `pantheon checkout` at once; Rally has no compare-and-swap, the lock "
            "protocol leaves exactly one winner.",
        )
        results = self.together([("alice", ["checkout", STORY]), ("bob", ["checkout", STORY])])
        codes = {who: ran.code for who, ran in results.items()}
        winners = [who for who, code in codes.items() if code == 0]
        if len(winners) == 2:
            raise DemoFailed(f"both alice and bob hold {STORY}: the lock protocol failed")
        if not winners and all(code == 5 for code in codes.values()):
            self.note("Rally answered too slowly for both attempts (a busy machine); again:")
            results = self.together([("alice", ["checkout", STORY]), ("bob", ["checkout", STORY])])
            codes = {who: ran.code for who, ran in results.items()}
            winners = [who for who, code in codes.items() if code == 0]
        self.expect(len(winners) == 1, f"no single winner: exit codes {codes}")
        winner = self.people[winners[0]]
        loser = BOB if winner is ALICE else ALICE
        refusal = results[loser.name]
        if refusal.code == 5:
            self.note(
                f"{loser.name}'s attempt was withdrawn as too slow; {loser.name} tries again:"
            )
            refusal = self.pantheon(loser.name, "checkout", STORY)
        self.expect(
            refusal.code == 1 and "Already Locked" in refusal.output,
            f"{loser.name} was not refused",
        )
        alternative = script.offered_alternative(refusal.output)
        self.expect(alternative is not None, "the refusal offered no alternative")
        self.outcome.winner, self.outcome.loser = winner.name, loser.name
        self.outcome.alternative = alternative
        self.note(f"{winner.name} won; {loser.name} was refused and offered {alternative} instead.")
        return winner, loser

    def winner_commits(self, winner: Developer) -> str:
        clone = self.clones[winner.name]
        branch = self.git_out(clone, "branch", "--show-current")
        self.begin(
            "Commit: the lock hook lets the holder through",
            f"{winner.name} holds {STORY}; the pre-commit hook checks that, the commit-msg hook "
            "puts the story key in the message, the pre-push hook checks the lock against "
            "Rally and renews it.",
        )
        self.sandbox.write(clone, webapp.USER_MODEL)
        self.git(winner.name, "add", "-A", brief=True)
        ran = self.git(winner.name, "commit", "-m", "Create the user model")
        self.expect(ran.code == 0, "the holder's commit was blocked")
        self.expect(STORY in self.git_out(clone, "log", "-1", "--format=%s"), "no key in message")
        self.note(
            f"The pre-commit hook passed without a word (the lock is {winner.name}'s); the "
            f"commit-msg hook put `{STORY}: ` in front of the message."
        )
        ran = self.git(winner.name, "push", "-u", "origin", branch)
        self.expect(ran.code == 0, "the holder's push failed")
        return branch

    def loser_blocked(self, loser: Developer, branch: str) -> None:
        clone = self.clones[loser.name]
        self.begin(
            f"The other developer commits on {STORY}'s branch: blocked",
            f"{loser.name} switches to {branch} and tries to commit there.",
        )
        self.git(loser.name, "fetch", "origin", brief=True)
        ran = self.git(loser.name, "switch", branch)
        self.expect(ran.code == 0, "could not switch to the story branch")
        current = (clone / "src/models/user.py").read_text(encoding="utf-8")
        self.sandbox.write(clone, webapp.intruder_edit(current))
        before = self.git_out(clone, "rev-parse", "HEAD")
        ran = self.git(loser.name, "commit", "-am", "A quick fix of my own")
        self.expect(ran.code != 0, f"{loser.name}'s commit on {branch} was not blocked")
        self.expect(self.git_out(clone, "rev-parse", "HEAD") == before, "a commit was made")
        self.git(loser.name, "restore", "src/models/user.py", brief=True)
        self.git(loser.name, "switch", "main", brief=True)

    def alternative(self, loser: Developer) -> None:
        alt = self.outcome.alternative
        assert alt is not None
        clone = self.clones[loser.name]
        self.begin(
            f"{loser.name} takes {alt}: overlapping files are reported at push",
            f"{alt} also touches the user model, which the {STORY} branch changes.",
        )
        ran = self.pantheon(loser.name, "checkout", alt)
        self.expect(ran.code == 0, f"{loser.name} could not take {alt}")
        title = story_title(ran.output, alt)
        self.sandbox.write(clone, webapp.alternative_work(alt, title))
        self.git(loser.name, "add", "-A", brief=True)
        ran = self.git(loser.name, "commit", "-m", "Keep per-person auth settings on the user")
        self.expect(ran.code == 0, f"{loser.name}'s commit on {alt} was blocked")
        self.git(loser.name, "fetch", "origin", brief=True)
        branch = self.git_out(clone, "branch", "--show-current")
        ran = self.git(loser.name, "push", "-u", "origin", branch)
        self.expect(ran.code == 0, "the push failed")
        self.expect("overlap" in ran.output.lower(), "the push reported no overlap")

    def pull_request_opened(self, winner: Developer, branch: str) -> str:
        clone = self.clones[winner.name]
        self.begin(
            "Pull request opened: Code Review, commit SHA, coverage",
            f"{winner.name} runs the tests with coverage and opens a pull request; GitHub "
            "runs the Action, which runs `pantheon ci` with the event.",
        )
        ran = self.run_shown(
            winner.name,
            list(COVERAGE_RUN),
            shown="python -m coverage run --source=src tests/check_user_model.py",
        )
        self.expect(ran.code == 0, "the tests failed")
        self.run_shown(
            winner.name, [sys.executable, "-m", "coverage", "report"], shown="coverage report"
        )
        self.git(winner.name, "fetch", "origin", brief=True)
        head = self.git_out(clone, "rev-parse", "HEAD")
        base = self.git_out(clone, "rev-parse", "origin/main")
        facts = PullRequestFacts(
            webapp.REPO, 1, f"{STORY}: Create user model", winner.login, branch, head, "main",
            base, when=format_time(time_now()),
        )  # fmt: skip
        ran = self.ci(winner, "pull_request.opened.json", facts)
        self.expect(ran.code == 0, "pantheon ci failed on the opened pull request")
        story = self.read_story("after_pr_opened")
        self.expect(story.pantheon_status == "Code Review", "the story is not in review")
        self.expect(story.commit_sha == head, "Rally does not have the head commit")
        self.expect(story.coverage is not None, "Rally has no coverage")
        return head

    def review_fix(self, winner: Developer, loser: Developer, branch: str, head: str) -> str:
        clone = self.clones[winner.name]
        self.begin(
            "Review fix: the owner commits after Code Review; nobody else can take the story",
            f"The reviewer asks for a change. {STORY} has no lock any more (the pull request "
            f"released it), but it is {winner.name}'s: Rally's Owner since the checkout.",
        )
        current = (clone / "src/models/user.py").read_text(encoding="utf-8")
        self.sandbox.write(clone, webapp.review_fix(current))
        ran = self.git(winner.name, "commit", "-am", "Compare password hashes in constant time")
        self.expect(ran.code == 0, "the owner's review fix was blocked")
        ran = self.git(winner.name, "push", "origin", branch)
        self.expect(ran.code == 0 and "review fixes" in ran.output, "the review fix push failed")
        ran = self.pantheon(loser.name, "checkout", STORY)
        self.expect(ran.code == 1 and "In Code Review" in ran.output, "the story was offered")
        self.quiet(clone, *COVERAGE_RUN)  # the pull request's workflow runs the tests again
        fixed = self.git_out(clone, "rev-parse", "HEAD")
        base = self.git_out(clone, "rev-parse", "origin/main")
        facts = PullRequestFacts(
            webapp.REPO, 1, f"{STORY}: Create user model", winner.login, branch, fixed, "main",
            base, when=format_time(time_now()), pushed_over=head,
        )  # fmt: skip
        ran = self.ci(winner, "pull_request.synchronize.json", facts)
        self.expect(ran.code == 0, "pantheon ci failed on the synchronize event")
        story = self.read_story("after_review_fix")
        self.expect(story.commit_sha == fixed, "Rally does not have the review fix")
        self.expect(story.pantheon_status == "Code Review", "the story left Code Review")
        return fixed

    def pull_request_merged(self, winner: Developer, branch: str, head: str) -> None:
        clone = self.clones[winner.name]
        self.begin(
            "Pull request merged: Completed",
            "The review passes; GitHub merges the pull request and sends the closed event.",
        )
        self.git(winner.name, "switch", "main", brief=True)
        message = f"Merge pull request #1 from {webapp.REPO.split('/')[0]}/{branch}"
        ran = self.git(winner.name, "merge", "--no-ff", "-m", message, branch)
        self.expect(ran.code == 0, "the merge failed")
        ran = self.git(winner.name, "push", "origin", "main")
        self.expect(ran.code == 0, "pushing main failed")
        merge = self.git_out(clone, "rev-parse", "HEAD")
        base = self.git_out(clone, "rev-parse", "HEAD^1")
        facts = PullRequestFacts(
            webapp.REPO, 1, f"{STORY}: Create user model", winner.login, branch, head, "main",
            base, merge_sha=merge, when=format_time(time_now()),
        )  # fmt: skip
        ran = self.ci(winner, "pull_request.closed-merged.json", facts)
        self.expect(ran.code == 0, "pantheon ci failed on the merged pull request")
        story = self.read_story("after_merge")
        self.expect(story.schedule_state == "Completed", "the story is not Completed")
        self.expect(story.commit_sha == merge, "Rally does not have the merge commit")

    def status(self) -> None:
        self.begin(
            "Status: the board",
            "alice, who planned the sprint, looks at the board: from the cache, after a sync "
            "(it works offline).",
        )
        self.git("alice", "fetch", "origin", brief=True)
        ran = self.pantheon("alice", "sync", brief=True)
        self.expect(ran.code == 0, "pantheon sync failed")
        ran = self.pantheon("alice", "status")
        self.expect(ran.code == 0, "pantheon status failed")

    def metrics(self) -> None:
        self.begin(
            "Metrics: the seed's success metrics",
            "From alice's clone (her plan, git history of origin/main) with bob's checkout "
            "log added. The race for one story was settled by the lock (refused, not held "
            "twice), and most stories are not done yet.",
        )
        log = checkout_log.log_path(Cache(self.clones["bob"]).dir)
        ran = self.pantheon("alice", "metrics", "--events", str(log))
        self.expect(ran.code == 0, "pantheon metrics failed")

    def finish(self) -> None:
        outcome = self.outcome
        lines = script.closing(
            winner=outcome.winner or "?",
            loser=outcome.loser or "?",
            story=STORY,
            alternative=outcome.alternative or "?",
            seconds=outcome.seconds,
            timings=f"lock timings T = {LOCK_BOUND:g} s, D = {LOCK_SETTLE:g} s",
        )
        if self.sandbox.keep:
            assert self.rally is not None
            outcome.kept = str(self.sandbox.root)
            lines += [
                "",
                *script.keep_instructions(
                    str(self.sandbox.root),
                    str(self.sandbox.root / "rally.sqlite"),
                    self.rally.workspace,
                    self.rally.project,
                ),
            ]
        else:
            lines.append("Everything the demo made has been removed.")
        self.show("\n".join(lines))
