"""GitHub Actions events as pantheon sees them: which story, which commit, which stage.

Pure: takes the event name and the parsed payload (``GITHUB_EVENT_PATH``'s JSON) and returns a
frozen :class:`CiEvent`. Everything in a payload is untrusted text; only validated pieces leave
this module (a :class:`StoryKey`, a hex SHA, a PR number) plus strings meant for display, which
the renderers escape.

Which SHA (research: github-precommit.md §3.4):

- ``opened`` / ``reopened`` / ``ready_for_review`` / ``synchronize``: ``pull_request.head.sha``
  (``GITHUB_SHA`` would be the test merge commit);
- ``closed`` with ``merged: true``: ``pull_request.merge_commit_sha`` (the merge, squash or
  rebase result on the base branch); unmerged PRs carry one too, so ``merged`` decides;
- ``push``: ``after``; per-commit SHAs for stories named in commit messages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pantheon_git.core.keys import DEFAULT_BRANCH_PATTERN, StoryKey, branch_story_key
from pantheon_git.core.timefmt import format_time
from pantheon_git.errors import UsageError
from pantheon_git.features.complete.rules import TARGET_STATES, Stage

PR_EVENTS = ("pull_request", "pull_request_target")
REVIEW_ACTIONS = ("opened", "reopened", "ready_for_review", "synchronize")
ZERO_SHA = "0" * 40
SHA_RE = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str
    title: str
    head_ref: str
    head_sha: str
    base_ref: str
    author: str
    """The PR author's GitHub login."""
    draft: bool
    merged: bool
    merge_commit_sha: str | None
    head_repo: str | None
    """``owner/name`` of the head repository; ``None`` when the fork was deleted."""
    updated_at: str | None = None
    """When GitHub last changed the pull request (the event's time, for ordering replays)."""


@dataclass(frozen=True)
class PushCommit:
    sha: str
    message: str
    url: str
    timestamp: str
    author_email: str
    keys: tuple[StoryKey, ...]


@dataclass(frozen=True)
class CiEvent:
    name: str
    action: str | None
    stage: Stage
    repository: str
    """``owner/name`` of the repository the workflow runs in."""
    sha: str | None
    """The commit to record (see the module docstring)."""
    story: StoryKey | None = None
    story_source: str | None = None
    """Where the key came from: ``branch``, ``title``, or ``None``."""
    pull_request: PullRequest | None = None
    fork: bool = False
    via_workflow_run: bool = False
    """A ``workflow_run`` after a PR workflow: only the PR author's own locked story moves."""
    actor: str | None = None
    """The GitHub login GitHub itself names as acting: the pull request's ``user``, the
    workflow run's ``actor`` (else ``triggering_actor``), the push's ``sender`` (else
    ``pusher``). Never taken from a commit."""
    time: str | None = None
    """When the event happened, as GitHub stamps it (ISO 8601); ``None`` if the payload has
    no such stamp. Orders replays where git history cannot."""
    ref: str | None = None
    commits: tuple[PushCommit, ...] = ()
    reason: str = ""
    """Why the event is ignored, or a remark about how the story was found."""

    @property
    def target_state(self) -> str | None:
        return TARGET_STATES.get(self.stage)

    @property
    def push_keys(self) -> dict[StoryKey, PushCommit]:
        """For a push: each story named in a commit message -> the newest commit naming it."""
        latest: dict[StoryKey, PushCommit] = {}
        for commit in self.commits:  # oldest first, as GitHub lists them
            for key in commit.keys:
                latest[key] = commit
        return latest


def parse_event(
    name: str,
    payload: Any,
    *,
    branch_pattern: str = DEFAULT_BRANCH_PATTERN,
    default_branch: str | None = None,
) -> CiEvent:
    """Turn ``GITHUB_EVENT_NAME`` + payload into a :class:`CiEvent`; malformed -> UsageError."""
    if not isinstance(payload, Mapping):
        raise UsageError("event payload: expected a JSON object at the top level")
    event = (name or "").strip()
    if not event:
        raise UsageError(
            "GITHUB_EVENT_NAME is not set",
            hint="`pantheon ci` runs inside GitHub Actions; set GITHUB_EVENT_NAME and "
            "GITHUB_EVENT_PATH to replay an event locally.",
        )
    repository = _str(payload, "repository.full_name")
    if event in PR_EVENTS:
        return _pull_request(event, payload, repository, branch_pattern)
    if event == "push":
        return _push(payload, repository, default_branch)
    if event == "workflow_run":
        return _workflow_run(payload, repository, branch_pattern)
    return CiEvent(
        event,
        _opt_str(payload, "action"),
        Stage.IGNORED,
        repository,
        None,
        reason=f"`{event}` events are not handled (use pull_request, push or workflow_run)",
    )


def story_from(
    branch: str, title: str, pattern: str = DEFAULT_BRANCH_PATTERN
) -> tuple[StoryKey | None, str | None]:
    """The story of a PR: from its head branch, else the first key in its title."""
    key = branch_story_key(branch, pattern)
    if key is not None:
        return key, "branch"
    in_title = StoryKey.find_all(title)
    if in_title:
        return in_title[0], "title"
    return None, None


def _pull_request(event: str, payload: Mapping[str, Any], repository: str, pattern: str) -> CiEvent:
    action = _str(payload, "action")
    pr = _parse_pr(payload)
    fork = pr.head_repo is None or pr.head_repo.lower() != repository.lower()
    key, source = story_from(pr.head_ref, pr.title, pattern)
    base: dict[str, Any] = {
        "name": event,
        "action": action,
        "repository": repository,
        "story": key,
        "story_source": source,
        "pull_request": pr,
        "fork": fork,
        "actor": pr.author,
        "time": pr.updated_at,
    }
    if action in REVIEW_ACTIONS:
        stage = Stage.DRAFT if pr.draft else Stage.REVIEW
        return CiEvent(stage=stage, sha=pr.head_sha, **base)
    if action == "closed":
        if pr.merged:
            sha = pr.merge_commit_sha
            if sha is None:
                raise UsageError("event payload: a merged pull request without merge_commit_sha")
            base["time"] = _opt_str(payload, "pull_request.merged_at") or pr.updated_at
            return CiEvent(stage=Stage.MERGED, sha=sha, **base)
        return CiEvent(stage=Stage.CLOSED, sha=pr.head_sha, **base)
    return CiEvent(
        stage=Stage.IGNORED,
        sha=pr.head_sha,
        reason=f"pull_request action `{action}` does not change a story",
        **base,
    )


def _parse_pr(payload: Mapping[str, Any]) -> PullRequest:
    merged = _get(payload, "pull_request.merged", bool, required=False)
    merge_sha = _opt_str(payload, "pull_request.merge_commit_sha")
    head_repo = _get(payload, "pull_request.head.repo", Mapping, required=False)
    return PullRequest(
        number=_get(payload, "pull_request.number", int),
        url=_str(payload, "pull_request.html_url"),
        title=_opt_str(payload, "pull_request.title") or "",
        head_ref=_str(payload, "pull_request.head.ref"),
        head_sha=_sha(payload, "pull_request.head.sha"),
        base_ref=_str(payload, "pull_request.base.ref"),
        author=_str(payload, "pull_request.user.login"),
        draft=bool(_get(payload, "pull_request.draft", bool, required=False)),
        merged=bool(merged),
        merge_commit_sha=_check_sha(merge_sha, "pull_request.merge_commit_sha")
        if merge_sha
        else None,
        head_repo=_opt_str(head_repo, "full_name") if head_repo else None,
        updated_at=_opt_str(payload, "pull_request.updated_at"),
    )


def _push(payload: Mapping[str, Any], repository: str, default_branch: str | None) -> CiEvent:
    ref = _str(payload, "ref")
    after = _sha(payload, "after")
    default = default_branch or _opt_str(payload, "repository.default_branch")
    base: dict[str, Any] = {
        "name": "push",
        "action": None,
        "repository": repository,
        "ref": ref,
        "actor": _opt_str(payload, "sender.login") or _opt_str(payload, "pusher.name"),
    }
    if _get(payload, "deleted", bool, required=False) or after == ZERO_SHA:
        return CiEvent(stage=Stage.IGNORED, sha=None, reason=f"{ref} was deleted", **base)
    if not ref.startswith("refs/heads/"):
        return CiEvent(stage=Stage.IGNORED, sha=after, reason=f"{ref} is not a branch", **base)
    branch = ref[len("refs/heads/") :]
    if default and branch != default:
        return CiEvent(
            stage=Stage.IGNORED,
            sha=after,
            reason=f"push to `{branch}`, not to the default branch `{default}`",
            **base,
        )
    commits = tuple(_commit(c, i) for i, c in enumerate(_commit_list(payload)))
    return CiEvent(stage=Stage.PUSH, sha=after, commits=commits, time=_pushed_at(payload), **base)


def _pushed_at(payload: Mapping[str, Any]) -> str | None:
    """A push's time: ``repository.pushed_at``, which push payloads give as epoch seconds."""
    stamp = _walk(payload, "repository.pushed_at")
    if isinstance(stamp, int) and not isinstance(stamp, bool) and stamp > 0:
        return format_time(datetime.fromtimestamp(stamp, UTC))
    return stamp if isinstance(stamp, str) and stamp else None


def _commit_list(payload: Mapping[str, Any]) -> Sequence[Any]:
    commits = payload.get("commits")
    if commits is None or commits == []:
        head = payload.get("head_commit")
        return [head] if isinstance(head, Mapping) else []
    if not isinstance(commits, list):
        raise UsageError("event payload: `commits` is not a list")
    return commits


def _commit(doc: Any, index: int) -> PushCommit:
    where = f"commits[{index}]"
    if not isinstance(doc, Mapping):
        raise UsageError(f"event payload: {where} is not an object")
    message = _opt_str(doc, "message") or ""
    return PushCommit(
        sha=_sha(doc, "id", where=where),
        message=message,
        url=_opt_str(doc, "url") or "",
        timestamp=_opt_str(doc, "timestamp") or "",
        author_email=_opt_str(doc, "author.email") or "",
        keys=tuple(StoryKey.find_all(message)),
    )


def _workflow_run(payload: Mapping[str, Any], repository: str, pattern: str) -> CiEvent:
    """The safe route for fork PRs: a workflow with secrets, triggered after the PR workflow.

    Only GitHub-made fields are used (head branch, head SHA, actor, the run's own title); no
    artifact from the fork's run is trusted.
    """
    run = _get(payload, "workflow_run", Mapping)
    trigger = _str(run, "event", where="workflow_run")
    head_branch = _opt_str(run, "head_branch") or ""
    base: dict[str, Any] = {
        "name": "workflow_run",
        "action": _opt_str(payload, "action"),
        "repository": repository,
    }
    if trigger not in PR_EVENTS:
        return CiEvent(
            stage=Stage.IGNORED,
            sha=None,
            reason=f"workflow_run after a `{trigger}` run, not a pull request run",
            **base,
        )
    conclusion = _opt_str(run, "conclusion")
    if conclusion != "success":
        return CiEvent(
            stage=Stage.IGNORED,
            sha=None,
            reason=f"the pull request workflow concluded `{conclusion}`, not success",
            **base,
        )
    sha = _sha(run, "head_sha", where="workflow_run")
    title = _opt_str(run, "display_title") or ""
    prs = run.get("pull_requests") or []
    number = prs[0].get("number") if prs and isinstance(prs[0], Mapping) else None
    repo_url = _opt_str(payload, "repository.html_url") or ""
    head_repo = _opt_str(run, "head_repository.full_name")
    # `actor` started the run GitHub reports on; `triggering_actor` started this attempt of it
    # (a re-run by someone else). GitHub asserts both; the actor is the one the run is for.
    actor = _opt_str(run, "actor.login") or _opt_str(run, "triggering_actor.login")
    pr = PullRequest(
        number=number if isinstance(number, int) else 0,
        url=f"{repo_url}/pull/{number}" if isinstance(number, int) and repo_url else "",
        title=title,
        head_ref=head_branch,
        head_sha=sha,
        base_ref="",
        author=actor or "",
        draft=False,
        merged=False,
        merge_commit_sha=None,
        head_repo=head_repo,
        updated_at=_opt_str(run, "created_at"),
    )
    key, source = story_from(head_branch, title, pattern)
    return CiEvent(
        stage=Stage.REVIEW,
        sha=sha,
        story=key,
        story_source=source,
        pull_request=pr,
        fork=head_repo is None or head_repo.lower() != repository.lower(),
        via_workflow_run=True,
        actor=actor,
        time=pr.updated_at,
        **base,
    )


# --- field access with clear errors -----------------------------------------------------------

_MISSING = object()


def _walk(doc: Any, path: str) -> Any:
    value = doc
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _get(doc: Any, path: str, kind: type, *, required: bool = True, where: str = "") -> Any:
    value = _walk(doc, path)
    label = f"{where}.{path}" if where else path
    if value is _MISSING or value is None:
        if required:
            raise UsageError(
                f"event payload: `{label}` is missing",
                hint="Is GITHUB_EVENT_NAME the event this payload came from?",
            )
        return None
    # bool is an int in Python; a JSON true is not a PR number.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise UsageError(f"event payload: `{label}` should be {kind.__name__}, got {value!r:.60}")
    return value


def _str(doc: Any, path: str, *, where: str = "") -> str:
    return str(_get(doc, path, str, where=where))


def _opt_str(doc: Any, path: str) -> str | None:
    value = _get(doc, path, str, required=False)
    return None if value is None else str(value)


def _sha(doc: Any, path: str, *, where: str = "") -> str:
    return _check_sha(_str(doc, path, where=where), f"{where}.{path}" if where else path)


def _check_sha(value: str, label: str) -> str:
    if not SHA_RE.match(value):
        raise UsageError(f"event payload: `{label}` is not a commit SHA: {value!r:.60}")
    return value
