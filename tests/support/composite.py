"""A local runner for composite actions (no Docker, no network of its own): runs ``action.yml``
step by step as the GitHub runner does, to test the action itself, not only ``pantheon ci``.

What it does as the runner does (GitHub's docs: "Metadata syntax", "Workflow commands",
"Variables", "Contexts", "Expressions"):

- inputs: ``with:`` values over the defaults; an input the action does not declare is an
  error (the runner warns; a test should not pass by accident);
- expressions ``${{ ... }}`` in ``if:``, ``env:``, ``with:`` and output values, over the
  contexts ``inputs``, ``github`` (event name, the event payload, action path, workspace,
  repository, sha, ref, run id...), ``env``, ``steps.<id>.outputs``, ``runner`` (os, arch,
  temp); operators ``== != && || !`` and parentheses, string/number/boolean literals, and the
  status functions ``success()`` and ``always()``. Anything else raises;
- a ``run:`` step with its ``shell`` (``bash``: ``bash --noprofile --norc -eo pipefail {0}``;
  ``sh``: ``sh -e {0}``; ``python``: ``python {0}``), its ``env`` over the job's, its
  ``working-directory``; a ``run:`` holding ``${{`` is refused (the runner would paste the value
  into the script: the injection the action avoids);
- the runner's files: a fresh ``GITHUB_OUTPUT`` per step (``name=value`` and ``name<<DELIM``),
  ``GITHUB_ENV`` (becomes the environment and the ``env`` context of later steps),
  ``GITHUB_PATH`` (prepended to ``PATH`` for later steps), and ``GITHUB_STEP_SUMMARY`` (each
  step's summary appended to the job's);
- the runner's variables: ``GITHUB_ACTION_PATH``, ``GITHUB_WORKSPACE``, ``GITHUB_EVENT_NAME``,
  ``GITHUB_EVENT_PATH``, ``GITHUB_REPOSITORY``, ``GITHUB_SHA``, ``GITHUB_REF``,
  ``GITHUB_RUN_ID``, ``GITHUB_SERVER_URL``, ``GITHUB_ACTIONS``, ``CI``, ``RUNNER_OS``,
  ``RUNNER_ARCH``, ``RUNNER_TEMP``; the first failing step stops the action.

``uses:`` steps run a documented stand-in instead of the real action (which needs GitHub):

- ``actions/setup-python@<sha>``: outputs ``python-path`` (the interpreter given to the
  runner) and ``python-version``; with ``update-environment: false`` it touches nothing else;
- ``actions/cache/restore@<sha>``: copies ``path`` back from a local store when an entry
  named exactly ``key`` is there, and outputs ``cache-hit: true``; on a miss it sets no output
  at all, as actions/cache 4.3.0 does (``src/restoreImpl.ts``: "`cache-hit` is intentionally
  not set to `false` here");
- ``actions/cache/save@<sha>``: stores ``path`` under ``key`` unless that entry exists
  (GitHub caches are immutable).

Any other ``uses:`` raises.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pantheon_git.features.ci.run_ghactions import parse_outputs
from tests.support.ghexpr import evaluate, substitute, text_of, truthy

SHELLS = {
    "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}"],
    "sh": ["sh", "-e", "{0}"],
    "python": [sys.executable, "{0}"],
}
STATUS_FUNCTIONS = ("success(", "always(", "failure(", "cancelled(")


@dataclass
class StepRun:
    name: str
    code: int
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    skipped: bool = False


@dataclass
class Runner:
    """One job's runner: its folders, its environment, the cache store the stand-ins use."""

    workspace: Path
    temp: Path
    python: str
    """The interpreter the setup-python stand-in answers with."""
    cache_store: Path
    os: str = "Linux"
    arch: str = "X64"
    env: dict[str, str] = field(default_factory=dict)
    """The job's environment (workflow/job ``env:`` and later ``GITHUB_ENV`` additions)."""
    path: list[str] = field(default_factory=list)
    """Folders ``GITHUB_PATH`` added, in the order they were added."""
    summary: str = ""


@dataclass(frozen=True)
class Event:
    name: str
    payload: dict[str, Any]
    repository: str
    sha: str
    ref: str
    run_id: str = "4242"
    server_url: str = "https://github.com"


@dataclass
class ActionRun:
    outputs: dict[str, str]
    steps: list[StepRun]
    summary: str

    @property
    def code(self) -> int:
        ran = [s for s in self.steps if not s.skipped]
        return ran[-1].code if ran else 0

    def log(self) -> str:
        return "\n".join(
            f"--- {s.name}: {'skipped' if s.skipped else s.code}\n{s.stdout}{s.stderr}"
            for s in self.steps
        )


@dataclass
class Job:
    action_dir: Path
    runner: Runner
    event: Event
    event_path: Path
    inputs: dict[str, str]
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: bool = False

    def contexts(self) -> dict[str, Any]:
        runner, event = self.runner, self.event
        github = {
            "action_path": str(self.action_dir),
            "workspace": str(runner.workspace),
            "event_name": event.name,
            "event": event.payload,
            "event_path": str(self.event_path),
            "repository": event.repository,
            "sha": event.sha,
            "ref": event.ref,
            "run_id": event.run_id,
            "server_url": event.server_url,
        }
        return {
            "inputs": self.inputs,
            "github": github,
            "env": dict(runner.env),
            "steps": self.steps,
            "runner": {"os": runner.os, "arch": runner.arch, "temp": str(runner.temp)},
        }

    def functions(self) -> dict[str, Callable[..., Any]]:
        return {
            "success": lambda: not self.failed,
            "always": lambda: True,
            "failure": lambda: self.failed,
        }

    def expand(self, value: Any) -> str:
        return substitute(text_of(value), self.contexts(), self.functions())


def run_action(
    action_dir: Path, runner: Runner, event: Event, inputs: Mapping[str, str]
) -> ActionRun:
    doc = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
    declared = doc.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    if unknown:
        raise KeyError(f"action.yml has no input {sorted(unknown)}")
    values = {name: text_of(spec.get("default", "")) for name, spec in declared.items()}
    values.update(inputs)
    runner.temp.mkdir(parents=True, exist_ok=True)
    event_path = runner.temp / "event.json"
    event_path.write_text(json.dumps(event.payload), encoding="utf-8")
    job = Job(action_dir, runner, event, event_path, values)
    runs: list[StepRun] = []
    for index, step in enumerate(doc["runs"]["steps"]):
        name = str(step.get("name") or step.get("id") or f"step {index}")
        if not _should_run(step.get("if"), job):
            runs.append(StepRun(name, 0, skipped=True))
            continue
        if "uses" in step:
            with_ = {k: job.expand(v) for k, v in (step.get("with") or {}).items()}
            result = _stand_in(str(step["uses"]), with_, runner, name)
        else:
            env = {k: job.expand(v) for k, v in (step.get("env") or {}).items()}
            result = _run(step, name, index, env, job)
        if "id" in step:
            outcome = "success" if result.code == 0 else "failure"
            job.steps[str(step["id"])] = {"outputs": result.outputs, "outcome": outcome}
        runs.append(result)
        if result.code != 0:
            job.failed = True
            break
    outputs = {k: job.expand(v.get("value", "")) for k, v in (doc.get("outputs") or {}).items()}
    return ActionRun(outputs, runs, runner.summary)


def _should_run(condition: Any, job: Job) -> bool:
    """``if:`` (with or without ``${{ }}``); without a status function it means
    ``success() && (...)``, as on GitHub."""
    text = str(condition if condition is not None else "success()").strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    if not any(name in text for name in STATUS_FUNCTIONS):
        text = f"success() && ({text})"
    return truthy(evaluate(text, job.contexts(), job.functions()))


def _run(
    step: Mapping[str, Any], name: str, index: int, env: Mapping[str, str], job: Job
) -> StepRun:
    runner = job.runner
    script = str(step["run"])
    if "${{" in script:
        raise ValueError(f"{name}: an expression inside run: is pasted into the script")
    shell = step.get("shell")
    if shell not in SHELLS:
        raise ValueError(f"{name}: shell {shell!r}: a composite step names one of {list(SHELLS)}")
    files = {
        "GITHUB_OUTPUT": runner.temp / f"output-{index}",
        "GITHUB_STEP_SUMMARY": runner.temp / f"summary-{index}",
        "GITHUB_ENV": runner.temp / "env",
        "GITHUB_PATH": runner.temp / "path",
    }
    for path in files.values():
        path.write_text("")
    script_file = runner.temp / f"step-{index}.{'py' if shell == 'python' else 'sh'}"
    script_file.write_text(script, encoding="utf-8")
    argv = [str(script_file) if part == "{0}" else part for part in SHELLS[shell]]
    proc = subprocess.run(
        argv,
        cwd=runner.workspace / str(step.get("working-directory", ".")),
        env={**_environment(job, files), **env},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    runner.summary += files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8")
    runner.env.update(parse_outputs(files["GITHUB_ENV"].read_text(encoding="utf-8")))
    runner.path += [p for p in files["GITHUB_PATH"].read_text().splitlines() if p.strip()]
    outputs = parse_outputs(files["GITHUB_OUTPUT"].read_text(encoding="utf-8"))
    return StepRun(name, proc.returncode, proc.stdout, proc.stderr, outputs)


def _environment(job: Job, files: Mapping[str, Path]) -> dict[str, str]:
    """What a step's process sees: the machine's environment (less any GITHUB_/RUNNER_ of
    the test's own), the job's, the runner's variables, PATH with GITHUB_PATH's folders."""
    runner, event = job.runner, job.event
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    env.update(runner.env)
    env.update(
        {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": str(job.action_dir),
            "GITHUB_WORKSPACE": str(runner.workspace),
            "GITHUB_EVENT_NAME": event.name,
            "GITHUB_EVENT_PATH": str(job.event_path),
            "GITHUB_REPOSITORY": event.repository,
            "GITHUB_SHA": event.sha,
            "GITHUB_REF": event.ref,
            "GITHUB_RUN_ID": event.run_id,
            "GITHUB_SERVER_URL": event.server_url,
            "RUNNER_OS": runner.os,
            "RUNNER_ARCH": runner.arch,
            "RUNNER_TEMP": str(runner.temp),
            **{k: str(v) for k, v in files.items()},
        }
    )
    if runner.path:
        env["PATH"] = os.pathsep.join([*reversed(runner.path), env.get("PATH", "")])
    return env


def _stand_in(uses: str, with_: Mapping[str, str], runner: Runner, name: str) -> StepRun:
    action = uses.split("@", 1)[0]
    if action == "actions/setup-python":
        version = subprocess.run(
            [runner.python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        return StepRun(name, 0, outputs={"python-path": runner.python, "python-version": version})
    if action not in ("actions/cache/restore", "actions/cache/save"):
        raise ValueError(f"{name}: no stand-in for uses: {uses}")
    entry = runner.cache_store / with_["key"]
    target = Path(with_["path"])
    if action == "actions/cache/restore":
        if not entry.is_dir():
            return StepRun(name, 0, stdout=f"Cache not found for input keys: {with_['key']}\n")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(entry, target)
        return StepRun(name, 0, outputs={"cache-hit": "true"})
    if entry.exists():
        return StepRun(name, 0, stdout="Cache already exists\n")
    shutil.copytree(target, entry)
    return StepRun(name, 0, stdout=f"Cache saved with key: {with_['key']}\n")
