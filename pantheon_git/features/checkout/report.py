"""What checkout tells people: records, their JSON, the seed's reports.

Pure: the time and the time zone to show times in are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Literal

from pantheon_git.core.keys import StoryKey, epic_number
from pantheon_git.core.story import Lock
from pantheon_git.core.timefmt import format_time
from pantheon_git.errors import UsageError
from pantheon_git.features.checkout.choice import Alternative
from pantheon_git.features.locks.report import checkout_command, lease_words, show_time
from pantheon_git.features.locks.rules import Outcome

RULE = "━" * 47


@dataclass(frozen=True)
class CheckoutReport:
    """A checkout that holds the lock: won now, or already ours and renewed."""

    story: StoryKey
    title: str
    lock: Lock
    outcome: Literal[Outcome.WON, Outcome.RENEWED]
    epic: str | None = None
    epic_title: str | None = None
    previous_state: str = "Defined"
    state: str = "In Progress"
    branch: str = ""
    branch_action: Literal["created", "switched", "skipped"] = "skipped"
    base: str | None = None
    story_file: str | None = None
    story_file_action: Literal["written", "kept"] | None = None
    """None: no story file."""
    carried: tuple[str, ...] = ()
    """Uncommitted files carried over to the story branch."""
    replaced: Lock | None = None
    """The expired lock this checkout replaced."""
    lock_seconds: float | None = None
    """Read-to-write-reply time of the winning attempt (the protocol's bound T applies)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "story": str(self.story),
            "locked": True,
            "locked_by": self.lock.holder,
            "expires": format_time(self.lock.expires),
            "branch": self.branch,
            "outcome": self.outcome,
            "title": self.title,
            "epic": self.epic,
            "locked_at": format_time(self.lock.locked_at),
            "previous_state": self.previous_state,
            "state": self.state,
            "branch_action": self.branch_action,
            "base": self.base,
            "story_file": self.story_file,
            "story_file_action": self.story_file_action,
            "carried_changes": list(self.carried),
            "replaced_expired_lock": self.replaced.holder if self.replaced else None,
            "lock_seconds": round(self.lock_seconds, 3) if self.lock_seconds is not None else None,
        }


@dataclass(frozen=True)
class Refusal:
    """Someone else holds the story (``refused``), or won the race for it (``lost``), or it is
    in Code Review (``in_review``: its owner makes the review fixes); or, with ``story`` None,
    nothing in the epic is free (``none_free``)."""

    story: StoryKey | None
    title: str
    outcome: Literal[Outcome.REFUSED, Outcome.LOST, "in_review", "none_free"]
    lock: Lock | None = None
    epic: str | None = None
    epic_title: str | None = None
    alternatives: tuple[Alternative, ...] = ()
    reason: str | None = None
    owner: str | None = None
    """Rally's Owner of the story."""
    state: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "story": str(self.story) if self.story else None,
            "locked": False,
            "locked_by": self.lock.holder if self.lock else None,
            "expires": format_time(self.lock.expires) if self.lock else None,
            "alternatives": [alternative_dict(a) for a in self.alternatives],
            "outcome": self.outcome,
            "title": self.title,
            "epic": self.epic,
            "locked_at": format_time(self.lock.locked_at) if self.lock else None,
            "reason": self.reason,
            "owner": self.owner,
            "state": self.state,
        }


def alternative_dict(alternative: Alternative) -> dict[str, Any]:
    story = alternative.story
    return {
        "story": str(story.key),
        "title": story.title,
        "complexity": alternative.complexity,
        "tasks": story.task_count,
        "estimate": story.estimate,
        "command": checkout_command(story.key),
    }


def epic_label(epic: str | None, epic_title: str | None) -> str:
    if not epic:
        return "no epic"
    return f"{epic} - {epic_title}" if epic_title else epic


def render_checkout(report: CheckoutReport, now: datetime) -> str:
    lines = ["Story Checkout Successful", RULE]
    lines.append(f"Story: {report.story} - {report.title}")
    lines.append(f"Epic:  {epic_label(report.epic, report.epic_title)}")
    lines.append("")
    if report.outcome == Outcome.RENEWED:
        lines.append(f"✅ Already yours: lock renewed ({lease_words(report.lock, now)})")
    else:
        lines.append(f"✅ Locked in Rally ({lease_words(report.lock, now)})")
        if report.replaced:
            lines.append(f"   (replaced {report.replaced.holder}'s expired lock)")
    if report.previous_state != report.state:
        lines.append(f"✅ Status updated: {report.previous_state} → {report.state}")
    else:
        lines.append(f"✅ Status: {report.state} (unchanged)")
    if report.branch_action == "created":
        base = f" from {report.base}" if report.base else ""
        lines.append(f"✅ Branch created: {report.branch}{base}")
    elif report.branch_action == "switched":
        lines.append(f"✅ Switched to branch: {report.branch}")
    else:
        lines.append(f"➖ Branch not created (--no-branch): {report.branch}")
    if report.carried:
        lines.append(f"   (your {len(report.carried)} uncommitted change(s) came along)")
    lines.append("✅ Local cache updated")
    if report.story_file and report.story_file_action == "written":
        lines.append(f"✅ Story file written: {report.story_file}")
    elif report.story_file:
        lines.append(f"✅ Story file kept: {report.story_file}")
    lines += ["", "Ready to start:"]
    if report.branch_action == "skipped":
        # not `git switch -c`: that would start the branch on whatever is checked out now
        lines.append(
            f"  pantheon checkout {report.story}   (when you start: renews your lock, creates "
            f"{report.branch} from the default branch)"
        )
    lines += [
        f'  git commit -m "{report.story}: ..."   (the hooks check your lock)',
        f"  git push -u origin {report.branch}   (renews the lock)",
        "  pantheon complete   (or open a pull request: Code Review)",
    ]
    return "\n".join(lines)


def render_refusal(refusal: Refusal, now: datetime, tz: tzinfo | None) -> str:
    if refusal.story is None:
        lines = ["❌ No Story Available", RULE]
        lines.append(f"Epic: {epic_label(refusal.epic, refusal.epic_title)}")
        if refusal.reason:
            lines.append(refusal.reason)
        return "\n".join(lines)
    if refusal.outcome == "in_review":
        head = f"❌ Story In {refusal.state or 'Code Review'}"
    elif refusal.lock is not None:
        head = "❌ Story Already Locked"
    else:
        head = "❌ Story Not Taken"
    lines = [head, RULE]
    lines.append(f"Story: {refusal.story} - {refusal.title}")
    if refusal.outcome == "in_review":
        lines.append(f"Owner: {refusal.owner or 'nobody in Rally'}")
        lines.append("Review fixes are its owner's; nobody else checks it out.")
    if refusal.lock is not None:
        lines.append(f"Locked by: {refusal.lock.holder}")
        lines.append(f"Locked at: {show_time(refusal.lock.locked_at, tz)}")
        lines.append(f"Expires:   {show_time(refusal.lock.expires, tz)}")
    if refusal.outcome == Outcome.LOST and refusal.lock is not None:
        lines.append("(another checkout of this story won the race just now)")
    if refusal.reason:
        lines.append(refusal.reason)
    lines.append("")
    where = _epic_words(refusal.epic)
    if not refusal.alternatives:
        lines.append(f"No other story is free and unblocked in {where}.")
        lines.append("See what is free: pantheon status")
        return "\n".join(lines)
    lines.append(f"Available alternatives in {where}:")
    for number, alternative in enumerate(refusal.alternatives, start=1):
        story = alternative.story
        lines.append(
            f"  {number}. {story.key} - {story.title} ({alternative.complexity} complexity)"
        )
        lines.append(f"     {checkout_command(story.key)}")
    first = refusal.alternatives[0].story.key
    lines += ["", "Checkout alternative story:", f"  {checkout_command(first)}"]
    return "\n".join(lines)


def _epic_words(epic: str | None) -> str:
    if not epic:
        return "the project"
    try:
        return f"Epic {epic_number(epic)}"
    except UsageError:  # a portfolio id in an unexpected form: show it as Rally does
        return f"epic {epic}"
