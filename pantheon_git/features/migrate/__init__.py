"""``pantheon migrate``: BMAD markdown stories into Rally, journaled and reversible."""

# The MCP server's `migrate` tool runs the same use case.
SHARED = ("run",)
