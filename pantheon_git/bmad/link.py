"""Put the ``Rally: US123 <url>`` line under a story's title, changing nothing else.

Works on the file's bytes so that every other byte (BOM, CRLF line ends, a missing final
newline) stays exactly as it was.
"""

from __future__ import annotations

import codecs
import re

from pantheon_git.bmad.model import ParsedStory

_LINE_END_RE = re.compile(rb"(\r\n|\r|\n)")


def with_rally_line(data: bytes, parsed: ParsedStory, line: str) -> bytes:
    """``data`` with ``line`` replacing the story's Rally line, or inserted after its title.

    ``parsed`` must come from ``data`` (its line numbers are used). Inserting gives::

        # Story 1.2: Title
        <blank>
        Rally: US123 https://...
        <what followed the title>
    """
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    pieces = _LINE_END_RE.split(data[len(bom) :])
    contents, ends = pieces[0::2], [*pieces[1::2], b""]
    encoded = line.encode("utf-8")
    if parsed.rally is not None:
        contents[parsed.rally.line - 1] = encoded
    else:
        index = parsed.title_line - 1
        newline = ends[index] or _first_line_end(ends)
        ends[index] = newline
        contents[index + 1 : index + 1] = [b"", encoded]
        ends[index + 1 : index + 1] = [newline, newline]
    return bom + b"".join(c + e for c, e in zip(contents, ends, strict=True))


def _first_line_end(ends: list[bytes]) -> bytes:
    return next((end for end in ends if end), b"\n")
