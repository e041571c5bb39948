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
settings.register_profile("behaviour", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("behaviour")
