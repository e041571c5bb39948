"""The environment a git child process gets: git's hook variables removed.

Git exports ``GIT_DIR``, ``GIT_INDEX_FILE`` and more to hooks; a git child process must not
inherit them, or it would act on the outer repository / index (pre-commit's ``no_git_env``
does the same). Kept apart from :mod:`pantheon_git.git.command` because the hook path uses
it without loading ``subprocess`` or ``pathlib``.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

KEEP_GIT_VARS = frozenset(
    {
        "GIT_EXEC_PATH",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_SSL_CAINFO",
        "GIT_SSL_NO_VERIFY",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_CONFIG_SYSTEM",
        "GIT_TERMINAL_PROMPT",
        "GIT_ASKPASS",
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_COMMITTER_DATE",
    }
)


COMMAND_CONFIG = (
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_KEY_",
    "GIT_CONFIG_VALUE_",
)
"""How git hands a command's ``git -c name=value`` settings to its hooks and children."""


def git_env(
    extra: Mapping[str, str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    command_config: bool = False,
) -> dict[str, str]:
    """The environment without git's hook variables. ``command_config`` keeps the ``git -c``
    settings of the command that runs the hook (to read the identity it will record)."""
    source = os.environ if environ is None else environ
    env = {
        k: v
        for k, v in source.items()
        if not k.startswith("GIT_")
        or k in KEEP_GIT_VARS
        or (command_config and k.startswith(COMMAND_CONFIG))
    }
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["LC_ALL"] = "C"
    if extra:
        env.update(extra)
    return env
