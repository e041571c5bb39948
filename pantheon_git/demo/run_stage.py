"""The machinery under ``pantheon demo``: run a command in a developer's clone as its own
process, show it under the step it belongs to, record it for ``--json``, and stop the demo
with the step's name when something does not turn out as the seed says."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantheon_git.demo import script, webapp
from pantheon_git.demo.payloads import PullRequestFacts, pull_request_event
from pantheon_git.demo.run_sandbox import Ran, Sandbox
from pantheon_git.demo.script import Shown, Step
from pantheon_git.errors import CheckFailed
from pantheon_git.rally import records
from pantheon_git.rally.client import RallyClient

if TYPE_CHECKING:
    from pantheon_git.rally.emulator.server import EmulatorHandle

STORY = "US-120"
TOTAL_STEPS = 14


@dataclass(frozen=True)
class Developer:
    name: str
    email: str
    display: str
    login: str
    """GitHub login, mapped to the email under ``identities:``."""


class DemoFailed(CheckFailed):
    """A step did not turn out as the seed says it should."""


@dataclass
class DemoOutcome:
    steps: list[Step] = field(default_factory=list)
    seconds: float = 0.0
    winner: str | None = None
    loser: str | None = None
    alternative: str | None = None
    kept: str | None = None
    rally: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": [s.to_dict() for s in self.steps],
            "seconds": round(self.seconds, 2),
            "winner": self.winner,
            "loser": self.loser,
            "story": STORY,
            "alternative": self.alternative,
            "rally": self.rally,
            "kept": self.kept,
        }


class Stage:
    """A demo in progress: the sandbox, the emulator, the two clones, the steps so far."""

    def __init__(self, sandbox: Sandbox, show: Callable[[str], None], people: Sequence[Developer]):
        self.sandbox = sandbox
        self.show = show
        self.outcome = DemoOutcome()
        self.step: Step | None = None
        self.rally: EmulatorHandle | None = None
        self.clones = {d.name: sandbox.root / d.name for d in people}
        self.people = {d.name: d for d in people}

    # --- running and showing -----------------------------------------------------------------

    def begin(self, title: str, intro: str = "") -> None:
        number = len(self.outcome.steps) + 1
        self.step = Step(number, title, intro)
        self.outcome.steps.append(self.step)
        self.show(script.heading(number, TOTAL_STEPS, title))
        if intro:
            self.show(intro)

    def note(self, text: str) -> None:
        assert self.step is not None
        self.step.notes.append(text)
        self.show(f"→ {text}")

    def expect(self, condition: bool, problem: str) -> None:
        if not condition:
            where = f"step {self.step.number} ({self.step.title})" if self.step else "setup"
            raise DemoFailed(
                f"the demo went wrong at {where}: {problem}",
                hint="The output above shows what each command printed.",
            )

    def record(self, who: str, shown: str, ran: Ran, *, brief: bool = False) -> Ran:
        assert self.step is not None
        item = Shown(who, shown, ran.code, ran.output, ran.seconds)
        self.step.runs.append(item)
        if brief:
            self.show(script.command_line(who, _split(shown)) + _brief(ran))
        else:
            self.show(script.render_run(item))
        return ran

    def pantheon(self, who: str, *args: str, brief: bool = False) -> Ran:
        argv = [sys.executable, "-m", "pantheon_git", *args]
        ran = self.sandbox.run(argv, cwd=self.clones[who])
        return self.record(who, _join(["pantheon", *args]), ran, brief=brief)

    def git(self, who: str, *args: str, brief: bool = False) -> Ran:
        ran = self.sandbox.git(self.clones[who], *args)
        return self.record(who, _join(["git", *args]), ran, brief=brief)

    def run_shown(self, who: str, argv: Sequence[str], *, shown: str) -> Ran:
        return self.record(who, shown, self.sandbox.run(argv, cwd=self.clones[who]))

    def together(self, commands: Sequence[tuple[str, Sequence[str]]]) -> dict[str, Ran]:
        """Start several ``pantheon`` commands at once; show each once all have ended."""
        started = []
        for who, args in commands:
            argv = [sys.executable, "-m", "pantheon_git", *args]
            started.append((who, args, argv, self.sandbox.start(argv, cwd=self.clones[who])))
        results: dict[str, Ran] = {}
        for who, args, argv, handle in started:
            ran = self.sandbox.finish(handle, argv)
            results[who] = self.record(who, _join(["pantheon", *args]), ran)
        return results

    def quiet(self, cwd: Path, *argv: str) -> None:
        ran = self.sandbox.run(argv, cwd=cwd)
        if ran.code != 0:
            raise DemoFailed(f"setting up failed: `{_join(argv)}`: {ran.output.strip()}")

    def git_out(self, cwd: Path, *args: str) -> str:
        ran = self.sandbox.git(cwd, *args)
        if ran.code != 0:
            raise DemoFailed(f"`git {_join(args)}` failed: {ran.output.strip()}")
        return ran.output.strip()

    def identify(self, clone: Path, person: Developer) -> None:
        self.quiet(clone, "git", "config", "user.email", person.email)
        self.quiet(clone, "git", "config", "user.name", person.display)

    def ci(self, who: Developer, template_name: str, facts: PullRequestFacts) -> Ran:
        folder = self.sandbox.root / "github"
        folder.mkdir(exist_ok=True)
        template = json.loads(
            resources.files("pantheon_git.demo")
            .joinpath("github", template_name)
            .read_text(encoding="utf-8")
        )
        payload = pull_request_event(template, facts)
        action = "merged" if facts.merge_sha else payload["action"]
        event = folder / f"pull_request.{action}.json"
        event.write_text(json.dumps(payload, indent=2), encoding="utf-8")
        env = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_STEP_SUMMARY": str(folder / f"summary.{action}.md"),
            "GITHUB_OUTPUT": str(folder / f"output.{action}.txt"),
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": webapp.REPO,
            "GITHUB_RUN_ID": {"opened": "1001", "synchronize": "1002"}.get(action, "1003"),
        }
        self.note(
            f"GitHub sends `pull_request` ({action}); the payload is GitHub's own example "
            f"with this repository's branch and commits: {event.relative_to(self.sandbox.root)}"
        )
        argv = [sys.executable, "-m", "pantheon_git", "ci", "--coverage", ".coverage"]
        ran = self.sandbox.run(argv, cwd=self.clones[who.name], env=env)
        self.record("github", "pantheon ci --coverage .coverage", ran)
        if "::warning" in ran.output:
            self.note("Lines starting with `::` are annotations GitHub shows on the pull request.")
        return ran

    def read_story(self, label: str) -> records.StoryRecord:
        """The story as Rally has it now (a plain read, shown as one line and kept in the
        outcome under ``label``)."""

        assert self.rally is not None
        fields = ("ScheduleState", "c_PantheonStatus", "c_CommitSHA", "c_Coverage", "c_LockedBy")
        with RallyClient(
            url=self.rally.url,
            api_key=self.rally.api_key,
            workspace=self.rally.workspace,
            project=self.rally.project,
        ) as client:
            story = client.find_story(STORY, decode=records.story, fetch=("FormattedID", *fields))
        values = story.values(fields)
        shown = ", ".join(f"{f} {_short(v)}" for f, v in values.items())
        self.note(f"Rally now has {STORY}: {shown}")
        self.outcome.rally[label] = values
        return story


def time_now() -> datetime:
    return datetime.now(UTC)


def _short(value: Any) -> str:
    if value in (None, ""):
        return "(empty)"
    text = str(value)
    return text[:10] if len(text) == 40 else text


def _split(command: str) -> list[str]:
    return shlex.split(command)


def _join(argv: Sequence[str]) -> str:
    return " ".join(shlex.quote(a) for a in argv)


def _brief(ran: Ran) -> str:
    lines = [ln for ln in ran.output.strip().splitlines() if ln.strip()]
    tail = f"  (exit code {ran.code})" if ran.code else ""
    if not lines:
        return tail
    if len(lines) == 1:
        return f"\n{lines[0]}{tail}"
    more = len(lines) - 1
    return f"\n{lines[0]}\n  … ({more} more line{'s' if more > 1 else ''}){tail}"


def story_title(checkout_output: str, key: str) -> str:
    for line in checkout_output.splitlines():
        if line.startswith(f"Story: {key} - "):
            return line.split(" - ", 1)[1].strip()
    return key
