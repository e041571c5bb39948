"""``pantheon doctor``: is this repository ready to work from Rally? Each check says OK, or what
is wrong and the command that fixes it.

Checks, in order (a check that needs an earlier one that failed is skipped, not guessed):
config, API key, Rally connection, workspace and project, custom fields on
HierarchicalRequirement (``--create-fields`` creates the missing ones), the lock fields (their
types, and what Rally keeps of lock times), git repository and default branch, identity (and
its Rally user), hooks, cache freshness.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantheon_git.app import utc_now
from pantheon_git.config import CONFIG_RELPATH, Config, find_config, load_config
from pantheon_git.core.deadline import Deadline
from pantheon_git.errors import (
    ConfigError,
    RallyAuthError,
    RallyError,
    RallyNotFound,
    RallyRetryableError,
)
from pantheon_git.features.doctor import report as rules
from pantheon_git.features.doctor import run_local as doctor_local
from pantheon_git.features.doctor.report import FAIL, OK, WARN, Check, skipped
from pantheon_git.features.doctor.run_fields import fields_check, first_line
from pantheon_git.features.doctor.run_locks import locks_check
from pantheon_git.git import command as git
from pantheon_git.rally.backoff import Backoff
from pantheon_git.rally.client import RallyClient
from pantheon_git.rally.users import users_by_email

if TYPE_CHECKING:
    from pantheon_git.rally.client import RallyClient

DOCTOR_TIMEOUT = 5.0
DOCTOR_DEADLINE = 10.0
"""Doctor answers within seconds when Rally is down or silent: its Rally checks together wait
at most this long (with ``--create-fields``, which writes, ``command_deadline``)."""
KEY_FIX = "export RALLY_API_KEY=<your key>  (Rally: Profile > API Keys)"


@dataclass(frozen=True)
class DoctorRequest:
    create_fields: bool = False
    config_path: Path | None = None


@dataclass
class DoctorOutcome:
    checks: list[Check] = field(default_factory=list)
    created: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return rules.all_passed(self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": [c.to_dict() for c in self.checks],
            "created_fields": list(self.created),
        }


@dataclass
class _State:
    """What earlier checks learnt, for the later ones."""

    config: Config | None = None
    root: Path | None = None
    client: RallyClient | None = None
    config_file: Path | None = None
    rally_ok: bool = False
    scope_ok: bool = False


def run_doctor(
    cwd: Path,
    request: DoctorRequest,
    *,
    environ: Mapping[str, str] | None = None,
    now: Callable[[], Any] | None = None,
    warn: Callable[[str], None] | None = None,
) -> DoctorOutcome:

    env = os.environ if environ is None else environ
    clock = now or utc_now
    out = DoctorOutcome()
    state = _State()
    here = cwd.resolve()
    state.root = git.toplevel(here)
    try:
        out.checks.append(_config(here, request, env, state, warn))
        out.checks.append(_api_key(state, env))
        out.checks.append(_rally(state, warn, request.create_fields))
        out.checks.append(_scope(state))
        out.checks.append(_fields(state, request.create_fields, out.created))
        out.checks.append(_locks(state))
        out.checks.append(doctor_local.git_check(state.root, _default_branch(state)))
        out.checks.append(_identity(state))
        out.checks.append(doctor_local.hooks_check(state.root))
        stale = state.config.cache_stale_hours if state.config else Config().cache_stale_hours
        out.checks.append(doctor_local.cache_check(state.root, stale, clock()))
    finally:
        if state.client is not None:
            state.client.close()
    return out


# --- config and key ----------------------------------------------------------------------------


def _config(
    here: Path,
    request: DoctorRequest,
    env: Mapping[str, str],
    state: _State,
    warn: Callable[[str], None] | None,
) -> Check:

    warnings: list[str] = []
    state.config_file = (
        request.config_path
        or (Path(env["PANTHEON_CONFIG"]) if env.get("PANTHEON_CONFIG") else None)
        or find_config(state.root or here)
    )
    try:
        config = load_config(
            cwd=state.root or here, path=request.config_path, environ=env, warn=warnings.append
        )
    except ConfigError as exc:
        return Check("config", "Config", FAIL, exc.message, exc.hint or "Fix the file.")
    state.config = config
    if state.root is None:
        state.root = config.root
    for message in warnings:
        if warn:
            warn(message)
    if config.source is None:
        return Check(
            "config",
            "Config",
            WARN,
            f"no {CONFIG_RELPATH}; using the environment and defaults",
            "pantheon init",
        )
    shown = _shown(config.source, state.root)
    if warnings:
        return Check(
            "config",
            "Config",
            WARN,
            f"{shown} loads, with {len(warnings)} unknown setting(s) ignored: "
            + "; ".join(w.split(": ", 1)[-1] for w in warnings),
            f"Remove or correct them in {shown}",
        )
    return Check("config", "Config", OK, f"{shown} loads")


def _api_key(state: _State, env: Mapping[str, str]) -> Check:
    key = env.get("RALLY_API_KEY") or ""
    source = state.config_file if state.config_file and state.config_file.is_file() else None
    hits: list[rules.SecretHit] = []
    if source is not None:
        try:
            text = source.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        hits = rules.find_secrets(text, key or None)
    if hits:
        where = ", ".join(f"line {h.line} {h.reason}" for h in hits[:5])
        shown = _shown(source, state.root) if source else "the config"
        return Check(
            "api_key",
            "API key",
            FAIL,
            f"{shown} holds a secret ({where}); config files are committed to git",
            f"Remove it from {shown}, revoke that key in Rally, and export RALLY_API_KEY "
            "with a new one",
            {"lines": [h.line for h in hits]},
        )
    if not key:
        return Check("api_key", "API key", FAIL, "RALLY_API_KEY is not set", KEY_FIX)
    return Check("api_key", "API key", OK, "RALLY_API_KEY is set (and not in the config file)")


# --- Rally -------------------------------------------------------------------------------------


def _rally(  # noqa: PLR0911
    state: _State, warn: Callable[[str], None] | None, create_fields: bool
) -> Check:
    config = state.config
    if config is None:
        return skipped("rally", "Rally", "the config does not load")
    if not config.api_key:
        return skipped("rally", "Rally", "no API key")
    if not config.rally_enabled:
        return Check("rally", "Rally", WARN, "rally_enabled is false: the hooks check no locks")

    try:
        client = RallyClient.from_config(
            config,
            warn=warn,
            timeout=DOCTOR_TIMEOUT,
            deadline=DOCTOR_DEADLINE,
            until=_deadline(config, create_fields),
            backoff=Backoff(base=0.25, cap=2.0, max_attempts=3),
        )
    except ConfigError as exc:
        return Check("rally", "Rally", FAIL, exc.message, exc.hint)
    state.client = client
    url = config.rally_url
    try:
        client.scope()
    except RallyAuthError:
        return Check(
            "rally",
            "Rally",
            FAIL,
            f"{url} rejected the API key",
            "Check RALLY_API_KEY (a current key of yours) and RALLY_URL (your Rally)",
        )
    except RallyRetryableError as exc:
        return Check(
            "rally",
            "Rally",
            FAIL,
            f"cannot reach {url}: {first_line(exc.message)}",
            "Check RALLY_URL, your network and proxy (HTTPS_PROXY), then run doctor again",
        )
    except (RallyNotFound, ConfigError):
        pass  # Rally answered: the key works; the scope check says what is missing
    except RallyError as exc:
        return Check("rally", "Rally", FAIL, f"{url}: {first_line(exc.message)}", exc.hint)
    state.rally_ok = True
    return Check("rally", "Rally", OK, f"{url} answers and accepts the API key")


def _deadline(config: Config, create_fields: bool) -> Deadline:
    if create_fields:
        return Deadline.after(config.command_deadline, setting="command_deadline")
    return Deadline.after(min(DOCTOR_DEADLINE, config.command_deadline), owner="pantheon doctor")


def _scope(state: _State) -> Check:
    title = "Workspace and project"
    if not state.rally_ok or state.client is None or state.config is None:
        return skipped("scope", title, "needs a working Rally connection")
    try:
        scope = state.client.scope()
    except (RallyNotFound, ConfigError) as exc:
        fix = (
            exc.hint or "Set RALLY_WORKSPACE and RALLY_PROJECT (or rally_workspace, rally_project)"
        )
        return Check("scope", title, FAIL, exc.message, fix)
    except RallyError as exc:
        return Check("scope", title, FAIL, first_line(exc.message), exc.hint)
    state.scope_ok = True
    detail = f"workspace {scope.workspace_name!r} ({scope.workspace_oid})"
    data: dict[str, Any] = {"workspace": scope.workspace_name, "workspace_oid": scope.workspace_oid}
    if scope.project_name is None:
        return Check(
            "scope",
            title,
            WARN,
            detail + "; no project set, so the whole workspace is used",
            "Set RALLY_PROJECT (or rally_project) to your team's project",
            data,
        )
    data.update(project=scope.project_name, project_oid=scope.project_oid)
    detail += f", project {scope.project_name!r} ({scope.project_oid})"
    return Check("scope", title, OK, detail, data=data)


def _fields(state: _State, create: bool, created: list[str]) -> Check:
    if not state.scope_ok or state.client is None or state.config is None:
        return skipped("fields", "Custom fields", "needs the workspace")
    return fields_check(state.client, state.config.fields, create=create, created=created)


def _locks(state: _State) -> Check:
    if not state.scope_ok or state.client is None or state.config is None:
        return skipped("locks", "Lock fields", "needs the workspace")
    return locks_check(state.client, state.config.fields)


# --- git, identity, hooks, cache ---------------------------------------------------------------


def _identity(state: _State) -> Check:
    title = "Identity"
    if state.config is None:
        return skipped("identity", title, "the config does not load")
    who = state.config.user or (git.committer_email(state.root) if state.root else None)
    if not who:
        return Check(
            "identity",
            title,
            FAIL,
            "PANTHEON_USER is not set and git has no user.email",
            'git config user.email "you@example.com"',
        )
    me = state.config.identity(who.strip())
    shown = me if me == who.strip() else f"{who.strip()} (mapped to {me})"
    if not state.scope_ok or state.client is None:
        return Check(
            "identity", title, WARN, f"{shown}; not checked against Rally's users (no connection)"
        )

    try:
        users = users_by_email(state.client, me)
    except RallyError as exc:
        return Check("identity", title, FAIL, f"{shown}: {first_line(exc.message)}", exc.hint)
    active = [u for u in users if not u.disabled]
    if not active:
        state_word = "a disabled" if users else "no"
        return Check(
            "identity",
            title,
            FAIL,
            f"{shown}: Rally has {state_word} user with this email, so locks would name "
            "someone Rally does not know",
            f"Map it in the config: `identities: {{{who.strip()}: <your Rally email>}}`, or "
            "export PANTHEON_USER=<your Rally email>",
        )
    user = active[0]
    name = user.shown
    return Check("identity", title, OK, f"{shown} is Rally user {name}")


# --- helpers -----------------------------------------------------------------------------------


def _default_branch(state: _State) -> str | None:
    return state.config.default_branch if state.config else None


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)
