"""What every document in ``.bmad/rally-cache/`` shares: a ``"schema"`` version in the file, a
check on read, and one error for a document this version did not write.

Each document has its own module (``meta``, ``epics``, ``stories``, ``index``, ``assignments``,
``dependencies``, ``workstreams``) with a typed record, ``read`` and ``write``; nobody else
opens these files. A document that is unreadable, is not JSON, has another schema version than
the one this version writes, or has the wrong shape is ``CacheCorrupt`` (exit 3) with one line
that names the file and the command that rebuilds it::

    .bmad/rally-cache/dependencies.json was written by an older pantheon (schema 1; this one
    reads 2): run `pantheon deps` to rebuild it

``Fields`` reads a JSON object one checked field at a time; what is wrong is a ``Bad`` naming
where (``edges[3].to: expected a story key``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pantheon_git.core import jsonio
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.timefmt import parse_time
from pantheon_git.errors import CacheCorrupt, UsageError

if TYPE_CHECKING:
    from pantheon_git.cache.store import Cache

T = TypeVar("T")

SYNC = "pantheon sync"
RESYNC = "pantheon sync --force"


@dataclass(frozen=True)
class Kind:
    """A kind of document: its file name, the version this pantheon writes, and the command
    that writes it again."""

    name: str
    schema: int
    rebuild: str


class Target(Protocol):
    """Where a document is written: the live cache (``Cache``, atomic) or the next
    generation a sync builds (``Staging``)."""

    def write_json(self, name: str, data: Any) -> Any: ...


class Bad(ValueError):
    """A document's shape is not the one its schema promises."""


class OtherVersion(Bad):
    """A document of another schema version (or of none): the message is a whole phrase."""


def read(
    cache: Cache, kind: Kind, parse: Callable[[Fields], T], rel: str | None = None
) -> T | None:
    """The document ``rel`` (default: ``kind.name``) of the cache, checked and typed; ``None``
    when there is no such file."""
    path = cache.path(rel or kind.name)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise unreadable(cache, path, kind, f"cannot be read ({exc.strerror or exc})") from None
    return parse_bytes(cache, path, kind, data, parse)


def parse_bytes(
    cache: Cache, path: Path, kind: Kind, data: bytes, parse: Callable[[Fields], T]
) -> T:
    try:
        doc = jsonio.loads(data)
    except jsonio.DecodeError as exc:
        problem = f"is not JSON (line {exc.lineno}: {exc.msg})"
        raise unreadable(cache, path, kind, problem) from None
    try:
        return parse(checked(doc, kind))
    except OtherVersion as exc:
        raise unreadable(cache, path, kind, str(exc)) from None
    except Bad as exc:
        problem = f"is not in the shape this version writes ({exc})"
        raise unreadable(cache, path, kind, problem) from None


def checked(doc: Any, kind: Kind) -> Fields:
    """The document's fields when its version is ``kind.schema``; ``Bad`` says why not."""
    if not isinstance(doc, dict):
        raise OtherVersion("is not a JSON object")
    found = doc.get("schema")
    if found == kind.schema and type(found) is int:
        return Fields(doc)
    if found is None:
        raise OtherVersion("has no schema version (an older pantheon wrote it)")
    if type(found) is not int:
        raise OtherVersion(f"has an unknown schema version {found!r}"[:120])
    age = "an older" if found < kind.schema else "a newer"
    raise OtherVersion(
        f"was written by {age} pantheon (schema {found}; this one reads {kind.schema})"
    )


def unreadable(cache: Cache, path: Path, kind: Kind, problem: str) -> CacheCorrupt:
    """The one-line error: the file, what is wrong, and the command that rebuilds it."""
    return CacheCorrupt(f"{shown(cache, path)} {problem}: run `{kind.rebuild}` to rebuild it")


def shown(cache: Cache, path: Path) -> str:
    """The path as the user knows it: relative to the repository root."""
    try:
        return path.relative_to(cache.root).as_posix()
    except ValueError:
        return str(path)


def new(kind: Kind, **fields: Any) -> dict[str, Any]:
    """A document of ``kind``: its schema version first, then ``fields``."""
    return {"schema": kind.schema, **fields}


_MISSING: Any = object()


class Fields:
    """A JSON object read one checked field at a time (``where`` names it in errors)."""

    __slots__ = ("doc", "where")

    def __init__(self, doc: Any, where: str = "") -> None:
        if not isinstance(doc, dict):
            raise Bad(f"{where or 'the document'}: expected an object")
        self.doc: dict[str, Any] = doc
        self.where = where

    def _at(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def _get(self, name: str, default: Any) -> Any:
        value = self.doc.get(name, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise Bad(f"{self._at(name)}: missing")
            return default
        return value

    def text(self, name: str, default: Any = _MISSING) -> str:
        value = self._get(name, default)
        if not isinstance(value, str):
            raise Bad(f"{self._at(name)}: expected text, found {_kind(value)}")
        return value

    def opt_text(self, name: str) -> str | None:
        value = self.doc.get(name)
        if value is not None and not isinstance(value, str):
            raise Bad(f"{self._at(name)}: expected text or null, found {_kind(value)}")
        return value

    def integer(self, name: str, default: Any = _MISSING) -> int:
        value = self._get(name, default)
        if type(value) is not int:
            raise Bad(f"{self._at(name)}: expected a whole number, found {_kind(value)}")
        return value

    def opt_integer(self, name: str) -> int | None:
        return None if self.doc.get(name) is None else self.integer(name)

    def number(self, name: str, default: Any = _MISSING) -> float:
        value = self._get(name, default)
        if type(value) not in (int, float):
            raise Bad(f"{self._at(name)}: expected a number, found {_kind(value)}")
        return float(value)

    def opt_number(self, name: str) -> float | None:
        return None if self.doc.get(name) is None else self.number(name)

    def flag(self, name: str, default: Any = _MISSING) -> bool:
        value = self._get(name, default)
        if type(value) is not bool:
            raise Bad(f"{self._at(name)}: expected true or false, found {_kind(value)}")
        return value

    def time(self, name: str) -> datetime:
        text = self.text(name)
        try:
            return parse_time(text)
        except UsageError:
            raise Bad(f"{self._at(name)}: not a timestamp: {text!r}") from None

    def opt_time(self, name: str) -> datetime | None:
        return None if self.doc.get(name) is None else self.time(name)

    def key(self, name: str) -> StoryKey:
        return as_key(self._get(name, _MISSING), self._at(name))

    def mapping(self, name: str, default: Any = _MISSING) -> dict[str, Any]:
        value = self._get(name, default)
        if not isinstance(value, dict):
            raise Bad(f"{self._at(name)}: expected an object, found {_kind(value)}")
        return value

    def obj(self, name: str) -> Fields:
        return Fields(self.mapping(name), self._at(name))

    def items(self, name: str, default: Any = _MISSING) -> list[Any]:
        value = self._get(name, default)
        if value is default:
            return list(value)  # the reader's own default for a field older files lack
        if not isinstance(value, list):
            raise Bad(f"{self._at(name)}: expected a list, found {_kind(value)}")
        return value

    def objs(self, name: str, default: Any = _MISSING) -> Iterator[Fields]:
        at = self._at(name)
        for index, item in enumerate(self.items(name, default)):
            yield Fields(item, f"{at}[{index}]")

    def keys(self, name: str, default: Any = _MISSING) -> tuple[StoryKey, ...]:
        at = self._at(name)
        return tuple(as_key(v, f"{at}[{i}]") for i, v in enumerate(self.items(name, default)))

    def texts(self, name: str, default: Any = _MISSING) -> tuple[str, ...]:
        values = self.items(name, default)
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise Bad(f"{self._at(name)}[{index}]: expected text, found {_kind(value)}")
        return tuple(values)

    def entries(self, name: str) -> Iterator[tuple[str, Fields]]:
        """The members of an object whose values are objects, with their names."""
        at = self._at(name)
        for member, value in self.mapping(name).items():
            yield member, Fields(value, f"{at}.{member}")


def as_key(value: Any, where: str) -> StoryKey:
    if isinstance(value, str):
        key = StoryKey.try_parse(value)
        if key is not None:
            return key
    raise Bad(f"{where}: expected a story key, found {value!r}"[:200])


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, Mapping) else type(value).__name__
