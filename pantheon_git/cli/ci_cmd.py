"""``pantheon ci``: the GitHub Action's entry. Reads the runner's environment, runs one use case,
writes the job summary, step outputs and annotations, and returns the exit code.

Environment: ``GITHUB_EVENT_NAME``, ``GITHUB_EVENT_PATH`` (``PANTHEON_EVENT_NAME`` /
``PANTHEON_EVENT_PATH`` replay another event), ``GITHUB_STEP_SUMMARY``, ``GITHUB_OUTPUT``,
``GITHUB_SERVER_URL``, ``GITHUB_REPOSITORY``, ``GITHUB_RUN_ID``, the ``RALLY_*`` settings and
``PANTHEON_COVERAGE_FILE`` / ``PANTHEON_CI_FAIL_ON``.
"""

from __future__ import annotations

import json
import os
import sys
import time

import click

from pantheon_git.app import App
from pantheon_git.cli._common import Ctx, common_options, echo, info, warn
from pantheon_git.core.deadline import Deadline
from pantheon_git.core.policies import CiFailOn
from pantheon_git.errors import ConfigError, PantheonError, redact
from pantheon_git.features.ci import run_ghactions as ghactions
from pantheon_git.features.ci.report import md, summary_markdown
from pantheon_git.features.ci.run import CiRequest, run_ci
from pantheon_git.safetext import for_json

REPORT_RESERVE = 2.0
"""Seconds of the deadline kept back from Rally: the process's start-up before the command's
clock starts (about 0.6 s on a busy 2-core runner), and writing the summary after Rally gave
up, so that the whole process ends within ``ci_deadline``."""


def ci_deadline(started: float, seconds: float) -> Deadline:
    """The run's one deadline, counted from the command's start; what Rally may use of it."""
    if not seconds > REPORT_RESERVE:
        raise ConfigError(
            f"ci_deadline must be more than {REPORT_RESERVE:g} seconds, not {seconds:g}",
            hint="Set PANTHEON_CI_DEADLINE (or ci_deadline in the config) to e.g. 30.",
        )
    whole = Deadline(started + seconds, seconds, time.monotonic, "pantheon ci")
    return whole.sooner(REPORT_RESERVE)


@click.command("ci")
@click.option(
    "--coverage",
    "coverage_file",
    type=click.Path(dir_okay=False),
    envvar="PANTHEON_COVERAGE_FILE",
    help="Coverage report (.coverage, coverage.xml, coverage.py JSON, lcov.info).",
)
@click.option(
    "--fail-on",
    type=click.Choice([member.value for member in CiFailOn], case_sensitive=False),
    envvar="PANTHEON_CI_FAIL_ON",
    help="Exit 1 when: never; lock (story missing or locked by another); conflict "
    "(lock, or overlapping story branches). Default: the ci_fail_on setting.",
)
@common_options
def command(coverage_file: str | None, fail_on: str | None) -> int:
    """Update Rally from the GitHub event this job runs for (the Action's entry).

    Pull request opened/ready/synchronized: Code Review, commit SHA, coverage, lock released,
    one discussion note. Merged: Completed. Closed: lock released. Push to the default
    branch: stories named in commit messages get the commit.
    """

    started = time.monotonic()
    env = os.environ
    app = App.load(config_path=Ctx.config_path, warn=warn, note=info)
    app.deadline = ci_deadline(started, app.config.ci_deadline)
    request = CiRequest(
        event_name=env.get("PANTHEON_EVENT_NAME") or env.get("GITHUB_EVENT_NAME", ""),
        event_path=env.get("PANTHEON_EVENT_PATH") or env.get("GITHUB_EVENT_PATH"),
        server_url=env.get("GITHUB_SERVER_URL") or "https://github.com",
        repository=env.get("GITHUB_REPOSITORY", ""),
        run_id=env.get("GITHUB_RUN_ID") or None,
        coverage_file=coverage_file or None,
        fail_on=CiFailOn(fail_on.lower()) if fail_on else None,
    )
    try:
        result = run_ci(app, request, warn=warn)
    except PantheonError as exc:
        # Bad payload, coverage file or config: Rally was not touched; say so where people look.
        ghactions.append_summary(
            env.get("GITHUB_STEP_SUMMARY"),
            f"### Rally\n\n> error: {md(exc.message, 600)}\n>\n> Rally was not updated.\n",
        )
        ghactions.annotate(sys.stdout, "error", exc.message, title="pantheon")
        raise
    finally:
        app.close()
    outcome = result.outcome
    summary = summary_markdown(outcome)
    ghactions.append_summary(env.get("GITHUB_STEP_SUMMARY"), summary)
    ghactions.write_outputs(env.get("GITHUB_OUTPUT"), result.outputs)
    # Annotations are workflow commands on stdout; with --json stdout holds only the document.
    stream = sys.stderr if Ctx.json else sys.stdout
    for notice in outcome.notices:
        ghactions.annotate(stream, notice.level, notice.text, title=notice.title)
    for overlap in outcome.overlaps:
        files = ", ".join(overlap.files[:10])
        ghactions.annotate(
            stream,
            "warning",
            f"{outcome.event.story} overlaps {overlap.branch} on: {files}",
            title="pantheon: overlap",
        )
    if Ctx.json:
        doc = {
            "outputs": result.outputs,
            "exit_code": result.exit_code,
            "event": {
                "name": outcome.event.name,
                "action": outcome.event.action,
                "stage": outcome.event.stage.value,
                "sha": outcome.event.sha,
            },
            "skipped": outcome.skipped,
            "decisions": [
                {
                    "story": str(d.key),
                    "verdict": d.verdict.value,
                    "before": d.before,
                    "after": d.after,
                    "written": sorted(d.updates),
                    "changeset": outcome.changesets.get(str(d.key)),
                    "lock": {
                        "held_by": d.held_by,
                        "expired": d.lock_expired,
                        "released": d.lock_released,
                    },
                    "message": d.message,
                }
                for d in outcome.decisions
            ],
            "notes": dict(outcome.notes),
            "overlaps": [
                {"branch": o.branch, "story": o.story, "files": list(o.files)}
                for o in outcome.overlaps
            ],
            "error": result.error.message if result.error else None,
        }
        click.echo(for_json(redact(json.dumps(doc, indent=2, ensure_ascii=False))))
    else:
        echo(summary, err=True)
    if result.error is not None:
        echo(f"error: {result.error.message}", err=True)
        if result.error.hint:
            echo(result.error.hint, err=True)
    return result.exit_code
