"""``pantheon batch`` (the seed's ``/batch-stories``: "Check locks, update Rally"): check the
locks of a list of stories, or of the next N stories of an epic, and take the free unblocked
ones through checkout's race-safe protocol, all at once; report the rest.

``run.run_batch(app, BatchRequest) -> BatchResult`` is the use case (the MCP server exposes
it as a tool); ``model`` holds the typed result, ``report`` its text and JSON.
"""

SHARED = ("model", "report", "run")
