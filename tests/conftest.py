from hypothesis import HealthCheck, settings

pytest_plugins = [
    "tests.support.hermetic",
    "tests.support.gitrepo",
    "tests.support.planning",
    "tests.support.rally",
    "tests.support.locks",
    "tests.support.hooks",
    "tests.support.sync",
]

# Tests assert behaviour, never wall time: Hypothesis's per-example deadline and its
# too-slow health check are timings (they failed on the shared machine under load). A test
# that lists health checks of its own adds them to these (`*settings().suppress_health_check`).
#
# The suite is reproducible: each property test draws the same examples on every run and
# every machine, so a red CI run is a real change, and re-running it shows the same failure.
# Looking for new failures is a separate, deliberate run with fresh random examples:
#     .venv/bin/python -m pytest -n 2 --hypothesis-profile=explore
# and whatever it finds is pinned with @example before the fix lands.
_BEHAVIOUR = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("behaviour", derandomize=True, **_BEHAVIOUR)
settings.register_profile("explore", **_BEHAVIOUR)
settings.load_profile("behaviour")
