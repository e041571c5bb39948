"""``pantheon init``: write ``_bmad/pantheon/config.yaml``, keep ``.bmad/`` out of git, and say
what to do next.

Non-interactive: every value comes from flags or the defaults. An existing config is never
replaced without ``force`` (and then the old one is kept beside it as ``config.yaml.bak``).
The file is read back with ``load_config`` before ``init`` reports success, so what it writes
always loads.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pantheon_git.cache.store import ensure_gitignored
from pantheon_git.config import CONFIG_RELPATH, Config, load_config, settable_keys
from pantheon_git.core.rallyurl import API_PREFIX, check_rally_url
from pantheon_git.errors import CheckFailed, ConfigError, PantheonError, UsageError
from pantheon_git.features.hooks.run_install import install
from pantheon_git.features.init import agents
from pantheon_git.features.init.template import render_config
from pantheon_git.fsio import atomic_write_text
from pantheon_git.git import command as git

HOOKS_COMMAND = "pantheon hooks install"


@dataclass(frozen=True)
class InitRequest:
    workspace: str | None = None
    project: str | None = None
    rally_url: str | None = None
    force: bool = False
    hooks: bool = False
    """Also run ``pantheon hooks install`` (its default framework)."""
    agents: bool = False
    """Also write ``.mcp.json`` for AI agents' MCP clients (and install the hooks)."""


@dataclass(frozen=True)
class InitOutcome:
    root: Path
    config_path: Path
    action: str
    """``written``, ``overwritten`` or ``kept``."""
    backup: Path | None = None
    gitignore_added: bool = False
    prefilled: dict[str, str] = field(default_factory=dict)
    hooks: str = "offered"
    """``offered`` (the command is printed), ``installed`` or ``failed``."""
    hooks_detail: str = ""
    agents: str | None = None
    """``.mcp.json``: ``written``, ``added``, ``updated``, ``kept``; None: not asked."""
    shared: tuple[str, ...] = ()
    """Files init changed that the team shares through git (none outside a repository)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "config": str(self.config_path),
            "action": self.action,
            "backup": str(self.backup) if self.backup else None,
            "gitignore_added": self.gitignore_added,
            "prefilled": dict(self.prefilled),
            "hooks": self.hooks,
            "hooks_command": HOOKS_COMMAND,
            "mcp_config": self.agents,
            "next": next_steps(self),
        }


def project_root(cwd: Path) -> Path:
    """The work tree root, or ``cwd`` outside a git repository."""
    return git.toplevel(cwd) or cwd


def run_init(cwd: Path, request: InitRequest) -> InitOutcome:
    root = project_root(cwd.resolve())
    mcp = None
    if request.agents:  # .mcp.json is checked before anything is written
        mcp = agents.with_server(_read_text(root / agents.FILE))
        request = replace(request, hooks=True)  # an agent's commits are checked as well
    prefilled = _prefill(request)
    path = root / CONFIG_RELPATH
    exists = path.exists()
    backup = None
    if exists and not request.force:
        gitignore_added = ensure_gitignored(root)
        if prefilled:
            raise CheckFailed(
                f"{shown(path, root)} already exists; not overwritten, so "
                f"{_names(sorted(prefilled))} not applied",
                hint="Edit the file, or run `pantheon init --force ...` to write a new one "
                "(the old one is kept as config.yaml.bak).",
            )
        kept = InitOutcome(root, path, "kept", None, gitignore_added, {})
        return _with_shared(_with_agents(_with_hooks(kept, request), mcp))
    text = config_text(prefilled)
    if exists:
        backup = path.with_name(path.name + ".bak")
        shutil.copy2(path, backup)
    atomic_write_text(path, text)
    _verify(path, prefilled)
    gitignore_added = ensure_gitignored(root)
    action = "overwritten" if exists else "written"
    outcome = InitOutcome(root, path, action, backup, gitignore_added, prefilled)
    return _with_shared(_with_agents(_with_hooks(outcome, request), mcp))


def _with_shared(outcome: InitOutcome) -> InitOutcome:
    """Name the files init changed that the team shares through git (none outside one)."""
    if git.toplevel(outcome.root) is None:
        return outcome
    shared = []
    if outcome.action != "kept" or outcome.gitignore_added:
        shared.append(".gitignore")
    if outcome.action != "kept":
        shared.append(shown(outcome.config_path, outcome.root))
    if outcome.agents not in (None, "kept"):
        shared.append(agents.FILE)
    return replace(outcome, shared=tuple(shared))


def _with_hooks(outcome: InitOutcome, request: InitRequest) -> InitOutcome:
    """Install the hooks when asked (through pre-commit when the repository's config already
    runs them that way, else plain git hooks); a failure is reported, the config stays."""
    if not request.hooks:
        return outcome

    if git.toplevel(outcome.root) is None:
        return replace(outcome, hooks="failed", hooks_detail="not a git repository")
    try:
        report = install(outcome.root)
    except PantheonError as exc:
        detail = exc.message + (f" ({exc.hint})" if exc.hint else "")
        return replace(outcome, hooks="failed", hooks_detail=detail)
    how = "plain git hooks" if report.framework == "git" else "pre-commit's hooks"
    return replace(outcome, hooks="installed", hooks_detail=f"{how} in {report.hooks_dir}")


def _with_agents(outcome: InitOutcome, mcp: tuple[str, str] | None) -> InitOutcome:
    """Write ``.mcp.json`` when asked (``mcp``: its new text and what changes)."""
    if mcp is None:
        return outcome
    text, action = mcp
    if action != "kept":
        atomic_write_text(outcome.root / agents.FILE, text)
    return replace(outcome, agents=action)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None


def config_text(prefilled: dict[str, str]) -> str:
    """The commented config: defaults, with ``prefilled`` settings applied."""
    defaults = Config()
    values = {f.name: getattr(defaults, f.name) for f in fields(Config)}
    values.update(prefilled)
    return render_config(values, settable_keys())


def _prefill(request: InitRequest) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value, flag in (
        ("rally_workspace", request.workspace, "--workspace"),
        ("rally_project", request.project, "--project"),
        ("rally_url", request.rally_url, "--rally-url"),
    ):
        if value is None:
            continue
        text = value.strip()
        if not text or any(ord(c) < 32 for c in text):
            raise UsageError(f"{flag}: expected a name on one line, got {value!r}")
        values[key] = text
    if "rally_url" in values:
        values["rally_url"] = _check_url(values["rally_url"])
    return values


def _check_url(url: str) -> str:
    if urlsplit(url).path.rstrip("/").endswith(API_PREFIX):
        parts = urlsplit(url)
        raise UsageError(
            f"--rally-url: give Rally's address without the API path: "
            f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}",
        )
    try:
        return check_rally_url(url, name="--rally-url:")
    except ConfigError as exc:
        raise UsageError(
            exc.message,
            hint=exc.hint or "For example --rally-url https://rally1.rallydev.com",
        ) from None


def _verify(path: Path, prefilled: dict[str, str]) -> None:
    """Read the file back: a config ``init`` wrote that does not load is a bug."""
    try:
        loaded = load_config(path=path, environ={}, warn=_unexpected_warning)
    except ConfigError as exc:
        raise PantheonError(
            f"internal error: the config just written does not load: {exc.message}",
            hint="This is a bug: report it with the file.",
        ) from None
    settings: dict[str, Any] = {**prefilled, "source": loaded.source, "root": loaded.root}
    wanted = replace(Config(), **settings)
    if loaded != wanted:
        raise PantheonError(
            f"internal error: {path} does not load as the values written",
            hint="This is a bug: report it with the file.",
        )


def _unexpected_warning(message: str) -> None:
    raise ConfigError(message)


def shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def next_steps(outcome: InitOutcome) -> list[str]:
    steps = []
    if "rally_workspace" not in outcome.prefilled and outcome.action != "kept":
        steps.append(
            "Set rally_workspace and rally_project in the file (or RALLY_WORKSPACE and "
            "RALLY_PROJECT in the environment)"
        )
    if outcome.shared:
        steps.append(
            f"git switch -c pantheon-setup && git add {' '.join(outcome.shared)} && "
            'git commit -m "Set up pantheon"  (then push and open a pull request: the team '
            "shares these files, and the hooks refuse commits on main)"
        )
    steps.append("export RALLY_API_KEY=<your key>  (Rally: Profile > API Keys; never in the file)")
    if outcome.hooks != "installed":
        steps.append(f"{HOOKS_COMMAND}  (lock check on commit, overlaps on push)")
    steps.append("pantheon doctor  (checks everything; --create-fields adds Rally's custom fields)")
    if outcome.agents is None:
        steps.append("pantheon sync")
        return steps
    if importlib.util.find_spec("mcp") is None:
        steps.append("pip install 'pantheon-git[mcp]'  (the MCP server's SDK)")
    steps.append(
        "Start your agent here: Claude Code reads .mcp.json (approve the `pantheon` server); "
        "other clients: docs/mcp.md. Its first call: sync"
    )
    return steps


def _names(names: list[str]) -> str:
    """``a was`` / ``a and b were`` / ``a, b and c were``."""
    if len(names) == 1:
        return f"{names[0]} was"
    return f"{', '.join(names[:-1])} and {names[-1]} were"
