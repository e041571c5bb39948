"""``pantheon doctor`` as data: checks, their verdicts, and the report.

Pure: the use case gathers facts (files, git, Rally) and these functions judge and render them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """A check's verdict."""

    OK = "ok"
    WARN = "warn"
    """Passed, with something to look at."""
    FAIL = "fail"
    SKIP = "skip"
    """Not run: an earlier check failed."""


OK, WARN, FAIL, SKIP = Status.OK, Status.WARN, Status.FAIL, Status.SKIP

MARKS = {OK: "✅", WARN: "⚠️ ", FAIL: "❌", SKIP: "⏭️ "}
RULE = "━" * 47


@dataclass(frozen=True)
class Check:
    name: str
    """Stable id for JSON: config, api_key, rally, scope, fields, git, identity, hooks, cache."""
    title: str
    status: Status
    detail: str
    fix: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status in (OK, WARN)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "status": self.status,
            "passed": self.passed,
            "detail": self.detail,
            "fix": self.fix,
            **({"data": dict(self.data)} if self.data else {}),
        }


def skipped(name: str, title: str, why: str) -> Check:
    """A check that could not run because an earlier one failed."""
    return Check(name, title, SKIP, f"not checked: {why}")


def all_passed(checks: Iterable[Check]) -> bool:
    return all(c.passed for c in checks)


def render(checks: Sequence[Check], *, notes: Sequence[str] = ()) -> str:
    lines = ["Pantheon Doctor", RULE]
    for check in checks:
        lines.append(f"{MARKS[check.status]} {check.title}: {check.detail}")
        if check.fix and check.status != OK:
            lines.append(f"   Fix: {check.fix}")
    lines.extend(notes)
    passed = sum(1 for c in checks if c.passed)
    failed = len(checks) - passed
    lines.append("")
    if failed == 0:
        lines.append(f"All {len(checks)} checks passed.")
    else:
        lines.append(
            f"{passed} of {len(checks)} checks passed; fix the problems above, then run "
            "`pantheon doctor` again."
        )
    return "\n".join(lines)


# --- secrets in the config file ----------------------------------------------------------------

_SECRET_NAME = re.compile(
    r"""(?:^|[\s{,\[])["']?(?P<name>[\w.-]*(?:api[_-]?key|apikey|zsessionid|secret|password|passwd|token)[\w.-]*)["']?\s*[:=]\s*(?P<value>[^,}\]]*)""",
    re.IGNORECASE,
)
# Rally API keys: an underscore and a long run of letters and digits.
_RALLY_KEY = re.compile(r"(?<![A-Za-z0-9_])_[A-Za-z0-9]{32,}(?![A-Za-z0-9])")
_EMPTY_VALUES = {"", "null", "~", "''", '""', "none"}


@dataclass(frozen=True)
class SecretHit:
    line: int
    reason: str


def find_secrets(text: str, env_key: str | None) -> list[SecretHit]:
    """Lines of a config file that hold a secret: the value of ``RALLY_API_KEY``, a setting
    named like a key or password with a value, or something shaped like a Rally API key.
    Comments count (a commented key is still in git). Values are never returned."""
    hits: list[SecretHit] = []
    for number, line in enumerate(text.splitlines(), 1):
        if env_key and len(env_key) >= 8 and env_key in line:
            hits.append(SecretHit(number, "holds the value of RALLY_API_KEY"))
            continue
        body = line.lstrip().lstrip("#")
        match = next((m for m in _SECRET_NAME.finditer(body) if _has_value(m.group("value"))), None)
        if match:
            hits.append(SecretHit(number, f"sets `{match.group('name')}`"))
            continue
        if _RALLY_KEY.search(line):
            hits.append(SecretHit(number, "holds something shaped like a Rally API key"))
    return hits


_FIELD_NAME = re.compile(r"""["']?c_[A-Za-z0-9_]+["']?""")
"""A Rally custom field's name (``lock_token: c_LockToken`` under ``fields:``): no secret."""


def _has_value(raw: str) -> bool:
    value = raw.split(" #", 1)[0].strip()
    if value.lower() in _EMPTY_VALUES or _FIELD_NAME.fullmatch(value):
        return False
    # placeholders: <your key>, ${RALLY_API_KEY}, $RALLY_API_KEY
    return not re.fullmatch(r"""["']?(<[^>]*>|\$\{?\w+\}?)["']?""", value)


# --- custom fields -----------------------------------------------------------------------------

# logical field -> (acceptable Rally types, the type to create, required)
FIELD_TYPES: dict[str, tuple[tuple[str, ...], str, bool]] = {
    "locked_by": (("STRING",), "STRING", True),
    "locked_at": (("DATE",), "DATE", True),
    "lock_expiry": (("DATE",), "DATE", True),
    "lock_token": (("STRING", "TEXT"), "STRING", True),
    "branch": (("STRING",), "STRING", True),
    "coverage": (("QUANTITY", "DECIMAL"), "QUANTITY", True),
    "commit_sha": (("STRING",), "STRING", True),
    "pantheon_status": (("STRING",), "STRING", True),
    "acceptance_criteria": (("TEXT", "STRING"), "TEXT", False),
}


@dataclass(frozen=True)
class WantedField:
    logical: str
    element: str
    types: tuple[str, ...]
    create_as: str
    required: bool


def wanted_fields(names: Mapping[str, str]) -> list[WantedField]:
    """The custom fields a workspace needs, under the names the config gives them."""
    return [
        WantedField(logical, names.get(logical, ""), types, create_as, required)
        for logical, (types, create_as, required) in FIELD_TYPES.items()
        if names.get(logical)
    ]


# --- hooks -------------------------------------------------------------------------------------

HOOK_STAGES = ("pre-commit", "commit-msg", "pre-push", "post-checkout")
ESSENTIAL_STAGES = ("pre-commit", "pre-push")


@dataclass(frozen=True)
class HookFile:
    stage: str
    text: str | None
    """The script's text; None when there is no executable hook for the stage."""


def hook_kind(hook: HookFile, precommit_config: str | None) -> str | None:
    """How ``pantheon`` runs at this stage: ``git`` (a plain hook calling pantheon),
    ``pre-commit`` (the framework's hook, with pantheon in its config), or None."""
    if hook.text is None:
        return None
    if "pantheon" in hook.text and "pre_commit" not in hook.text:
        return "git"
    framework = "pre-commit" in hook.text or "pre_commit" in hook.text
    if framework and precommit_config and "pantheon" in precommit_config:
        return "pre-commit"
    return None


# --- cache -------------------------------------------------------------------------------------


def cache_age_hours(last_sync: datetime, now: datetime) -> float:
    return max(0.0, (now - last_sync).total_seconds() / 3600)
