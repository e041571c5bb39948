"""``pantheon init``: the commented config it writes loads to the defaults, flags prefill it,
an existing config survives, and ``.bmad/`` is kept out of git."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from pantheon_git.config import CONFIG_RELPATH, Config, load_config, settable_keys
from pantheon_git.features.init.run import config_text
from pantheon_git.features.init.template import PERSONAL_KEYS, described_keys
from pantheon_git.main import main
from tests.support.gitrepo import GitRepo


def run(
    capsys: pytest.CaptureFixture[str], cwd: Path, monkeypatch: pytest.MonkeyPatch, *argv: str
) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def load(path: Path) -> Config:
    warnings: list[str] = []
    config = load_config(path=path, environ={}, warn=warnings.append)
    assert warnings == []
    return config


def defaults_for(config: Config, **values: str) -> Config:
    return replace(Config(), **values, source=config.source, root=config.root)


def uncomment(text: str, keys: list[str]) -> str:
    """Turn every commented setting (``  # key: ...`` and its indented lines) into a live one."""
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        starts = any(line.startswith(f"  # {key}:") for key in keys)
        if starts or (inside and (line.startswith(("  #   ", "  # - ")))):
            out.append("  " + line[4:])
            inside = True
        else:
            out.append(line)
            inside = False
    return "\n".join(out) + "\n"


def test_fresh_repo_gets_a_config_that_loads_to_the_defaults(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (git_repo.path / "sub").mkdir()
    code, out, err = run(capsys, git_repo.path / "sub", monkeypatch, "init")
    assert code == 0, err
    path = git_repo.path / CONFIG_RELPATH
    config = load(path)
    assert config == defaults_for(config)
    assert config.root == git_repo.path
    assert ".bmad/" in (git_repo.path / ".gitignore").read_text().splitlines()
    assert out.startswith("Pantheon Initialized\n")
    assert "✅ Config written: _bmad/pantheon/config.yaml" in out
    assert "pantheon hooks install" in out
    assert "pantheon doctor" in out
    assert "RALLY_API_KEY" in out


def test_every_commented_setting_shows_its_default(tmp_path: Path) -> None:
    keys = [k for k in settable_keys() if k not in PERSONAL_KEYS]
    text = config_text({})
    for key in keys:
        assert re.search(rf"^  (# )?{key}:", text, re.MULTILINE), f"{key} missing"
    live = uncomment(text, keys)
    assert not re.search(r"^  # [a-z_]+:", live, re.MULTILINE)
    path = tmp_path / "config.yaml"
    path.write_text(live)
    config = load(path)
    assert config == defaults_for(config)


def test_every_setting_is_explained() -> None:
    missing = [k for k in settable_keys() if k not in described_keys() and k not in PERSONAL_KEYS]
    assert missing == [], (
        "new settings need a one-line explanation in pantheon_git/features/init/template.py "
        "(SECTIONS), so `pantheon init` writes them with their defaults"
    )


def test_flags_prefill_values_verbatim_even_with_yaml_characters(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = 'Acme: "R&D" #1 - it\'s {big}'
    code, out, err = run(
        capsys,
        git_repo.path,
        monkeypatch,
        "init",
        "--workspace",
        workspace,
        "--project",
        "12345",
        "--rally-url",
        "http://127.0.0.1:8765/",
        "--json",
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["action"] == "written"
    config = load(git_repo.path / CONFIG_RELPATH)
    assert config == defaults_for(
        config,
        rally_workspace=workspace,
        rally_project="12345",
        rally_url="http://127.0.0.1:8765",
    )


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--workspace", "ws\n  rally_api_key: stolen"),
        ("--workspace", "   "),
        ("--rally-url", "rally1.rallydev.com"),
        ("--rally-url", "ftp://rally.example.com"),
        ("--rally-url", "https://rally1.rallydev.com/slm/webservice/v2.0"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(
    git_repo: GitRepo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    flag: str,
    value: str,
) -> None:
    code, _, err = run(capsys, git_repo.path, monkeypatch, "init", flag, value)
    assert code == 2
    assert err.startswith(f"error: {flag}")
    assert not (git_repo.path / CONFIG_RELPATH).exists()


def test_existing_config_is_kept_unless_forced(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = git_repo.path / CONFIG_RELPATH
    path.parent.mkdir(parents=True)
    mine = "pantheon:\n  rally_workspace: Mine\n  rally_lock_hours: 48\n"
    path.write_text(mine)

    code, out, err = run(capsys, git_repo.path, monkeypatch, "init")
    assert code == 0, err
    assert "Config kept" in out
    assert path.read_text() == mine

    code, _, err = run(capsys, git_repo.path, monkeypatch, "init", "--project", "Other")
    assert code == 1
    assert "already exists" in err
    assert "so rally_project was not applied" in err
    assert "--force" in err
    assert path.read_text() == mine

    code, out, err = run(capsys, git_repo.path, monkeypatch, "init", "--force", "--project", "P")
    assert code == 0, err
    assert "rewritten" in out
    assert path.with_name("config.yaml.bak").read_text() == mine
    config = load(path)
    assert config == defaults_for(config, rally_project="P")


def test_gitignore_entry_is_added_once_and_existing_lines_kept(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (git_repo.path / ".gitignore").write_text("node_modules/\n*.log")
    assert run(capsys, git_repo.path, monkeypatch, "init")[0] == 0
    assert run(capsys, git_repo.path, monkeypatch, "init")[0] == 0
    assert (git_repo.path / ".gitignore").read_text() == "node_modules/\n*.log\n.bmad/\n"
    status = git_repo.git("status", "--porcelain", "--untracked-files=all")
    assert ".bmad" not in status


def test_outside_a_repository_the_current_folder_is_the_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, tmp_path, monkeypatch, "init")
    assert code == 0, err
    assert (tmp_path / CONFIG_RELPATH).is_file()
    assert (tmp_path / ".gitignore").read_text() == ".bmad/\n"


def test_written_config_holds_no_secret_even_when_the_key_is_set(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RALLY_API_KEY", "_supersecretkey0123456789")
    assert run(capsys, git_repo.path, monkeypatch, "init")[0] == 0
    assert "_supersecretkey0123456789" not in (git_repo.path / CONFIG_RELPATH).read_text()


def test_hooks_flag_installs_the_plain_hooks(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capsys, git_repo.path, monkeypatch, "init", "--hooks")
    assert code == 0, err
    assert "✅ Git hooks installed: plain git hooks in .git/hooks" in out
    for stage in ("pre-commit", "commit-msg", "pre-push", "post-checkout"):
        assert "pantheon" in (git_repo.path / ".git" / "hooks" / stage).read_text()
    assert "pantheon hooks install" not in out.split("Next:")[1]


def test_hooks_flag_follows_a_team_config_that_runs_pantheon_through_pre_commit(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = git_repo.path / ".pre-commit-config.yaml"
    config.write_text(
        "repos:\n- repo: https://github.com/example/pantheon-git\n  rev: v1.2.0\n"
        "  hooks:\n  - id: pantheon-lock\n"
    )
    code, out, err = run(capsys, git_repo.path, monkeypatch, "init", "--hooks")
    assert code == 0, err
    assert "✅ Git hooks installed: pre-commit's hooks in .git/hooks" in out
    assert "hook-impl" in (git_repo.path / ".git" / "hooks" / "pre-commit").read_text()


def test_hooks_flag_never_replaces_someone_elses_hook(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = git_repo.path / ".git" / "hooks" / "pre-commit"
    theirs.write_text("#!/bin/sh\nnpx lint-staged\n")
    theirs.chmod(0o755)
    code, out, _ = run(capsys, git_repo.path, monkeypatch, "init", "--hooks")
    assert code == 1
    assert "❌ Git hooks not installed:" in out
    assert "pre-commit" in out
    assert theirs.read_text() == "#!/bin/sh\nnpx lint-staged\n"
    assert (git_repo.path / CONFIG_RELPATH).is_file()  # the config is written all the same

    code, out, _ = run(capsys, git_repo.path.parent, monkeypatch, "init", "--hooks", "--json")
    assert code == 1
    assert json.loads(out)["hooks"] == "failed"


def test_the_commit_step_init_names_works_with_the_hooks_installed(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config is shared through git; with the hooks in, a commit on main is refused
    (protected_branches), so the step init prints must not make one."""
    code, out, err = run(capsys, git_repo.path, monkeypatch, "init", "--hooks")
    assert code == 0, err
    (step,) = [line for line in out.split("Next:")[1].splitlines() if "git commit" in line]
    command = re.sub(r"^\s*\d+\. ", "", step).split("  (")[0]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=git_repo.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    committed = git_repo.git("show", "--name-only", "--format=", "HEAD").split()
    assert committed == [".gitignore", "_bmad/pantheon/config.yaml"]
    assert git_repo.git("rev-parse", "--abbrev-ref", "HEAD").strip() != "main"
