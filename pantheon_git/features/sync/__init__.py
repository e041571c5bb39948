"""``pantheon sync``: Rally epics and stories into ``.bmad/rally-cache/`` (``run.py``).

The MCP server's `sync` tool runs the same use case; checkout and completion refresh the cache
through ``run.refresh`` (``rally_auto_sync``)."""

SHARED = ("run",)
