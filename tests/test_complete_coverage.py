"""Coverage readers against real reports: coverage.py run here, gcovr output checked in."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pantheon_git.errors import UsageError
from pantheon_git.features.complete.run_coverage import detect_format, read_coverage, round_half_up

FIXTURES = Path(__file__).parent / "fixtures" / "coverage"

PROGRAM = """\
def used(x):
    if x > 1:
        return x * 2
    return x


def unused(y):
    z = y + 1
    return z


print(used(3))
"""


@pytest.fixture(scope="module")
def covpy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real coverage.py run: data file, JSON and XML reports of a tiny program."""
    work = tmp_path_factory.mktemp("covpy")
    (work / "prog.py").write_text(PROGRAM)

    def cov(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "coverage", *args],
            cwd=work,
            capture_output=True,
            text=True,
            check=True,
        )
        return proc.stdout

    cov("run", "prog.py")
    cov("json", "-o", "coverage.json")
    cov("xml", "-o", "coverage.xml")
    (work / "report.txt").write_text(cov("report", "--precision=1"))
    return work


def expected_percent(work: Path) -> float:
    totals = json.loads((work / "coverage.json").read_text())["totals"]
    return round_half_up(100 * totals["covered_lines"] / totals["num_statements"])


def test_the_tiny_program_is_partly_covered(covpy: Path) -> None:
    # 8 statements, 5 run: the figure coverage.py itself prints.
    assert "62.5%" in (covpy / "report.txt").read_text()
    assert expected_percent(covpy) == 62.5


def test_coverage_data_file_read_through_the_coverage_api(covpy: Path) -> None:
    result = read_coverage(covpy / ".coverage", cwd=covpy)
    assert result.source_format == "coverage.py data"
    assert result.percent == 62.5
    assert str(result) == "62.5%"


def test_coverage_data_file_under_another_name(covpy: Path, tmp_path: Path) -> None:
    copy = tmp_path / "results.db"
    shutil.copy(covpy / ".coverage", copy)
    assert read_coverage(copy, cwd=covpy).percent == 62.5


def test_coverage_json(covpy: Path) -> None:
    result = read_coverage(covpy / "coverage.json")
    assert (result.source_format, result.percent) == ("coverage.py json", 62.5)


def test_coverage_xml_from_coverage_py(covpy: Path) -> None:
    result = read_coverage(covpy / "coverage.xml")
    assert (result.source_format, result.percent) == ("cobertura", 62.5)


def test_format_is_detected_by_content_not_name(covpy: Path, tmp_path: Path) -> None:
    misnamed = tmp_path / "coverage.xml"
    shutil.copy(covpy / "coverage.json", misnamed)
    assert read_coverage(misnamed).source_format == "coverage.py json"
    lcov_named_json = tmp_path / "report.json"
    shutil.copy(FIXTURES / "gcovr-lcov.info", lcov_named_json)
    assert read_coverage(lcov_named_json).source_format == "lcov"


def test_gcovr_cobertura() -> None:
    result = read_coverage(FIXTURES / "gcovr-cobertura.xml")
    assert (result.source_format, result.percent) == ("cobertura", 80.0)


def test_gcovr_lcov() -> None:
    result = read_coverage(FIXTURES / "gcovr-lcov.info")
    assert (result.source_format, result.percent) == ("lcov", 80.0)


def test_lcov_without_summary_lines_counts_da(tmp_path: Path) -> None:
    text = (FIXTURES / "gcovr-lcov.info").read_text()
    stripped = "\n".join(ln for ln in text.splitlines() if not ln.startswith(("LF:", "LH:")))
    path = tmp_path / "lcov.info"
    path.write_text(stripped + "\n")
    assert read_coverage(path).percent == 80.0


def test_lcov_several_records_are_summed(tmp_path: Path) -> None:
    path = tmp_path / "lcov.info"
    path.write_text(
        "TN:\nSF:src/a.js\nFNF:0\nFNH:0\nDA:1,1\nDA:2,0\nLF:2\nLH:1\nend_of_record\n"
        "TN:\nSF:src/b.js\nDA:1,3\nDA:2,1\nDA:3,1\nLF:3\nLH:3\nend_of_record\n"
    )
    result = read_coverage(path)
    assert (result.covered, result.total, result.percent) == (4, 5, 80.0)  # type: ignore[union-attr]


def test_cobertura_with_only_a_rate(tmp_path: Path) -> None:
    path = tmp_path / "coverage.xml"
    path.write_text(
        '<?xml version="1.0"?><coverage line-rate="0.8765" branch-rate="0" version="1">'
        '<packages><package name="p"><classes><class name="c" filename="c.go"><lines>'
        '<line number="1" hits="1"/></lines></class></classes></package></packages></coverage>'
    )
    assert read_coverage(path).percent == 87.7


def test_cobertura_counts_class_lines_not_method_repeats(tmp_path: Path) -> None:
    xml = (FIXTURES / "gcovr-cobertura.xml").read_text()
    for attr in ('line-rate="0.8" branch-rate="1.0" lines-covered="12" lines-valid="15"',):
        assert attr in xml
    path = tmp_path / "coverage.xml"
    path.write_text(
        xml.replace(' lines-covered="12" lines-valid="15"', "", 1).replace(
            'line-rate="0.8" branch-rate="1.0" branches', 'branch-rate="1.0" branches', 1
        )
    )
    result = read_coverage(path)
    assert (result.covered, result.total) == (12, 15)  # type: ignore[union-attr]


def test_jacoco_xml(tmp_path: Path) -> None:
    path = tmp_path / "jacoco.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">'
        '<report name="demo"><package name="a"><counter type="LINE" missed="9" covered="1"/>'
        '</package><counter type="INSTRUCTION" missed="1" covered="1"/>'
        '<counter type="LINE" missed="3" covered="9"/></report>'
    )
    assert read_coverage(path).percent == 75.0


def test_rounding_is_half_up() -> None:
    assert round_half_up(87.25) == 87.3
    assert round_half_up(2 / 3 * 100) == 66.7
    assert round_half_up(100.0) == 100.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n", "is empty"),
        (b"hello world\n", "not a coverage report"),
        (b"{not json", "not valid JSON"),
        (b'{"meta": {}}', "no `totals`"),
        (b'{"totals": {"covered_lines": 0, "num_statements": 0}}', "measured no lines"),
        (b"<coverage", "not well-formed XML"),
        (b"<html><body/></html>", "neither Cobertura"),
        (b'<coverage line-rate="abc"><packages/></coverage>', "not a number"),
        (b'<coverage line-rate="7"><packages/></coverage>', "outside 0..1"),
        (b'<coverage lines-valid="0" lines-covered="0"/>', "measured no lines"),
        (b'<coverage lines-valid="3" lines-covered="5"/>', "5 of 3 lines"),
        (
            b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaa">]><coverage/>',
            "declares XML entities",
        ),
        (b"SF:a.c\nDA:1,1\n", "no end_of_record"),
        (b"SF:a.c\nDA:x\nend_of_record\n", "malformed DA"),
        (b"TN:\nSF:a.c\nLF:zero\nend_of_record\n", "not a whole number"),
        (b"TN:\nend_of_record\n", "without SF"),
        (b"\xff\xfe<\x00c\x00", "not UTF-8"),
    ],
)
def test_bad_files_are_usage_errors_naming_the_file(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "cov.out"
    path.write_bytes(content)
    with pytest.raises(UsageError) as info:
        read_coverage(path)
    assert message in info.value.message
    assert str(path) in info.value.message
    assert info.value.exit_code == 2


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        read_coverage(tmp_path / "nope.xml")
    with pytest.raises(UsageError, match="is a directory"):
        read_coverage(tmp_path)


def test_damaged_coverage_data_file(covpy: Path, tmp_path: Path) -> None:
    damaged = tmp_path / ".coverage"
    damaged.write_bytes((covpy / ".coverage").read_bytes()[:200])
    with pytest.raises(UsageError) as info:
        read_coverage(damaged, cwd=covpy)
    assert str(damaged) in info.value.message


def test_coverage_data_file_without_data(tmp_path: Path) -> None:
    empty = tmp_path / ".coverage"
    con = sqlite3.connect(empty)
    con.execute("create table t (x)")
    con.commit()
    con.close()
    with pytest.raises(UsageError) as info:
        read_coverage(empty, cwd=tmp_path)
    assert str(empty) in info.value.message


def test_detect_format() -> None:
    assert detect_format(b"SQLite format 3\x00....") == "coverage.py data"
    assert detect_format(b"\xef\xbb\xbf  {") == "coverage.py json"
    assert detect_format(b"<?xml") == "xml"
    assert detect_format(b"TN:\nSF:x\n") == "lcov"
    assert detect_format(b"SF:x\n") == "lcov"
    assert detect_format(b"mode: set\n") is None  # Go's cover profile is not supported
