"""Overlapping story branches: which stories change the same files (``overlap.py``), and trial
merges for ``--precise``. The pre-push hook and ``pantheon ci`` run the same check.
"""

SHARED = ("report", "run")
