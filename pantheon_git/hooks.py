"""``pantheon hook STAGE``: the one entry for git hooks (plain or through pre-commit).

Imported on every commit: keep the imports here and in what it loads to the bare minimum.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from pantheon_git import errors

STAGES: dict[str, Callable[[list[str]], int]] = {}


def main(argv: Sequence[str]) -> int:
    args = list(argv)
    if not args or args[0] in ("-h", "--help"):
        print("usage: pantheon hook STAGE [ARGS...]   stages: " + ", ".join(sorted(STAGES)))
        return errors.OK if args else errors.USAGE
    stage, rest = args[0], args[1:]
    handler = STAGES.get(stage)
    if handler is None:
        print(f"error: unknown hook stage {stage!r}", file=sys.stderr)
        return errors.USAGE
    return errors.boundary(lambda: handler(rest), verbose=lambda: 0, json_mode=lambda: False)
