"""Console entry point: ``pantheon``.

``pantheon hook STAGE`` runs on every commit, so it is dispatched here without importing click
(or httpx, networkx, pygit2): start-up time is the hook's cost. Everything else goes to the
click application in :mod:`pantheon_git.cli`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["hook"]:
        # lazy: hooks never import click
        from pantheon_git import hook_entry

        return hook_entry.main(args[1:])
    # lazy: see above
    from pantheon_git import cli

    return cli.main(args)
