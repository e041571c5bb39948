"""Total line coverage from the reports test runners write, as a percentage with one decimal.

Formats, told apart by content (the file name is only a hint in error messages):

- coverage.py data (``.coverage``, an SQLite file), read through the coverage API with the
  project's own coverage configuration, so the figure matches ``coverage report``;
- coverage.py JSON (``coverage json``): ``totals.covered_lines / totals.num_statements``;
- Cobertura XML (``coverage.xml`` from coverage.py, gcovr, Istanbul, Cobertura, ...): the root's
  ``lines-covered / lines-valid``, else its ``line-rate``; JaCoCo XML too (its LINE counter);
- LCOV (``lcov.info``): the sum of ``LH`` over the sum of ``LF`` (``DA`` lines when absent).

Line coverage only: coverage.py's headline total mixes in branches when branch coverage is on,
Cobertura's ``line-rate`` and LCOV's ``LH/LF`` do not, and one field in Rally must mean one thing.
Anything unreadable or empty is a :class:`UsageError` (exit 2) naming the file.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import coverage
from coverage.exceptions import CoverageException, NoDataError

from pantheon_git.errors import UsageError

SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Coverage:
    """Covered and measured lines; ``percent`` is rounded to one decimal."""

    covered: int
    total: int
    source_format: str
    path: str

    @property
    def percent(self) -> float:
        return round_half_up(100.0 * self.covered / self.total)

    def __str__(self) -> str:
        return f"{self.percent:.1f}%"


@dataclass(frozen=True)
class Rate:
    """A report that gives only a rate (Cobertura's ``line-rate`` without line counts)."""

    rate: float
    source_format: str
    path: str

    @property
    def percent(self) -> float:
        return round_half_up(self.rate, scale=100)

    def __str__(self) -> str:
        return f"{self.percent:.1f}%"


CoverageResult = Coverage | Rate


def round_half_up(value: float, *, scale: int = 1) -> float:
    """``value * scale`` to one decimal, halves up (87.25 -> 87.3), as people expect.

    Decimal arithmetic on the shortest repr, so a rate of 0.8765 gives 87.7, not the 87.6 that
    binary floating point (87.64999...) would.
    """

    exact = Decimal(repr(value)) * scale
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def read_coverage(path: Path, *, cwd: Path | None = None) -> CoverageResult:
    """The total line coverage in ``path``, whatever its format."""
    try:
        head = path.read_bytes()[:4096]
    except FileNotFoundError:
        raise UsageError(
            f"coverage file not found: {path}",
            hint="Run your tests with coverage first, or fix the coverage-file path.",
        ) from None
    except IsADirectoryError:
        raise UsageError(f"coverage file {path} is a directory, not a report") from None
    except OSError as exc:
        raise UsageError(f"cannot read coverage file {path}: {exc.strerror}") from None
    if not head.strip():
        raise UsageError(
            f"coverage file {path} is empty",
            hint="The test run that should have written it may have failed.",
        )
    fmt = detect_format(head)
    if fmt == "coverage.py data":
        return _from_coverage_data(path, cwd=cwd)
    text = _text(path)
    if fmt == "coverage.py json":
        return _from_json(path, text)
    if fmt == "xml":
        return _from_xml(path, text)
    if fmt == "lcov":
        return _from_lcov(path, text)
    raise UsageError(
        f"{path} is not a coverage report pantheon can read",
        hint="Give a .coverage data file, coverage.xml (Cobertura or JaCoCo), "
        "coverage.py JSON or lcov.info.",
    )


def detect_format(head: bytes) -> str | None:
    """The format from the first bytes of a file, or ``None``."""
    if head.startswith(SQLITE_MAGIC):
        return "coverage.py data"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"{"):
        return "coverage.py json"
    if text.startswith(b"<"):
        return "xml"
    if re.search(rb"^(TN|SF):", text, re.MULTILINE):
        return "lcov"
    return None


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"coverage file {path} is not UTF-8 text") from None


def _need_lines(path: Path, covered: int, total: int, fmt: str) -> Coverage:
    if total <= 0:
        raise UsageError(
            f"coverage file {path} measured no lines",
            hint="Check that the test run measured your source (include/omit settings).",
        )
    if not 0 <= covered <= total:
        raise UsageError(f"coverage file {path} says {covered} of {total} lines are covered")
    return Coverage(covered, total, fmt, str(path))


# --- coverage.py data -------------------------------------------------------------------------


def _from_coverage_data(path: Path, *, cwd: Path | None) -> Coverage:
    """Through coverage's own reporter: it applies the project's include/omit/exclude rules.

    The data file records executed lines only; the statements come from the source files, so
    this must run in the checkout the tests ran in.
    """

    here = Path.cwd()
    work = cwd or here
    try:
        os.chdir(work)
        cov = coverage.Coverage(data_file=str(path.resolve()))
        cov.load()
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "coverage.json"
            cov.json_report(outfile=str(out), ignore_errors=True)
            doc = json.loads(out.read_text(encoding="utf-8"))
    except NoDataError:
        raise UsageError(
            f"coverage data file {path} holds no data",
            hint="Run `coverage combine` if your tests wrote parallel .coverage.* files.",
        ) from None
    except CoverageException as exc:
        raise UsageError(f"cannot read coverage data file {path}: {exc}") from None
    except Exception as exc:  # sqlite3.DatabaseError and friends: a damaged file
        raise UsageError(
            f"cannot read coverage data file {path}: {type(exc).__name__}: {exc}"
        ) from None
    finally:
        os.chdir(here)
    totals = doc.get("totals", {})
    return _need_lines(
        path,
        int(totals.get("covered_lines", 0)),
        int(totals.get("num_statements", 0)),
        "coverage.py data",
    )


# --- coverage.py JSON -------------------------------------------------------------------------


def _from_json(path: Path, text: str) -> Coverage:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"coverage file {path} is not valid JSON (line {exc.lineno})") from None
    totals = doc.get("totals") if isinstance(doc, dict) else None
    if not isinstance(totals, dict):
        raise UsageError(
            f"{path} is JSON but not a coverage.py JSON report (no `totals`)",
            hint="Write it with `coverage json`.",
        )
    covered, total = totals.get("covered_lines"), totals.get("num_statements")
    if not isinstance(covered, int) or not isinstance(total, int):
        raise UsageError(f"{path}: `totals` lacks covered_lines/num_statements")
    return _need_lines(path, covered, total, "coverage.py json")


# --- Cobertura and JaCoCo XML -----------------------------------------------------------------


def _from_xml(path: Path, text: str) -> CoverageResult:

    # The reports carry DOCTYPEs (JaCoCo, Cobertura's DTD); refuse entity declarations outright
    # instead of expanding them.
    if "<!ENTITY" in text:
        raise UsageError(f"coverage file {path} declares XML entities; refusing to read it")
    try:
        root = ET.fromstring(text)  # noqa: S314 - no entities (checked above), no network
    except ET.ParseError as exc:
        raise UsageError(f"coverage file {path} is not well-formed XML: {exc}") from None
    if root.tag == "coverage":
        return _from_cobertura(path, root)
    if root.tag == "report":
        return _from_jacoco(path, root)
    raise UsageError(
        f"{path} is XML but neither Cobertura (<coverage>) nor JaCoCo (<report>): <{root.tag}>"
    )


def _from_cobertura(path: Path, root: Any) -> CoverageResult:
    valid, covered = root.get("lines-valid"), root.get("lines-covered")
    if valid is not None and covered is not None:
        lines_covered = _int(path, "lines-covered", covered)
        return _need_lines(path, lines_covered, _int(path, "lines-valid", valid), "cobertura")
    rate = root.get("line-rate")
    if rate is None:
        # Cobertura repeats each line under <methods>; count the class-level lines only.
        lines = [ln for ln in root.iterfind(".//class/lines/line") if ln.get("hits") is not None]
        hit = sum(1 for ln in lines if _int(path, "hits", ln.get("hits")) > 0)
        return _need_lines(path, hit, len(lines), "cobertura")
    try:
        value = float(rate)
    except ValueError:
        raise UsageError(f"{path}: line-rate {rate!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise UsageError(f"{path}: line-rate {rate!r} is outside 0..1")
    if root.find(".//class/lines/line") is None:
        raise UsageError(f"coverage file {path} measured no lines")
    return Rate(value, "cobertura", str(path))


def _from_jacoco(path: Path, root: Any) -> Coverage:
    for counter in root.findall("counter"):
        if counter.get("type") == "LINE":
            missed = _int(path, "missed", counter.get("missed"))
            covered = _int(path, "covered", counter.get("covered"))
            return _need_lines(path, covered, covered + missed, "jacoco")
    raise UsageError(f"coverage file {path} (JaCoCo) has no report-level LINE counter")


def _int(path: Path, name: str, value: str | None) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise UsageError(f"{path}: {name}={value!r} is not a whole number") from None


# --- LCOV -------------------------------------------------------------------------------------


def _from_lcov(path: Path, text: str) -> Coverage:
    """Sum per-record ``LF``/``LH``; a record without them is counted from its ``DA`` lines."""
    found = hit = 0
    record_found = record_hit = da_found = da_hit = 0
    in_record = False
    has_summary = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        tag, _, value = line.partition(":")
        if tag == "SF":
            in_record, has_summary = True, False
            record_found = record_hit = da_found = da_hit = 0
        elif tag == "DA":
            parts = value.split(",")
            if len(parts) < 2:
                raise UsageError(f"{path}:{number}: malformed DA line {raw!r}")
            da_found += 1
            try:
                count = int(float(parts[1]))
            except ValueError:
                raise UsageError(f"{path}:{number}: malformed DA line {raw!r}") from None
            da_hit += count > 0
        elif tag in ("LF", "LH"):
            has_summary = True
            number_value = _int(path, tag, value.strip())
            if tag == "LF":
                record_found = number_value
            else:
                record_hit = number_value
        elif line == "end_of_record":
            if not in_record:
                raise UsageError(f"{path}:{number}: end_of_record without SF")
            found += record_found if has_summary else da_found
            hit += record_hit if has_summary else da_hit
            in_record = False
    if in_record:
        raise UsageError(f"coverage file {path} ends inside a record (no end_of_record)")
    return _need_lines(path, hit, found, "lcov")
