"""Runner files and workflow commands: multiline-safe outputs, escaping, payload errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pantheon_git.errors import UsageError
from pantheon_git.features.ci.run_ghactions import (
    annotate,
    append_summary,
    command,
    load_payload,
    output_block,
    parse_outputs,
    write_outputs,
)
from tests.support.ghevents import HOSTILE_TITLES


def test_outputs_round_trip_hostile_values(tmp_path: Path) -> None:
    path = tmp_path / "out"
    values = {f"v{i}": t for i, t in enumerate(HOSTILE_TITLES)}
    values["empty"] = ""
    values["story"] = "US-1"
    write_outputs(str(path), values)
    assert parse_outputs(path.read_text()) == values


def test_output_delimiter_never_in_value() -> None:
    block = output_block("x", "ghadelimiter_\nstory=US-9")
    first, *_ = block.split("\n")
    delimiter = first.split("<<", 1)[1]
    assert block.count(delimiter) == 2


def test_output_name_checked() -> None:
    with pytest.raises(ValueError, match="bad output name"):
        output_block("a\nb", "x")


def test_secret_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RALLY_API_KEY", "_abc123SECRETKEY")
    out, summary = tmp_path / "out", tmp_path / "summary.md"
    write_outputs(str(out), {"x": "key=_abc123SECRETKEY"})
    append_summary(str(summary), "key _abc123SECRETKEY")
    line = command("error", "failed with _abc123SECRETKEY", title="_abc123SECRETKEY")
    for text in (out.read_text(), summary.read_text(), line):
        assert "_abc123SECRETKEY" not in text


def test_command_escaping_like_actions_toolkit() -> None:
    assert command("warning", "50% done\r\nnext") == "::warning::50%25 done%0D%0Anext"
    assert command("notice", "m", title="a:b,c%") == "::notice title=a%3Ab%2Cc%25::m"
    injected = command("notice", "x\n::error::pwned")
    assert "\n" not in injected
    with pytest.raises(ValueError, match="unknown annotation level"):
        command("fatal", "x")


def test_annotate_writes_one_line() -> None:
    buf = io.StringIO()
    annotate(buf, "warning", "a\nb", title="t")
    assert buf.getvalue() == "::warning title=t::a%0Ab\n"


def test_summary_appends(tmp_path: Path) -> None:
    path = tmp_path / "s.md"
    path.write_text("earlier step\n")
    append_summary(str(path), "# mine")
    assert path.read_text() == "earlier step\n# mine\n"
    append_summary(None, "ignored")  # outside Actions: no file, no error


def test_payload_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="GITHUB_EVENT_PATH is not set"):
        load_payload(None)
    with pytest.raises(UsageError, match="not found"):
        load_payload(str(tmp_path / "missing.json"))
    empty = tmp_path / "empty.json"
    empty.write_text("  ")
    with pytest.raises(UsageError, match="is empty"):
        load_payload(str(empty))
    bad = tmp_path / "bad.json"
    bad.write_text('{"action": "opened",\n')
    with pytest.raises(UsageError, match=r"not valid JSON \(line 2"):
        load_payload(str(bad))
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(UsageError, match="cannot read"):
        load_payload(str(binary))
