"""``pantheon demo``: the seed document's whole story, for real, in a sandbox (``run.py``)."""
