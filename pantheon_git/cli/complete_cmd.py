"""``pantheon complete [STORY] [--coverage FILE] [--tests-url URL]``."""

from __future__ import annotations

import click

from pantheon_git.app import App
from pantheon_git.cli._common import Ctx, common_options, emit, info, warn
from pantheon_git.errors import USAGE
from pantheon_git.features.complete.rules import Verdict
from pantheon_git.features.complete.run import Completion, complete_story

RULE = "━" * 47


@click.command("complete")
@click.argument("story", required=False)
@click.option(
    "--coverage",
    "coverage_file",
    type=click.Path(dir_okay=False),
    help="Coverage report to record (.coverage, coverage.xml, coverage.py JSON, lcov.info). "
    "Default: the coverage_file setting.",
)
@click.option("--tests-url", help="Link to the test results, shown in the Rally note.")
@common_options
def command(story: str | None, coverage_file: str | None, tests_url: str | None) -> int:
    """Send a story to Code Review from this machine: HEAD's SHA, coverage, lock released,
    and a discussion note (the story pipeline's COMMIT step, for teams without Actions).

    STORY defaults to the current branch's story (story/US-123-...).
    """

    app = App.load(config_path=Ctx.config_path, warn=warn, note=info)
    try:
        done = complete_story(
            app, story, coverage_file=coverage_file, tests_url=tests_url, warn=warn
        )
    finally:
        app.close()
    emit(done.to_dict(), lambda: _report(done))
    if done.applied.decision.verdict is Verdict.NOT_FOUND:
        return USAGE  # a story Rally does not have: the key given is wrong
    return 1 if done.applied.decision.fails else 0


def _report(done: object) -> str:

    assert isinstance(done, Completion)
    d = done.applied.decision
    if d.verdict is Verdict.NOT_FOUND:
        return f"Story Not Completed\n{RULE}\n❌ {d.message}\n"
    if d.verdict in (Verdict.LOCKED_BY_OTHER, Verdict.NOT_LOCKED):
        return (
            f"Story Not Completed\n{RULE}\nStory: {d.key} - {done.applied.title}\n\n"
            f"❌ {d.message}\n\nAsk the holder to run `pantheon release {d.key}`, or wait for "
            "the lock to expire.\n"
        )
    lines = ["Story Completed", RULE, f"Story: {d.key} - {done.applied.title}", ""]
    if d.verdict is Verdict.STALE:
        lines.append(f"ℹ️  {d.message}")
    elif d.state_changed:
        lines.append(f"✅ Status updated: {d.before} → {d.after}")
    else:
        lines.append(f"✅ Status: {d.after} (unchanged)")
    lines.append(f"✅ Commit: {done.sha[:7]} ({done.branch or 'detached HEAD'})")
    if done.coverage is not None:
        lines.append(f"✅ Coverage: {done.coverage:.1f}%")
    if d.lock_released:
        lines.append(f"✅ Lock released ({d.lock_released})")
    if done.applied.note:
        lines.append(f"✅ Discussion note {done.applied.note}")
    if done.applied.changeset:
        lines.append(f"✅ Changeset {done.applied.changeset}")
    if d.verdict is Verdict.UNCHANGED:
        lines.append("   Rally already held all of this: nothing written.")
    branch = done.branch or "<branch>"
    if done.pushed is False:
        lines.append(f"⚠️  {done.sha[:7]} is not on origin yet: reviewers cannot see it")
        lines += ["", f"Next: `git push -u origin {branch}`, then open a pull request."]
    else:
        epic = f" --epic {done.applied.epic}" if done.applied.epic else ""
        lines += [
            "",
            f"Next: open a pull request for {branch} if there is none; "
            f"`pantheon checkout{epic}` takes your next story.",
        ]
    return "\n".join(lines) + "\n"
