"""The story as every part of pantheon sees it: the BMAD form of a Rally user story.

Pure data: frozen dataclasses plus a lossless JSON form (``to_dict`` / ``from_dict``) used by
the cache. Rally's raw fields are kept beside this form in the cache, not in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.timefmt import format_time, parse_time


@dataclass(frozen=True)
class Task:
    """An implementation task. Rally tasks are flat; BMAD subtasks live in ``children``."""

    name: str
    done: bool = False
    estimate_hours: float | None = None
    formatted_id: str | None = None
    ac_refs: tuple[str, ...] = ()
    children: tuple[Task, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"name": self.name, "done": self.done}
        if self.estimate_hours is not None:
            doc["estimate_hours"] = self.estimate_hours
        if self.formatted_id:
            doc["formatted_id"] = self.formatted_id
        if self.ac_refs:
            doc["ac_refs"] = list(self.ac_refs)
        if self.children:
            doc["children"] = [c.to_dict() for c in self.children]
        return doc

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Task:
        return cls(
            name=str(doc["name"]),
            done=bool(doc.get("done", False)),
            estimate_hours=_opt_float(doc.get("estimate_hours")),
            formatted_id=doc.get("formatted_id"),
            ac_refs=tuple(str(r) for r in doc.get("ac_refs", ())),
            children=tuple(cls.from_dict(c) for c in doc.get("children", ())),
        )


@dataclass(frozen=True)
class Lock:
    """A story lock as stored in Rally's ``c_LockedBy`` / ``c_LockedAt`` / ``c_LockExpiry`` /
    ``c_LockToken`` (``core/fields.py``).

    ``token`` is the random token its taker wrote to ``c_LockToken`` (``None`` for a lock
    without one: written by hand, or by an older pantheon): the lock protocol's proof of who
    won a race.
    """

    holder: str
    locked_at: datetime
    expires: datetime
    branch: str | None = None
    token: str | None = None

    def expired(self, now: datetime) -> bool:
        return now >= self.expires

    def to_dict(self) -> dict[str, Any]:
        return {
            "holder": self.holder,
            "locked_at": format_time(self.locked_at),
            "expires": format_time(self.expires),
            "branch": self.branch,
            "token": self.token,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Lock:
        return cls(
            holder=str(doc["holder"]),
            locked_at=parse_time(str(doc["locked_at"])),
            expires=parse_time(str(doc["expires"])),
            branch=doc.get("branch"),
            token=doc.get("token"),
        )


@dataclass(frozen=True)
class Story:
    key: StoryKey
    title: str
    epic: str | None = None
    """FormattedID of the parent portfolio item (``F17``), if any."""
    epic_title: str | None = None
    description: str = ""
    """Business context as Markdown text."""
    acceptance_criteria: tuple[str, ...] = ()
    tasks: tuple[Task, ...] = ()
    owner: str | None = None
    state: str = "Defined"
    """Workflow state: Defined, In Progress, Code Review, Completed, Accepted (see states.py)."""
    schedule_state: str = "Defined"
    """Rally's raw ScheduleState."""
    lock: Lock | None = None
    branch: str | None = None
    coverage: float | None = None
    commit_sha: str | None = None
    predecessors: tuple[StoryKey, ...] = ()
    successors: tuple[StoryKey, ...] = ()
    plan_estimate: float | None = None
    rank: str | None = None
    iteration: str | None = None
    object_id: int | None = None
    version_id: str | None = None
    last_update: str | None = None
    url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Anything else worth keeping (blocked flag, tags...): JSON-safe values only."""

    def with_(self, **changes: Any) -> Story:
        return replace(self, **changes)

    @property
    def task_count(self) -> int:
        return len(self.tasks)

    def text(self) -> str:
        """Everything a person wrote about the story, for the dependency rules."""
        parts = [self.title, self.description, *self.acceptance_criteria]
        parts += [t.name for t in all_tasks(self.tasks)]
        return "\n".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": str(self.key),
            "formatted_id": self.key.formatted_id,
            "title": self.title,
            "epic": self.epic,
            "epic_title": self.epic_title,
            "description": self.description,
            "acceptance_criteria": list(self.acceptance_criteria),
            "tasks": [t.to_dict() for t in self.tasks],
            "owner": self.owner,
            "state": self.state,
            "schedule_state": self.schedule_state,
            "lock": self.lock.to_dict() if self.lock else None,
            "branch": self.branch,
            "coverage": self.coverage,
            "commit_sha": self.commit_sha,
            "predecessors": [str(k) for k in self.predecessors],
            "successors": [str(k) for k in self.successors],
            "plan_estimate": self.plan_estimate,
            "rank": self.rank,
            "iteration": self.iteration,
            "object_id": self.object_id,
            "version_id": self.version_id,
            "last_update": self.last_update,
            "url": self.url,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Story:
        lock = doc.get("lock")
        return cls(
            key=StoryKey.parse(str(doc["key"])),
            title=str(doc.get("title", "")),
            epic=doc.get("epic"),
            epic_title=doc.get("epic_title"),
            description=str(doc.get("description") or ""),
            acceptance_criteria=tuple(str(a) for a in doc.get("acceptance_criteria", ())),
            tasks=tuple(Task.from_dict(t) for t in doc.get("tasks", ())),
            owner=doc.get("owner"),
            state=str(doc.get("state", "Defined")),
            schedule_state=str(doc.get("schedule_state", "Defined")),
            lock=Lock.from_dict(lock) if lock else None,
            branch=doc.get("branch"),
            coverage=_opt_float(doc.get("coverage")),
            commit_sha=doc.get("commit_sha"),
            predecessors=tuple(StoryKey.parse(k) for k in doc.get("predecessors", ())),
            successors=tuple(StoryKey.parse(k) for k in doc.get("successors", ())),
            plan_estimate=_opt_float(doc.get("plan_estimate")),
            rank=doc.get("rank"),
            iteration=doc.get("iteration"),
            object_id=doc.get("object_id"),
            version_id=doc.get("version_id"),
            last_update=doc.get("last_update"),
            url=doc.get("url"),
            extra=dict(doc.get("extra") or {}),
        )


def all_tasks(tasks: Iterable[Task]) -> list[Task]:
    """``tasks`` and their subtasks, depth first (each task before its children)."""
    out: list[Task] = []
    for task in tasks:
        out.append(task)
        out.extend(all_tasks(task.children))
    return out


def _opt_float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)
