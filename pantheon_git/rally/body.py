"""Reading a reply's body with a size cap, decompressing it ourselves within the same cap.

A reply is read as it arrives and dropped as soon as it passes the cap, so a huge reply never
sits in memory whole; a compressed reply is inflated in steps that never produce more than the
cap allows, so a small gzip bomb cannot expand into gigabytes either.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

ACCEPT_ENCODING = "gzip, deflate"
"""What we ask for: the encodings this module can inflate under the cap."""
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
_STEP = 1 << 16


class TooLarge(Exception):
    """The reply (after decompression) is larger than the cap."""


class BadEncoding(Exception):
    """The reply's Content-Encoding is unknown, or its compressed data is broken."""


def read_capped(chunks: Iterable[bytes], encoding: str | None, cap: int) -> bytes:
    """The body from its raw ``chunks``, decoded from ``encoding``, at most ``cap`` bytes."""
    names = [e.strip().lower() for e in (encoding or "").split(",") if e.strip()]
    names = [e for e in names if e != "identity"]
    if not names:
        return _join(chunks, cap)
    if len(names) > 1 or names[0] not in _WBITS:
        raise BadEncoding(f"Content-Encoding {encoding!r} is not one we asked for")
    return _inflate(chunks, names[0], cap)


def _join(chunks: Iterable[bytes], cap: int) -> bytes:
    out = bytearray()
    for chunk in chunks:
        out += chunk
        if len(out) > cap:
            raise TooLarge(f"more than {cap} bytes")
    return bytes(out)


def _inflate(chunks: Iterable[bytes], name: str, cap: int) -> bytes:
    wbits = _WBITS[name]
    inflater = zlib.decompressobj(wbits)
    out = bytearray()
    first = True
    for chunk in chunks:
        if first and name == "deflate" and chunk:
            # Some servers send raw deflate without the zlib header (as httpx also allows).
            if not _has_zlib_header(chunk):
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            first = False
        data = chunk
        while data:
            try:
                piece = inflater.decompress(data, _STEP)
            except zlib.error as exc:
                raise BadEncoding(f"broken {name} data: {exc}") from None
            out += piece
            if len(out) > cap:
                raise TooLarge(f"more than {cap} bytes once decompressed")
            data = inflater.unconsumed_tail
            if inflater.eof:
                break
    try:
        out += inflater.flush()
    except zlib.error as exc:
        raise BadEncoding(f"broken {name} data: {exc}") from None
    if len(out) > cap:
        raise TooLarge(f"more than {cap} bytes once decompressed")
    return bytes(out)


def _has_zlib_header(chunk: bytes) -> bool:
    return len(chunk) >= 2 and (chunk[0] & 0x0F) == 8 and (chunk[0] << 8 | chunk[1]) % 31 == 0
