pytest_plugins = [
    "tests.support.hermetic",
    "tests.support.gitrepo",
    "tests.support.planning",
    "tests.support.rally",
    "tests.support.locks",
    "tests.support.hooks",
    "tests.support.sync",
]
