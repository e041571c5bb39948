"""Real GitHub webhook payloads (tests/fixtures/github, see PROVENANCE.md) and edited copies."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "github"
REPO = "Codertocat/Hello-World"
HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
MERGE_SHA = "c4295bd74fb0f4fda03689c3df3f2803b658fd85"

HOSTILE_BRANCHES = [
    "story/US-1-$(touch${IFS}pwned)",
    "story/US-1-`touch pwned`",
    'story/US-1-it\'s-"quoted"',
    "story/US-1-a;touch pwned;b",
    "story/US-1-|pipe|&amp|",
    "story/US-1-ünïcödé-日本",
    "story/US-1-%0A::error::injected",
]
HOSTILE_TITLES = [
    "US-1 $(touch pwned)",
    "US-1 `touch pwned` <script>alert(1)</script>",
    "US-1 \"quotes\" and 'single' | pipes |",
    "US-1 line one\nline two\n::error::injected\nstory<<EOF",
    "US-1 ünïcödé 日本語 🚀",
]


def load(name: str) -> dict[str, Any]:
    doc = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def pr_event(
    action: str = "opened",
    *,
    branch: str | None = None,
    title: str | None = None,
    author: str | None = None,
    merged: bool | None = None,
    draft: bool | None = None,
    fork: bool = False,
    head_sha: str | None = None,
    merge_sha: str | None = None,
    number: int | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """A pull_request payload from the octokit example for ``action``, with fields replaced.

    ``at`` stamps the event (``updated_at``, and ``closed_at``/``merged_at`` when closed) as
    GitHub would for an event happening then; the examples' own stamps are from 2019."""
    name = {
        "opened": "pull_request.opened",
        "reopened": "pull_request.reopened",
        "ready_for_review": "pull_request.ready_for_review",
        "synchronize": "pull_request.synchronize",
        "closed": "pull_request.closed-merged" if merged else "pull_request.closed",
        "labeled": "pull_request.labeled",
    }[action]
    doc = copy.deepcopy(load(name))
    pr = doc["pull_request"]
    if branch is not None:
        pr["head"]["ref"] = branch
        pr["head"]["label"] = f"Codertocat:{branch}"
    if title is not None:
        pr["title"] = title
    if author is not None:
        pr["user"]["login"] = author
        doc["sender"]["login"] = author
    if draft is not None:
        pr["draft"] = draft
    if head_sha is not None:
        pr["head"]["sha"] = head_sha
    if merge_sha is not None:
        pr["merge_commit_sha"] = merge_sha
    if number is not None:
        pr["number"] = doc["number"] = number
        pr["html_url"] = f"https://github.com/{REPO}/pull/{number}"
    if at is not None:
        stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        pr["updated_at"] = stamp
        for key in ("closed_at", "merged_at"):
            if pr.get(key):
                pr[key] = stamp
    if fork:
        pr["head"]["repo"]["full_name"] = "forker/Hello-World"
        pr["head"]["repo"]["fork"] = True
    return doc


def push_event(
    messages: list[str] | None = None,
    *,
    branch: str = "master",
    shas: list[str] | None = None,
) -> dict[str, Any]:
    """The octokit push example (to the default branch ``master``) with its commits replaced."""
    doc = copy.deepcopy(load("push.with-new-branch"))
    doc["ref"] = f"refs/heads/{branch}"
    if messages is not None:
        template = doc["commits"][0]
        commits = []
        for i, message in enumerate(messages):
            commit = copy.deepcopy(template)
            sha = shas[i] if shas else f"{i + 1:02d}" * 20
            commit["id"] = sha
            commit["message"] = message
            commit["url"] = f"https://github.com/{REPO}/commit/{sha}"
            commits.append(commit)
        doc["commits"] = commits
        doc["head_commit"] = copy.deepcopy(commits[-1]) if commits else None
        if commits:
            doc["after"] = commits[-1]["id"]
    return doc


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def workflow_run_event(
    branch: str,
    *,
    head_sha: str = HEAD_SHA,
    actor: str = "Codertocat",
    triggering_actor: str | None = None,
    fork: bool = True,
    conclusion: str = "success",
    title: str = "Fork work",
) -> dict[str, Any]:
    """The octokit ``workflow_run`` completed example (GitHub's shape, with ``actor`` and
    ``triggering_actor``), made the run of a pull request workflow on ``branch``."""
    doc = copy.deepcopy(load("workflow_run.completed"))
    doc["repository"]["full_name"] = REPO
    doc["repository"]["html_url"] = f"https://github.com/{REPO}"
    run = doc["workflow_run"]
    run["event"] = "pull_request"
    run["conclusion"] = conclusion
    run["head_branch"] = branch
    run["head_sha"] = head_sha
    run["display_title"] = title
    run["actor"]["login"] = actor
    run["triggering_actor"]["login"] = triggering_actor or actor
    run["head_repository"]["full_name"] = "forker/Hello-World" if fork else REPO
    # GitHub lists no pull requests for a run whose head is in a fork
    run["pull_requests"] = [] if fork else run["pull_requests"]
    return doc
