"""Stories for the dependency tests: the demo backlog as the sync would hand it over, and a
cache written the way `pantheon sync` writes it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pantheon_git.cache.store import Cache
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story, Task
from pantheon_git.rally.emulator.backlog import load_backlog
from tests.support import cachefiles


def html_to_text(markup: str | None) -> str:
    """Rally's HTML as plain text: paragraphs and list items on their own lines, tags gone,
    entities unescaped. (The sync's own converter makes Markdown; this is enough here.)"""
    text = markup or ""
    text = re.sub(r"(?i)<br\s*/?>", "\n", text)
    text = re.sub(r"(?i)<li[^>]*>", "\n- ", text)
    text = re.sub(r"(?i)</(p|div|ol|ul|h\d)>", "\n\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def list_items(markup: str | None) -> tuple[str, ...]:
    """Acceptance criteria: the ``<li>`` items of Rally's HTML, or its paragraphs."""
    items = list(re.findall(r"(?is)<li[^>]*>(.*?)</li>", markup or ""))
    if not items:
        items = [p for p in html_to_text(markup).split("\n\n") if p.strip()]
    return tuple(html_to_text(i) for i in items)


def demo_stories(epics: Iterable[str] | None = None) -> list[Story]:
    """The demo backlog's stories (``F17``, ``F18``) as `pantheon sync` would cache them."""
    wanted = set(epics) if epics is not None else None
    stories = []
    for epic in load_backlog()["epics"]:
        if wanted is not None and epic["formatted_id"] not in wanted:
            continue
        for doc in epic["stories"]:
            stories.append(
                Story(
                    key=StoryKey.parse(doc["formatted_id"]),
                    title=doc["name"],
                    epic=epic["formatted_id"],
                    epic_title=epic["name"],
                    description=html_to_text(doc.get("description")),
                    acceptance_criteria=list_items(doc.get("acceptance_criteria")),
                    tasks=tuple(Task(t) for t in doc.get("tasks", ())),
                    plan_estimate=doc.get("plan_estimate"),
                    predecessors=tuple(StoryKey.parse(k) for k in doc.get("predecessors", ())),
                )
            )
    return stories


def story(key: str, title: str, text: str = "", **fields: Any) -> Story:
    """A story for rule tests: ``text`` becomes the description."""
    tasks = tuple(Task(t) for t in fields.pop("tasks", ()))
    preds = tuple(StoryKey.parse(k) for k in fields.pop("predecessors", ()))
    succs = tuple(StoryKey.parse(k) for k in fields.pop("successors", ()))
    return Story(
        key=StoryKey.parse(key),
        title=title,
        description=text,
        tasks=tasks,
        predecessors=preds,
        successors=succs,
        **fields,
    )


def write_cache(root: Path, stories: Iterable[Story], **meta: Any) -> Cache:
    """A cache as `pantheon sync` leaves it: meta.json and one file per story."""
    cache = Cache(root)
    cachefiles.write_meta(cache, **meta)
    cachefiles.write_stories(cache, stories, with_meta=False)
    return cache


def utc_today() -> str:
    """Today's date as the dismissal file records it (``app.now()`` in UTC)."""
    from datetime import UTC, datetime

    return datetime.now(UTC).date().isoformat()
