"""A client's reads and writes with the replies as Rally sent them (``client.wire``): for the
emulator's tests, the benchmarks and ``rally/``'s own plumbing. Use cases read records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pantheon_git.rally.replies import Item, as_sent

if TYPE_CHECKING:
    from pantheon_git.core.keys import StoryKey
    from pantheon_git.rally.client import RallyClient
    from pantheon_git.rally.query import Query
    from pantheon_git.rally.refs import RefLike


class Wire:
    """Each method is the client's, with ``decode=as_sent``."""

    def __init__(self, client: RallyClient) -> None:
        self._client = client

    def query(self, type_path: str, where: Query | None = None, **options: Any) -> list[Item]:
        return self._client.query(type_path, where, decode=as_sent, **options)

    def get(self, ref: RefLike, oid: int | None = None, **options: Any) -> Item:
        return self._client.get(ref, oid, decode=as_sent, **options)

    def find_story(self, key: StoryKey | str, **options: Any) -> Item:
        return self._client.find_story(key, decode=as_sent, **options)

    def collection(self, ref: RefLike, name: str, **options: Any) -> list[Item]:
        return self._client.collection(ref, name, decode=as_sent, **options)

    def create(self, type_path: str, fields: Mapping[str, Any], **options: Any) -> Item:
        return self._client.create(type_path, fields, decode=as_sent, **options)

    def update(self, ref: RefLike, fields: Mapping[str, Any], **options: Any) -> Item:
        return self._client.update(ref, fields, decode=as_sent, **options)
