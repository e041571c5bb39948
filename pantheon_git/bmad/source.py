"""From bytes to checked text: size limit, binary and encoding checks, newline normalisation.

Every refusal is a :class:`StoryFormatError` naming the file and, where it helps, the line.
"""

from __future__ import annotations

import codecs

from pantheon_git.errors import StoryFormatError

MAX_STORY_BYTES = 1024 * 1024
"""The largest story file read. Real stories are 5-100 KB (the biggest fixture is 96 KB)."""

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
_SAVE_AS_UTF8 = "Save the file as UTF-8 (without NUL bytes) and run the command again."


def decode_story(data: bytes, path: str, *, max_bytes: int = MAX_STORY_BYTES) -> str:
    """The file's text: UTF-8 with or without a BOM, newlines normalised to ``\\n``."""
    check_size(len(data), path, max_bytes=max_bytes)
    if data.startswith(_UTF16_BOMS):
        raise StoryFormatError("file is UTF-16 or UTF-32, not UTF-8", path=path, hint=_SAVE_AS_UTF8)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise StoryFormatError(
            f"binary file, not markdown (NUL byte at line {_line_at(data, nul)})",
            path=path,
            line=_line_at(data, nul),
            hint="Only markdown story files can be migrated; move this file out of the way.",
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_at(data, exc.start)
        raise StoryFormatError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line})",
            path=path,
            line=line,
            hint=_SAVE_AS_UTF8,
        ) from None
    return normalize_newlines(text)


def check_size(size: int, path: str, *, max_bytes: int = MAX_STORY_BYTES) -> None:
    if size > max_bytes:
        raise StoryFormatError(
            f"file is {_size(size)}; a story file may be at most {_size(max_bytes)}",
            path=path,
            hint="Split it, or move long notes out of the story, then run the command again.",
        )


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _line_at(data: bytes, offset: int) -> int:
    before = data[:offset]
    return before.count(b"\n") + before.replace(b"\r\n", b"").count(b"\r") + 1


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n} bytes"
