"""The docs tell the truth about the code they describe, and their links lead somewhere.

- ``docs/configuration.md`` has one row per setting of :class:`pantheon_git.config.Config`,
  and each row's default and environment variables are the ones the config loader uses.
- Every relative link in README.md, docs/ and benchmarks/README.md names a file (and heading)
  that exists.
- The README's command table names every command ``pantheon --help`` lists.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from pantheon_git.cli import app
from pantheon_git.config import Config, load_config, settable_keys
from pantheon_git.errors import ConfigError

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
CONFIG_DOC = DOCS / "configuration.md"
SETTINGS_HEADER = ["key", "default", "environment", "meaning"]
MAPPINGS_HEADING = "Default mappings"
NOT_SET = "not set"
NO_ENV = "—"


# --- reading markdown -------------------------------------------------------------------------


def without_code(text: str) -> str:
    """The text with fenced code blocks blanked out (line numbers kept)."""
    out, fence = [], None
    for line in text.splitlines():
        marker = re.match(r"\s*(`{3,}|~{3,})", line)
        if fence is None and marker:
            fence = marker.group(1)
            out.append("")
        elif fence is not None:
            if line.strip().startswith(fence):
                fence = None
            out.append("")
        else:
            out.append(line)
    return "\n".join(out)


def table_rows(text: str, header: list[str]) -> Iterator[list[str]]:
    """The body rows of every table in ``text`` whose header is ``header``."""
    lines = without_code(text).splitlines()
    for i, line in enumerate(lines):
        if cells(line) != header:
            continue
        for row in lines[i + 2 :]:
            if not row.startswith("|"):
                break
            yield cells(row)


def cells(line: str) -> list[str]:
    if not line.startswith("|"):
        return []
    return [c.strip() for c in line.strip().strip("|").split("|")]


def code_spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def section(text: str, heading: str) -> str:
    """The text under ``## heading`` up to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(heading)}\s*$", text, re.MULTILINE)
    assert match, f"no heading {heading!r}"
    level = len(match.group(1))
    rest = text[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for match in re.finditer(r"^#+ (.+?)\s*$", without_code(text), re.MULTILINE):
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        out.add(base if count == 0 else f"{base}-{count}")
    return out


# --- the configuration reference ----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: str
    default: str
    env: list[str]


def documented() -> list[Row]:
    rows = []
    for key, default, env, _meaning in table_rows(CONFIG_DOC.read_text(), SETTINGS_HEADER):
        names = code_spans(key)
        assert len(names) == 1, f"the key cell {key!r} should hold one `key`"
        env_names = [] if env == NO_ENV else code_spans(env)
        assert env == NO_ENV or env_names, f"{names[0]}: environment cell {env!r}"
        rows.append(Row(names[0], default, env_names))
    return rows


def default_mappings() -> dict[str, Any]:
    block = re.search(r"```yaml\n(.*?)```", section(CONFIG_DOC.read_text(), MAPPINGS_HEADING), re.S)
    assert block, f"no yaml block under {MAPPINGS_HEADING!r}"
    doc = yaml.safe_load(block.group(1))
    assert isinstance(doc, dict)
    mappings = doc["pantheon"]
    assert isinstance(mappings, dict)
    return mappings


def plain(value: Any) -> Any:
    """A config value as YAML would spell it: tuples as lists, mappings as dicts."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def documented_default(row: Row) -> Any:
    """The value a row's default cell says: a YAML `code span`, "not set", or a link below."""
    if row.default.startswith(NOT_SET):
        return None
    if row.default.startswith("[below]"):
        mappings = default_mappings()
        assert row.key in mappings, f"{row.key} is not in the {MAPPINGS_HEADING!r} block"
        return mappings[row.key]
    spans = code_spans(row.default)
    assert row.default.startswith("`"), f"{row.key}: default cell {row.default!r}"
    return yaml.safe_load(spans[0])


def test_every_setting_has_exactly_one_row() -> None:
    keys = [row.key for row in documented()]
    assert sorted(keys) == sorted(set(keys)), "a setting has two rows"
    missing = set(settable_keys()) - set(keys)
    unknown = set(keys) - set(settable_keys())
    assert not missing, f"settings without a row in docs/configuration.md: {sorted(missing)}"
    assert not unknown, f"rows for settings the config does not have: {sorted(unknown)}"


@pytest.mark.parametrize("row", documented(), ids=lambda row: row.key)
def test_the_documented_default_is_the_config_default(row: Row) -> None:
    assert documented_default(row) == plain(getattr(Config(), row.key))


def test_the_mappings_block_holds_only_mapping_settings() -> None:
    for key, value in default_mappings().items():
        assert isinstance(getattr(Config(), key), Mapping)
        assert value == plain(getattr(Config(), key))


def probe(key: str) -> str:
    """An environment value that differs from the setting's default."""
    default = getattr(Config(), key)
    if isinstance(default, bool):
        return "false" if default else "true"
    if isinstance(default, int | float):
        return "7"
    if isinstance(default, tuple):
        return "probe-a,probe-b"
    return "probe-value"


def loaded(environ: dict[str, str], cwd: Path) -> Config | ConfigError:
    try:
        return load_config(cwd=cwd, environ=environ, warn=lambda message: None)
    except ConfigError as exc:
        return exc


def reaches(key: str, result: Config | ConfigError) -> bool:
    """Whether the variable reached ``key``: its value changed, or the loader refused the value
    for that key (a probe that is no valid choice)."""
    if isinstance(result, ConfigError):
        return re.match(rf"{key}\b", result.message) is not None
    value, default = getattr(result, key), getattr(Config(), key)
    if isinstance(value, float) and isinstance(default, float):
        return not math.isclose(value, default)
    return bool(value != default)


@pytest.mark.parametrize("row", documented(), ids=lambda row: row.key)
def test_each_documented_variable_sets_its_key(row: Row, tmp_path: Path) -> None:
    for name in row.env:
        assert reaches(row.key, loaded({name: probe(row.key)}, tmp_path)), (
            f"{name} does not set {row.key}"
        )


@pytest.mark.parametrize("row", documented(), ids=lambda row: row.key)
def test_the_generic_variable_is_documented_where_it_works(row: Row, tmp_path: Path) -> None:
    generic = f"PANTHEON_{row.key.upper()}"
    result = loaded({generic: probe(row.key)}, tmp_path)
    if isinstance(getattr(Config(), row.key), Mapping):
        # Mappings cannot come from one variable: the loader refuses them.
        assert isinstance(result, ConfigError)
        assert row.env == []
    else:
        assert reaches(row.key, result)
        assert generic in row.env, f"{generic} works but is not in the row of {row.key}"


def test_environment_only_variables_are_no_settings() -> None:
    rows = table_rows(section(CONFIG_DOC.read_text(), "Environment only"), ["variable", "what"])
    names = {name for variable, _ in rows for name in code_spans(variable)}
    assert "RALLY_API_KEY" in names
    assert not names & {f"PANTHEON_{key.upper()}" for key in settable_keys()}


# --- links --------------------------------------------------------------------------------------


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md")), ROOT / "benchmarks" / "README.md"]


def links(page: Path) -> Iterator[str]:
    text = re.sub(r"`[^`\n]*`", "", without_code(page.read_text(encoding="utf-8")))
    for match in re.finditer(r"\[[^\]]*\]\(([^)\s]+)\)", text):
        yield match.group(1)


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in links(page):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text()):
            broken.append(f"{target}: no heading #{anchor} in {file.name}")
    assert not broken, f"{page.relative_to(ROOT)}: {broken}"


def test_the_docs_index_lists_every_page() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    listed = {target.partition("#")[0] for target in links(DOCS / "README.md")}
    unlisted = [p.name for p in DOCS.glob("*.md") if p.name != "README.md" and p.name not in listed]
    assert index
    assert not unlisted, f"pages missing from docs/README.md: {unlisted}"


def test_the_readme_command_table_names_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = table_rows(section(readme, "Commands"), ["command", "what it does", "docs"])
    named = {word for cell, _, _ in rows for span in code_spans(cell) for word in span.split()}
    commands = set(app.list_commands(click.Context(app))) | {"hook"}
    assert not commands - named, f"commands missing from the README table: {commands - named}"


def test_the_link_checker_sees_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n[ok](#title) [gone](missing.md) `[code](missing.md)`\n")
    assert list(links(page)) == ["#title", "missing.md"]
    assert anchors(page.read_text()) == {"title"}


def test_every_page_counts_doctors_checks_alike() -> None:
    """README, setup and demo pages say how many checks `pantheon doctor` runs; the setup
    page's sample output ("All N checks passed.") is the count the others must say."""
    words = {"nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
    sample = re.search(r"All (\d+) checks passed\.", (DOCS / "setup.md").read_text())
    assert sample
    said = []
    for page in (ROOT / "README.md", DOCS / "setup.md", DOCS / "demo.md"):
        for line in page.read_text().splitlines():
            if "doctor" in line.lower() or "Runs" in line:
                said += [words[w] for w in re.findall(r"\b(nine|ten|eleven|twelve) checks", line)]
    assert said
    assert set(said) == {int(sample.group(1))}
