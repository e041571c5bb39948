pytest_plugins = [
    "tests.support.hermetic",
    "tests.support.gitrepo",
    "tests.support.rally",
    "tests.support.sync",
]
