"""What ``pantheon demo`` shows around the real output: step headings, who runs what, the
closing summary. Pure text and data: the use case runs the commands."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

WIDTH = 78
HEAVY = "━"


@dataclass(frozen=True)
class Shown:
    """One command as the demo shows it: who ran it, what they typed, what it printed."""

    who: str
    command: str
    code: int
    output: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "who": self.who,
            "command": self.command,
            "exit_code": self.code,
            "output": self.output,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Step:
    number: int
    title: str
    intro: str = ""
    runs: list[Shown] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.number,
            "title": self.title,
            "intro": self.intro,
            "commands": [r.to_dict() for r in self.runs],
            "notes": list(self.notes),
        }


def heading(number: int, total: int, title: str) -> str:
    label = f"{HEAVY * 3} Step {number}/{total} · {title} "
    return "\n" + label + HEAVY * max(3, WIDTH - len(label))


def command_line(who: str, argv: Sequence[str]) -> str:
    """``alice $ pantheon checkout US-120``: argv shown as a shell would need it."""
    return f"{who} $ {' '.join(shlex.quote(a) for a in argv)}"


def render_run(run: Shown) -> str:
    lines = [command_line(run.who, shlex.split(run.command))]
    body = run.output.rstrip("\n")
    if body:
        lines.append(body)
    if run.code != 0:
        lines.append(f"(exit code {run.code})")
    return "\n".join(lines)


_ALTERNATIVE = re.compile(r"pantheon checkout (US-?\d+)", re.IGNORECASE)


def offered_alternative(refusal: str) -> str | None:
    """The story a refusal suggests taking instead: the command under "Checkout alternative
    story:", else the first alternative listed."""
    _, marker, after = refusal.partition("Checkout alternative story:")
    for text in ((after,) if marker else ()) + (refusal,):
        match = _ALTERNATIVE.search(text)
        if match:
            return match.group(1).upper()
    return None


def keep_instructions(root: str, data: str, workspace: str, project: str) -> list[str]:
    q = shlex.quote
    return [
        f"Kept in {root}:",
        "  alice/, bob/    the two developers' clones (origin.git is their shared remote)",
        "  rally.sqlite    the Rally emulator's data",
        "",
        "Explore it: start the emulator on that data, then use the clones:",
        f"  pantheon rally serve --data {q(data)} --seed demo --port 8765 &",
        "  export RALLY_URL=http://127.0.0.1:8765 RALLY_API_KEY=demo "
        f"RALLY_WORKSPACE={q(workspace)} RALLY_PROJECT={q(project)}",
        f"  cd {q(root + '/alice')} && pantheon status",
        "(--seed demo names the demo's workspace; the data already there is kept as it is.)",
    ]


def closing(
    *,
    winner: str,
    loser: str,
    story: str,
    alternative: str,
    seconds: float,
    timings: str,
) -> list[str]:
    return [
        "",
        f"{HEAVY * WIDTH}",
        "What happened",
        f"  • {winner} and {loser} raced for {story}: {winner} won, {loser} was refused and "
        f"offered {alternative}",
        f"  • {winner}'s commits passed the lock hook; {loser}'s commit on {story}'s branch "
        "was blocked",
        f"  • {loser}'s {alternative} branch overlaps {winner}'s: the push said so",
        f"  • the pull request moved {story} to Code Review and released the lock; {winner}, "
        f"its owner, pushed a review fix, {loser} could not take it, Rally got the fix's SHA",
        "  • the merge moved it to Completed, with the commit SHA and coverage in Rally",
        f"Done in {seconds:.1f}s ({timings}).",
    ]
