"""``pantheon checkout``: the race-safe lock, the story branch and the story file (``run.py``);
the report or the refusal with alternatives (``report.py``).

The MCP server's `checkout` tool runs the same use case; ``pantheon batch`` takes several
stories through the same ``run.Checkout``, judging them with ``choice``."""

SHARED = ("choice", "report", "run", "run_choosing")
