"""Who an event acts for, and what it may write: identity and the fork rules. Pure.

Identity comes only from what GitHub asserts about the actor (:attr:`CiEvent.actor`: the pull
request's ``user``, the workflow run's ``actor``), mapped through the config's
``identities``. A commit's author email is never used: anyone can write any email into a
commit, and a fork can point its branch at someone else's pushed commit.

The fork rules (``ci_forks``) say what an event whose head is a fork may write:

- ``none`` (the default): nothing. ``pull_request_target`` and ``workflow_run`` run with the
  base repository's secrets, but the branch name, title and commits they describe are the
  fork's;
- ``author-lock``: only a story that the pull request's author, named by GitHub and mapped
  through ``identities``, holds the lock of. A merged fork pull request completes nothing
  (fork merges reach Rally as a push to the default branch, ``ci_push_state``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pantheon_git.core.policies import CiForks
from pantheon_git.features.ci.event import CiEvent
from pantheon_git.features.complete.rules import Stage

NEEDS_IDENTITY = (Stage.REVIEW, Stage.DRAFT, Stage.CLOSED)
"""Stages that judge the story's lock against the author. A merge completes the story
whoever holds the lock (GitHub asserts the merge), a push records commits only."""


@dataclass(frozen=True)
class Permit:
    author: str | None
    """The Rally user the event acts for, or ``None``."""
    require_own_lock: bool = False
    refused: str | None = None
    """Why nothing may be written (the summary's line); ``None`` when the event may write."""
    level: str | None = None
    """The annotation level of the refusal (``notice``, ``warning``), or none at all."""
    unverified: bool = False
    """Refused because nobody could be identified (``fail-on: lock`` fails on it)."""


def admit(
    event: CiEvent, *, has_key: bool, identities: Mapping[str, str], forks: CiForks
) -> Permit:
    """Whether ``event`` writes to Rally at all, and as whom (first reason wins)."""
    if event.stage is Stage.IGNORED:
        return Permit(None, refused=f"Nothing to do: {event.reason}.")
    if event.story is None and event.stage is not Stage.PUSH:
        return Permit(
            None, refused="No story key in the branch name or the PR title: Rally not updated."
        )
    if event.stage is Stage.PUSH and not event.push_keys:
        return Permit(None, refused="No story keys in the pushed commit messages.")
    if not has_key:
        why = (
            "this pull request comes from a fork, and GitHub gives fork runs no secrets"
            if event.fork
            else "the rally-api-key input is empty (is the RALLY_API_KEY secret set? "
            "Dependabot runs get no secrets)"
        )
        return Permit(None, refused=f"Rally not updated: {why}.", level="notice")
    found = permit(event, identities, forks)
    if found.refused is None:
        return found
    level = "warning" if found.unverified else "notice"
    return Permit(
        found.author,
        refused=f"Rally not updated: {found.refused}.",
        level=level,
        unverified=found.unverified,
    )


def identity(login: str | None, identities: Mapping[str, str]) -> str | None:
    """The Rally user of a GitHub login: its ``identities`` entry, compared ignoring case."""
    if not login:
        return None
    mapped = {k.lower(): v for k, v in identities.items()}
    return mapped.get(login.lower())


def permit(event: CiEvent, identities: Mapping[str, str], forks: CiForks) -> Permit:
    """What ``event`` may write under the identity map and the fork rules ``forks``."""
    if event.stage is Stage.PUSH:
        return Permit(None)
    author = identity(event.actor, identities)
    if event.fork:
        where = event.pull_request.head_repo if event.pull_request else None
        source = f"the fork {where}" if where else "a fork (since deleted)"
        if forks != CiForks.AUTHOR_LOCK:
            return Permit(
                author,
                refused=f"the pull request comes from {source}, and the fork rules "
                "(`ci_forks: none`) let fork events write nothing",
            )
        if event.stage is Stage.MERGED:
            return Permit(
                author,
                refused=f"a merged pull request from {source} completes nothing under "
                "`ci_forks: author-lock`; its merge reaches Rally as a push to the default "
                "branch (set `ci_push_state`)",
            )
    if author is None and (event.stage in NEEDS_IDENTITY or event.fork or event.via_workflow_run):
        login = event.actor
        who = f"the GitHub user `{login}`" if login else "nobody (the payload names no user)"
        fix = f"add `{login}: <their Rally user>`" if login else "map the user"
        return Permit(
            None,
            refused=f"GitHub names {who} as the author, who is not in `identities`; "
            f"{fix} under `identities:` in the pantheon config",
            unverified=True,
        )
    return Permit(author, require_own_lock=event.fork or event.via_workflow_run)
