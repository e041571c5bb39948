"""Who works each lane: ``--developers 12`` or ``--developers john,jane``, ``--lane 0=EMAIL``
(or the seed's ``lane_0=EMAIL``).

Rules, in order:

1. Named developers take lanes in the order given (the first one gets lane 0).
2. The configured ``critical_path_assignment`` person gets lane 0 (the critical path): when
   names are given, only if that person is one of them (moved to lane 0); with a plain
   count, lane 0 is theirs unless a ``--lane 0=`` pin says otherwise.
3. ``--lane i=EMAIL`` pins win over both: a named developer moves to lane i (swapping
   places); with a plain count, lane i gets that person. Pinning someone who is not among
   the named developers is an error, as is pinning one person to two lanes or a lane twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from pantheon_git.errors import UsageError

_PIN_RE = re.compile(r"^\s*(?:lane[_-]?)?(\d+)\s*=\s*(\S+)\s*$", re.IGNORECASE)


MAX_DEVELOPERS = 1000
"""The most lanes a plan makes (the config's ``max_parallel_developers`` has the same bound)."""


def parse_developers(text: str) -> tuple[int, tuple[str, ...]]:
    """``"12"`` -> (12, ()); ``"john,jane"`` -> (2, ("john", "jane"))."""
    value = text.strip()
    if value.isdigit():
        count = int(value) if len(value) <= len(str(MAX_DEVELOPERS)) else MAX_DEVELOPERS + 1
        if count < 1:
            raise UsageError("--developers must be at least 1")
        if count > MAX_DEVELOPERS:
            raise UsageError(
                f"--developers must be at most {MAX_DEVELOPERS}, not {value[:20]}",
                hint="A plan has one lane per developer; plan a team at a time.",
            )
        return count, ()
    names = tuple(part.strip() for part in value.split(",") if part.strip())
    if len(names) > MAX_DEVELOPERS:
        raise UsageError(f"--developers names more than {MAX_DEVELOPERS} people")
    for name in names:
        if name[:1].isdigit() and "@" not in name:
            raise UsageError(
                f"--developers: {name!r} is neither a number of developers nor a name",
                hint="Use --developers 12 or --developers john,jane,bob.",
            )
    if not names:
        raise UsageError(
            f"--developers: expected a number or comma-separated names, got {text!r}",
            hint="Use --developers 12 or --developers john,jane,bob.",
        )
    lowered = [n.lower() for n in names]
    for name in names:
        if lowered.count(name.lower()) > 1:
            raise UsageError(f"--developers names {name} twice")
    return len(names), names


def lane_arguments(arguments: Sequence[str]) -> list[str]:
    """The seed's ``lane_0=john@x lane_3=sec@x`` words (``/rally-plan-workstreams ...
    lane_0=...``): each must name its lane that way; they then count as ``--lane`` pins."""
    for word in arguments:
        if not re.match(r"^\s*lane[_-]?\d+\s*=", word, re.IGNORECASE):
            raise UsageError(
                f"unexpected argument {word!r}: pins look like lane_0=EMAIL",
                hint="For example: pantheon plan --epic 17 -d 12 lane_0=john.doe@example.com",
            )
    return list(arguments)


def parse_pins(pins: Sequence[str], lanes: int) -> dict[int, str]:
    """``["0=john@x", "3=sec@x"]`` -> {0: "john@x", 3: "sec@x"}, checked against ``lanes``."""
    out: dict[int, str] = {}
    owners: dict[str, int] = {}
    for pin in pins:
        match = _PIN_RE.match(pin)
        if not match:
            raise UsageError(
                f"--lane: expected LANE=EMAIL, got {pin!r}", hint="For example: --lane 0=jane@x.com"
            )
        lane, who = int(match.group(1)), match.group(2)
        if lane >= lanes:
            raise UsageError(
                f"--lane {lane}={who}: there are only {lanes} lanes (0-{lanes - 1})",
                hint="Raise --developers or pin a lower lane.",
            )
        if lane in out:
            raise UsageError(f"--lane {lane} is given twice ({out[lane]} and {who})")
        if who.lower() in owners:
            raise UsageError(f"{who} is pinned to lanes {owners[who.lower()]} and {lane}")
        out[lane] = who
        owners[who.lower()] = lane
    return out


def lane_developers(
    lanes: int,
    names: Sequence[str] = (),
    pins: Mapping[int, str] | None = None,
    critical_person: str | None = None,
) -> list[str | None]:
    """The developer of each lane (None: not named yet), by the rules above."""
    people: list[str | None] = list(names) if names else [None] * lanes
    pins = dict(pins or {})
    if critical_person and 0 not in pins:
        if not names:
            people[0] = critical_person
        elif _find(people, critical_person) is not None:
            pins[0] = critical_person
    for lane, who in sorted(pins.items()):
        at = _find(people, who)
        if at is not None:
            people[at], people[lane] = people[lane], people[at]
        elif names:
            raise UsageError(
                f"--lane {lane}={who}: {who} is not one of --developers {','.join(names)}",
                hint="Pin one of the named developers, or add the person to --developers.",
            )
        else:
            people[lane] = who
    return people


def _find(people: Sequence[str | None], who: str) -> int | None:
    for i, person in enumerate(people):
        if person is not None and person.lower() == who.lower():
            return i
    return None
