"""``pantheon doctor``: every check of the setup, each with the command that fixes it."""

# The MCP server's `doctor` tool runs the same use case.
SHARED = ("run",)
