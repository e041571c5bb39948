"""Rally references in every form a reply or a user may give, reduced to one: ``/type/oid``.

Forms accepted: an absolute URL (``https://host/slm/webservice/v2.0/hierarchicalrequirement/1``),
``/hierarchicalrequirement/1``, ``hierarchicalrequirement/1``, a ``{"_ref": ...}`` shell, a
record (``records.py``: anything with a ``ref``), and portfolio-item paths
(``/portfolioitem/feature/7``). An optional ``.js`` suffix is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

from pantheon_git.errors import RallyError

API_PREFIX = "/slm/webservice/v2.0"
_TYPE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(/[A-Za-z][A-Za-z0-9_]*)?$")
_REF_RE = re.compile(r"^/?(?P<type>[A-Za-z][A-Za-z0-9_]*(?:/[A-Za-z][A-Za-z0-9_]*)?)/(?P<oid>\d+)$")


class HasRef(Protocol):
    """A record of an object (``records.py``)."""

    @property
    def ref(self) -> str: ...


RefLike = str | Mapping[str, Any] | HasRef


def type_segment(type_path: str) -> str:
    """URL segment of a type: ``PortfolioItem/Feature`` -> ``portfolioitem/feature``."""
    if not _TYPE_RE.match(type_path or ""):
        raise RallyError(f"not a Rally type name: {type_path!r}")
    return type_path.lower()


_PLAIN_RE = re.compile(
    r"^(?:https?://[^/?#\s]*/slm/webservice/v2\.0)?"
    r"/(?P<type>[A-Za-z][A-Za-z0-9_]*(?:/[A-Za-z][A-Za-z0-9_]*)?)/(?P<oid>\d+)$"
)
"""The forms replies and records use (an absolute URL, ``/type/oid``): read in one match."""


def ref_path(ref: RefLike) -> str:
    """Any form of a reference -> the relative ``/type/oid`` (type lower-cased)."""
    if type(ref) is str:
        plain = _PLAIN_RE.match(ref)
        if plain is not None:
            return f"/{plain.group('type').lower()}/{plain.group('oid')}"
    if isinstance(ref, Mapping):
        text = ref.get("_ref")
    elif isinstance(ref, str):
        text = ref
    else:
        text = getattr(ref, "ref", None)
    if not isinstance(text, str) or not text:
        raise RallyError(f"not a Rally reference: {ref!r}")
    path = text.strip()
    if "://" in path:
        path = path.split("://", 1)[1]
        path = path[path.find("/") :] if "/" in path else ""
    if API_PREFIX in path:
        path = path.split(API_PREFIX, 1)[1]
    path = path.split("?", 1)[0]
    if path.endswith(".js"):
        path = path[:-3]
    match = _REF_RE.match(path)
    if not match:
        raise RallyError(f"not a Rally reference: {text!r}")
    return f"/{match.group('type').lower()}/{match.group('oid')}"


def ref_oid(ref: RefLike) -> int:
    return int(ref_path(ref).rsplit("/", 1)[1])


def ref_type(ref: RefLike) -> str:
    """``/portfolioitem/feature/7`` -> ``portfolioitem/feature``."""
    return ref_path(ref).rsplit("/", 1)[0].lstrip("/")


def make_ref(type_path: str, oid: int | str) -> str:
    text = str(oid).strip()
    if not text.isdigit():
        raise RallyError(f"not an ObjectID: {oid!r}")
    return f"/{type_segment(type_path)}/{int(text)}"


def is_ref(value: object) -> bool:
    if not isinstance(value, str | Mapping):
        value = getattr(value, "ref", None)
        if not isinstance(value, str):
            return False
    try:
        ref_path(value)
    except RallyError:
        return False
    return True


def same_ref(left: RefLike | None, right: RefLike | None) -> bool:
    """Whether two references (any forms) name the same object; two missing ones do too."""
    if not left or not right:
        return not left and not right
    try:
        return ref_path(left) == ref_path(right)
    except RallyError:
        return False
