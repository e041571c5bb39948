"""A small local runner for composite actions (no Docker): runs action.yml's `run:` steps the
way the GitHub runner does, to test the action's wiring (inputs -> env -> pantheon -> outputs).

Supported, and nothing more (anything else raises): `${{ inputs.X }}`,
`${{ steps.ID.outputs.X }}`, `${{ runner.os }}`, `${{ github.action_path }}` in `env:`, `with:`
and output values; `if: runner.os == '...'`; `uses: actions/setup-python@...` (answered with a
given interpreter); `run:` with `shell: bash` as `bash --noprofile --norc -eo pipefail FILE`,
one fresh GITHUB_OUTPUT file per step.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pantheon_git.features.ci.run_ghactions import parse_outputs

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_IF = re.compile(r"^runner\.os\s*==\s*'([^']*)'$")


@dataclass
class StepRun:
    name: str
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class ActionRun:
    outputs: dict[str, str]
    steps: list[StepRun]

    @property
    def code(self) -> int:
        return self.steps[-1].code if self.steps else 0


def run_action(
    action_dir: Path,
    *,
    inputs: Mapping[str, str],
    env: Mapping[str, str],
    workdir: Path,
    runner_temp: Path,
    python: str,
    runner_os: str = "Linux",
) -> ActionRun:
    doc = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
    values = {k: str(v.get("default", "")) for k, v in doc.get("inputs", {}).items()}
    for name in inputs:
        if name not in values:
            raise KeyError(f"action.yml has no input {name!r}")
    values.update(inputs)
    step_outputs: dict[str, dict[str, str]] = {}
    context = {"inputs": values, "steps": step_outputs, "os": runner_os, "path": str(action_dir)}
    runs: list[StepRun] = []
    for index, step in enumerate(doc["runs"]["steps"]):
        name = step.get("name") or step.get("id") or f"step {index}"
        if not _runs_on(step.get("if"), runner_os):
            continue
        if "uses" in step:
            if not str(step["uses"]).startswith("actions/setup-python@"):
                raise ValueError(f"unsupported uses: {step['uses']}")
            step_outputs[step.get("id", name)] = {"python-path": python}
            continue
        script = str(step["run"])
        if "${{" in script:
            raise ValueError(f"{name}: expression inside run:, the runner would paste it in")
        if step.get("shell") != "bash":
            raise ValueError(f"{name}: only shell: bash is supported")
        step_env = dict(os.environ)
        step_env.update(env)
        output_file = runner_temp / f"output-{index}"
        output_file.write_text("")
        step_env.update(
            {
                "GITHUB_ACTION_PATH": str(action_dir),
                "RUNNER_TEMP": str(runner_temp),
                "RUNNER_OS": runner_os,
                "GITHUB_OUTPUT": str(output_file),
            }
        )
        for key, value in (step.get("env") or {}).items():
            step_env[key] = _substitute(str(value), context)
        script_file = runner_temp / f"step-{index}.sh"
        script_file.write_text(script)
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=workdir,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        outputs = parse_outputs(output_file.read_text(encoding="utf-8"))
        if "id" in step:
            step_outputs[step["id"]] = outputs
        runs.append(StepRun(name, proc.returncode, proc.stdout, proc.stderr, outputs))
        if proc.returncode != 0:
            break
    action_outputs = {
        k: _substitute(str(v["value"]), context) for k, v in doc.get("outputs", {}).items()
    }
    return ActionRun(action_outputs, runs)


def _runs_on(condition: Any, runner_os: str) -> bool:
    if condition is None:
        return True
    match = _IF.match(str(condition).strip())
    if not match:
        raise ValueError(f"unsupported if: {condition!r}")
    return match.group(1) == runner_os


def _substitute(text: str, context: Mapping[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        expr = match.group(1)
        parts = expr.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return str(context["inputs"][parts[1]])
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return str(context["steps"].get(parts[1], {}).get(parts[3], ""))
        if expr == "runner.os":
            return str(context["os"])
        if expr == "github.action_path":
            return str(context["path"])
        raise ValueError(f"unsupported expression: {expr}")

    return _EXPR.sub(value, text)
