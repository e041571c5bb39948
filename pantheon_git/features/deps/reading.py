"""Files a story only reads: no conflict with the stories that write them.

Two stories conflict over a file when both create or change it. A story that takes values
from a file ("Box sizes from `config/storage_params.yaml`", "The controller names are loaded
from `x.yaml`", "Read `a.yaml` and `b.yaml`", "Parse `x.yaml` with yaml.safe_load()",
"Follow `docs/migration.md`", "the timeout is set in action_servers.yaml", "Given
`config/kinematic_chains.yaml` defines joint groups, ...") uses what is in it: it waits for
the story that makes the file, and can run beside the stories that change it. A sentence that
also says the story writes the file ("Add a section to `x.yaml`", "Create `x.yaml` with the
values from ...") is no read.
"""

from __future__ import annotations

import re

from pantheon_git.features.deps.facts import Facts
from pantheon_git.features.deps.paths import is_fixture_path

_WORD = r"[`'\"]?"
_READ_BEFORE_RE = re.compile(
    # "loaded from", "Box sizes from", "comes from": the path is where values come from
    r"\bfrom\s*" + _WORD + r"$"
    # "thresholds are read from [tool.docvet.freshness] in pyproject.toml"
    r"|\b(?:read|reads|loaded|loads|parsed|parses)\s+from\b"
    # "Read `a` and", "Parse", "Follow", "see", "load": a reading verb governs the path
    r"|\b(?:read|reads|reading|parse|parses|parsing|load|loads|loading|follow|follows|see|"
    r"consult|consults)\s+(?:the\s+)?(?:"
    + _WORD
    + r"[\w./{}-]+"
    + _WORD
    + r"\s*(?:,|and)\s*)*"
    + _WORD
    + r"$"
    # "is set in", "are defined in", "listed in", "stay in": the values are there
    r"|\b(?:set|defined|declared|listed|configured|given|stay|stays)\s+in\s*" + _WORD + r"$"
    # "Share the timeout and tolerance of", "from the cabinet_rows section of", "checked against
    # the cabinets of": a part of the file, taken (not "Part of x.html": the story's work)
    r"|\b(?:from|share|shares|against)\b[^.;]*\bof\s*" + _WORD + r"$"
    # "the end_effector_frame entries of left_gripper in", "the cabinet_rows section of"
    r"|\b(?:section|sections|entry|entries|setting|settings)\b[^.;]*"
    r"\b(?:of|in)\s*" + _WORD + r"$"
    # "Given `x.yaml` defines ...": a precondition names what is there already
    r"|^\s*given\s*" + _WORD + r"$",
    re.IGNORECASE,
)
_WRITE_RE = re.compile(
    r"\b(?:add|adds|adding|create|creates|creating|write|writes|writing|replace|replaces|"
    r"update|updates|extend|extends|edit|edits|change|changes|modify|modifies|append|appends|"
    r"generate|generates|rename|renames|remove|removes|delete|deletes|move|moves|put|puts|"
    r"goes|go|new|export|exports|exported)\b",
    re.IGNORECASE,
)


def reads(sentence: str, path: str) -> bool:
    """Whether ``sentence`` names ``path`` (at its first mention) as a file it reads."""
    at = sentence.find(path)
    if at < 0:
        return False
    while at > 0 and not sentence[at - 1].isspace() and sentence[at - 1] not in "`'\"(":
        at -= 1  # "config/x.yaml" inside "`pkg/config/x.yaml`": the longer path's start
    if _RUN_RE.match(sentence, at + len(path)) or sentence.startswith("./", at):
        return True  # "`./scripts/install.sh --uninstall`", "`curl .../install.sh | bash`"
    clause = re.split(r"[;:]|,\s(?!and\b)", sentence[:at])[-1]
    return bool(_READ_BEFORE_RE.search(clause)) and not _WRITE_RE.search(clause)


_RUN_RE = re.compile(r"[^\s`]*\s*(?:\|\s*(?:ba)?sh\b|\s--?[a-z])")
"""A script run in a command line: piped to a shell, or given flags."""


def reads_only(facts: Facts, path: str) -> bool:
    """Whether every sentence of the story that names ``path`` reads it (and one does). A test
    fixture is another matter: tests that load one share it (the test rule)."""
    if path.startswith("fixture:") or is_fixture_path(path):
        return False
    first = facts.files.get(path)
    if first is not None and not reads(first, path):
        return False  # most files are written where they are first named: no scan
    said = [s.text for s in facts.sentences if path in s.text]
    return bool(said) and all(reads(text, path) for text in said)
