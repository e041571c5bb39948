"""GitHub pull request events for the demo, made from GitHub's own example payloads.

Pure: a template (a real ``pull_request`` webhook payload) and the demo's facts in, a new
payload out. The example's repository (``Codertocat/Hello-World``) and people become the
demo's; every field ``pantheon ci`` reads is set explicitly; the rest stays GitHub's.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

EXAMPLE_REPO = "Codertocat/Hello-World"
EXAMPLE_OWNER = "Codertocat"
EXAMPLE_NAME = "Hello-World"


@dataclass(frozen=True)
class PullRequestFacts:
    repo: str
    """``owner/name``"""
    number: int
    title: str
    author: str
    """The author's GitHub login."""
    branch: str
    head_sha: str
    base_branch: str
    base_sha: str
    merge_sha: str | None = None
    """Set for the merged event."""
    when: str | None = None
    """ISO time of the event (created/updated/closed/merged_at), if given."""
    pushed_over: str | None = None
    """For ``synchronize``: the head the push replaced (the payload's ``before``)."""


def pull_request_event(template: Mapping[str, Any], facts: PullRequestFacts) -> dict[str, Any]:
    """A ``pull_request`` payload for ``facts``: opened when ``merge_sha`` is None, synchronize
    (a push to the open pull request) when ``pushed_over`` is set, else closed and merged (the
    template decides the rest of the shape)."""
    owner, _, name = facts.repo.partition("/")
    doc: dict[str, Any] = _renamed(dict(template), facts.repo, owner, name, facts.author)
    pr = doc["pull_request"]
    url = f"https://github.com/{facts.repo}/pull/{facts.number}"
    doc["number"] = facts.number
    pr.update(
        number=facts.number,
        title=facts.title,
        html_url=url,
        draft=False,
        state="open" if facts.merge_sha is None else "closed",
    )
    pr["user"]["login"] = facts.author
    doc["sender"]["login"] = facts.author
    pr["head"].update(ref=facts.branch, sha=facts.head_sha, label=f"{owner}:{facts.branch}")
    pr["base"].update(
        ref=facts.base_branch, sha=facts.base_sha, label=f"{owner}:{facts.base_branch}"
    )
    for repo in (doc["repository"], pr["head"]["repo"], pr["base"]["repo"]):
        repo.update(full_name=facts.repo, name=name, default_branch=facts.base_branch)
        repo["owner"]["login"] = owner
    if facts.merge_sha is None:
        doc["action"] = "opened" if facts.pushed_over is None else "synchronize"
        pr.update(merged=False, merge_commit_sha=None, closed_at=None, merged_at=None)
        if facts.pushed_over is not None:
            doc.update(before=facts.pushed_over, after=facts.head_sha)
    else:
        doc["action"] = "closed"
        pr.update(merged=True, merge_commit_sha=facts.merge_sha)
        pr["merged_by"] = copy.deepcopy(pr["user"])
    if facts.when:
        pr.update(updated_at=facts.when)
        if facts.merge_sha is None and facts.pushed_over is None:
            pr.update(created_at=facts.when)
        else:
            pr.update(closed_at=facts.when, merged_at=facts.when)
    return doc


def _renamed(value: Any, repo: str, owner: str, name: str, author: str) -> Any:
    """Every string of the example naming its repository or people, rewritten."""
    if isinstance(value, dict):
        return {k: _renamed(v, repo, owner, name, author) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, repo, owner, name, author) for v in value]
    if isinstance(value, str):
        text = value.replace(EXAMPLE_REPO, repo).replace(EXAMPLE_NAME, name)
        return text.replace(EXAMPLE_OWNER, author)
    return value
