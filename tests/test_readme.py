"""The README opens with the two commands a new user runs: the demo, then the tests."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).parent.parent / "README.md"


def test_the_readme_opens_with_the_demo_and_the_test_command() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "```bash"
    assert lines[1].endswith("&& .venv/bin/pantheon demo")
    assert lines[2].endswith("&& .venv/bin/python -m pytest -n 2")
    assert lines[3] == "```"
    # the test command is the one the project's CI runs
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/python -m pytest -n 2" in ci
