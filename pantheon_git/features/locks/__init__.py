"""Story locks in Rally: the timed protocol (``run_protocol.py``), release and renew (``run.py``),
the cache's copy (``run_cache.py``), who holds what (``claims.py``) and their reports.

Other features use the lock rules, reports and protocol through ``SHARED`` only.
"""

SHARED = ("claims", "report", "rules", "run", "run_cache")
