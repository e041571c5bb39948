"""How one emulated workspace behaves where real Rally workspaces differ, or where nobody here
knows what Rally does (research/rally-wsapi.md §10): each variant is a setting, so the product
can be tested across the plausible range.

- ``date_precision``: what a custom DATE field keeps of the time written to it: ``ms`` (all of
  it), ``second``, or ``day`` (the UTC day; the default). Nobody knows what Rally keeps (§10.8:
  the UI edits custom dates as dates, KB 47866 shows Rally moving other dates to the start or
  end of a day), so the default is the least a client can rely on.
- ``task_rollup``: tasks' states roll up to their story's ScheduleState (§10.2; Rally's
  default, "Task State Updates Parent Schedule State").
- ``state_before`` / ``state_after``: the optional ScheduleState values a workspace may add
  before Defined and after Accepted (§10.7, "Modifying schedule states").
- ``max_length``: MaxLength of chosen fields (``{"c_LockToken": 64}``); a longer value is
  refused.
- ``conflict_text``: how an overlapping write is refused: ``concurrency`` (the "Concurrency
  conflict: ..." text) or ``unit-of-work`` ("Could not update: Could not write changes in Unit
  Of Work"): KB 77114 gives both for the same cause.
- ``task_touch``: what a task's create, edit or delete does to its story: ``version`` (its
  VersionId and LastUpdateDate move, the default) or ``date`` (only its LastUpdateDate moves).
  The story's task rollups change, so its LastUpdateDate moving is the plausible reading; no
  source says whether its VersionId moves with them.
- ``link_touch``: what linking two stories (Predecessors or Successors, by update or by the
  collection's ``add``/``remove``) moves: the LastUpdateDate and VersionId of ``both`` stories
  (the default) or only of the ``owner``, the story whose collection was written. Both sides'
  summaries change, but no source says whether Rally stamps the other story.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

PRECISIONS = ("ms", "second", "day")
CONFLICT_TEXTS = ("concurrency", "unit-of-work")
TASK_TOUCHES = ("version", "date")
LINK_TOUCHES = ("both", "owner")
FIXED_STATES = ("Defined", "In-Progress", "Completed", "Accepted")
_STATE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]{0,39}$")


class BadSetting(ValueError):
    """A workspace setting that cannot be applied; the message names it."""


@dataclass(frozen=True)
class WorkspaceSettings:
    date_precision: str = "day"
    task_rollup: bool = True
    state_before: str | None = None
    state_after: str | None = None
    max_length: Mapping[str, int] = field(default_factory=dict)
    conflict_text: str = "concurrency"
    task_touch: str = "version"
    link_touch: str = "both"

    def __post_init__(self) -> None:
        if self.date_precision not in PRECISIONS:
            raise BadSetting(f"date_precision must be one of {', '.join(PRECISIONS)}")
        if self.conflict_text not in CONFLICT_TEXTS:
            raise BadSetting(f"conflict_text must be one of {', '.join(CONFLICT_TEXTS)}")
        if self.task_touch not in TASK_TOUCHES:
            raise BadSetting(f"task_touch must be one of {', '.join(TASK_TOUCHES)}")
        if self.link_touch not in LINK_TOUCHES:
            raise BadSetting(f"link_touch must be one of {', '.join(LINK_TOUCHES)}")
        for name in ("state_before", "state_after"):
            value = getattr(self, name)
            if value is not None and (not _STATE_NAME.match(value) or value in FIXED_STATES):
                raise BadSetting(f"{name} must be a new state name (letters first), not {value!r}")
        if self.state_before and self.state_before == self.state_after:
            raise BadSetting("state_before and state_after must differ")
        for name, length in self.max_length.items():
            if not isinstance(length, int) or isinstance(length, bool) or length < 1:
                raise BadSetting(f"max_length of {name} must be a whole number >= 1")

    @property
    def schedule_states(self) -> tuple[str, ...]:
        """The workspace's ScheduleState values, in their order."""
        before = (self.state_before,) if self.state_before else ()
        after = (self.state_after,) if self.state_after else ()
        return (*before, *FIXED_STATES, *after)

    def as_dict(self) -> dict[str, Any]:
        return {
            "date_precision": self.date_precision,
            "task_rollup": self.task_rollup,
            "state_before": self.state_before,
            "state_after": self.state_after,
            "max_length": dict(self.max_length),
            "conflict_text": self.conflict_text,
            "task_touch": self.task_touch,
            "link_touch": self.link_touch,
        }

    @property
    def links_stamp_both(self) -> bool:
        """Whether linking two stories stamps the other story too (``link_touch``)."""
        return self.link_touch == "both"

    def changed(self, doc: Mapping[str, Any]) -> WorkspaceSettings:
        """These settings with the keys of ``doc`` changed (the control API's body)."""
        known = set(self.as_dict())
        unknown = sorted(set(doc) - known)
        if unknown:
            raise BadSetting(f"unknown workspace setting(s): {', '.join(unknown)}")
        changes = dict(doc)
        if "task_rollup" in changes and not isinstance(changes["task_rollup"], bool):
            raise BadSetting("task_rollup must be true or false")
        for name in ("date_precision", "conflict_text", "task_touch", "link_touch"):
            if name in changes and not isinstance(changes[name], str):
                raise BadSetting(f"{name} must be a string")
        for name in ("state_before", "state_after"):
            if name in changes and changes[name] is not None and not isinstance(changes[name], str):
                raise BadSetting(f"{name} must be a string or null")
            if changes.get(name) == "":
                changes[name] = None
        if "max_length" in changes:
            lengths = changes["max_length"]
            if not isinstance(lengths, Mapping):
                raise BadSetting('max_length must be an object: {"c_Field": 64}')
            changes["max_length"] = {**self.max_length, **lengths}
        return replace(self, **changes)


def parse_max_length(items: tuple[str, ...]) -> dict[str, int]:
    """``FIELD=N`` pairs (``pantheon rally serve --max-length c_LockToken=64``)."""
    out: dict[str, int] = {}
    for item in items:
        name, sep, number = item.partition("=")
        if not sep or not name.strip() or not number.strip().isdigit() or int(number) < 1:
            raise BadSetting(f"--max-length takes FIELD=N with N >= 1, not {item!r}")
        out[name.strip()] = int(number)
    return out


def keep_precision(stamp: str, precision: str) -> str:
    """A DATE value (Rally's ``YYYY-MM-DDTHH:MM:SS.mmmZ``) as a workspace keeping
    ``precision`` stores it: cut to the second, or to the start of the UTC day."""
    if precision == "ms":
        return stamp
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)
    if precision == "second":
        moment = moment.replace(microsecond=0)
    else:
        moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
