"""Rally rich text <-> Markdown.

Rally keeps Description (and ``c_AcceptanceCriteria``, Notes, discussion posts) as HTML; BMAD
story files are Markdown.

- :func:`markdown_to_html` renders CommonMark (plus GFM tables and strikethrough) with raw HTML
  switched off: whatever HTML or script a user typed comes out as escaped text, and links with
  ``javascript:``, ``vbscript:``, ``file:`` or ``data:`` URLs are not made into links.
  Line breaks inside a paragraph become ``<br>``, as people type them in Rally's editor.
- :func:`html_to_markdown` (stdlib ``html.parser``, in :mod:`pantheon_git.core.html2md`)
  turns Rally's HTML back into Markdown: paragraphs, line breaks, headings, nested lists,
  code, links, emphasis, tables, entities; scripts and styles are dropped.

For HTML that ``markdown_to_html`` produced, ``markdown_to_html(html_to_markdown(h)) == h``.
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt

from pantheon_git.core.html2md import html_to_markdown

__all__ = ["html_to_markdown", "markdown_to_html"]


@cache
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False}).enable(
        ["table", "strikethrough"]
    )


def markdown_to_html(markdown: str) -> str:
    """Safe HTML for Rally: user text escaped, no raw HTML passed through."""
    if not markdown.strip():
        return ""
    return str(_renderer().render(markdown)).strip()
