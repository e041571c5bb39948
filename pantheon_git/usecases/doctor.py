"""``pantheon doctor``: is this repository ready to work from Rally? Each check says OK, or what
is wrong and the command that fixes it.

Checks, in order (a check that needs an earlier one that failed is skipped, not guessed):
config, API key, Rally connection, workspace and project, custom fields on
HierarchicalRequirement (``--create-fields`` creates the missing ones), git repository and
default branch, identity (and its Rally user), hooks, cache freshness.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantheon_git.adapters import git
from pantheon_git.adapters.cache import Cache
from pantheon_git.config import CONFIG_RELPATH, Config, load_config
from pantheon_git.domain import doctor as rules
from pantheon_git.domain.doctor import FAIL, OK, SKIP, WARN, Check
from pantheon_git.errors import (
    CacheCorrupt,
    ConfigError,
    GitError,
    RallyAuthError,
    RallyError,
    RallyNotFound,
    RallyRetryableError,
    redact,
)

if TYPE_CHECKING:
    from pantheon_git.rally.client import RallyClient
    from pantheon_git.rally.schema import AttributeDef

DOCTOR_TIMEOUT = 10.0
DOCTOR_DEADLINE = 15.0
"""Doctor answers within seconds when Rally is down: 3 tries, short waits."""
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
    from pantheon_git.usecases.context import utc_now

    env = os.environ if environ is None else environ
    clock = now or utc_now
    out = DoctorOutcome()
    state = _State()
    here = cwd.resolve()
    state.root = git.toplevel(here)
    try:
        out.checks.append(_config(here, request, env, state, warn))
        out.checks.append(_api_key(state, env))
        out.checks.append(_rally(state, warn))
        out.checks.append(_scope(state))
        out.checks.append(_fields(state, request.create_fields, out.created))
        out.checks.append(_git(state))
        out.checks.append(_identity(state))
        out.checks.append(_hooks(state))
        out.checks.append(_cache(state, clock()))
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
    from pantheon_git.config import find_config

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


def _rally(state: _State, warn: Callable[[str], None] | None) -> Check:  # noqa: PLR0911
    config = state.config
    if config is None:
        return _skip("rally", "Rally", "the config does not load")
    if not config.api_key:
        return _skip("rally", "Rally", "no API key")
    if not config.rally_enabled:
        return Check("rally", "Rally", WARN, "rally_enabled is false: nothing talks to Rally")
    from pantheon_git.rally.backoff import Backoff
    from pantheon_git.rally.client import RallyClient

    try:
        client = RallyClient.from_config(
            config,
            warn=warn,
            timeout=DOCTOR_TIMEOUT,
            deadline=DOCTOR_DEADLINE,
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
            f"cannot reach {url}: {_first_line(exc.message)}",
            "Check RALLY_URL, your network and proxy (HTTPS_PROXY), then run doctor again",
        )
    except (RallyNotFound, ConfigError):
        pass  # Rally answered: the key works; the scope check says what is missing
    except RallyError as exc:
        return Check("rally", "Rally", FAIL, f"{url}: {_first_line(exc.message)}", exc.hint)
    state.rally_ok = True
    return Check("rally", "Rally", OK, f"{url} answers and accepts the API key")


def _scope(state: _State) -> Check:
    title = "Workspace and project"
    if not state.rally_ok or state.client is None or state.config is None:
        return _skip("scope", title, "needs a working Rally connection")
    try:
        scope = state.client.scope()
    except (RallyNotFound, ConfigError) as exc:
        fix = (
            exc.hint or "Set RALLY_WORKSPACE and RALLY_PROJECT (or rally_workspace, rally_project)"
        )
        return Check("scope", title, FAIL, exc.message, fix)
    except RallyError as exc:
        return Check("scope", title, FAIL, _first_line(exc.message), exc.hint)
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
    title = "Custom fields"
    if not state.scope_ok or state.client is None or state.config is None:
        return _skip("fields", title, "needs the workspace")
    client = state.client
    wanted = rules.wanted_fields(state.config.fields)
    try:
        attributes = client.attributes()
    except RallyError as exc:
        return Check("fields", title, FAIL, _first_line(exc.message), exc.hint)
    problems = _field_problems(attributes, wanted)
    failures: list[str] = []
    if create:
        failures = _create_missing(client, wanted, problems, created)
        if created:
            problems = _field_problems(client.attributes(), wanted)
    required = [w for w in wanted if w.required and w.element in problems]
    optional = [w for w in wanted if not w.required and w.element in problems]
    made = f"created {', '.join(created)}; " if created else ""
    if required:
        listed = _describe_problems([problems[w.element] for w in required])
        missing_only = all(problems[w.element].problem == "missing" for w in required)
        if failures:
            fix = (
                "A workspace administrator's key can create them: "
                f"`pantheon doctor --create-fields` ({'; '.join(failures)})"
            )
        elif missing_only:
            fix = "pantheon doctor --create-fields  (needs a workspace administrator's key)"
        else:
            fix = (
                "Rally cannot change a field's type: create fields with other names and map "
                "them under `fields:` in the config (e.g. locked_by: c_PantheonLockedBy)"
            )
        return Check(
            "fields",
            title,
            FAIL,
            f"{made}on HierarchicalRequirement, {listed}",
            fix,
            {
                "created": list(created),
                "problems": [problems[w.element].describe() for w in required],
            },
        )
    if optional:
        note = "; ".join(problems[w.element].describe() for w in optional)
        return Check(
            "fields",
            title,
            WARN,
            f"{made}the required ones are fine; optional {note} (acceptance criteria are read "
            "from the Description instead)",
            "pantheon doctor --create-fields",
            {"created": list(created)},
        )
    return Check(
        "fields",
        title,
        OK,
        f"{made}all {len(wanted)} exist on HierarchicalRequirement with the right types",
        data={"created": list(created), "fields": [w.element for w in wanted]},
    )


def _describe_problems(problems: list[Any]) -> str:
    missing = [p for p in problems if p.problem == "missing"]
    others = [p for p in problems if p.problem != "missing"]
    parts = []
    if missing:
        listed = ", ".join(f"{p.element_name} ({p.expected[0]})" for p in missing)
        parts.append(f"{len(missing)} missing: {listed}")
    parts.extend(p.describe() for p in others)
    return "; ".join(parts)


def _create_missing(
    client: RallyClient,
    wanted: list[rules.WantedField],
    problems: Mapping[str, Any],
    created: list[str],
) -> list[str]:
    """Create the missing fields; returns what could not be created, and why."""
    failures = []
    for want in wanted:
        problem = problems.get(want.element)
        if problem is None or problem.problem != "missing":
            continue
        if not want.element.startswith("c_"):
            failures.append(f"{want.element} is not a custom field name (c_...)")
            continue
        try:
            client.create_attribute(want.element, want.create_as)
        except RallyError as exc:
            failures.append(f"{want.element}: {_first_line(exc.message)}")
            continue
        created.append(want.element)
    return failures


def _field_problems(
    attributes: list[AttributeDef], wanted: list[rules.WantedField]
) -> dict[str, Any]:
    from pantheon_git.rally.schema import check_fields

    found = check_fields(attributes, {w.element: w.types for w in wanted})
    return {p.element_name: p for p in found}


# --- git, identity, hooks, cache ---------------------------------------------------------------


def _git(state: _State) -> Check:
    if state.root is None or git.toplevel(state.root) is None:
        return Check(
            "git", "Git", FAIL, "not inside a git repository", "git init (or cd into your clone)"
        )
    configured = state.config.default_branch if state.config else None
    try:
        branch = git.default_branch(state.root, configured)
    except GitError as exc:
        return Check("git", "Git", FAIL, exc.message, exc.hint)
    remote = git.run_git(["remote"], cwd=state.root, check=False).split()
    exists = git.ref_exists(f"refs/heads/{branch}", cwd=state.root) or git.ref_exists(
        f"refs/remotes/origin/{branch}", cwd=state.root
    )
    if not exists:
        return Check(
            "git",
            "Git",
            FAIL,
            f"{state.root}: the default branch {branch!r} does not exist",
            "Set default_branch in the config, or `git remote set-head origin --auto`",
        )
    if "origin" not in remote:
        return Check(
            "git",
            "Git",
            WARN,
            f"{state.root}, default branch {branch}; no remote `origin`, so colleagues' story "
            "branches are not seen",
            "git remote add origin <url>",
        )
    return Check("git", "Git", OK, f"{state.root}, default branch {branch}")


def _identity(state: _State) -> Check:
    title = "Identity"
    if state.config is None:
        return _skip("identity", title, "the config does not load")
    who = state.config.user or (
        git.config_get("user.email", cwd=state.root) if state.root else None
    )
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
    from pantheon_git.rally.query import eq

    try:
        users = state.client.query(
            "User",
            eq("EmailAddress", me) | eq("UserName", me),
            fetch=("UserName", "EmailAddress", "DisplayName", "Disabled"),
            whole_workspace=True,
            limit=5,
        )
    except RallyError as exc:
        return Check("identity", title, FAIL, f"{shown}: {_first_line(exc.message)}", exc.hint)
    active = [u for u in users if not u.get("Disabled")]
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
    name = user.get("DisplayName") or user.get("UserName")
    return Check("identity", title, OK, f"{shown} is Rally user {name}")


def _hooks(state: _State) -> Check:
    title = "Hooks"
    if state.root is None or git.toplevel(state.root) is None:
        return _skip("hooks", title, "not in a git repository")
    root = state.root
    hooks_dir = Path(git.run_git(["rev-parse", "--git-path", "hooks"], cwd=root).strip())
    if not hooks_dir.is_absolute():
        hooks_dir = root / hooks_dir
    config_path = root / ".pre-commit-config.yaml"
    precommit = config_path.read_text(errors="replace") if config_path.is_file() else None
    kinds: dict[str, str] = {}
    for stage in rules.HOOK_STAGES:
        kind = rules.hook_kind(rules.HookFile(stage, _hook_text(hooks_dir / stage)), precommit)
        if kind:
            kinds[stage] = kind
    missing = [s for s in rules.HOOK_STAGES if s not in kinds]
    fix = "pantheon hooks install"
    data = {"installed": kinds, "hooks_dir": str(hooks_dir)}
    if not kinds:
        return Check("hooks", title, FAIL, "no pantheon hook is installed", fix, data)
    how = ", ".join(sorted(set(kinds.values())))
    detail = f"{', '.join(kinds)} installed ({how})"
    if any(s in missing for s in rules.ESSENTIAL_STAGES):
        return Check("hooks", title, FAIL, f"{detail}; missing {', '.join(missing)}", fix, data)
    if missing:
        return Check("hooks", title, WARN, f"{detail}; missing {', '.join(missing)}", fix, data)
    return Check("hooks", title, OK, detail, data=data)


def _hook_text(path: Path) -> str | None:
    try:
        if not path.is_file() or not os.access(path, os.X_OK):
            return None
        with path.open("rb") as handle:
            return handle.read(65536).decode("utf-8", "replace")
    except OSError:
        return None


def _cache(state: _State, now: Any) -> Check:
    title = "Cache"
    if state.root is None:
        return _skip("cache", title, "no project folder")
    cache = Cache(state.root)
    try:
        last = cache.last_sync()
    except CacheCorrupt as exc:
        return Check("cache", title, FAIL, exc.message, "pantheon sync --force")
    if last is None:
        return Check("cache", title, FAIL, "never synced from Rally", "pantheon sync")
    limit = state.config.cache_stale_hours if state.config else 24.0
    age = rules.cache_age_hours(last, now)
    detail = f"last sync {rules.describe_age(age)}"
    data = {"age_hours": round(age, 3), "stale_after_hours": limit}
    if age > limit:
        return Check(
            "cache", title, FAIL, f"{detail}, older than {limit:g} h", "pantheon sync", data
        )
    return Check("cache", title, OK, detail, data=data)


# --- helpers -----------------------------------------------------------------------------------


def _skip(name: str, title: str, why: str) -> Check:
    return Check(name, title, SKIP, f"not checked: {why}")


def _first_line(text: str) -> str:
    return redact(text.strip().splitlines()[0] if text.strip() else text)


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)
