"""The Rally discussion note a completed story gets (the seed's Phase 7 summary): escaped HTML
under Rally's 4,000 characters, with a marker line that finds it again on reruns. Pure."""

from __future__ import annotations

import html
from dataclasses import dataclass

from pantheon_git.core.html2md import plain_text
from pantheon_git.core.keys import StoryKey
from pantheon_git.features.complete.rules import Stage

NOTE_LIMIT = 4000
"""Rally's limit on a discussion post's text, in characters."""

NOTE_HEADS = {
    Stage.REVIEW: "ready for review",
    Stage.MERGED: "merged",
    Stage.CLOSED: "closed without merging",
    Stage.DRAFT: "draft",
}


def note_marker(repository: str, number: int, stage: Stage) -> str:
    """The plain-text line that identifies a PR's note (found again on reruns)."""
    return f"pantheon · {repository}#{number} · {stage.value}"


def local_marker(story: StoryKey, sha: str) -> str:
    """The marker of a ``pantheon complete`` note: one per story and commit."""
    return f"pantheon · complete · {story} · {sha[:12]}"


@dataclass(frozen=True)
class NoteFacts:
    """Everything a discussion note says. ``link_url``/``link_text`` name the pull request
    (or nothing, for ``pantheon complete``)."""

    headline: str
    marker: str
    title: str
    sha: str
    branch: str
    state: str
    link_url: str | None = None
    link_text: str = ""
    commit_url: str | None = None
    coverage: float | None = None
    run_url: str | None = None
    tests_url: str | None = None


def note_html(facts: NoteFacts) -> str:
    """The discussion post: escaped HTML, always under Rally's 4,000 characters."""
    esc = html.escape
    sha = esc(facts.sha[:12])
    commit = f'<a href="{esc(facts.commit_url)}">{sha}</a>' if facts.commit_url else sha
    items = [
        f"<li>Commit: {commit}</li>",
        f"<li>Branch: {esc(facts.branch[:200])}</li>",
        f"<li>State: {esc(facts.state)}</li>",
    ]
    if facts.coverage is not None:
        items.append(f"<li>Coverage: {facts.coverage:.1f}%</li>")
    if facts.tests_url:
        items.append(f'<li>Tests: <a href="{esc(facts.tests_url)}">{esc(facts.tests_url)}</a></li>')
    if facts.run_url:
        items.append(f'<li>Run: <a href="{esc(facts.run_url)}">{esc(facts.run_url)}</a></li>')
    link = ""
    if facts.link_text:
        link = (
            f' <a href="{esc(facts.link_url)}">{esc(facts.link_text)}</a>'
            if facts.link_url
            else f" {esc(facts.link_text)}"
        )
    tail = f"</ul><p><small>{esc(facts.marker)}</small></p>"

    def build(title: str, rows: list[str]) -> str:
        head = f"<p><b>{esc(facts.headline)}{link}</b>: {esc(title)}</p><ul>"
        return head + "".join(rows) + tail

    title = " ".join(facts.title.split())
    text = build(title, items)
    while len(text) > NOTE_LIMIT and title:
        title = title[: max(0, len(title) - (len(text) - NOTE_LIMIT) - 2)].rstrip()
        text = build(title + "…" if title else "", items)
    if len(text) > NOTE_LIMIT:  # absurdly long URLs: keep the mandatory lines only
        text = build("", items[:3])
    if len(text) > NOTE_LIMIT:
        link = ""
        text = build("", items[:1])
    return text


def note_text_matches(post_text: str, marker: str) -> bool:
    """Does a Rally post (HTML, maybe reformatted by Rally) carry this marker?"""
    plain = plain_text(post_text or "")
    return " ".join(marker.split()) in " ".join(plain.split())
