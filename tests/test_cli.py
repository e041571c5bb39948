from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from pantheon_git import __version__, cli
from pantheon_git.main import main


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cli.COMMANDS, "probe", ("tests.support.cli_probe", "probe", "test probe"))


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ("ok", 0),
        ("check", 1),
        ("usage", 2),
        ("config", 3),
        ("git", 4),
        ("rally", 5),
        ("bug", 70),
        ("interrupt", 130),
    ],
)
def test_exit_codes(probe: None, how: str, code: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", how]) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_error_lines_say_what_and_next_step(
    probe: None, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["probe", "check"])
    err = capsys.readouterr().err.splitlines()
    assert err == ["error: US-123 is locked by jane@example.com", "Run `pantheon checkout US-125`."]


def test_internal_error_traceback_only_with_verbose(
    probe: None, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["probe", "bug"])
    assert "Traceback" not in capsys.readouterr().err
    main(["-v", "probe", "bug"])
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "internal error: ZeroDivisionError" in err


def test_json_error_is_one_document(probe: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "rally", "--json"]) == 5
    doc = json.loads(capsys.readouterr().out)
    assert doc["error"]["exit_code"] == 5
    assert "unreachable" in doc["error"]["message"]


def test_json_option_before_or_after_command(
    probe: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--json", "probe", "ok"]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True}
    assert main(["probe", "ok"]) == 0
    assert capsys.readouterr().out == "all good\n"


def test_api_key_is_redacted(
    probe: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RALLY_API_KEY", "s3cr3t-api-key")
    main(["probe", "secret", "--json"])
    captured = capsys.readouterr()
    assert "s3cr3t-api-key" not in captured.out + captured.err
    assert "***" in captured.err


def test_usage_errors_from_click_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_help_lists_commands_without_importing_them(
    probe: None, capsys: pytest.CaptureFixture[str]
) -> None:
    sys.modules.pop("tests.support.cli_probe", None)
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "probe" in out
    assert "tests.support.cli_probe" not in sys.modules


def test_the_installed_package_has_the_one_version_and_its_licence() -> None:
    """The version is written once (``pantheon_git.__version__``); the package's metadata
    derives from it, and the MIT licence file ships with it."""
    dist = metadata.distribution("pantheon-git")
    assert dist.version == __version__
    assert dist.metadata["License-Expression"] == "MIT"
    assert "LICENSE" in (dist.metadata.get_all("License-File") or [])
    assert "pantheon_git developers" in (Path(__file__).parents[1] / "LICENSE").read_text()


def test_version_as_a_real_process() -> None:
    for argv in (["pantheon", "--version"], [sys.executable, "-m", "pantheon_git", "--version"]):
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
        assert proc.returncode == 0
        assert __version__ in proc.stdout


def test_hook_entry_does_not_import_click() -> None:
    code = (
        "import sys; from pantheon_git.main import main; rc = main(['hook', '--help']);"
        "heavy = ('click', 'httpx', 'networkx', 'pygit2', 'yaml');"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    "argv",
    [
        ["--json", "conflicts", "--no-such-flag"],
        ["conflicts", "--no-such-flag", "--json"],
        ["--json", "statuss"],
        ["checkout", "US-1", "--lock-hours", "-1", "--json"],
    ],
)
def test_json_usage_errors_from_click_are_one_document_too(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--json promises one JSON document on stdout, whatever went wrong."""
    assert main(argv) == 2
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["error"]["exit_code"] == 2
    assert doc["error"]["message"]
    assert "--help" in doc["error"]["hint"]
    assert "Error:" in err  # click's usage lines stay on stderr
