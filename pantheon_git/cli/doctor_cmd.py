"""``pantheon doctor``: entry layer only (parse, call the use case, render, exit code)."""

from __future__ import annotations

from pathlib import Path

import click

from pantheon_git.cli._common import Ctx, common_options, emit, warn
from pantheon_git.features.doctor.report import render
from pantheon_git.features.doctor.run import DoctorRequest, run_doctor


@click.command("doctor")
@click.option(
    "--create-fields",
    is_flag=True,
    help="Create the missing custom fields on HierarchicalRequirement (needs a workspace "
    "administrator's API key).",
)
@common_options
def doctor(create_fields: bool) -> int:
    """Check that this repository is ready to work from Rally.

    Config, API key (in the environment, not in the file), Rally connection, workspace and
    project, the custom fields (c_LockedBy, c_LockedAt, c_LockExpiry, c_Branch, c_Coverage,
    c_CommitSHA, c_PantheonStatus, optional c_AcceptanceCriteria) with their types, git
    repository and default branch, your identity as a Rally user, hooks, cache age. Each
    problem comes with the command that fixes it. Exit 0 when all pass, 1 otherwise.
    """

    outcome = run_doctor(
        Path.cwd(),
        DoctorRequest(create_fields=create_fields, config_path=Ctx.config_path),
        warn=warn,
    )
    emit(outcome.to_dict(), lambda: render(outcome.checks))
    return 0 if outcome.ok else 1
