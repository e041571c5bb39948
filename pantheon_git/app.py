"""What every use case needs: configuration, the repository root, the cache, who is acting,
the clock, and (lazily) a Rally client. Entry points build one ``App`` and pass it down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantheon_git.cache.store import Cache
from pantheon_git.config import Config, load_config
from pantheon_git.core.deadline import Deadline
from pantheon_git.errors import ConfigError
from pantheon_git.git import command as git

if TYPE_CHECKING:
    from pantheon_git.core.deadline import Deadline
    from pantheon_git.rally.client import RallyClient


_UNASKED = object()


def utc_now() -> datetime:
    return datetime.now(UTC)


def command_deadline(config: Config, setting: str | None) -> Deadline | None:
    """The deadline a command gets from ``setting`` (a key of ``Config`` holding seconds)."""
    if setting is None:
        return None
    return Deadline.after(float(getattr(config, setting)), setting=setting)


@dataclass
class App:
    config: Config
    root: Path
    now: Callable[[], datetime] = utc_now
    warn: Callable[[str], None] = lambda message: None
    note: Callable[[str], None] = lambda message: None
    """Details shown with ``-v`` (such as each Rally retry)."""
    progress: Callable[[str], None] | None = None
    deadline: Deadline | None = None
    """When the command stops waiting (Rally requests, retries, git fetches); ``None``: each
    wait has only its own limit."""
    _rally: Any = field(default=None, repr=False)
    _toplevel: Any = field(default=_UNASKED, repr=False)

    @classmethod
    def load(
        cls,
        *,
        cwd: Path | None = None,
        config_path: Path | None = None,
        flags: dict[str, Any] | None = None,
        warn: Callable[[str], None] | None = None,
        note: Callable[[str], None] | None = None,
        deadline: str | None = "command_deadline",
    ) -> App:
        """``deadline``: the setting that bounds this command's waits (``lock_deadline``...);
        its clock starts here. ``None``: no deadline beyond each request's own."""
        here = (cwd or Path.cwd()).resolve()
        config = load_config(cwd=here, path=config_path, flags=flags, warn=warn)
        top = git.toplevel(here)
        app = cls(
            config=config,
            root=top or config.root or here,
            warn=warn or (lambda m: None),
            note=note or (lambda m: None),
            deadline=command_deadline(config, deadline),
        )
        if top is not None:
            app._toplevel = top
        return app

    @property
    def toplevel(self) -> Path | None:
        """The git work tree at ``root`` (``None`` outside one), asked of git once."""
        if self._toplevel is _UNASKED:
            self._toplevel = git.toplevel(self.root)
        return self._toplevel  # type: ignore[no-any-return]

    def require_toplevel(self) -> Path:
        """``toplevel``, or the error that says ``root`` is not in a git work tree."""
        top = self.toplevel
        if top is None:
            raise git.not_a_repository(self.root)
        return top

    @property
    def cache(self) -> Cache:
        return Cache(self.root)

    def user(self) -> str:
        """The acting user: PANTHEON_USER (or --user), else the email git records as the
        committer (``GIT_COMMITTER_EMAIL``, ``committer.email``, ``user.email``...), mapped
        through ``identities``: who the hooks judge a commit by."""
        who = self.config.user or git.committer_email(self.root)
        if not who:
            raise ConfigError(
                "cannot tell who you are: PANTHEON_USER is not set and git has no user.email",
                hint='Run `git config user.email "you@example.com"` or export PANTHEON_USER.',
            )
        return self.config.identity(who.strip())

    def rally(self) -> RallyClient:
        """The Rally client, created on first use (imports httpx only then)."""
        if self._rally is None:
            # lazy: httpx loads only when a command talks to Rally
            from pantheon_git.rally.client import RallyClient

            self._rally = RallyClient.from_config(
                self.config, warn=self.warn, note=self.note, until=self.deadline
            )
        return self._rally  # type: ignore[no-any-return,unused-ignore]

    def close(self) -> None:
        if self._rally is not None:
            self._rally.close()
            self._rally = None
