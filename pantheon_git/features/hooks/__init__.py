"""The git hooks: what each stage checks (``run.py``, ``run_prepush.py``) and installing them
(``run_install.py``; ``pantheon init`` installs, ``pantheon doctor`` checks).
"""

SHARED = ("run_githooks", "run_install")
