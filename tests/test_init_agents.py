"""``pantheon init --agents``: ``.mcp.json`` for the project's MCP clients (other servers in
it kept, no secret in it, a broken file left alone) and the hooks an agent's commits need."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pantheon_git.errors import UsageError
from pantheon_git.features.init.agents import server_entry, with_server
from pantheon_git.main import main
from tests.support.gitrepo import GitRepo


def init(
    repo: GitRepo,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *argv: str,
) -> tuple[int, str, str]:
    monkeypatch.chdir(repo.path)
    code = main(["init", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_writes_the_server_and_installs_the_hooks(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = init(git_repo, monkeypatch, capsys, "--agents", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["mcp_config"] == "written"
    assert doc["hooks"] == "installed"
    config = json.loads((git_repo.path / ".mcp.json").read_text())
    entry = config["mcpServers"]["pantheon"]
    assert (entry["command"], entry["args"]) == ("pantheon", ["mcp"])
    assert entry["env"]["RALLY_API_KEY"] == "${RALLY_API_KEY:-}"  # a name, never a value
    assert (git_repo.path / ".git" / "hooks" / "pre-commit").is_file()
    assert any("Claude Code reads .mcp.json" in step for step in doc["next"])


def test_other_servers_are_kept_and_a_second_run_changes_nothing(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = git_repo.path / ".mcp.json"
    path.write_text('{"mcpServers": {"rally": {"command": "rally-mcp-server"}}, "x": 1}\n')
    code, out, _ = init(git_repo, monkeypatch, capsys, "--agents")
    assert code == 0
    assert "✅ .mcp.json added: MCP clients start `pantheon mcp` from it" in out
    config = json.loads(path.read_text())
    assert config["mcpServers"]["rally"] == {"command": "rally-mcp-server"}
    assert config["x"] == 1
    before = path.read_text()
    code, out, _ = init(git_repo, monkeypatch, capsys, "--agents")
    assert code == 0
    assert "✅ .mcp.json already serves pantheon" in out
    assert path.read_text() == before


def test_a_broken_file_is_left_alone_and_nothing_is_written(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = git_repo.path / ".mcp.json"
    path.write_text("{not json")
    code, _, err = init(git_repo, monkeypatch, capsys, "--agents")
    assert code == 2
    assert err.startswith("error: .mcp.json is not valid JSON")
    assert path.read_text() == "{not json"
    assert not (git_repo.path / "_bmad").exists()


def test_with_server_updates_an_old_entry() -> None:
    old = json.dumps({"mcpServers": {"pantheon": {"command": "old"}}})
    text, action = with_server(old)
    assert action == "updated"
    assert json.loads(text)["mcpServers"]["pantheon"] == server_entry()
    with pytest.raises(UsageError, match="expected an object with an `mcpServers` object"):
        with_server('{"mcpServers": []}')
    assert with_server(None)[1] == with_server("  \n")[1] == "written"


def test_without_agents_no_file(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = init(git_repo, monkeypatch, capsys, "--json")
    assert code == 0
    assert json.loads(out)["mcp_config"] is None
    assert not Path(git_repo.path / ".mcp.json").exists()


def test_agents_on_a_set_up_repository_name_the_commit_of_mcp_json(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The team shares .mcp.json (Claude Code's project servers) as it shares the config."""
    monkeypatch.chdir(git_repo.path)
    assert main(["init"]) == 0
    git_repo.git("add", ".gitignore", "_bmad")
    git_repo.git("commit", "-q", "--no-verify", "-m", "config")
    capsys.readouterr()
    assert main(["init", "--agents", "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["next"]
    (commit,) = [s for s in steps if "git commit" in s]
    assert "git add .mcp.json &&" in commit
    assert "config.yaml" not in commit
