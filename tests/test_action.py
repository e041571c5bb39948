"""action.yml and workflows: schema, security audit, untrusted input through env: only."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent


def tool(name: str) -> str | None:
    found = BIN / name
    return str(found) if found.exists() else shutil.which(name)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def all_run_steps(doc: Any) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    if "runs" in doc:
        steps += doc["runs"]["steps"]
    for job in (doc.get("jobs") or {}).values():
        steps += job.get("steps", [])
    return [s for s in steps if "run" in s]


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_no_expression_inside_run(path: Path) -> None:
    """Untrusted values reach scripts only through env: (research §4 rule 1)."""
    for step in all_run_steps(load(path)):
        assert "${{" not in step["run"], f"{path.name}: step {step.get('name')!r}"


def test_action_interface() -> None:
    doc = load(ACTION)
    assert set(doc["inputs"]) >= {
        "rally-api-key",
        "rally-url",
        "workspace",
        "project",
        "coverage-file",
        "config",
        "python-version",
        "fail-on",
    }
    assert doc["inputs"]["rally-api-key"]["required"] is True
    assert set(doc["outputs"]) == {"story", "state", "coverage"}
    assert doc["runs"]["using"] == "composite"
    for name, output in doc["outputs"].items():
        assert output["value"] == f"${{{{ steps.ci.outputs.{name} }}}}"


def test_action_pins_every_action_and_isolates_python() -> None:
    steps = load(ACTION)["runs"]["steps"]
    uses = [s["uses"] for s in steps if "uses" in s]
    assert uses, "no uses: steps"
    for ref in uses:
        assert re.fullmatch(r"actions/[\w/-]+@[0-9a-f]{40}", ref), ref
    setup = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@"))
    assert setup["with"]["update-environment"] is False


def test_the_install_is_pinned_by_hash_and_cached_on_the_lock() -> None:
    steps = {s.get("name"): s for s in load(ACTION)["runs"]["steps"]}
    install = steps["Install pantheon (pinned, hashes checked)"]["run"]
    lock = '"$GITHUB_ACTION_PATH/requirements/action.txt"'
    assert f"lock={lock}" in install
    assert 'download --require-hashes --dest "$PANTHEON_WHEELS" -r "$lock"' in install
    assert '--no-index --find-links "$PANTHEON_WHEELS" --require-hashes -r "$lock"' in install
    assert '--no-index --no-deps --no-build-isolation "$GITHUB_ACTION_PATH"' in install
    assert "$RUNNER_TEMP/pantheon-git-venv" in install
    restore = steps["Restore pantheon's downloads"]
    save = steps["Save pantheon's downloads"]
    assert restore["with"] == save["with"]
    assert restore["with"]["key"] == "${{ steps.lock.outputs.key }}"
    assert save["if"] == "steps.cache.outputs.cache-hit != 'true'"
    assert "requirements/action.txt" in steps["Name the download cache"]["run"]


def test_every_input_reaches_pantheon_through_env() -> None:
    doc = load(ACTION)
    ci = next(s for s in doc["runs"]["steps"] if s.get("id") == "ci")
    used = {m for v in ci["env"].values() for m in re.findall(r"inputs\.([\w-]+)", v)}
    assert used == set(doc["inputs"]) - {"python-version"}
    assert ci["env"]["RALLY_API_KEY"] == "${{ inputs.rally-api-key }}"


def test_example_workflow_shape() -> None:
    doc = load(ROOT / ".github" / "workflows" / "rally-sync.yml")
    on = doc[True]  # YAML 1.1 reads the key `on` as a boolean
    assert on["pull_request"]["types"] == [
        "opened",
        "reopened",
        "ready_for_review",
        "synchronize",
        "closed",
    ]
    assert "push" in on
    assert "pull_request_target" not in on
    assert doc["permissions"] == {"contents": "read"}
    steps = doc["jobs"]["rally"]["steps"]
    checkout = steps[0]
    assert checkout["with"]["fetch-depth"] == 0
    assert checkout["with"]["persist-credentials"] is False


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_never_use_pull_request_target(path: Path) -> None:
    assert "pull_request_target" not in (load(path).get(True) or {})


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.skipif(tool("check-jsonschema") is None, reason="check-jsonschema not installed")
def test_check_jsonschema_action_and_workflows() -> None:
    exe = tool("check-jsonschema")
    assert exe
    action = run([exe, "--builtin-schema", "vendor.github-actions", str(ACTION)])
    assert action.returncode == 0, action.stdout + action.stderr
    flows = run([exe, "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)])
    assert flows.returncode == 0, flows.stdout + flows.stderr


@pytest.mark.skipif(tool("zizmor") is None, reason="zizmor not installed")
def test_zizmor_would_catch_an_injection(tmp_path: Path) -> None:
    """The audit is live: the same action with `${{ }}` inside run: is flagged."""
    text = ACTION.read_text()
    bad = text.replace(
        "run: '\"$RUNNER_TEMP/pantheon-git-venv/bin/pantheon\" ci'",
        "run: 'echo ${{ inputs.coverage-file }}'",
    )
    assert bad != text
    (tmp_path / "action.yml").write_text(bad)
    exe = tool("zizmor")
    assert exe
    proc = subprocess.run(
        [exe, "--offline", "--no-progress", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "template-injection" in proc.stdout + proc.stderr
