"""BMAD markdown story files: a tolerant, section-based parser for both dialects (v4
``## Status`` heading, v6 ``Status:`` line), a writer, and the ``Rally:`` link line.

See research/bmad.md for the format and the drift real files show. Pure: no I/O here.
"""

from __future__ import annotations

from pantheon_git.bmad.link import with_rally_line
from pantheon_git.bmad.model import (
    Clause,
    Criterion,
    Note,
    ParsedStory,
    ParsedTask,
    RallyLink,
    SectionRef,
    Skipped,
    Status,
)
from pantheon_git.bmad.parser import file_story_id, parse_story, parse_story_bytes
from pantheon_git.bmad.source import MAX_STORY_BYTES, decode_story
from pantheon_git.bmad.status import workflow_state
from pantheon_git.bmad.view import UNASSIGNED, description_markdown, story_key, to_story
from pantheon_git.bmad.writer import rally_line, render_story

__all__ = [
    "MAX_STORY_BYTES",
    "UNASSIGNED",
    "Clause",
    "Criterion",
    "Note",
    "ParsedStory",
    "ParsedTask",
    "RallyLink",
    "SectionRef",
    "Skipped",
    "Status",
    "decode_story",
    "description_markdown",
    "file_story_id",
    "parse_story",
    "parse_story_bytes",
    "rally_line",
    "render_story",
    "story_key",
    "to_story",
    "with_rally_line",
    "workflow_state",
]
