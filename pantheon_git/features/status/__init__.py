"""``pantheon status``: the board per epic (``board.py``, also shown after a sync) and the
drift between Rally and git.
"""

# The MCP server's `status` tool runs the use case and renders its document.
SHARED = ("board", "report", "run")
