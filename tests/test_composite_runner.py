"""The local composite-action runner (tests/support/composite.py) and its expressions
(tests/support/ghexpr.py) behave as GitHub documents them: a small action made for the
purpose uses every context, the runner's files, `if:` and a failing step."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.composite import Event, Runner, run_action
from tests.support.ghexpr import ExpressionError, evaluate, substitute

CONTEXTS = {
    "inputs": {"fail-on": "lock", "empty": ""},
    "github": {"event": {"pull_request": {"number": 7.0, "draft": False}}, "event_name": "push"},
    "steps": {"cache": {"outputs": {"cache-hit": "true"}}, "miss": {"outputs": {}}},
    "env": {"NAME": "value"},
}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("inputs.fail-on", "lock"),
        ("inputs['fail-on'] == 'LOCK'", True),  # strings compare ignoring case
        ("steps.cache.outputs.cache-hit != 'true'", False),
        ("steps.miss.outputs.cache-hit != 'true'", True),  # a missing output is null
        ("github.event.pull_request.number == 7", True),
        ("github.event.pull_request.number == '7'", True),  # loose equality
        ("!github.event.pull_request.draft && env.NAME == 'value'", True),
        ("inputs.empty || 'fallback'", "fallback"),
        ("github.event_name == 'push' && 'yes' || 'no'", "yes"),
        ("github.nothing.here", None),
        ("(1 < 2) == true", True),
    ],
)
def test_expressions(text: str, value: object) -> None:
    assert evaluate(text, CONTEXTS) == value


def test_substitution_and_errors() -> None:
    assert substitute(
        "n=${{ github.event.pull_request.number }} ${{ inputs.empty }}!", CONTEXTS
    ) == ("n=7 !")
    with pytest.raises(ExpressionError):
        evaluate("hashFiles('x')", CONTEXTS)
    with pytest.raises(ExpressionError):
        evaluate("secrets.KEY", CONTEXTS)


ACTION = """\
name: probe
description: a composite action that uses what action.yml may use
inputs:
  word: {description: a word, required: false, default: hello}
outputs:
  said: {description: what was said, value: "${{ steps.say.outputs.said }}"}
  later: {description: from the environment, value: "${{ steps.read.outputs.later }}"}
runs:
  using: composite
  steps:
    - name: Set the environment and the path
      shell: bash
      run: |
        echo "LATER=from-github-env" >> "$GITHUB_ENV"
        mkdir -p "$RUNNER_TEMP/bin"
        printf '#!/bin/sh\\necho tool-ran\\n' > "$RUNNER_TEMP/bin/probe-tool"
        chmod +x "$RUNNER_TEMP/bin/probe-tool"
        echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
    - name: Say
      id: say
      shell: bash
      env:
        WORD: ${{ inputs.word }}
        NUMBER: ${{ github.event.pull_request.number }}
        FROM_ENV: ${{ env.LATER }}
      run: |
        {
          echo "said<<EOF_1"
          echo "$WORD #$NUMBER $FROM_ENV $(probe-tool) $GITHUB_EVENT_NAME"
          echo "EOF_1"
        } >> "$GITHUB_OUTPUT"
        echo "### summary from say" >> "$GITHUB_STEP_SUMMARY"
    - name: Read it back in Python
      id: read
      shell: python
      run: |
        import os
        with open(os.environ["GITHUB_OUTPUT"], "a") as out:
            out.write("later=" + os.environ["LATER"] + "\\n")
    - name: Skipped on Linux
      if: runner.os == 'Windows'
      shell: bash
      run: exit 3
    - name: Fails
      if: inputs.word == 'fail'
      shell: bash
      run: exit 4
    - name: After a failure
      shell: bash
      run: echo never
"""


@pytest.fixture
def probe(tmp_path: Path) -> Path:
    folder = tmp_path / "probe"
    folder.mkdir()
    (folder / "action.yml").write_text(ACTION)
    return folder


def runner(tmp_path: Path, name: str) -> Runner:
    return Runner(tmp_path, tmp_path / f"{name}-temp", sys.executable, tmp_path / "cache")


EVENT = Event("pull_request", {"pull_request": {"number": 7}}, "o/r", "0" * 40, "refs/pull/7/merge")


def test_the_runner_uses_every_context_and_file(probe: Path, tmp_path: Path) -> None:
    run = run_action(probe, runner(tmp_path, "ok"), EVENT, {})
    assert run.code == 0, run.log()
    assert run.outputs == {
        "said": "hello #7 from-github-env tool-ran pull_request",
        "later": "from-github-env",
    }
    assert run.summary == "### summary from say\n"
    assert [s.name for s in run.steps if s.skipped] == ["Skipped on Linux", "Fails"]


def test_a_failing_step_stops_the_action(probe: Path, tmp_path: Path) -> None:
    run = run_action(probe, runner(tmp_path, "fail"), EVENT, {"word": "fail"})
    assert run.code == 4
    assert "After a failure" not in [s.name for s in run.steps]


def test_undeclared_inputs_and_expressions_in_run_are_refused(probe: Path, tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        run_action(probe, runner(tmp_path, "x"), EVENT, {"nope": "1"})
    text = (probe / "action.yml").read_text().replace("echo never", 'echo "${{ inputs.word }}"')
    (probe / "action.yml").write_text(text)
    with pytest.raises(ValueError, match="pasted into the script"):
        run_action(probe, runner(tmp_path, "y"), EVENT, {})
