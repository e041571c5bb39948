"""Every workflow the docs tell people to copy (each ```yaml block of README.md and docs/*.md
with `on:` and `jobs:`) passes the same checks as this repository's own workflows, offline:
check-jsonschema against GitHub's workflow schema, and zizmor with its default and auditor
personas (a finding may be suppressed inline only with a comment saying why). Every job of
every workflow, the docs' and the repository's, has `timeout-minutes`.

The only edit before linting: the placeholder `<owner>/pantheon-git@<40-character commit SHA>`
becomes a well-formed pinned reference, since a reader must put their own there.
"""

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
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PLACEHOLDER = "<owner>/pantheon-git@<40-character commit SHA>"
PINNED = "example-org/pantheon-git@" + "0" * 40
BLOCK = re.compile(r"^```ya?ml\n(.*?)^```", re.S | re.M)


def tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    exe = str(found) if found.exists() else shutil.which(name)
    assert exe, f"{name} is a dev dependency: pip install -e '.[dev]'"
    return exe


def examples() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for number, match in enumerate(BLOCK.finditer(doc.read_text(encoding="utf-8")), 1):
            body = match.group(1)
            if re.search(r"^on:", body, re.M) and re.search(r"^jobs:", body, re.M):
                found.append((f"{doc.stem}-{number}", body))
    return found


@pytest.fixture(scope="module")
def copied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples as workflow files of a repository of their own."""
    root = tmp_path_factory.mktemp("doc-workflows")
    folder = root / ".github" / "workflows"
    folder.mkdir(parents=True)
    for name, body in examples():
        (folder / f"{name}.yml").write_text(body.replace(PLACEHOLDER, PINNED), encoding="utf-8")
    return root


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)


def test_the_docs_have_the_examples_this_checks() -> None:
    names = [name for name, _ in examples()]
    assert any(n.startswith("README-") for n in names), names
    assert len([n for n in names if n.startswith("github-action-")]) >= 2, names
    assert any("workflow_run:" in body for _, body in examples())


def test_examples_match_githubs_workflow_schema(copied: Path) -> None:
    files = sorted(str(p) for p in (copied / ".github" / "workflows").glob("*.yml"))
    proc = run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files], copied
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("persona", ["regular", "auditor"])
def test_examples_pass_zizmor(copied: Path, persona: str) -> None:
    proc = run([tool("zizmor"), "--offline", "--no-progress", f"--persona={persona}", "."], copied)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings to report" in proc.stdout + proc.stderr


@pytest.mark.parametrize("persona", ["regular", "auditor"])
def test_the_repositorys_workflows_and_action_pass_zizmor(persona: str) -> None:
    proc = run([tool("zizmor"), "--offline", "--no-progress", f"--persona={persona}", "."], ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings to report" in proc.stdout + proc.stderr


def test_every_suppression_says_why() -> None:
    for name, body in examples():
        lines = body.splitlines()
        for i, line in enumerate(lines):
            if "zizmor: ignore[" in line:
                above = lines[i - 1].strip() if i else ""
                assert above.startswith("#"), f"{name}: {line.strip()}"
                assert len(above) > 20, f"{name}: {line.strip()}"


def jobs(doc: Any) -> dict[str, Any]:
    return dict(doc.get("jobs") or {})


@pytest.mark.parametrize(
    ("name", "doc"),
    [(n, yaml.safe_load(b)) for n, b in examples()]
    + [(p.name, yaml.safe_load(p.read_text())) for p in WORKFLOWS],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_every_job_has_a_timeout(name: str, doc: Any) -> None:
    for job, spec in jobs(doc).items():
        assert "timeout-minutes" in spec, f"{name}: job {job} has no timeout-minutes"


def test_the_zizmor_check_is_live(tmp_path: Path) -> None:
    """An unjustified workflow_run example would be caught."""
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    body = next(b for _, b in examples() if "workflow_run:" in b)
    bare = body.replace(" # zizmor: ignore[dangerous-triggers]", "").replace(PLACEHOLDER, PINNED)
    (folder / "forks.yml").write_text(bare, encoding="utf-8")
    proc = run([tool("zizmor"), "--offline", "--no-progress", "."], tmp_path)
    assert proc.returncode != 0
    assert "dangerous-triggers" in proc.stdout + proc.stderr
