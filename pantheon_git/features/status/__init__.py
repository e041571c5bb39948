"""``pantheon status``: the board per epic (``board.py``, also shown after a sync) and the
drift between Rally and git.
"""

SHARED = ("board",)
