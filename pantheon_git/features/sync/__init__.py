"""``pantheon sync``: Rally epics and stories into ``.bmad/rally-cache/`` (``run.py``)."""

# The MCP server's `sync` tool runs the same use case.
SHARED = ("run",)
