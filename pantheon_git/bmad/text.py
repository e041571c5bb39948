"""Small markdown text transformations that respect code fences."""

from __future__ import annotations

import re

from pantheon_git.bmad.blocks import heading, scan

_INLINE_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)


def strip_html_comments(markdown: str) -> str:
    """Drop ``<!-- ... -->`` comments outside code: they are notes to the author, not content."""
    lines, _ = scan(markdown)
    kept: list[str] = []
    for line in lines:
        if line.hidden:
            continue
        kept.append(_INLINE_COMMENT_RE.sub("", line.text) if line.plain else line.text)
    return "\n".join(kept).strip("\n")


def shift_headings(markdown: str, *, top: int) -> str:
    """Move headings down so the highest one is at level ``top`` (max 6); code untouched."""
    lines, _ = scan(markdown)
    levels = [found.level for line in lines if (found := heading(line))]
    if not levels or min(levels) >= top:
        return markdown
    offset = top - min(levels)
    out: list[str] = []
    for line in lines:
        found = heading(line)
        if found:
            out.append(f"{'#' * min(6, found.level + offset)} {found.text}".rstrip())
        else:
            out.append(line.text)
    return "\n".join(out)


def seal(lines: list[str], pad: str = "") -> list[str]:
    """Close a code fence or HTML comment left open at the end of ``lines`` (each closing line
    indented by ``pad``), so the text cannot swallow what follows it in a file."""
    sealed = list(lines)
    for _ in range(4):
        # The leading line keeps a "---" at the top from reading as YAML front matter.
        scanned, fence = scan("-\n" + "\n".join(sealed))
        if fence is not None:
            sealed.append(pad + fence.marker)
        elif scanned[-1].hidden and "-->" not in scanned[-1].text:
            sealed.append(pad + "-->")
        else:
            break
    return sealed
