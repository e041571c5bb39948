"""action.yml itself, run step by step by a local composite runner: the real install step
(pip installs this checkout into a venv under RUNNER_TEMP), then `pantheon ci`, then the
action's outputs, with a hostile branch name in the payload."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.composite import run_action
from tests.support.ghevents import pr_event, write
from tests.support.gitrepo import GitRepo
from tests.support.rally import RallyProcess

ROOT = Path(__file__).resolve().parent.parent
COVERAGE = ROOT / "tests" / "fixtures" / "coverage" / "gcovr-cobertura.xml"


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runner-temp")


def base_env(tmp: Path, event: Path) -> dict[str, str]:
    summary = tmp / "summary.md"
    summary.write_text("")
    return {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_REPOSITORY": "Codertocat/Hello-World",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "99",
    }


@pytest.mark.slow
def test_action_installs_and_runs_on_a_fork_pr(
    git_repo: GitRepo, tmp_path: Path, runner_temp: Path
) -> None:
    branch = "story/US-1-$(touch${IFS}pwned)`touch pwned2`"
    event = write(tmp_path / "event.json", pr_event(branch=branch, fork=True))
    run = run_action(
        ROOT,
        inputs={"rally-api-key": "", "coverage-file": str(COVERAGE)},
        env=base_env(tmp_path, event),
        workdir=git_repo.path,
        runner_temp=runner_temp,
        python=sys.executable,
    )
    details = "\n".join(f"{s.name}: {s.code}\n{s.stdout}\n{s.stderr}" for s in run.steps)
    assert run.code == 0, details
    assert [s.name for s in run.steps] == ["Install pantheon", "Update Rally"]
    assert run.outputs == {"story": "US-1", "state": "", "coverage": "80.0"}
    assert "fork" in (tmp_path / "summary.md").read_text()
    assert not list(git_repo.path.rglob("pwned*"))
    assert (runner_temp / "pantheon-git-venv" / "bin" / "pantheon").exists()


def test_windows_runner_is_refused(git_repo: GitRepo, tmp_path: Path) -> None:
    event = write(tmp_path / "event.json", pr_event())
    run = run_action(
        ROOT,
        inputs={"rally-api-key": ""},
        env=base_env(tmp_path, event),
        workdir=git_repo.path,
        runner_temp=tmp_path,
        python=sys.executable,
        runner_os="Windows",
    )
    assert run.code == 2
    assert "Linux and macOS" in run.steps[0].stdout


def selftest_steps() -> list[dict[str, object]]:
    import yaml

    doc = yaml.safe_load((ROOT / ".github" / "workflows" / "action-selftest.yml").read_text())
    steps: list[dict[str, object]] = doc["jobs"]["selftest"]["steps"]
    return steps


@pytest.mark.slow
def test_selftest_workflow_steps_pass_against_the_emulator(
    git_repo: GitRepo,
    tmp_path: Path,
    runner_temp: Path,
    rally_process_factory: Callable[..., RallyProcess],
) -> None:
    """The self-test workflow's own `with:` inputs and output checks, run locally (the
    emulator is the fixture's, on a free port instead of 8765)."""
    import subprocess

    rally = rally_process_factory(seed="demo", api_key="selftest-key")
    steps = selftest_steps()
    checks = [s for s in steps if str(s.get("name", "")).startswith("Check the")]
    assert len(checks) == 2
    for step_id, check in zip(("sync", "rerun"), checks, strict=True):
        step = next(s for s in steps if s.get("id") == step_id)
        inputs = {k: str(v) for k, v in dict(step["with"]).items()}  # type: ignore[call-overload]
        assert inputs["rally-url"] == "http://127.0.0.1:8765"
        inputs["rally-url"] = rally.url
        for key in ("event-path", "coverage-file", "config"):
            inputs[key] = str(ROOT / inputs[key])
        run = run_action(
            ROOT,
            inputs=inputs,
            env=base_env(tmp_path, Path(inputs["event-path"])),
            workdir=git_repo.path,
            runner_temp=runner_temp,
            python=sys.executable,
        )
        details = "\n".join(f"{s.name}: {s.code}\n{s.stdout}\n{s.stderr}" for s in run.steps)
        assert run.code == 0, details
        env = {
            name: value.replace(f"${{{{ steps.{step_id}.outputs.", "").rstrip(" }")
            for name, value in dict(check["env"]).items()  # type: ignore[call-overload]
        }
        values = {name: run.outputs[out] for name, out in env.items()}
        proc = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", str(check["run"])],
            env={**values, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, (values, proc.stderr)
