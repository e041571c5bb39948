"""A local Rally WSAPI v2.0 emulator: a real HTTP server on 127.0.0.1 over an SQLite store.

Like moto for AWS. Run it with ``pantheon rally serve``, or in-process::

    from pantheon_git.rally.emulator import start

    with start(seed="demo") as rally:
        rally.url, rally.api_key, rally.workspace, rally.project

In-process, without a socket (an ``httpx.MockTransport`` over the handler core)::

    from pantheon_git.rally.emulator import Emulator, Options, Store, mock_transport

    emulator = Emulator(Store(), Options(seed="demo"))
    emulator.seed(stories=5000, epics=10, tasks_per_story=3, predecessors=2)
    client = httpx.Client(transport=mock_transport(emulator), base_url="http://rally.test")

It speaks the subset of WSAPI in research/rally-wsapi.md ("Emulator must serve") and is never
kinder than Rally: last write wins, application errors are HTTP 200 with ``Errors[]``, a bad
key gets Rally's 401 HTML page.

Modules: ``schema`` (types and attributes), ``store`` (SQLite + mirror), ``query`` and
``evaluate`` (the query grammar), ``render`` (JSON shapes), ``writes`` (create, update, delete),
``handler`` (WSAPI routes), ``control`` (``/_emulator/``), ``faults``, ``seed``, ``app`` (the
handler core: :class:`Emulator`), ``server`` (the socket side).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pantheon_git.rally.emulator.app import Emulator, Options, mock_transport
    from pantheon_git.rally.emulator.server import EmulatorHandle, start
    from pantheon_git.rally.emulator.store import Store
    from pantheon_git.rally.emulator.wire import Request, Response

__all__ = [
    "Emulator",
    "EmulatorHandle",
    "Options",
    "Request",
    "Response",
    "Store",
    "mock_transport",
    "start",
]

_WHERE = {
    "Emulator": "app",
    "Options": "app",
    "mock_transport": "app",
    "EmulatorHandle": "server",
    "start": "server",
    "Store": "store",
    "Request": "wire",
    "Response": "wire",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(name)

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
