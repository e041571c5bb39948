"""Configuration: ``_bmad/pantheon/config.yaml`` + environment + flags, frozen.

Precedence: flag > environment > config file > defaults. The seed's keys live under
``pantheon:``; ours sit beside them. Secrets come only from the environment
(``RALLY_API_KEY``): a key written in the file is refused here and reported by ``doctor``.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from pantheon_git.core.keys import DEFAULT_BRANCH_PATTERN, DEFAULT_BRANCH_TEMPLATE
from pantheon_git.core.policies import CiFailOn, CiForks, CommitMsg, Conflicts, Offline
from pantheon_git.core.rallyurl import check_rally_url
from pantheon_git.core.states import DEFAULT_STATE_MAP
from pantheon_git.errors import ConfigError

CONFIG_RELPATH = Path("_bmad") / "pantheon" / "config.yaml"
DEFAULT_RALLY_URL = "https://rally1.rallydev.com"

DEFAULT_FIELDS: dict[str, str] = {
    "locked_by": "c_LockedBy",
    "locked_at": "c_LockedAt",
    "lock_expiry": "c_LockExpiry",
    "lock_token": "c_LockToken",
    "branch": "c_Branch",
    "coverage": "c_Coverage",
    "commit_sha": "c_CommitSHA",
    "pantheon_status": "c_PantheonStatus",
    "acceptance_criteria": "c_AcceptanceCriteria",
}

DEFAULT_COMPLEXITY_HOURS: dict[str, float] = {"micro": 2.0, "standard": 5.0, "complex": 8.0}

DEFAULT_MIGRATE_STATUS_MAP: dict[str, str] = {
    "draft": "Defined",
    "backlog": "Defined",
    "approved": "Defined",
    "ready-for-dev": "Defined",
    "inprogress": "In-Progress",
    "in-progress": "In-Progress",
    "review": "In-Progress",
    "done": "Completed",
    "completed": "Completed",
}


@dataclass(frozen=True)
class Config:
    # --- the seed's keys ---
    rally_enabled: bool = True
    rally_workspace: str | None = None
    rally_project: str | None = None
    rally_auto_sync: bool = True
    rally_lock_hours: float = 24.0
    workstream_analysis: bool = True
    max_parallel_developers: int = 12
    critical_path_assignment: str | None = None
    migrate_archive: bool = True
    migrate_backup: str = ".bmad/archive/"
    # --- Rally connection ---
    rally_url: str = DEFAULT_RALLY_URL
    rally_verify: bool | str = True
    """TLS verification: true, false, or a CA bundle path."""
    rally_timeout: float = 30.0
    """Seconds one try of a request may take, from connecting to the reply's last byte."""
    rally_max_concurrency: int = 8
    rally_deadline: float = 120.0
    """Total seconds a request may spend across retries."""
    rally_max_reply_mb: float = 128.0
    """Largest reply read from Rally, in MB (after decompression); a larger one is an error."""
    command_deadline: float = 600.0
    """Seconds a command may wait for Rally in all (every request and retry); then exit 5."""
    lock_deadline: float = 15.0
    """The same for checkout, release and renew, which promise an answer within seconds."""
    epic_type: str = "PortfolioItem/Feature"
    fields: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FIELDS))
    state_map: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_STATE_MAP.items()}
    )
    # --- sync ---
    sync_overlap: float = 60.0
    """Seconds an incremental sync reads back before the last change it saw (Rally stamps a
    change before it commits it, and its servers' clocks differ a little)."""
    sync_lock_wait: float = 30.0
    """Seconds a sync waits for another one to finish before giving up (exit 1)."""
    # --- git and branches ---
    default_branch: str | None = None
    """None: detect (origin/HEAD, then main, then master)."""
    branch_template: str = DEFAULT_BRANCH_TEMPLATE
    branch_pattern: str = DEFAULT_BRANCH_PATTERN
    story_dir: str = "docs/stories"
    # --- locks ---
    lock_write_bound: float = 3.0
    """T: a lock write whose read-to-reply time exceeds this is void (Fischer's protocol)."""
    lock_settle_delay: float = 4.0
    """D > T: wait this long after writing before re-reading to see who won."""
    # --- hooks ---
    offline: Offline = Offline.WARN
    conflicts: Conflicts = Conflicts.WARN
    """precise = warn with trial merges. See docs/conflicts.md."""
    conflicts_precise: bool = False
    """Run trial merges for overlapping stories in the pre-push check (any policy)."""
    commit_msg: CommitMsg = CommitMsg.PREPEND
    require_story_branch: bool = False
    protected_branches: tuple[str, ...] = ("main", "master", "develop", "release/*")
    lock_check_ttl: float = 600.0
    hook_timeout: float = 2.0
    hook_budget: float = 10.0
    # --- GitHub Action and `pantheon complete` ---
    coverage_file: str | None = None
    """Coverage report whose total line coverage goes to c_Coverage (any supported format)."""
    ci_fail_on: CiFailOn = CiFailOn.NEVER
    """When `pantheon ci` exits 1."""
    ci_changesets: bool = False
    """Also create a Rally Changeset per recorded commit (needs "Build and Changeset" enabled)."""
    ci_push_state: str | None = None
    """Workflow state for stories named in commits pushed to the default branch (None: keep)."""
    ci_scm_repository: str | None = None
    """Name of the Rally SCMRepository for changesets (default: the GitHub owner/name)."""
    ci_forks: CiForks = CiForks.NONE
    """What events whose head is a fork may write (author-lock: only a story the pull
    request's author holds, the author named by GitHub and mapped through identities)."""
    ci_deadline: float = 30.0
    """Seconds `pantheon ci` waits for Rally in total (retries and git fetches included)."""
    # --- doctor and metrics ---
    cache_stale_hours: float = 24.0
    """`pantheon doctor` calls a cache whose last sync is older than this stale."""
    work_hours_per_day: float = 8.0
    """`pantheon metrics`: working hours per weekday, to turn elapsed time into work time."""
    sprint_days: float = 14.0
    """`pantheon metrics`: calendar days per sprint (coordination hours are per sprint)."""
    # --- people ---
    identities: Mapping[str, str] = field(default_factory=dict)
    """git email or GitHub login -> Rally user (email)."""
    user: str | None = None
    """The acting user; from PANTHEON_USER or a flag. None: git user.email."""
    # --- planning ---
    complexity_hours: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_COMPLEXITY_HOURS)
    )
    plan_estimate_hours: float = 1.0
    """Hours per PlanEstimate point for `pantheon plan` (1.0: PlanEstimate is read as hours)."""
    deps_inferred: bool = True
    """False: the dependency graph (its waves, the plan's order) holds Rally's predecessors only;
    what the texts suggest is listed by `deps --review`, and file conflicts still count."""
    # --- migration ---
    migrate_status_map: Mapping[str, str] = field(
        default_factory=lambda: dict(DEFAULT_MIGRATE_STATUS_MAP)
    )
    # --- where it came from (not settable) ---
    api_key: str | None = field(default=None, repr=False)
    source: Path | None = None
    root: Path | None = None

    def field_name(self, logical: str) -> str:
        """The Rally attribute of a logical field: ``locked_by`` -> ``c_LockedBy``."""
        return self.fields.get(logical, DEFAULT_FIELDS[logical])

    def identity(self, who: str) -> str:
        """Map a git email or GitHub login to the Rally user (case-insensitive lookup)."""
        lowered = {k.lower(): v for k, v in self.identities.items()}
        return lowered.get(who.lower(), who)

    def to_public_dict(self) -> dict[str, Any]:
        """All settings, without the secret, for ``--json`` and ``doctor``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "api_key":
                continue
            value = getattr(self, f.name)
            out[f.name] = str(value) if isinstance(value, Path) else value
        out["api_key_set"] = bool(self.api_key)
        return out


_INTERNAL = {"api_key", "source", "root"}
_ENUMS: dict[str, type[StrEnum]] = {
    f.name: type(f.default) for f in fields(Config) if isinstance(f.default, StrEnum)
}
"""Settings that take one word of an enum (``core/policies.py``), from their defaults."""
# Environment variables with names of their own; every other key is PANTHEON_<KEY>.
_ENV_NAMES: dict[str, str] = {
    "rally_url": "RALLY_URL",
    "rally_workspace": "RALLY_WORKSPACE",
    "rally_project": "RALLY_PROJECT",
    "user": "PANTHEON_USER",
}
_SECRET_KEYS = {"api_key", "rally_api_key", "apikey"}


def settable_keys() -> list[str]:
    return [f.name for f in fields(Config) if f.name not in _INTERNAL]


def find_config(start: Path) -> Path | None:
    """The nearest ``_bmad/pantheon/config.yaml`` at or above ``start``."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_RELPATH
        if candidate.is_file():
            return candidate
    return None


def load_config(
    *,
    cwd: Path | None = None,
    path: Path | None = None,
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    warn: Any = None,
) -> Config:
    """Build the frozen configuration. ``warn(message)`` receives unknown-key warnings."""
    env = os.environ if environ is None else environ
    here = (cwd or Path.cwd()).resolve()
    if path is None and env.get("PANTHEON_CONFIG"):
        path = Path(env["PANTHEON_CONFIG"])
    if path is not None and not path.is_file():
        raise ConfigError(
            f"config file not found: {path}", hint="Run `pantheon init` to write one."
        )
    source = path or find_config(here)
    file_values = _read_file(source, warn or _stderr_warn) if source else {}
    env_values = _read_env(env)
    flag_values = {k: v for k, v in (flags or {}).items() if v is not None}
    merged: dict[str, Any] = {}
    for layer, origin in ((file_values, "config file"), (env_values, "environment")):
        for key, value in layer.items():
            merged[key] = _coerce(key, value, origin)
    for key, value in flag_values.items():
        merged[key] = _coerce(key, value, "flag")
    root = source.parent.parent.parent if source else None
    api_key = env.get("RALLY_API_KEY") or None
    return Config(**merged, api_key=api_key, source=source, root=root)


def _stderr_warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _read_file(source: Path, warn: Any) -> dict[str, Any]:
    # lazy: PyYAML loads only when a config file is read (warm hooks use cached settings)
    import yaml

    from pantheon_git.core import safeyaml

    fix = "Fix the file (a config is a few dozen plain settings), then run the command again."
    try:
        with source.open("rb") as handle:
            raw = handle.read(safeyaml.MAX_BYTES + 1)
        if len(raw) > safeyaml.MAX_BYTES:
            raise ConfigError(f"{source}: larger than 1 MB: not a pantheon config", hint=fix)
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {source}: {exc}") from None
    try:
        doc = safeyaml.load(text)
    except safeyaml.YamlLimit as exc:
        raise ConfigError(f"{source}: {exc}: not a pantheon config", hint=fix) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else str(source)
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(
            f"{where}: {problem}", hint="Fix the YAML there, then run the command again."
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {exc}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ConfigError(f"{source}: expected a mapping with a `pantheon:` section")
    section = doc.get("pantheon", {})
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise ConfigError(f"{source}: `pantheon:` must be a mapping of settings")
    # Other top-level blocks (Pantheon's own tracker:, user_name...) belong to other tools.
    known = set(settable_keys())
    values: dict[str, Any] = {}
    for key, value in section.items():
        name = str(key)
        if name.lower() in _SECRET_KEYS:
            raise ConfigError(
                f"{source}: `{name}` holds a secret; config files are committed to git",
                hint="Remove it from the file and set RALLY_API_KEY in the environment instead.",
            )
        if name not in known:
            warn(f"{source}: unknown setting `pantheon.{name}` ignored")
            continue
        values[name] = value
    return values


def _read_env(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in settable_keys():
        names = [_ENV_NAMES[key]] if key in _ENV_NAMES else []
        names.append(f"PANTHEON_{key.upper()}")
        for name in names:
            if env.get(name):
                values[key] = env[name]
                break
    return values


HOUR = 3600.0
DAY = 24 * HOUR
RANGES: dict[str, tuple[float, float, bool]] = {
    # key: (lowest, highest, whether the lowest itself is refused)
    "rally_lock_hours": (0, 24 * 366, True),
    "max_parallel_developers": (1, 1000, False),
    "rally_timeout": (0, HOUR, True),
    "rally_max_concurrency": (1, 64, False),
    "rally_deadline": (0, DAY, True),
    "rally_max_reply_mb": (0, 4096, True),
    "command_deadline": (0, DAY, True),
    "lock_deadline": (0, HOUR, True),
    "ci_deadline": (0, HOUR, True),
    "sync_overlap": (0, DAY, False),
    "sync_lock_wait": (0, HOUR, False),
    "lock_write_bound": (0, 60, True),
    "lock_settle_delay": (0, 120, True),
    "lock_check_ttl": (0, 7 * DAY, False),
    "hook_timeout": (0, 300, True),
    "hook_budget": (0, 600, True),
    "cache_stale_hours": (0, 24 * 366, True),
    "work_hours_per_day": (0, 24, True),
    "sprint_days": (0, 366, True),
    "plan_estimate_hours": (0, 1000, True),
}
"""The sane range of every numeric setting: a value outside it is a mistake (an hour given
in seconds, a stray exponent) that would otherwise surface as a crash or a wait of years."""
_DEFAULT_RANGE = (0.0, 1e9, False)


def check_number(key: str, value: Any, where: str, *, integer: bool = False) -> float | int:
    """``value`` as a finite number within ``RANGES[key]``, or the ``ConfigError`` saying why."""
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"{where}: expected a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ConfigError(f"{where}: expected a finite number, got {value!r}")
    low, high, open_low = RANGES.get(key, _DEFAULT_RANGE)
    if number < 0 and low >= 0:
        raise ConfigError(f"{where}: must not be negative, got {value!r}")
    if number < low or (open_low and number == low) or number > high:
        lowest = f"more than {low:g}" if open_low else f"at least {low:g}"
        raise ConfigError(f"{where}: {value!r} is out of range: {lowest} and at most {high:g}")
    if integer:
        if number != int(number):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        return int(number)
    return number


def _check_pattern(text: str, where: str) -> None:
    try:
        compiled = re.compile(text)
    except (re.error, RecursionError, OverflowError) as exc:
        raise ConfigError(
            f"{where}: {text[:200]!r} is not a valid regular expression: {exc}"
        ) from None
    if "key" not in compiled.groupindex:
        raise ConfigError(
            f"{where}: {text[:200]!r} has no (?P<key>...) group",
            hint="Name the part that holds the story key: ^story/(?P<key>US-?\\d+)(-.*)?$",
        )


def _check_template(text: str, where: str) -> None:
    try:
        text.format(key="US-1", id="US1", slug="a")
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise ConfigError(
            f"{where}: {text[:200]!r} is not a branch template ({type(exc).__name__}: {exc})",
            hint="Use {key}, {id} and {slug}, e.g. story/{key}-{slug}.",
        ) from None


_TEXT_CHECKS = {"branch_pattern": _check_pattern, "branch_template": _check_template}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _coerce(key: str, value: Any, origin: str) -> Any:  # noqa: PLR0911, PLR0912
    """Check and convert one setting; strings from env/flags become the field's type."""
    default = getattr(Config(), key)
    where = f"{key} (from the {origin})"
    if key == "rally_url":
        return check_rally_url(str(value), name=where)
    if key in _TEXT_CHECKS and not isinstance(value, dict | list):
        text = str(value)
        _TEXT_CHECKS[key](text, where)
        return text
    if key == "rally_verify":
        if isinstance(value, bool):
            return value
        if isinstance(value, dict | list):
            raise ConfigError(f"{where}: expected true, false or the path of a CA bundle")
        text = str(value).strip()
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        return text
    if key in _ENUMS:
        kind = _ENUMS[key]
        # YAML 1.1 reads a bare `off` (or `no`) as false: `commit_msg: off` means "off".
        text = "off" if value is False else str(value).strip().lower()
        if text not in {member.value for member in kind}:
            raise ConfigError(f"{where}: {value!r} is not one of {', '.join(kind)}")
        return kind(text)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if isinstance(default, int | float) or key in {"rally_lock_hours"}:
        return check_number(key, value, where, integer=not isinstance(default, float))
    if isinstance(default, tuple):
        if isinstance(value, str):
            return tuple(p.strip() for p in value.split(",") if p.strip())
        if isinstance(value, list):
            return tuple(str(v) for v in value)
        raise ConfigError(f"{where}: expected a list")
    if isinstance(default, Mapping):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a mapping")
        merged = dict(default)
        merged.update({str(k): v for k, v in value.items()})
        return merged
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise ConfigError(f"{where}: expected a single value")
    return str(value)
